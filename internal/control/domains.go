package control

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/ownership"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Domain operations: Aiven's, plus reading one domain (Aiven lists them
// only; Gatehouse shows one with its proof instructions).
const (
	OpOrganizationDomainAdd     Op = "OrganizationDomainAdd"
	OpOrganizationDomainGet     Op = "OrganizationDomainGet"
	OpOrganizationDomainsList   Op = "OrganizationDomainsList"
	OpOrganizationDomainUpdate  Op = "OrganizationDomainUpdate"
	OpOrganizationDomainVerify  Op = "OrganizationDomainVerify"
	OpOrganizationDomainsRemove Op = "OrganizationDomainsRemove"
)

func init() {
	addRequirements(map[Op]rule{
		OpOrganizationDomainAdd:     anyOf("organization:domains:write"),
		OpOrganizationDomainGet:     anyOf("organization:domains:write"),
		OpOrganizationDomainsList:   anyOf("organization:domains:write"),
		OpOrganizationDomainUpdate:  anyOf("organization:domains:write"),
		OpOrganizationDomainVerify:  anyOf("organization:domains:write"),
		OpOrganizationDomainsRemove: anyOf("organization:domains:write"),
	})
}

// maxDomains bounds how many domains one organization may claim.
const maxDomains = 100

// DomainProof says how to prove ownership of a domain: the TXT record to
// publish, or the URL to serve the token at.
type DomainProof struct {
	RecordName  string
	RecordValue string
	FileURL     string
}

// DomainProof returns the proof instructions of d.
func (p *Plane) DomainProof(d org.Domain) DomainProof {
	return DomainProof{
		RecordName:  p.cfg.proof.RecordName(d.Name),
		RecordValue: ownership.RecordValue(d.ChallengeToken),
		FileURL:     p.cfg.proof.FileURL(d.Name),
	}
}

// AddDomain claims a domain for an organization, unverified, with a new
// challenge token.
func (p *Plane) AddDomain(ctx context.Context, a *Actor, orgID, name, verificationType string) (org.Domain, error) {
	name, err := org.ValidateDomainName("domain_name", name)
	if err != nil {
		return org.Domain{}, err
	}
	vt, err := org.ValidateVerificationType(verificationType)
	if err != nil {
		return org.Domain{}, err
	}
	var d org.Domain
	err = p.write(ctx, func(tx store.Tx) error {
		o, err := p.authorizedOrg(tx, a, OpOrganizationDomainAdd, orgID)
		if err != nil {
			return err
		}
		existing, err := tx.ListDomains(o.ID)
		if err != nil {
			return err
		}
		if len(existing) >= maxDomains {
			return fail(ErrConflict, "Organization already has %d domains, the most allowed", len(existing))
		}
		d = org.Domain{ID: org.NewID(org.PrefixDomain), OrganizationID: o.ID, Name: name, ChallengeToken: org.NewChallengeToken(),
			VerificationType: vt, State: org.DomainUnverified, CreateTime: p.now().UTC()}
		if err := tx.CreateDomain(d); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return fail(ErrConflict, "Domain %s was already added to this organization", name)
			}
			return err
		}
		return p.event(tx, a, eventOf{org: o.ID, account: o.AccountID, action: "domain_add", desc: fmt.Sprintf("Added domain %s (%s verification)", name, vt)})
	})
	return d, err
}

// domain loads a domain of an organization, or answers 404.
func (p *Plane) domain(tx store.Reader, orgID, id string) (org.Domain, error) {
	if err := org.ValidateID("domain_id", org.PrefixDomain, id); err != nil {
		return org.Domain{}, err
	}
	d, err := tx.GetDomain(id)
	if err != nil || d.OrganizationID != orgID {
		// Another organization's domain is as unknown as a missing one.
		return org.Domain{}, notFound(store.ErrNotFound, "Domain not found")
	}
	return d, nil
}

// orgDomain loads and authorizes: the organization, the actor's right for
// op on it, and the domain.
func (p *Plane) orgDomain(tx store.Reader, a *Actor, op Op, orgID, id string) (org.Organization, org.Domain, error) {
	o, err := p.organization(tx, orgID)
	if err != nil {
		return o, org.Domain{}, err
	}
	if err := p.authorize(tx, a, op, orgRes(o.ID)); err != nil {
		return o, org.Domain{}, err
	}
	d, err := p.domain(tx, o.ID, id)
	return o, d, err
}

// GetDomain returns one domain with its challenge token.
func (p *Plane) GetDomain(ctx context.Context, a *Actor, orgID, id string) (org.Domain, error) {
	var d org.Domain
	err := p.read(ctx, func(tx store.Reader) error {
		var err error
		_, d, err = p.orgDomain(tx, a, OpOrganizationDomainGet, orgID, id)
		return err
	})
	return d, err
}

// ListDomains returns an organization's domains.
func (p *Plane) ListDomains(ctx context.Context, a *Actor, orgID string) ([]org.Domain, error) {
	var out []org.Domain
	err := p.read(ctx, func(tx store.Reader) error {
		o, err := p.authorizedOrg(tx, a, OpOrganizationDomainsList, orgID)
		if err != nil {
			return err
		}
		out, err = tx.ListDomains(o.ID)
		return err
	})
	return out, err
}

// UpdateDomain changes how a domain's ownership is proven. A verified
// domain stays verified; the background re-check then uses the new method.
func (p *Plane) UpdateDomain(ctx context.Context, a *Actor, orgID, id, verificationType string) (org.Domain, error) {
	if verificationType == "" {
		return org.Domain{}, fail(ErrInvalid, "verification_type is required (dns or http)")
	}
	vt, err := org.ValidateVerificationType(verificationType)
	if err != nil {
		return org.Domain{}, err
	}
	var d org.Domain
	err = p.write(ctx, func(tx store.Tx) error {
		o, dom, err := p.orgDomain(tx, a, OpOrganizationDomainUpdate, orgID, id)
		if err != nil {
			return err
		}
		d = dom
		if d.VerificationType == vt {
			return nil
		}
		old := d.VerificationType
		d.VerificationType = vt
		if err := tx.UpdateDomain(d); err != nil {
			return err
		}
		return p.event(tx, a, eventOf{org: o.ID, account: o.AccountID, action: "domain_update", desc: fmt.Sprintf("Domain %s verification type changed from %s to %s", d.Name, old, vt)})
	})
	return d, err
}

// VerifyDomain checks the domain's proof now. On success the domain is
// verified (for this organization only: 409 if another verified it first)
// and every user with an email on it becomes managed by the organization.
// On failure the error says what was looked up and what was found.
func (p *Plane) VerifyDomain(ctx context.Context, a *Actor, orgID, id string) (org.Domain, error) {
	var d org.Domain
	// The lookup happens outside any transaction: it may take seconds.
	err := p.read(ctx, func(tx store.Reader) error {
		var err error
		_, d, err = p.orgDomain(tx, a, OpOrganizationDomainVerify, orgID, id)
		return err
	})
	if err != nil {
		return d, err
	}
	if err := p.checkProof(ctx, d.VerificationType, d.Name, d.ChallengeToken); err != nil {
		if errors.Is(err, ownership.ErrNotProven) || errors.Is(err, ownership.ErrLookup) {
			return d, fail(ErrInvalid, "Domain %s is not verified: %s", d.Name, err.Error())
		}
		return d, err
	}
	var changed []string
	err = p.write(ctx, func(tx store.Tx) error {
		o, dom, err := p.orgDomain(tx, a, OpOrganizationDomainVerify, orgID, id)
		if err != nil {
			return err
		}
		d = dom
		now := p.now().UTC()
		wasVerified := d.Verified()
		d.State, d.VerifyTime, d.CheckTime, d.MissingSince = org.DomainVerified, &now, &now, nil
		if err := tx.UpdateDomain(d); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return fail(ErrConflict, "Domain %s is already verified by another organization", d.Name)
			}
			return err
		}
		// Verifying again also marks anyone on the domain who is not
		// managed yet, so the state heals itself.
		if changed, err = p.manageDomainUsers(tx, d); err != nil {
			return err
		}
		if wasVerified && len(changed) == 0 {
			return nil
		}
		return p.event(tx, a, eventOf{org: o.ID, account: o.AccountID, action: "domain_verify", desc: fmt.Sprintf("Verified domain %s by %s; %d users became managed", d.Name, d.VerificationType, len(changed))})
	})
	p.forgetUsers(changed)
	return d, err
}

// RemoveDomain deletes a domain; its users are no longer managed.
func (p *Plane) RemoveDomain(ctx context.Context, a *Actor, orgID, id string) error {
	var changed []string
	err := p.write(ctx, func(tx store.Tx) error {
		o, d, err := p.orgDomain(tx, a, OpOrganizationDomainsRemove, orgID, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteDomain(d.ID); err != nil {
			return err
		}
		if d.Verified() {
			if changed, err = p.releaseDomainUsers(tx, d); err != nil {
				return err
			}
		}
		return p.event(tx, a, eventOf{org: o.ID, account: o.AccountID, action: "domain_remove", desc: fmt.Sprintf("Removed domain %s; %d users are no longer managed", d.Name, len(changed))})
	})
	p.forgetUsers(changed)
	return err
}
