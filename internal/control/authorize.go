package control

import (
	"context"
	"errors"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// authorize checks that the actor may perform op on res, with the rule the
// requirements table gives op, and then that the authentication policy of
// res's organization accepts how the actor signed in and where from.
// Unknown operations are denied: deny by default.
func (p *Plane) authorize(tx store.Reader, a *Actor, op Op, res authz.Resource) error {
	if p.checked != nil {
		p.checked(op)
	}
	if err := p.checkRule(tx, a, op, res); err != nil {
		p.obs.Decision(false)
		return p.maybeStale(tx, err)
	}
	err := p.enforcePolicy(tx, a, res)
	p.obs.Decision(err == nil)
	return err
}

// staleDenial is a denial made while the store held changes the engine had
// not applied yet (another request's write committed a moment ago, or
// another server's). Plane.decide catches the engine up and runs the
// transaction once more; it never reaches a caller. err is nil for an
// answer that holds denials but is not an error itself (a check answering
// false, a filtered listing): it stands as it is if still stale.
type staleDenial struct{ err error }

func (s *staleDenial) Error() string {
	if s.err == nil {
		return "decided on a lagging decision engine"
	}
	return s.err.Error()
}
func (s *staleDenial) Unwrap() error { return s.err }

// maybeStale marks a 403 as stale when the transaction sees a newer
// change-log revision than the engine reflects. Only the deny path pays
// for the extra query.
func (p *Plane) maybeStale(tx store.Reader, err error) error {
	if !errors.Is(err, ErrForbidden) {
		return err
	}
	if p.lagging(tx, p.engine.Revision()) {
		return &staleDenial{err}
	}
	return err
}

// lagging reports whether tx sees change-log entries newer than rev, the
// revision a decision was made at. Callers ask only after a denial.
func (p *Plane) lagging(tx store.Reader, rev int64) bool {
	cur, err := tx.Revision()
	return err == nil && cur > rev
}

// staleAnswer is what an answer holding denials returns from its
// transaction when those denials may be stale: decide then catches up and
// answers again.
func (p *Plane) staleAnswer(tx store.Reader, denied bool, rev int64) error {
	if denied && p.lagging(tx, rev) {
		return &staleDenial{}
	}
	return nil
}

func (p *Plane) checkRule(tx store.Reader, a *Actor, op Op, res authz.Resource) error {
	r, ok := requirements[op]
	if !ok {
		p.log.Error("operation has no authorization rule; denying", "op", op)
		return fail(ErrForbidden, "Permission denied: %s", op)
	}
	switch {
	case r.authenticated:
		return nil
	case r.member, r.superAdmin:
		if res.Kind != authz.KindOrganization {
			return fail(ErrForbidden, "Permission denied: %s", op)
		}
		if p.engine.IsSuperAdmin(res.ID, a.User.ID) {
			return nil
		}
		if r.superAdmin {
			return fail(ErrForbidden, "Permission denied: %s requires a super admin of organization %s", op, res.ID)
		}
		if _, err := tx.GetMember(res.ID, a.User.ID); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return fail(ErrForbidden, "Permission denied: not a member of organization %s", res.ID)
			}
			return err
		}
		return nil
	}
	if p.engine.CheckAny(a.User.ID, r.anyOf, res) {
		return nil
	}
	return fail(ErrForbidden, "Permission denied: %s requires %s on %s %s", op, describe(r.anyOf), res.Kind, displayID(res))
}

// authorizeCaller authorizes an operation that acts only on the caller's
// own data or filters what it returns, so it names no resource: its rule
// must be "authenticated" (anything else is denied, deny by default).
func (p *Plane) authorizeCaller(a *Actor, op Op) error {
	if p.checked != nil {
		p.checked(op)
	}
	if r, ok := requirements[op]; !ok || !r.authenticated {
		p.log.Error("operation on the caller's own data needs an authenticated rule; denying", "op", op)
		return fail(ErrForbidden, "Permission denied: %s", op)
	}
	if a == nil {
		return fail(ErrUnauthenticated, "Authentication required")
	}
	return nil
}

// allowed reports whether authorize would pass, for filtering listings.
func (p *Plane) allowed(a *Actor, op Op, res authz.Resource) bool {
	r, ok := requirements[op]
	if !ok || r.member || r.superAdmin {
		return false
	}
	return r.authenticated || p.engine.CheckAny(a.User.ID, r.anyOf, res)
}

func describe(s authz.Set) string {
	names := s.Strings()
	if len(names) == 1 {
		return names[0]
	}
	return "one of " + strings.Join(names, ", ")
}

func displayID(r authz.Resource) string {
	if r.Kind == authz.KindService {
		_, svc, _ := strings.Cut(r.ID, "/")
		return svc
	}
	return r.ID
}

// ProjectRoles lists the classic project roles the actor holds on a
// project, strongest first (Aiven's project_membership listing).
func (p *Plane) ProjectRoles(a *Actor, project string) []string {
	var out []string
	for _, role := range []string{"admin", "operator", "developer", "read_only"} {
		if p.engine.Check(a.User.ID, authz.MustParse(role), projectRes(project)) {
			out = append(out, role)
		}
	}
	return out
}

// Ping checks the store.
func (p *Plane) Ping(ctx context.Context) error { return p.store.Ping(ctx) }
