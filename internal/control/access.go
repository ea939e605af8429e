package control

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Access questions, answered by the same engine that guards every endpoint.

// AccessResource names a resource of the access API: organization,
// organization_unit, project, or service ("project/service").
type AccessResource struct {
	Type string
	ID   string
}

// AccessCheck is one question: may user do permission on resource?
type AccessCheck struct {
	UserID     string
	Permission string
	Resource   AccessResource
}

// maxBatch bounds a batch check.
const maxBatch = 1000

func (p *Plane) accessResource(tx store.Reader, orgID string, r AccessResource) (authz.Resource, error) {
	switch r.Type {
	case grant.ResourceOrganization, grant.ResourceUnit, grant.ResourceProject:
		t, err := p.grantTarget(tx, orgID, r.Type, r.ID)
		return t.res, err
	case "service":
		project, svc, ok := strings.Cut(r.ID, "/")
		if !ok {
			return authz.Resource{}, fail(ErrInvalid, "a service resource_id is \"<project>/<service>\", not %q", r.ID)
		}
		if _, err := p.projectIn(tx, orgID, project); err != nil {
			return authz.Resource{}, err
		}
		if _, err := p.service(tx, project, svc); err != nil {
			return authz.Resource{}, err
		}
		return serviceRes(project, svc), nil
	}
	return authz.Resource{}, fail(ErrInvalid, "resource_type must be organization, organization_unit, project or service, not %q", r.Type)
}

// accessMember is what every access question requires first, whoever it
// is about: membership of the organization (as access/check), and that
// the organization's authentication policy accepts how the actor signed
// in. Only then is anything about its resources said, even about oneself.
// op is the question's own operation, whose rule is membership.
func (p *Plane) accessMember(tx store.Reader, a *Actor, op Op, orgID string) error {
	o, err := p.organization(tx, orgID)
	if err != nil {
		return err
	}
	return p.authorize(tx, a, op, orgRes(o.ID))
}

// mayInspect: anyone may ask about themselves; asking about others needs
// the right to read permissions where the question is asked.
func (p *Plane) mayInspect(tx store.Reader, a *Actor, userID string, res authz.Resource) error {
	if userID == a.User.ID {
		return nil
	}
	return p.authorize(tx, a, OpAccessInspect, res)
}

// revisionWait bounds how long a request asking for a revision this server
// has not reached waits for it.
const revisionWait = 2 * time.Second

// waitRevision makes sure the engine reflects at least revision rev (read
// your writes across servers), pulling the change log if needed.
func (p *Plane) waitRevision(ctx context.Context, rev int64) error {
	if rev <= p.engine.Revision() {
		return nil
	}
	deadline := time.Now().Add(revisionWait)
	for {
		if err := p.sync(ctx); err != nil {
			return err
		}
		if rev <= p.engine.Revision() {
			return nil
		}
		if time.Now().After(deadline) {
			return fail(ErrConflict, "Revision %d is not known to this server after waiting %v (it is at revision %d): a newer revision than the database holds, or this server cannot read the change log; retry", rev, revisionWait, p.engine.Revision())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// resolveInMemory maps every check's resource to an engine resource using
// the engine's own hierarchy, without touching the store: the hot path of
// batch checks. It reports false when any resource is unknown to the engine
// or outside orgID (the caller then resolves through the store).
//
// res is filled in place when large enough.
func (p *Plane) resolveInMemory(ix *authz.Index, orgID string, checks []AccessCheck, res []authz.Resource) ([]authz.Resource, bool) {
	if cap(res) >= len(checks) {
		res = res[:len(checks)]
	} else {
		res = make([]authz.Resource, len(checks))
	}
	// Batches ask about a few resources many times: the last few resolved
	// are remembered, so each costs one walk to its organization.
	var seen [8]struct {
		in  AccessResource
		out authz.Resource
	}
	nseen, put := 0, 0
next:
	for i, c := range checks {
		for j := range nseen {
			if seen[j].in == c.Resource {
				res[i] = seen[j].out
				continue next
			}
		}
		var r authz.Resource
		switch c.Resource.Type {
		case grant.ResourceOrganization:
			r = orgRes(c.Resource.ID)
		case grant.ResourceUnit:
			r = unitNode(c.Resource.ID)
		case grant.ResourceProject:
			r = projectRes(c.Resource.ID)
		case "service":
			if !strings.Contains(c.Resource.ID, "/") {
				return res, false
			}
			r = authz.Service(c.Resource.ID) // serviceRes of its two halves, without the copy
		default:
			return res, false
		}
		if o, ok := ix.OrgOf(r); !ok || o != orgID {
			return res, false
		}
		res[i] = r
		seen[put%len(seen)].in, seen[put%len(seen)].out = c.Resource, r
		put++
		nseen = min(put, len(seen))
	}
	return res, true
}

// Check answers a batch of questions at one revision of the engine, which
// it returns. atLeast, when positive, is the oldest acceptable revision.
//
// Check keeps nothing of checks' strings once it returns, in its answer,
// its error or any cache: the caller may reuse their memory (the API
// decodes them in place in a request body it reuses).
func (p *Plane) Check(ctx context.Context, a *Actor, orgID string, checks []AccessCheck, atLeast int64) ([]bool, int64, error) {
	if len(checks) == 0 || len(checks) > maxBatch {
		return nil, 0, fail(ErrInvalid, "send 1 to %d checks", maxBatch)
	}
	if err := p.waitRevision(ctx, atLeast); err != nil {
		return nil, 0, err
	}
	perms := make([]authz.Permission, len(checks))
	for i, c := range checks {
		perm, err := authz.Parse(c.Permission)
		if err != nil {
			return nil, 0, fail(ErrInvalid, "checks[%d].permission: %v", i, err)
		}
		perms[i] = perm
	}
	if out, rev, ok := p.checkInMemory(a, orgID, checks, perms); ok {
		return out, rev, nil
	}
	var (
		out []bool
		rev int64
	)
	// The store path passes the strings to caches and error messages
	// nobody audits for the promise above; it reads copies.
	checks = cloneChecks(checks)
	gen, asked := p.members.generation(), p.now()
	err := p.read(ctx, func(tx store.Reader) error {
		ix := p.engine.Index() // one consistent revision for the whole batch
		res, resolved := p.resolveInMemory(ix, orgID, checks, nil)
		if !resolved {
			// Something is unknown to the engine: resolve through the
			// store, which words the 4xx precisely.
			o, err := p.organization(tx, orgID)
			if err != nil {
				return err
			}
			// Members only, before anything about the organization's
			// resources is said.
			if err := p.authorize(tx, a, OpAccessCheck, orgRes(o.ID)); err != nil {
				return err
			}
			byRes := map[AccessResource]authz.Resource{}
			for i, c := range checks {
				r, ok := byRes[c.Resource]
				if !ok {
					if r, err = p.accessResource(tx, o.ID, c.Resource); err != nil {
						return err
					}
					byRes[c.Resource] = r
				}
				res[i] = r
			}
		}
		if err := p.authorize(tx, a, OpAccessCheck, orgRes(orgID)); err != nil {
			return err
		}
		if !p.engine.IsSuperAdmin(orgID, a.User.ID) {
			// authorize found the membership in this transaction: the
			// next batches of this caller need none (checkInMemory).
			p.members.put(orgID, a.User.ID, asked, gen)
		}
		// Batches repeat the same question about one principal and
		// resource; ask the permission to inspect it once per pair.
		type pair struct {
			user string
			res  authz.Resource
		}
		var inspected map[pair]bool
		for i, c := range checks {
			if c.UserID == a.User.ID {
				continue // anyone may ask about themselves
			}
			k := pair{c.UserID, res[i]}
			if inspected[k] {
				continue
			}
			if err := p.mayInspect(tx, a, c.UserID, res[i]); err != nil {
				return err
			}
			if inspected == nil {
				inspected = map[pair]bool{}
			}
			inspected[k] = true
		}
		out, rev = make([]bool, len(checks)), ix.Revision()
		denied := false
		for i, c := range checks {
			out[i] = ix.Check(c.UserID, perms[i], res[i])
			denied = denied || !out[i]
		}
		// A "no" decided while the store holds newer changes is asked
		// again after catching up.
		return p.staleAnswer(tx, denied, rev)
	})
	if err != nil {
		return nil, 0, err
	}
	return out, rev, nil
}

// cloneChecks copies checks and their strings, in one allocation for all
// the strings.
func cloneChecks(checks []AccessCheck) []AccessCheck {
	n := 0
	for _, c := range checks {
		n += len(c.UserID) + len(c.Permission) + len(c.Resource.Type) + len(c.Resource.ID)
	}
	var b strings.Builder
	b.Grow(n)
	for _, c := range checks {
		b.WriteString(c.UserID)
		b.WriteString(c.Permission)
		b.WriteString(c.Resource.Type)
		b.WriteString(c.Resource.ID)
	}
	all, at := b.String(), 0
	next := func(n int) string {
		at += n
		return all[at-n : at]
	}
	out := make([]AccessCheck, len(checks))
	for i, c := range checks {
		out[i] = AccessCheck{UserID: next(len(c.UserID)), Permission: next(len(c.Permission)),
			Resource: AccessResource{Type: next(len(c.Resource.Type)), ID: next(len(c.Resource.ID))}}
	}
	return out
}

// resourceScratch holds checkInMemory's resolved resources between
// requests: the array of a 100-check batch was the largest allocation of
// the in-memory path.
var resourceScratch = sync.Pool{New: func() any { return new([]authz.Resource) }}

// checkInMemory answers a batch from the engine and this server's caches
// alone, without a store transaction: the hot path of batch checks, where
// opening a read transaction cost more than a hundred decisions. It makes
// the same authorization as Check's transaction (membership of the
// organization, its authentication policy, the right to ask about other
// principals), at one revision of the engine, and reports false whenever
// anything needs the store: a resource unknown to the engine or outside
// orgID, a caller neither a super admin nor a member found within
// tokenCacheTTL, a policy not cached, a question about another principal
// the engine does not allow, or any denial (which may be stale, see
// staleAnswer). Check then decides through its transaction, which words
// every refusal.
func (p *Plane) checkInMemory(a *Actor, orgID string, checks []AccessCheck, perms []authz.Permission) ([]bool, int64, bool) {
	ix := p.engine.Index()
	sc := resourceScratch.Get().(*[]authz.Resource)
	res, ok := p.resolveInMemory(ix, orgID, checks, *sc)
	defer func() {
		if cap(res) <= maxBatch {
			clear(res) // holds the caller's strings
			*sc = res[:0]
		}
		resourceScratch.Put(sc)
	}()
	if !ok {
		return nil, 0, false
	}
	now := p.now()
	if !ix.IsSuperAdmin(orgID, a.User.ID) && !p.members.has(orgID, a.User.ID, now) {
		return nil, 0, false
	}
	if !a.User.IsApplication {
		// Every resource is in orgID (resolveInMemory), so one policy
		// covers the caller's membership and each inspection.
		pol, ok := p.policies.get(orgID, now)
		if !ok || pol.refusal(a) != "" {
			return nil, 0, false
		}
	}
	inspect := requirements[OpAccessInspect].anyOf
	inspections := 0
	for i, c := range checks {
		if c.UserID == a.User.ID || i > 0 && c.UserID == checks[i-1].UserID && res[i] == res[i-1] {
			continue
		}
		if !ix.CheckAny(a.User.ID, inspect, res[i]) {
			return nil, 0, false
		}
		inspections++
	}
	out := make([]bool, len(checks))
	// Batches ask many permissions of a few (principal, resource) pairs:
	// what the principal holds on each of the first few pairs is computed
	// once (Effective is held to Check by the engine's property tests),
	// the rest are checked one by one.
	var held [8]struct {
		user string
		res  authz.Resource
		set  authz.Set
	}
	nheld := 0
next:
	for i, c := range checks {
		for j := range nheld {
			if held[j].user == c.UserID && held[j].res == res[i] {
				if out[i] = held[j].set.Has(perms[i]); !out[i] {
					return nil, 0, false
				}
				continue next
			}
		}
		if nheld < len(held) {
			held[nheld].user, held[nheld].res, held[nheld].set = c.UserID, res[i], ix.Effective(c.UserID, res[i])
			out[i] = held[nheld].set.Has(perms[i])
			nheld++
		} else {
			out[i] = ix.Check(c.UserID, perms[i], res[i])
		}
		if !out[i] {
			return nil, 0, false
		}
	}
	// What authorize reports for the same decisions on the other path.
	p.allowedOp(OpAccessCheck)
	for range inspections {
		p.allowedOp(OpAccessInspect)
	}
	return out, ix.Revision(), true
}

// allowedOp reports an operation authorized without authorize (the
// in-memory check path) to the check recorder and the metrics.
func (p *Plane) allowedOp(op Op) {
	if p.checked != nil {
		p.checked(op)
	}
	p.obs.Decision(true)
}

// Explanation is the engine's explanation plus, for each of its grants
// (same order), where the grant's access came from: "permission" (the
// permissions API), "membership" (project membership: the creator, an
// accepted invitation) or "membership+permission" when both give it.
type Explanation struct {
	authz.Explanation
	Sources []string
}

// Explain answers a check with the reasons: the path, every grant on it
// and which ones give the permission, and where each grant came from.
func (p *Plane) Explain(ctx context.Context, a *Actor, orgID string, c AccessCheck) (Explanation, int64, error) {
	perm, err := authz.Parse(c.Permission)
	if err != nil {
		return Explanation{}, 0, fail(ErrInvalid, "permission: %v", err)
	}
	var (
		out Explanation
		rev int64
	)
	err = p.read(ctx, func(tx store.Reader) error {
		if err := p.accessMember(tx, a, OpAccessExplain, orgID); err != nil {
			return err
		}
		r, err := p.accessResource(tx, orgID, c.Resource)
		if err != nil {
			return err
		}
		if err := p.mayInspect(tx, a, c.UserID, r); err != nil {
			return err
		}
		ix := p.engine.Index()
		out.Explanation, rev = ix.Explain(c.UserID, perm, r), ix.Revision()
		if out.Sources, err = grantSources(tx, c.UserID, perm, out.Grants); err != nil {
			return err
		}
		return p.staleAnswer(tx, !out.Allowed, rev)
	})
	if err != nil {
		return Explanation{}, 0, err
	}
	return out, rev, nil
}

// grantSources tells, for each explained grant, whether it came from the
// permissions API, a project membership, or both (see Explanation).
func grantSources(tx store.Reader, userID string, perm authz.Permission, grants []authz.ExplainedGrant) ([]string, error) {
	out := make([]string, len(grants))
	for i, eg := range grants {
		out[i] = "permission"
		if eg.Level.Kind != authz.KindProject {
			continue // memberships exist on projects only
		}
		pt, pid := grant.PrincipalUser, userID
		if eg.Group != "" {
			pt, pid = grant.PrincipalGroup, eg.Group
		}
		g, ok, err := principalGrant(tx, eg.Level.ID, pt, pid)
		if err != nil || !ok || len(g.Membership) == 0 {
			if err != nil {
				return nil, err
			}
			continue
		}
		gives := func(ss []string) bool {
			set, _ := authz.ParseSet(ss)
			return set.Expand().Has(perm)
		}
		switch byM, byP := gives(g.Membership), gives(g.Permissions); {
		case byM && byP:
			out[i] = "membership+permission"
		case byM, len(g.Permissions) == 0:
			out[i] = "membership"
		}
	}
	return out, nil
}

// AccessibleResources lists the projects or services of an organization on
// which a user holds permission, sorted and paged by cursor.
func (p *Plane) AccessibleResources(ctx context.Context, a *Actor, orgID, userID, permission, kind, after string, limit int) ([]string, string, error) {
	perm, err := authz.Parse(permission)
	if err != nil {
		return nil, "", fail(ErrInvalid, "permission: %v", err)
	}
	var k authz.Kind
	switch kind {
	case "project":
		k = authz.KindProject
	case "service":
		k = authz.KindService
	case "organization_unit":
		k = authz.KindUnit
	default:
		return nil, "", fail(ErrInvalid, "resource_type must be project, service or organization_unit")
	}
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	var ix *authz.Index
	inOrg := map[string]bool{}
	err = p.read(ctx, func(tx store.Reader) error {
		clear(inOrg)
		if err := p.accessMember(tx, a, OpAccessResources, orgID); err != nil {
			return err
		}
		o, err := p.organization(tx, orgID)
		if err != nil {
			return err
		}
		if err := p.mayInspect(tx, a, userID, orgRes(o.ID)); err != nil {
			return err
		}
		if k == authz.KindUnit {
			us, err := tx.ListUnits(o.ID)
			if err != nil {
				return err
			}
			for _, u := range us {
				inOrg[u.ID] = true
			}
			ix = p.engine.Index()
			return p.staleAnswer(tx, true, ix.Revision())
		}
		// Projects and services are placed in their organization by the
		// engine's own index (OrgOf), so no listing of the organization's
		// projects is read. A listing leaves out what is denied: when the
		// store is ahead of the engine, list after catching up.
		ix = p.engine.Index()
		orgID = o.ID
		return p.staleAnswer(tx, true, ix.Revision())
	})
	if err != nil {
		return nil, "", err
	}
	var out []string
	for len(out) < limit {
		ids, next := ix.Resources(userID, perm, k, after, limit)
		for _, id := range ids {
			var in bool
			switch k {
			case authz.KindUnit:
				in = inOrg[id]
			default:
				project, _, _ := strings.Cut(id, "/")
				o, ok := ix.OrgOf(projectRes(project))
				in = ok && o == orgID
			}
			if in {
				out = append(out, id)
				if len(out) == limit {
					return out, id, nil
				}
			}
		}
		if next == "" {
			return out, "", nil
		}
		after = next
	}
	return out, after, nil
}

// AccessPrincipals lists who can do permission on a resource: users
// (directly, through groups, or as super admins) and groups.
func (p *Plane) AccessPrincipals(ctx context.Context, a *Actor, orgID, permission string, r AccessResource) (users, groups []string, rev int64, err error) {
	perm, err := authz.Parse(permission)
	if err != nil {
		return nil, nil, 0, fail(ErrInvalid, "permission: %v", err)
	}
	err = p.read(ctx, func(tx store.Reader) error {
		if err := p.accessMember(tx, a, OpAccessPrincipals, orgID); err != nil {
			return err
		}
		res, err := p.accessResource(tx, orgID, r)
		if err != nil {
			return err
		}
		// Who holds a permission reveals grants: the right to read them.
		if err := p.authorize(tx, a, OpAccessInspect, res); err != nil {
			return err
		}
		ix := p.engine.Index()
		users, groups = ix.Principals(res, perm)
		rev = ix.Revision()
		// A listing leaves out whoever is denied.
		return p.staleAnswer(tx, true, rev)
	})
	if err != nil {
		return nil, nil, 0, err
	}
	return users, groups, rev, nil
}
