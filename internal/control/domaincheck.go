package control

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/ownership"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// DefaultDomainGrace is how long a verified domain's proof may be missing
// before the domain is unverified, when no grace period is configured:
// Aiven warns that DNS changes can take 72 hours to propagate.
const DefaultDomainGrace = 72 * time.Hour

// system is the actor of events the server writes on its own.
var system = &Actor{}

// WatchDomains re-checks verified domains every domainRecheck interval
// until ctx ends; it returns at once when re-checking is off. Every
// server may run it: a check another server made recently is not repeated,
// and the state changes are decided inside a transaction.
func (p *Plane) WatchDomains(ctx context.Context) {
	if p.cfg.domainRecheck <= 0 {
		return
	}
	t := time.NewTicker(p.cfg.domainRecheck)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := p.RecheckDomains(ctx); err != nil && ctx.Err() == nil {
				p.log.Warn("re-checking domains failed", "err", err)
			}
		}
	}
}

// RecheckDomains checks the proof of every verified domain not checked in
// the last half interval. A proof found missing is reported with an event;
// one missing for the grace period unverifies the domain, releasing its
// users, with an event; one back in place is reported too. A lookup that
// cannot be answered (timeout, server failure) changes nothing.
func (p *Plane) RecheckDomains(ctx context.Context) error {
	var domains []org.Domain
	if err := p.read(ctx, func(tx store.Reader) error {
		var err error
		domains, err = tx.ListVerifiedDomains()
		return err
	}); err != nil {
		return err
	}
	var errs []error
	for _, d := range domains {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if d.CheckTime != nil && p.now().Sub(*d.CheckTime) < p.cfg.domainRecheck/2 {
			continue
		}
		err := p.checkProof(ctx, d.VerificationType, d.Name, d.ChallengeToken)
		if errors.Is(err, ownership.ErrLookup) {
			p.log.Warn("re-checking a domain could not look up its proof", "domain", d.Name, "organization", d.OrganizationID, "err", err)
			continue
		}
		if err != nil && !errors.Is(err, ownership.ErrNotProven) {
			errs = append(errs, err)
			continue
		}
		if err := p.recordRecheck(ctx, d, err); err != nil {
			errs = append(errs, fmt.Errorf("domain %s: %w", d.Name, err))
		}
	}
	return errors.Join(errs...)
}

func (p *Plane) grace() time.Duration {
	if p.cfg.domainGrace > 0 {
		return p.cfg.domainGrace
	}
	return DefaultDomainGrace
}

// recordRecheck applies one re-check's outcome (checkErr nil: the proof is
// in place) to the domain as it is now in the store.
func (p *Plane) recordRecheck(ctx context.Context, checked org.Domain, checkErr error) error {
	var released []string
	err := p.write(ctx, func(tx store.Tx) error {
		d, err := tx.GetDomain(checked.ID)
		if errors.Is(err, store.ErrNotFound) {
			return nil // removed meanwhile
		}
		if err != nil {
			return err
		}
		if !d.Verified() || d.VerificationType != checked.VerificationType {
			return nil // changed meanwhile: the next pass looks again
		}
		o, err := tx.GetOrganization(d.OrganizationID)
		if err != nil {
			return err
		}
		now := p.now().UTC()
		d.CheckTime = &now
		switch {
		case checkErr == nil && d.MissingSince == nil:
			return tx.UpdateDomain(d)
		case checkErr == nil:
			d.MissingSince = nil
			if err := tx.UpdateDomain(d); err != nil {
				return err
			}
			return p.event(tx, system, eventOf{org: o.ID, account: o.AccountID, action: "domain_proof_restored", desc: fmt.Sprintf("The ownership proof of domain %s is back in place", d.Name)})
		case d.MissingSince == nil:
			d.MissingSince = &now
			if err := tx.UpdateDomain(d); err != nil {
				return err
			}
			p.log.Warn("a verified domain's ownership proof is missing", "domain", d.Name, "organization", o.ID, "err", checkErr)
			return p.event(tx, system, eventOf{org: o.ID, account: o.AccountID, action: "domain_proof_missing", desc: fmt.Sprintf("The ownership proof of domain %s is missing: %s. The domain will be unverified after %s unless it is restored",
				d.Name, checkErr, now.Add(p.grace()).Format(time.RFC3339))})
		case now.Sub(*d.MissingSince) < p.grace():
			return tx.UpdateDomain(d)
		}
		missing := *d.MissingSince
		d.State, d.VerifyTime, d.MissingSince = org.DomainUnverified, nil, nil
		if err := tx.UpdateDomain(d); err != nil {
			return err
		}
		if released, err = p.releaseDomainUsers(tx, d); err != nil {
			return err
		}
		p.log.Warn("unverified a domain whose ownership proof went missing", "domain", d.Name, "organization", o.ID, "missing_since", missing)
		return p.event(tx, system, eventOf{org: o.ID, account: o.AccountID, action: "domain_unverify", desc: fmt.Sprintf("Unverified domain %s: its ownership proof has been missing since %s (%s); %d users are no longer managed",
			d.Name, missing.Format(time.RFC3339), checkErr, len(released))})
	})
	p.forgetUsers(released)
	return err
}
