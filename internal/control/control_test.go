package control

import (
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/store/sqlstore"
)

type fixture struct {
	p     *Plane
	admin *Actor
	org   org.Organization
}

// fakeClock is a settable clock for WithClock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newFixture is a Plane with opts on a fresh SQLite store, bootstrapped
// with admin@example.com, super admin of organization "Acme". Passwords are
// hashed at identity.FastPasswordParams' cost unless opts say otherwise.
func newFixture(t testing.TB, opts ...Option) *fixture {
	t.Helper()
	st, err := sqlstore.Open(t.Context(), filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f, created := newFixtureOn(t, st, opts...)
	if !created {
		t.Fatal("bootstrap did not run on a fresh store")
	}
	return f
}

// newFixtureOn is newFixture on an existing store; created reports whether
// bootstrap ran (it does not on a store that already has users).
func newFixtureOn(t testing.TB, st store.Store, opts ...Option) (f *fixture, created bool) {
	t.Helper()
	p, err := New(t.Context(), st, append([]Option{WithPasswordParams(identity.FastPasswordParams)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	boot, err := p.Bootstrap(t.Context(), "admin@example.com", "admin password 1", "Acme")
	if err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	f = &fixture{p: p, org: boot.Organization}
	f.admin = f.actor(t, "admin@example.com")
	return f, boot.Created
}

func (f *fixture) actor(t testing.TB, email string) *Actor {
	t.Helper()
	var u identity.User
	if err := f.p.store.Read(t.Context(), func(tx store.Reader) error {
		var err error
		u, err = tx.GetUserByEmail(email)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return &Actor{User: u, ClientIP: "127.0.0.1"}
}

// member adds a user to the fixture's organization straight through the
// store (invitations are their own feature) and returns it as an actor.
// deactivate sets u's state to deactivated in the store and the engine,
// as deactivating a managed user does (domains are their own feature).
func (f *fixture) deactivate(t *testing.T, u identity.User) {
	t.Helper()
	if err := f.p.write(t.Context(), func(tx store.Tx) error {
		u.State = identity.StateDeactivated
		if err := tx.UpdateUser(u); err != nil {
			return err
		}
		return f.p.record(tx, userChange(u.ID, false))
	}); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) member(t *testing.T, email string) *Actor {
	t.Helper()
	now := time.Now().UTC()
	u := identity.User{ID: org.NewID(org.PrefixUser), Email: email, RealName: email, State: identity.StateActive, CreateTime: now, UpdateTime: now}
	err := f.p.write(t.Context(), func(tx store.Tx) error {
		if err := tx.CreateUser(u); err != nil {
			return err
		}
		if err := tx.AddMember(identity.Membership{OrganizationID: f.org.ID, UserID: u.ID, JoinTime: now}); err != nil {
			return err
		}
		return f.p.record(tx, userChange(u.ID, true))
	})
	if err != nil {
		t.Fatal(err)
	}
	return &Actor{User: u}
}

func wantErr(t *testing.T, err, kind error) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("err = %v, want %v", err, kind)
	}
}

func TestGrantsGuardEndpoints(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	unit, err := f.p.CreateUnit(ctx, f.admin, "Engineering", f.org.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.CreateProject(ctx, f.admin, f.org.ID, ProjectInput{Name: "backend-prod", ParentID: &unit.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.CreateProject(ctx, f.admin, f.org.ID, ProjectInput{Name: "other"}); err != nil {
		t.Fatal(err)
	}
	dev := f.member(t, "dev@example.com")

	// Deny by default.
	_, err = f.p.GetProject(ctx, dev, "", "backend-prod")
	wantErr(t, err, ErrForbidden)
	_, err = f.p.CreateService(ctx, dev, ServiceInput{Project: "backend-prod", Name: "pg-1", Type: "pg", Plan: "startup-4"})
	wantErr(t, err, ErrForbidden)

	// The seed's cumulative example: project:services:write at the
	// organization plus read_only on the project still writes.
	if err := f.p.UpdatePermissions(ctx, f.admin, f.org.ID, grant.ResourceOrganization, f.org.ID, "grant",
		[]PrincipalPermissions{{grant.PrincipalUser, dev.User.ID, []string{"project:services:write"}}}); err != nil {
		t.Fatal(err)
	}
	if err := f.p.UpdatePermissions(ctx, f.admin, f.org.ID, grant.ResourceProject, "backend-prod", "grant",
		[]PrincipalPermissions{{grant.PrincipalUser, dev.User.ID, []string{"read_only"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.CreateService(ctx, dev, ServiceInput{Project: "backend-prod", Name: "pg-1", Type: "pg", Plan: "startup-4"}); err != nil {
		t.Fatalf("cumulative grant should write: %v", err)
	}
	if _, err := f.p.GetProject(ctx, dev, "", "backend-prod"); err != nil {
		t.Fatal(err)
	}
	// Not organization admin: cannot make units or grant.
	_, err = f.p.CreateUnit(ctx, dev, "Mine", f.org.ID)
	wantErr(t, err, ErrForbidden)
	err = f.p.UpdatePermissions(ctx, dev, f.org.ID, grant.ResourceProject, "backend-prod", "grant",
		[]PrincipalPermissions{{grant.PrincipalUser, dev.User.ID, []string{"admin"}}})
	wantErr(t, err, ErrForbidden)

	// Revoking ends access at once.
	if err := f.p.UpdatePermissions(ctx, f.admin, f.org.ID, grant.ResourceOrganization, f.org.ID, "revoke",
		[]PrincipalPermissions{{grant.PrincipalUser, dev.User.ID, []string{"project:services:write"}}}); err != nil {
		t.Fatal(err)
	}
	_, err = f.p.CreateService(ctx, dev, ServiceInput{Project: "backend-prod", Name: "pg-2", Type: "pg", Plan: "startup-4"})
	wantErr(t, err, ErrForbidden)

	// Unknown strings are refused, naming the string.
	err = f.p.UpdatePermissions(ctx, f.admin, f.org.ID, grant.ResourceProject, "backend-prod", "grant",
		[]PrincipalPermissions{{grant.PrincipalUser, dev.User.ID, []string{"project:everything"}}})
	if !errors.Is(err, ErrInvalid) || !errors.Is(err, authz.ErrUnknownPermission) {
		t.Fatalf("unknown permission: %v", err)
	}
}

func TestGroupsAndEscalationGuards(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	if _, err := f.p.CreateProject(ctx, f.admin, f.org.ID, ProjectInput{Name: "backend-dev"}); err != nil {
		t.Fatal(err)
	}
	lead := f.member(t, "lead@example.com")
	alice := f.member(t, "alice@example.com")

	// The lead may manage groups, and the project as its admin.
	if err := f.p.UpdatePermissions(ctx, f.admin, f.org.ID, grant.ResourceOrganization, f.org.ID, "grant",
		[]PrincipalPermissions{{grant.PrincipalUser, lead.User.ID, []string{"organization:groups:write"}}}); err != nil {
		t.Fatal(err)
	}
	if err := f.p.UpdatePermissions(ctx, f.admin, f.org.ID, grant.ResourceProject, "backend-dev", "set",
		[]PrincipalPermissions{{grant.PrincipalUser, lead.User.ID, []string{"admin"}}}); err != nil {
		t.Fatal(err)
	}
	g, err := f.p.CreateGroup(ctx, lead, f.org.ID, "Backend Team", "backend engineers")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.CreateGroup(ctx, lead, f.org.ID, "Backend Team", ""); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate group: %v", err)
	}
	// A group without permissions: organization:groups:write is enough.
	if err := f.p.UpdateGroupMembers(ctx, lead, f.org.ID, g.ID, "add_members", []string{alice.User.ID}); err != nil {
		t.Fatal(err)
	}
	// The project admin grants the group operator on its project.
	if err := f.p.UpdatePermissions(ctx, lead, f.org.ID, grant.ResourceProject, "backend-dev", "grant",
		[]PrincipalPermissions{{grant.PrincipalGroup, g.ID, []string{"operator"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.CreateService(ctx, alice, ServiceInput{Project: "backend-dev", Name: "kafka-1", Type: "kafka", Plan: "business-4"}); err != nil {
		t.Fatalf("group member should act as operator: %v", err)
	}
	// Now the group holds permissions: groups:write alone may not change
	// its members any more.
	err = f.p.UpdateGroupMembers(ctx, lead, f.org.ID, g.ID, "add_members", []string{lead.User.ID})
	wantErr(t, err, ErrForbidden)
	// Removing alice from the group ends her access.
	if err := f.p.UpdateGroupMembers(ctx, f.admin, f.org.ID, g.ID, "remove_members", []string{alice.User.ID}); err != nil {
		t.Fatal(err)
	}
	_, err = f.p.GetService(ctx, alice, "backend-dev", "kafka-1")
	wantErr(t, err, ErrForbidden)

	// Explain says where access comes from.
	ex, _, err := f.p.Explain(ctx, f.admin, f.org.ID, AccessCheck{UserID: lead.User.ID, Permission: "project:services:write",
		Resource: AccessResource{Type: "service", ID: "backend-dev/kafka-1"}})
	if err != nil || !ex.Allowed || len(ex.Grants) == 0 {
		t.Fatalf("explain = %+v, %v", ex, err)
	}
	// A plain member may ask about itself, not about others.
	if _, _, err := f.p.Check(ctx, alice, f.org.ID, []AccessCheck{{UserID: alice.User.ID, Permission: "admin", Resource: AccessResource{Type: "project", ID: "backend-dev"}}}, 0); err != nil {
		t.Fatal(err)
	}
	_, _, err = f.p.Check(ctx, alice, f.org.ID, []AccessCheck{{UserID: lead.User.ID, Permission: "admin", Resource: AccessResource{Type: "project", ID: "backend-dev"}}}, 0)
	wantErr(t, err, ErrForbidden)
}

func TestSuperAdminOnlyOperations(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	orgAdmin := f.member(t, "orgadmin@example.com")
	if err := f.p.SetPermissions(ctx, f.admin, f.org.ID, grant.ResourceOrganization, f.org.ID,
		[]PrincipalPermissions{{grant.PrincipalUser, orgAdmin.User.ID, []string{"role:organization:admin"}}}); err != nil {
		t.Fatal(err)
	}
	// Organization admins do everything but rename or delete the organization.
	if _, err := f.p.CreateUnit(ctx, orgAdmin, "Ops", f.org.ID); err != nil {
		t.Fatal(err)
	}
	_, err := f.p.UpdateOrganization(ctx, orgAdmin, f.org.ID, ptr("Renamed"), "")
	wantErr(t, err, ErrForbidden)
	wantErr(t, f.p.DeleteOrganization(ctx, orgAdmin, f.org.ID, true), ErrForbidden)
	// PUT replaces the whole list: the admin's grant disappears.
	if err := f.p.SetPermissions(ctx, f.admin, f.org.ID, grant.ResourceOrganization, f.org.ID, nil); err != nil {
		t.Fatal(err)
	}
	_, err = f.p.CreateUnit(ctx, orgAdmin, "Ops2", f.org.ID)
	wantErr(t, err, ErrForbidden)
}

func ptr[T any](v T) *T { return &v }

// TestDenialOnALaggingEngineIsDecidedAgain: a write committed by another
// request (or server) that the engine has not applied yet must not turn
// into a 403 for the next writer.
func TestDenialOnALaggingEngineIsDecidedAgain(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	// Commit a project and its change-log entry without letting the
	// engine apply it, as a concurrent request would have.
	now := time.Now().UTC()
	err := f.p.store.Write(ctx, func(tx store.Tx) error {
		pr := org.Project{Name: "fresh", OrganizationID: f.org.ID, AccountID: f.org.AccountID, ParentID: f.org.ID,
			Tags: map[string]string{}, TechEmails: []string{}, CreateTime: now, UpdateTime: now}
		if err := tx.CreateProject(pr); err != nil {
			return err
		}
		return f.p.record(tx, nodeChange(projectRes(pr.Name), orgRes(f.org.ID)))
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := f.p.engine.OrgOf(projectRes("fresh")); ok {
		t.Fatal("test setup: the engine already knows the project")
	}
	if _, err := f.p.CreateService(ctx, f.admin, ServiceInput{Project: "fresh", Name: "pg-1", Type: "pg", Plan: "startup-4"}); err != nil {
		t.Fatalf("write after a lagging engine: %v", err)
	}
	// A stranger is still refused, with an ordinary 403.
	stranger := f.member(t, "stranger@example.com")
	_, err = f.p.CreateService(ctx, stranger, ServiceInput{Project: "fresh", Name: "pg-2", Type: "pg", Plan: "startup-4"})
	wantErr(t, err, ErrForbidden)
}
