package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/tracing"
	"go.opentelemetry.io/otel/attribute"
)

// How the hierarchy maps to decision-engine nodes: an organization and its
// root account are one node; units, projects (by name) and services (by
// "project/service") are nodes of their own.

func orgRes(id string) authz.Resource       { return authz.Org(id) }
func unitNode(id string) authz.Resource     { return authz.Unit(id) }
func projectRes(name string) authz.Resource { return authz.Project(name) }
func serviceRes(project, name string) authz.Resource {
	return authz.Service(project + "/" + name)
}

// noParent is the parent of an organization node.
var noParent authz.Resource

// unitRes is the engine node of a unit: the organization for a root account.
func (p *Plane) unitRes(u org.Unit) authz.Resource {
	if u.IsRoot() {
		return orgRes(u.OrganizationID)
	}
	return unitNode(u.ID)
}

func nodeChange(r, parent authz.Resource) authz.Change { return authz.UpsertNode(r, parent) }
func deleteNodeChange(r authz.Resource) authz.Change   { return authz.DeleteNode(r) }
func superAdminChange(orgID, userID string, on bool) authz.Change {
	return authz.SetSuperAdmin(orgID, userID, on)
}
func userChange(id string, active bool) authz.Change { return authz.SetUser(id, active) }

// grantChange converts a stored grant. Its strings were validated when
// granted, so a parse failure here means corrupt data and is skipped by
// grantSet's caller reporting it.
func grantChange(g grant.Grant) authz.Change {
	set, _ := authz.ParseSet(g.Access())
	return authz.SetGrant(principalOf(g), grantResource(g), set)
}

func principalOf(g grant.Grant) authz.Principal {
	if g.PrincipalType == grant.PrincipalGroup {
		return authz.GroupP(g.PrincipalID)
	}
	return authz.UserP(g.PrincipalID)
}

func grantResource(g grant.Grant) authz.Resource {
	switch g.ResourceType {
	case grant.ResourceOrganization:
		return orgRes(g.ResourceID)
	case grant.ResourceUnit:
		return unitNode(g.ResourceID)
	default:
		return projectRes(g.ResourceID)
	}
}

// record appends decision-engine changes to the store's change log in the
// current transaction; write applies them to the local engine after commit.
func (p *Plane) record(tx store.Tx, changes ...authz.Change) error {
	if len(changes) == 0 {
		return nil
	}
	payload, err := json.Marshal(changes)
	if err != nil {
		return err
	}
	_, err = tx.AppendChange(payload)
	return err
}

// write runs fn in a write transaction and then brings the local engine up
// to date, so the caller reads its own writes on this server. A denial
// decided on an engine that lagged the store is decided once more after
// catching up (see decide).
func (p *Plane) write(ctx context.Context, fn func(tx store.Tx) error) error {
	var rev int64
	counted := func(tx store.Tx) error { return fn(revisionTx{tx, &rev}) }
	if err := decide(ctx, p, p.store.Write, counted); err != nil {
		return err
	}
	return p.synced(ctx, rev)
}

// revisionTx remembers the newest change-log revision a write appended.
type revisionTx struct {
	store.Tx
	rev *int64
}

func (t revisionTx) AppendChange(payload []byte) (int64, error) {
	rev, err := t.Tx.AppendChange(payload)
	if err == nil {
		*t.rev = max(*t.rev, rev)
	}
	return rev, err
}

// synced brings the engine up to date after a committed write that
// appended up to revision rev (0: unknown, or none) and notes the revision
// it reached, which covers the write, for the response. When a concurrent
// write's catch-up (or the follower) already applied rev, there is nothing
// to pull: writes committed together pull the log once.
func (p *Plane) synced(ctx context.Context, rev int64) error {
	err := p.syncTo(context.WithoutCancel(ctx), rev)
	noteRevision(ctx, max(rev, p.engine.Revision()))
	return err
}

// bookkeepingTimeout bounds a write that outlives its request.
const bookkeepingTimeout = 10 * time.Second

// mustWrite runs fn in a write transaction that the request's end does not
// cancel, under a deadline of its own: audit and security bookkeeping
// (failed logins, refused tokens, used two-factor codes, logouts) must be
// written even when the client hangs up mid-request.
func (p *Plane) mustWrite(ctx context.Context, fn func(tx store.Tx) error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), bookkeepingTimeout)
	defer cancel()
	return p.store.Write(ctx, fn)
}

// read runs fn in a read transaction; like write, a denial decided on an
// engine that lagged the store is decided once more after catching up, so
// a project created on another server a moment ago is never a 403 here.
func (p *Plane) read(ctx context.Context, fn func(tx store.Reader) error) error {
	return decide(ctx, p, p.store.Read, fn)
}

// decide runs fn through run (a store transaction). When fn ends in a
// denial (or returns a staleDenial itself, for answers that hold denials)
// and the transaction saw change-log entries the engine has not applied,
// it catches the engine up (the transaction has ended, so no connection
// is held) and runs fn once more. A denial on an up-to-date engine costs
// one revision query inside its transaction, nothing more; an allowed
// request costs nothing. fn must be safe to run twice: it resets what it
// collects.
// It is generic over the transaction, a store.Reader for read and a
// store.Tx for write.
func decide[T store.Reader](ctx context.Context, p *Plane, run func(context.Context, func(T) error) error, fn func(T) error) error {
	marked := func(tx T) error {
		err := fn(tx)
		var stale *staleDenial
		if errors.Is(err, ErrForbidden) && !errors.As(err, &stale) {
			return p.maybeStale(tx, err)
		}
		return err
	}
	err := run(ctx, marked)
	var stale *staleDenial
	if errors.As(err, &stale) {
		if serr := p.sync(ctx); serr != nil {
			return stale.err
		}
		err = run(ctx, marked)
	}
	if errors.As(err, &stale) {
		// Still behind: other writes keep landing. The answer stands as
		// decided (at a revision newer than the first attempt's).
		return stale.err
	}
	return err
}

// sync applies change-log entries newer than the engine's revision.
func (p *Plane) sync(ctx context.Context) error { return p.syncTo(ctx, 0) }

// syncTo is sync for a caller that needs revision rev only (0: the newest):
// when another caller's catch-up got there first, while this one waited
// for the lock, it costs no query.
func (p *Plane) syncTo(ctx context.Context, rev int64) error {
	if rev > 0 && p.engine.Revision() >= rev {
		return nil
	}
	p.syncMu.Lock()
	defer p.syncMu.Unlock()
	if rev > 0 && p.engine.Revision() >= rev {
		return nil
	}
	ctx, span := tracing.Start(ctx, "engine.update", attribute.Int64("gatehouse.revision.from", p.engine.Revision()))
	defer func() {
		span.SetAttributes(attribute.Int64("gatehouse.revision.to", p.engine.Revision()))
		span.End()
	}()
	for {
		after := p.engine.Revision()
		entries, err := p.store.Changes(ctx, after, 1000)
		if err != nil {
			return err
		}
		if len(entries) == 0 {
			p.follow.mark(time.Now())
			return nil
		}
		for _, e := range entries {
			var changes []authz.Change
			if err := json.Unmarshal(e.Payload, &changes); err != nil {
				return fmt.Errorf("change %d: %w", e.Revision, err)
			}
			if err := p.engine.Apply(e.Revision, changes); err != nil {
				p.log.Warn("decision engine skipped changes", "revision", e.Revision, "err", err)
			}
			p.forgetChangedUsers(changes)
		}
		// Another server's write may have removed a membership too.
		p.members.dropAll()
	}
}

// loadEngine builds the engine from the store's contents.
func (p *Plane) loadEngine(ctx context.Context) error {
	start := time.Now()
	var snap authz.Snapshot
	var rev int64
	err := p.store.Read(ctx, func(tx store.Reader) error {
		var err error
		if rev, err = tx.Revision(); err != nil {
			return err
		}
		snap, err = snapshot(tx)
		return err
	})
	if err != nil {
		return err
	}
	if err := p.engine.Load(snap, rev); err != nil {
		// Facts the engine could not place (say, a grant on a resource that
		// no longer exists) are skipped, not fatal: log them.
		p.log.Warn("decision engine skipped inconsistent facts", "err", err)
	}
	p.follow.mark(start)
	p.obs.EngineLoaded(time.Since(start))
	return nil
}

func snapshot(tx store.Reader) (authz.Snapshot, error) {
	var s authz.Snapshot
	orgs, err := tx.ListOrganizations()
	if err != nil {
		return s, err
	}
	roots := map[string]string{} // root account ID -> organization ID
	for _, o := range orgs {
		s.Nodes = append(s.Nodes, authz.Node{Resource: orgRes(o.ID)})
		roots[o.AccountID] = o.ID
	}
	units, err := tx.ListAllUnits()
	if err != nil {
		return s, err
	}
	parentRes := func(id string) authz.Resource {
		if o, ok := roots[id]; ok {
			return orgRes(o)
		}
		if len(id) > 3 && id[:3] == org.PrefixOrganization {
			return orgRes(id)
		}
		return unitNode(id)
	}
	for _, u := range units {
		if !u.IsRoot() {
			s.Nodes = append(s.Nodes, authz.Node{Resource: unitNode(u.ID), Parent: parentRes(u.ParentID)})
		}
	}
	projects, err := tx.ListAllProjects()
	if err != nil {
		return s, err
	}
	for _, pr := range projects {
		s.Nodes = append(s.Nodes, authz.Node{Resource: projectRes(pr.Name), Parent: parentRes(pr.AccountID)})
	}
	services, err := tx.ListAllServices()
	if err != nil {
		return s, err
	}
	for _, sv := range services {
		s.Nodes = append(s.Nodes, authz.Node{Resource: serviceRes(sv.Project, sv.Name), Parent: projectRes(sv.Project)})
	}
	users, err := tx.ListUsers()
	if err != nil {
		return s, err
	}
	for _, u := range users {
		s.Users = append(s.Users, authz.User{ID: u.ID, Active: u.Active()})
	}
	members, err := tx.ListAllMembers()
	if err != nil {
		return s, err
	}
	for _, m := range members {
		if m.IsSuperAdmin {
			s.SuperAdmins = append(s.SuperAdmins, authz.SuperAdmin{Org: m.OrganizationID, User: m.UserID})
		}
	}
	groups, err := tx.ListAllGroups()
	if err != nil {
		return s, err
	}
	for _, g := range groups {
		s.Groups = append(s.Groups, authz.Group{ID: g.ID, Org: g.OrganizationID})
	}
	gms, err := tx.ListAllGroupMembers()
	if err != nil {
		return s, err
	}
	for _, m := range gms {
		s.Members = append(s.Members, authz.Membership{Group: m.GroupID, User: m.UserID})
	}
	grants, err := tx.ListAllGrants()
	if err != nil {
		return s, err
	}
	for _, g := range grants {
		set, err := authz.ParseSet(g.Access())
		if err != nil {
			return s, fmt.Errorf("stored grant of %s %s on %s %s: %w", g.PrincipalType, g.PrincipalID, g.ResourceType, g.ResourceID, err)
		}
		s.Grants = append(s.Grants, authz.Grant{Principal: principalOf(g), Resource: grantResource(g), Perms: set})
	}
	return s, nil
}

// forgetChangedUsers drops cached tokens of users whose state a change
// sets (deactivation, reactivation, deletion), so that every server
// following the change log applies it within its follow interval rather
// than when its token cache expires.
func (p *Plane) forgetChangedUsers(changes []authz.Change) {
	for _, c := range changes {
		if c.Op == authz.OpSetUser || c.Op == authz.OpDeleteUser {
			p.tokens.dropUser(c.User.ID)
		}
	}
}
