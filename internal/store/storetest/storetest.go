// Package storetest is the conformance suite every store.Store backend
// must pass. A backend's test calls RunAll with a function that opens a
// fresh, empty store (and arranges its cleanup); each subtest opens its
// own, so subtests never see each other's rows.
package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/audit"
	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

// Opener returns a fresh, empty store, closed when t ends.
type Opener func(t *testing.T) store.Store

// RunAll runs the whole suite against the stores open returns.
func RunAll(t *testing.T, open func(t *testing.T) store.Store) {
	areas := []struct {
		name string
		run  func(*testing.T, Opener)
	}{
		{"Users", testUsers},
		{"Members", testMembers},
		{"Tokens", testTokens},
		{"Organizations", testOrganizations},
		{"Units", testUnits},
		{"Projects", testProjects},
		{"Services", testServices},
		{"Events", testEvents},
		{"Groups", testGroups},
		{"Grants", testGrants},
		{"ChangeLog", testChangeLog},
		{"ConcurrentWrites", testConcurrentWrites},
		{"Cascades", testCascades},
		{"Rollback", testRollback},
		{"ReadOnly", testReadOnly},
		{"ErrorsKeepTxUsable", testErrorsKeepTxUsable},
	}
	for _, a := range areas {
		t.Run(a.name, func(t *testing.T) { a.run(t, open) })
	}
	for _, a := range extraAreas {
		t.Run(a.name, func(t *testing.T) { a.run(t, open) })
	}
}

// area is one named part of the suite.
type area struct {
	name string
	run  func(*testing.T, Opener)
}

// extraAreas are the suite parts of later features; each feature's file
// adds its own in an init function, next to the store methods it tests.
var extraAreas []area

// ---- helpers ----

// base is a fixed instant with microsecond precision, the precision every
// backend must keep.
var base = time.Date(2025, 3, 4, 5, 6, 7, 123456000, time.UTC)

func at(sec int) time.Time { return base.Add(time.Duration(sec) * time.Second) }

func ptr[T any](v T) *T { return &v }

func write(t *testing.T, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.Write(t.Context(), fn); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

func read(t *testing.T, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.Read(t.Context(), fn); err != nil {
		t.Fatalf("Read: %v", err)
	}
}

// readVal runs one read and returns its value.
func readVal[T any](t *testing.T, s store.Store, fn func(store.Tx) (T, error)) T {
	t.Helper()
	var v T
	read(t, s, func(tx store.Tx) (err error) {
		v, err = fn(tx)
		return err
	})
	return v
}

func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

// errCase is one call expected to fail with a sentinel error.
type errCase struct {
	name string
	fn   func(store.Tx) error
	want error
}

// runErrCases runs each case in its own Write on s and checks the error.
// The Write is rolled back by the error, so cases do not affect each other.
func runErrCases(t *testing.T, s store.Store, cases []errCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := s.Write(t.Context(), c.fn)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}
}

// ---- fixtures ----

func newUser(id, email string) identity.User {
	return identity.User{
		ID: id, Email: email, RealName: "Name " + id, PasswordHash: "hash-" + id,
		State: identity.StateActive, CreateTime: at(0), UpdateTime: at(1),
	}
}

func newOrg(id string) org.Organization {
	return org.Organization{ID: id, Name: "Org " + id, Tier: "business", AccountID: id + "-root",
		CreateTime: at(0), UpdateTime: at(0)}
}

func newUnit(orgID, id, parent string) org.Unit {
	return org.Unit{ID: id, OrganizationID: orgID, Name: "Unit " + id, ParentID: parent,
		CreateTime: at(0), UpdateTime: at(0)}
}

func newProject(orgID, name, parent string) org.Project {
	return org.Project{Name: name, OrganizationID: orgID, ParentID: parent, AccountID: orgID + "-root",
		DefaultCloud: "google-europe-west1", Tags: map[string]string{"env": "test"},
		TechEmails: []string{"ops@example.com"}, CreateTime: at(0), UpdateTime: at(0)}
}

func newService(project, name string) org.Service {
	return org.Service{Project: project, Name: name, Type: "kafka", Plan: "business-4",
		Cloud: "google-europe-west1", UserConfig: map[string]any{"kafka_version": "3.8", "rest": true},
		CreateTime: at(0), UpdateTime: at(0)}
}

func newGroup(orgID, id, name string) identity.Group {
	return identity.Group{ID: id, OrganizationID: orgID, Name: name, Description: "group " + name,
		CreateTime: at(0), UpdateTime: at(0)}
}

func newGrant(orgID, pType, pID, rType, rID string, perms ...string) grant.Grant {
	return grant.Grant{OrganizationID: orgID, PrincipalType: pType, PrincipalID: pID,
		ResourceType: rType, ResourceID: rID, Permissions: perms, CreateTime: at(0), UpdateTime: at(0)}
}

// seedOrg creates organization id with its root unit id+"-root".
func seedOrg(tx store.Tx, id string) error {
	if err := tx.CreateOrganization(newOrg(id)); err != nil {
		return err
	}
	return tx.CreateUnit(newUnit(id, id+"-root", ""))
}

// ---- users ----

func testUsers(t *testing.T, open Opener) {
	s := open(t)
	alice := newUser("u1", "alice@example.com")
	alice.LastActivity = ptr(at(5))
	alice.ManagingOrgID = "org1"
	bob := newUser("u2", "bob@example.com")
	bob.IsApplication = true
	bob.PasswordHash = ""

	if n := readVal(t, s, store.Tx.CountUsers); n != 0 {
		t.Fatalf("CountUsers on empty store = %d", n)
	}
	write(t, s, func(tx store.Tx) error {
		// Inserted out of order: listings must sort by ID.
		if err := tx.CreateUser(bob); err != nil {
			return err
		}
		return tx.CreateUser(alice)
	})
	if n := readVal(t, s, store.Tx.CountUsers); n != 2 {
		t.Errorf("CountUsers = %d, want 2", n)
	}
	equal(t, "GetUser", readVal(t, s, func(tx store.Tx) (identity.User, error) { return tx.GetUser("u1") }), alice)
	equal(t, "GetUserByEmail", readVal(t, s, func(tx store.Tx) (identity.User, error) {
		return tx.GetUserByEmail("bob@example.com")
	}), bob)
	equal(t, "ListUsers", readVal(t, s, store.Tx.ListUsers), []identity.User{alice, bob})

	upd := alice
	upd.Email = "alice2@example.com"
	upd.RealName = "Alice Two"
	upd.PasswordHash = "new-hash"
	upd.State = identity.StateDeactivated
	upd.ManagingOrgID = ""
	upd.UpdateTime = at(10)
	upd.LastActivity = nil
	upd.PasswordUpdated = ptr(at(10))
	write(t, s, func(tx store.Tx) error { return tx.UpdateUser(upd) })
	equal(t, "GetUser after update", readVal(t, s, func(tx store.Tx) (identity.User, error) { return tx.GetUser("u1") }), upd)
	if _, err := readValErr(s, t, func(tx store.Tx) (identity.User, error) { return tx.GetUserByEmail("alice@example.com") }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("old email still found: %v", err)
	}
	// Keeping one's own email is not a conflict.
	write(t, s, func(tx store.Tx) error { return tx.UpdateUser(upd) })

	runErrCases(t, s, []errCase{
		{"CreateDuplicateID", func(tx store.Tx) error { return tx.CreateUser(newUser("u1", "other@example.com")) }, store.ErrConflict},
		{"CreateDuplicateEmail", func(tx store.Tx) error { return tx.CreateUser(newUser("u3", "bob@example.com")) }, store.ErrConflict},
		{"UpdateToTakenEmail", func(tx store.Tx) error {
			u := upd
			u.Email = "bob@example.com"
			return tx.UpdateUser(u)
		}, store.ErrConflict},
		{"GetMissing", func(tx store.Tx) error { _, err := tx.GetUser("nope"); return err }, store.ErrNotFound},
		{"GetByEmailMissing", func(tx store.Tx) error { _, err := tx.GetUserByEmail("nope@example.com"); return err }, store.ErrNotFound},
		{"UpdateMissing", func(tx store.Tx) error { return tx.UpdateUser(newUser("nope", "nope@example.com")) }, store.ErrNotFound},
		{"DeleteMissing", func(tx store.Tx) error { return tx.DeleteUser("nope") }, store.ErrNotFound},
	})

	write(t, s, func(tx store.Tx) error { return tx.DeleteUser("u2") })
	equal(t, "ListUsers after delete", readVal(t, s, store.Tx.ListUsers), []identity.User{upd})
}

// readValErr is readVal for calls expected to fail.
func readValErr[T any](s store.Store, t *testing.T, fn func(store.Tx) (T, error)) (T, error) {
	var v T
	err := s.Read(t.Context(), func(tx store.Tx) (err error) {
		v, err = fn(tx)
		return err
	})
	return v, err
}

// ---- members ----

func testMembers(t *testing.T, open Opener) {
	s := open(t)
	m1 := identity.Membership{OrganizationID: "org1", UserID: "u2", IsSuperAdmin: true, JoinTime: at(1)}
	m2 := identity.Membership{OrganizationID: "org1", UserID: "u1", JoinTime: at(2)}
	m3 := identity.Membership{OrganizationID: "org2", UserID: "u1", JoinTime: at(3)}
	write(t, s, func(tx store.Tx) error {
		for _, f := range []func() error{
			func() error { return seedOrg(tx, "org1") },
			func() error { return seedOrg(tx, "org2") },
			func() error { return tx.CreateUser(newUser("u1", "u1@example.com")) },
			func() error { return tx.CreateUser(newUser("u2", "u2@example.com")) },
			func() error { return tx.AddMember(m3) },
			func() error { return tx.AddMember(m1) },
			func() error { return tx.AddMember(m2) },
		} {
			if err := f(); err != nil {
				return err
			}
		}
		return nil
	})
	equal(t, "GetMember", readVal(t, s, func(tx store.Tx) (identity.Membership, error) { return tx.GetMember("org1", "u2") }), m1)
	equal(t, "ListMembers", readVal(t, s, func(tx store.Tx) ([]identity.Membership, error) { return tx.ListMembers("org1") }),
		[]identity.Membership{m2, m1})
	equal(t, "ListUserMemberships", readVal(t, s, func(tx store.Tx) ([]identity.Membership, error) { return tx.ListUserMemberships("u1") }),
		[]identity.Membership{m2, m3})
	equal(t, "ListAllMembers", readVal(t, s, store.Tx.ListAllMembers), []identity.Membership{m2, m1, m3})

	m1.IsSuperAdmin = false
	write(t, s, func(tx store.Tx) error { return tx.UpdateMember(m1) })
	equal(t, "GetMember after update", readVal(t, s, func(tx store.Tx) (identity.Membership, error) { return tx.GetMember("org1", "u2") }), m1)

	runErrCases(t, s, []errCase{
		{"AddDuplicate", func(tx store.Tx) error { return tx.AddMember(m2) }, store.ErrConflict},
		{"AddMissingUser", func(tx store.Tx) error {
			return tx.AddMember(identity.Membership{OrganizationID: "org1", UserID: "nope"})
		}, store.ErrNotFound},
		{"AddMissingOrganization", func(tx store.Tx) error {
			return tx.AddMember(identity.Membership{OrganizationID: "nope", UserID: "u1"})
		}, store.ErrNotFound},
		{"GetMissing", func(tx store.Tx) error { _, err := tx.GetMember("org2", "u2"); return err }, store.ErrNotFound},
		{"UpdateMissing", func(tx store.Tx) error {
			return tx.UpdateMember(identity.Membership{OrganizationID: "org2", UserID: "u2"})
		}, store.ErrNotFound},
		{"RemoveMissing", func(tx store.Tx) error { return tx.RemoveMember("org2", "u2") }, store.ErrNotFound},
	})

	write(t, s, func(tx store.Tx) error { return tx.RemoveMember("org1", "u1") })
	equal(t, "ListMembers after remove", readVal(t, s, func(tx store.Tx) ([]identity.Membership, error) { return tx.ListMembers("org1") }),
		[]identity.Membership{m1})
	if got := readVal(t, s, func(tx store.Tx) ([]identity.Membership, error) { return tx.ListMembers("org-none") }); len(got) != 0 {
		t.Errorf("ListMembers of unknown organization = %+v", got)
	}
}

// ---- tokens ----

func testTokens(t *testing.T, open Opener) {
	s := open(t)
	_, h1, p1 := token.New(token.KindPersonal)
	_, h2, p2 := token.New(token.KindSession)
	_, h3, p3 := token.New(token.KindPersonal)
	t1 := token.Token{Hash: h1, Prefix: p1, Kind: token.KindPersonal, UserID: "u1", Description: "ci",
		CreateTime: at(1), ExpiryTime: ptr(at(100)), MaxAgeSeconds: ptr(int64(3600)), ExtendWhenUsed: true,
		IPAllowlist: []string{"10.0.0.0/8", "192.168.1.1"}, Scopes: []string{"projects:read"}, CreatedManually: true}
	t2 := token.Token{Hash: h2, Prefix: p2, Kind: token.KindSession, UserID: "u1", CreateTime: at(2)}
	t3 := token.Token{Hash: h3, Prefix: p3, Kind: token.KindPersonal, UserID: "u2", CreateTime: at(3),
		IPAllowlist: []string{}, Scopes: []string{}}
	write(t, s, func(tx store.Tx) error {
		for _, u := range []identity.User{newUser("u1", "u1@example.com"), newUser("u2", "u2@example.com")} {
			if err := tx.CreateUser(u); err != nil {
				return err
			}
		}
		for _, tk := range []token.Token{t1, t2, t3} {
			if err := tx.CreateToken(tk); err != nil {
				return err
			}
		}
		return nil
	})
	equal(t, "GetToken", readVal(t, s, func(tx store.Tx) (token.Token, error) { return tx.GetToken(h1) }), t1)
	equal(t, "GetToken with empty lists", readVal(t, s, func(tx store.Tx) (token.Token, error) { return tx.GetToken(h3) }), t3)
	equal(t, "GetTokenByPrefix", readVal(t, s, func(tx store.Tx) (token.Token, error) { return tx.GetTokenByPrefix("u1", p2) }), t2)
	equal(t, "ListTokens newest first", readVal(t, s, func(tx store.Tx) ([]token.Token, error) { return tx.ListTokens("u1") }),
		[]token.Token{t2, t1})

	t.Run("TouchExtends", func(t *testing.T) {
		write(t, s, func(tx store.Tx) error { return tx.TouchToken(h1, at(50), "10.1.2.3", "curl/8", ptr(at(200))) })
		want := t1
		want.LastUsedTime, want.LastIP, want.LastUserAgent, want.ExpiryTime = ptr(at(50)), "10.1.2.3", "curl/8", ptr(at(200))
		equal(t, "touched", readVal(t, s, func(tx store.Tx) (token.Token, error) { return tx.GetToken(h1) }), want)
		// A nil expiry leaves the stored expiry as it is.
		write(t, s, func(tx store.Tx) error { return tx.TouchToken(h1, at(60), "10.1.2.4", "curl/9", nil) })
		want.LastUsedTime, want.LastIP, want.LastUserAgent = ptr(at(60)), "10.1.2.4", "curl/9"
		equal(t, "touched without expiry", readVal(t, s, func(tx store.Tx) (token.Token, error) { return tx.GetToken(h1) }), want)
	})

	_, h4, p4 := token.New(token.KindPersonal)
	runErrCases(t, s, []errCase{
		{"CreateDuplicateHash", func(tx store.Tx) error {
			tk := t3
			tk.Prefix = p4
			return tx.CreateToken(tk)
		}, store.ErrConflict},
		{"CreateDuplicatePrefix", func(tx store.Tx) error {
			tk := t3
			tk.Hash = h4
			return tx.CreateToken(tk)
		}, store.ErrConflict},
		{"CreateForMissingUser", func(tx store.Tx) error {
			return tx.CreateToken(token.Token{Hash: h4, Prefix: p4, Kind: token.KindPersonal, UserID: "nope"})
		}, store.ErrNotFound},
		{"GetMissing", func(tx store.Tx) error { _, err := tx.GetToken(h4); return err }, store.ErrNotFound},
		{"GetByPrefixOfOtherUser", func(tx store.Tx) error { _, err := tx.GetTokenByPrefix("u2", p1); return err }, store.ErrNotFound},
		{"TouchMissing", func(tx store.Tx) error { return tx.TouchToken(h4, at(1), "", "", nil) }, store.ErrNotFound},
		{"DeleteMissing", func(tx store.Tx) error { return tx.DeleteToken(h4) }, store.ErrNotFound},
	})

	write(t, s, func(tx store.Tx) error { return tx.DeleteToken(h2) })
	if got := readVal(t, s, func(tx store.Tx) ([]token.Token, error) { return tx.ListTokens("u1") }); len(got) != 1 || got[0].Hash != h1 {
		t.Errorf("ListTokens after delete = %+v", got)
	}
}

// ---- organizations ----

func testOrganizations(t *testing.T, open Opener) {
	s := open(t)
	o1, o2 := newOrg("org2"), newOrg("org1")
	write(t, s, func(tx store.Tx) error {
		if err := tx.CreateOrganization(o1); err != nil {
			return err
		}
		return tx.CreateOrganization(o2)
	})
	equal(t, "GetOrganization", readVal(t, s, func(tx store.Tx) (org.Organization, error) { return tx.GetOrganization("org2") }), o1)
	equal(t, "ListOrganizations", readVal(t, s, store.Tx.ListOrganizations), []org.Organization{o2, o1})

	// Only name, tier and update time change.
	upd := o1
	upd.Name, upd.Tier, upd.UpdateTime = "Renamed", "enterprise", at(9)
	in := upd
	in.AccountID, in.CreateTime = "other", at(99)
	write(t, s, func(tx store.Tx) error { return tx.UpdateOrganization(in) })
	equal(t, "after update", readVal(t, s, func(tx store.Tx) (org.Organization, error) { return tx.GetOrganization("org2") }), upd)

	runErrCases(t, s, []errCase{
		{"CreateDuplicate", func(tx store.Tx) error { return tx.CreateOrganization(newOrg("org1")) }, store.ErrConflict},
		{"GetMissing", func(tx store.Tx) error { _, err := tx.GetOrganization("nope"); return err }, store.ErrNotFound},
		{"UpdateMissing", func(tx store.Tx) error { return tx.UpdateOrganization(newOrg("nope")) }, store.ErrNotFound},
		{"DeleteMissing", func(tx store.Tx) error { return tx.DeleteOrganization("nope") }, store.ErrNotFound},
	})
	write(t, s, func(tx store.Tx) error { return tx.DeleteOrganization("org1") })
	equal(t, "after delete", readVal(t, s, store.Tx.ListOrganizations), []org.Organization{upd})
}

// ---- units ----

func testUnits(t *testing.T, open Opener) {
	s := open(t)
	root := newUnit("org1", "a0", "")
	child := newUnit("org1", "a2", "a0")
	grandchild := newUnit("org1", "a1", "a2")
	other := newUnit("org2", "b0", "")
	write(t, s, func(tx store.Tx) error {
		for _, id := range []string{"org1", "org2"} {
			if err := tx.CreateOrganization(newOrg(id)); err != nil {
				return err
			}
		}
		for _, u := range []org.Unit{root, child, grandchild, other} {
			if err := tx.CreateUnit(u); err != nil {
				return err
			}
		}
		return nil
	})
	got := readVal(t, s, func(tx store.Tx) (org.Unit, error) { return tx.GetUnit("a0") })
	equal(t, "GetUnit root", got, root)
	if !got.IsRoot() {
		t.Error("root unit lost its empty parent")
	}
	equal(t, "ListUnits", readVal(t, s, func(tx store.Tx) ([]org.Unit, error) { return tx.ListUnits("org1") }),
		[]org.Unit{root, grandchild, child})
	equal(t, "ListAllUnits", readVal(t, s, store.Tx.ListAllUnits), []org.Unit{root, grandchild, child, other})

	// Move the grandchild directly under the root and rename it.
	moved := grandchild
	moved.ParentID, moved.Name, moved.UpdateTime = "a0", "Moved", at(7)
	write(t, s, func(tx store.Tx) error { return tx.UpdateUnit(moved) })
	equal(t, "after update", readVal(t, s, func(tx store.Tx) (org.Unit, error) { return tx.GetUnit("a1") }), moved)

	runErrCases(t, s, []errCase{
		{"CreateDuplicate", func(tx store.Tx) error { return tx.CreateUnit(newUnit("org1", "a0", "")) }, store.ErrConflict},
		{"CreateMissingOrganization", func(tx store.Tx) error { return tx.CreateUnit(newUnit("nope", "a9", "")) }, store.ErrNotFound},
		{"CreateMissingParent", func(tx store.Tx) error { return tx.CreateUnit(newUnit("org1", "a9", "nope")) }, store.ErrNotFound},
		{"GetMissing", func(tx store.Tx) error { _, err := tx.GetUnit("nope"); return err }, store.ErrNotFound},
		{"UpdateMissing", func(tx store.Tx) error { return tx.UpdateUnit(newUnit("org1", "nope", "a0")) }, store.ErrNotFound},
		{"UpdateMissingParent", func(tx store.Tx) error { return tx.UpdateUnit(newUnit("org1", "a1", "nope")) }, store.ErrNotFound},
		{"DeleteMissing", func(tx store.Tx) error { return tx.DeleteUnit("nope") }, store.ErrNotFound},
		// A unit with sub-units cannot go: they would be orphaned.
		{"DeleteWithChildren", func(tx store.Tx) error { return tx.DeleteUnit("a0") }, org.ErrNotEmpty},
	})

	write(t, s, func(tx store.Tx) error { return tx.DeleteUnit("a2") })
	equal(t, "ListUnits after delete", readVal(t, s, func(tx store.Tx) ([]org.Unit, error) { return tx.ListUnits("org1") }),
		[]org.Unit{root, moved})
}

// ---- projects ----

func testProjects(t *testing.T, open Opener) {
	s := open(t)
	p1 := newProject("org1", "beta", "org1")
	p1.BasePort = ptr(12000)
	p1.BillingGroupID = "bg1"
	p2 := newProject("org1", "alpha", "a1")
	p2.Tags, p2.TechEmails = nil, nil
	p3 := newProject("org2", "gamma", "org2")
	write(t, s, func(tx store.Tx) error {
		for _, id := range []string{"org1", "org2"} {
			if err := seedOrg(tx, id); err != nil {
				return err
			}
		}
		for _, p := range []org.Project{p1, p2, p3} {
			if err := tx.CreateProject(p); err != nil {
				return err
			}
		}
		return nil
	})
	equal(t, "GetProject", readVal(t, s, func(tx store.Tx) (org.Project, error) { return tx.GetProject("beta") }), p1)
	equal(t, "GetProject nil lists", readVal(t, s, func(tx store.Tx) (org.Project, error) { return tx.GetProject("alpha") }), p2)
	equal(t, "ListProjects", readVal(t, s, func(tx store.Tx) ([]org.Project, error) { return tx.ListProjects("org1") }),
		[]org.Project{p2, p1})
	equal(t, "ListProjectsIn", readVal(t, s, func(tx store.Tx) ([]org.Project, error) { return tx.ListProjectsIn("a1") }),
		[]org.Project{p2})
	equal(t, "ListAllProjects", readVal(t, s, store.Tx.ListAllProjects), []org.Project{p2, p1, p3})

	t.Run("UpdateInPlace", func(t *testing.T) {
		upd := p1
		upd.BasePort, upd.DefaultCloud, upd.Tags, upd.UpdateTime = nil, "aws-eu-west-1", map[string]string{"a": "b"}, at(20)
		upd.CreateTime = at(999) // ignored: the create time is fixed
		write(t, s, func(tx store.Tx) error { return tx.UpdateProject("beta", upd) })
		upd.CreateTime = p1.CreateTime
		equal(t, "after update", readVal(t, s, func(tx store.Tx) (org.Project, error) { return tx.GetProject("beta") }), upd)
		p1 = upd
	})

	t.Run("Rename", func(t *testing.T) {
		var eventID int64
		write(t, s, func(tx store.Tx) (err error) {
			if err := tx.CreateService(newService("beta", "kafka-1")); err != nil {
				return err
			}
			if err := tx.SetGrant(newGrant("org1", grant.PrincipalUser, "u1", grant.ResourceProject, "beta", "admin")); err != nil {
				return err
			}
			eventID, err = tx.AppendEvent(audit.Event{OrganizationID: "org1", Project: "beta", ActionType: "create"})
			return err
		})
		renamed := p1
		renamed.Name, renamed.UpdateTime = "delta", at(30)
		write(t, s, func(tx store.Tx) error { return tx.UpdateProject("beta", renamed) })
		read(t, s, func(tx store.Tx) error {
			if _, err := tx.GetProject("beta"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("old name: err = %v, want ErrNotFound", err)
			}
			got, err := tx.GetProject("delta")
			if err != nil {
				return err
			}
			equal(t, "renamed project", got, renamed)
			svcs, err := tx.ListServices("delta")
			if err != nil {
				return err
			}
			if len(svcs) != 1 || svcs[0].Project != "delta" {
				t.Errorf("services after rename = %+v", svcs)
			}
			if old, _ := tx.ListServices("beta"); len(old) != 0 {
				t.Errorf("services left under old name: %+v", old)
			}
			grants, err := tx.ListGrants(grant.ResourceProject, "delta")
			if err != nil {
				return err
			}
			if len(grants) != 1 || grants[0].PrincipalID != "u1" {
				t.Errorf("grants after rename = %+v", grants)
			}
			if old, _ := tx.ListGrants(grant.ResourceProject, "beta"); len(old) != 0 {
				t.Errorf("grants left under old name: %+v", old)
			}
			evs, err := tx.ListEvents(store.EventFilter{Project: "delta"})
			if err != nil {
				return err
			}
			if len(evs) != 1 || evs[0].ID != eventID {
				t.Errorf("events after rename = %+v", evs)
			}
			return nil
		})
	})

	runErrCases(t, s, []errCase{
		{"CreateDuplicate", func(tx store.Tx) error { return tx.CreateProject(newProject("org2", "alpha", "org2")) }, store.ErrConflict},
		{"CreateMissingOrganization", func(tx store.Tx) error { return tx.CreateProject(newProject("nope", "zeta", "nope")) }, store.ErrNotFound},
		{"GetMissing", func(tx store.Tx) error { _, err := tx.GetProject("nope"); return err }, store.ErrNotFound},
		{"UpdateMissing", func(tx store.Tx) error { return tx.UpdateProject("nope", newProject("org1", "nope", "org1")) }, store.ErrNotFound},
		{"RenameMissing", func(tx store.Tx) error { return tx.UpdateProject("nope", newProject("org1", "zeta", "org1")) }, store.ErrNotFound},
		{"RenameToTaken", func(tx store.Tx) error { return tx.UpdateProject("alpha", newProject("org1", "gamma", "org1")) }, store.ErrConflict},
		{"DeleteMissing", func(tx store.Tx) error { return tx.DeleteProject("nope") }, store.ErrNotFound},
	})

	write(t, s, func(tx store.Tx) error { return tx.DeleteProject("alpha") })
	if got := readVal(t, s, func(tx store.Tx) ([]org.Project, error) { return tx.ListProjects("org1") }); len(got) != 1 || got[0].Name != "delta" {
		t.Errorf("ListProjects after delete = %+v", got)
	}
}

// ---- services ----

func testServices(t *testing.T, open Opener) {
	s := open(t)
	s1 := newService("p1", "pg-1")
	s1.Type, s1.TerminationProtection = "pg", true
	s1.Tags, s1.TechEmails = map[string]string{"team": "db"}, []string{"a@example.com", "b@example.com"}
	s1.UserConfig = map[string]any{"pg_version": "16", "ip_filter": []any{"0.0.0.0/0"}, "pg": map[string]any{"max_connections": 100.0}}
	s2 := newService("p1", "kafka-1")
	s2.UserConfig = nil
	s3 := newService("p2", "kafka-1")
	write(t, s, func(tx store.Tx) error {
		if err := seedOrg(tx, "org1"); err != nil {
			return err
		}
		for _, p := range []string{"p1", "p2"} {
			if err := tx.CreateProject(newProject("org1", p, "org1")); err != nil {
				return err
			}
		}
		for _, sv := range []org.Service{s1, s2, s3} {
			if err := tx.CreateService(sv); err != nil {
				return err
			}
		}
		return nil
	})
	equal(t, "GetService", readVal(t, s, func(tx store.Tx) (org.Service, error) { return tx.GetService("p1", "pg-1") }), s1)
	equal(t, "ListServices", readVal(t, s, func(tx store.Tx) ([]org.Service, error) { return tx.ListServices("p1") }),
		[]org.Service{s2, s1})
	equal(t, "ListAllServices", readVal(t, s, store.Tx.ListAllServices), []org.Service{s2, s1, s3})

	upd := s1
	upd.Plan, upd.Cloud, upd.TerminationProtection, upd.UpdateTime = "startup-4", "aws-eu-west-1", false, at(40)
	upd.Tags, upd.TechEmails, upd.UserConfig = nil, nil, map[string]any{"pg_version": "17"}
	write(t, s, func(tx store.Tx) error { return tx.UpdateService(upd) })
	equal(t, "after update", readVal(t, s, func(tx store.Tx) (org.Service, error) { return tx.GetService("p1", "pg-1") }), upd)

	runErrCases(t, s, []errCase{
		{"CreateDuplicate", func(tx store.Tx) error { return tx.CreateService(newService("p1", "kafka-1")) }, store.ErrConflict},
		{"CreateMissingProject", func(tx store.Tx) error { return tx.CreateService(newService("nope", "kafka-1")) }, store.ErrNotFound},
		{"GetMissing", func(tx store.Tx) error { _, err := tx.GetService("p2", "pg-1"); return err }, store.ErrNotFound},
		{"UpdateMissing", func(tx store.Tx) error { return tx.UpdateService(newService("p2", "pg-1")) }, store.ErrNotFound},
		{"DeleteMissing", func(tx store.Tx) error { return tx.DeleteService("p2", "pg-1") }, store.ErrNotFound},
	})

	write(t, s, func(tx store.Tx) error { return tx.DeleteService("p1", "kafka-1") })
	equal(t, "ListServices after delete", readVal(t, s, func(tx store.Tx) ([]org.Service, error) { return tx.ListServices("p1") }),
		[]org.Service{upd})
}

// ---- events ----

func testEvents(t *testing.T, open Opener) {
	s := open(t)
	// 12 events over two organizations, three accounts and two projects.
	var all []audit.Event
	write(t, s, func(tx store.Tx) error {
		var prev int64
		for i := range 12 {
			e := audit.Event{
				OrganizationID: []string{"org1", "org2"}[i%2],
				AccountID:      []string{"a1", "a2", "a3"}[i%3],
				Project:        []string{"p1", "", "p2", ""}[i%4],
				Service:        fmt.Sprintf("svc-%d", i),
				ActorUserID:    "u1", ActorEmail: "u1@example.com",
				ActionType: "action", Description: fmt.Sprintf("event %d", i), ClientIP: "10.0.0.1",
				CreateTime: at(i),
			}
			id, err := tx.AppendEvent(e)
			if err != nil {
				return err
			}
			if id <= prev {
				return fmt.Errorf("AppendEvent returned %d after %d", id, prev)
			}
			prev, e.ID = id, id
			all = append(all, e)
		}
		return nil
	})
	// newest returns the events matching keep, newest first.
	newest := func(keep func(audit.Event) bool) []audit.Event {
		var out []audit.Event
		for i := len(all) - 1; i >= 0; i-- {
			if keep(all[i]) {
				out = append(out, all[i])
			}
		}
		return out
	}
	cases := []struct {
		name string
		f    store.EventFilter
		want []audit.Event
	}{
		{"All", store.EventFilter{}, newest(func(audit.Event) bool { return true })},
		{"Organization", store.EventFilter{OrganizationID: "org1"}, newest(func(e audit.Event) bool { return e.OrganizationID == "org1" })},
		{"Accounts", store.EventFilter{AccountIDs: []string{"a1", "a3"}},
			newest(func(e audit.Event) bool { return e.AccountID == "a1" || e.AccountID == "a3" })},
		{"Project", store.EventFilter{Project: "p2"}, newest(func(e audit.Event) bool { return e.Project == "p2" })},
		{"OrganizationAndAccount", store.EventFilter{OrganizationID: "org2", AccountIDs: []string{"a2"}},
			newest(func(e audit.Event) bool { return e.OrganizationID == "org2" && e.AccountID == "a2" })},
		{"Limit", store.EventFilter{Limit: 3}, newest(func(audit.Event) bool { return true })[:3]},
		{"BeforeID", store.EventFilter{BeforeID: all[5].ID}, newest(func(e audit.Event) bool { return e.ID < all[5].ID })},
		{"BeforeIDAndLimit", store.EventFilter{OrganizationID: "org1", BeforeID: all[8].ID, Limit: 2},
			newest(func(e audit.Event) bool { return e.OrganizationID == "org1" && e.ID < all[8].ID })[:2]},
		{"NoMatch", store.EventFilter{OrganizationID: "nope"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := readVal(t, s, func(tx store.Tx) ([]audit.Event, error) { return tx.ListEvents(c.f) })
			equal(t, "ListEvents", got, c.want)
		})
	}
	t.Run("Paging", func(t *testing.T) {
		// Walking pages of 5 with BeforeID visits every event once, newest first.
		var got []audit.Event
		f := store.EventFilter{Limit: 5}
		for {
			page := readVal(t, s, func(tx store.Tx) ([]audit.Event, error) { return tx.ListEvents(f) })
			if len(page) == 0 {
				break
			}
			got = append(got, page...)
			f.BeforeID = page[len(page)-1].ID
		}
		equal(t, "paged events", got, newest(func(audit.Event) bool { return true }))
	})
}

// ---- groups ----

func testGroups(t *testing.T, open Opener) {
	s := open(t)
	g1 := newGroup("org1", "ug1", "zeta")
	g1.ManagedBySCIM = true
	g2 := newGroup("org1", "ug2", "alpha")
	g3 := newGroup("org2", "ug3", "zeta") // the same name in another organization is fine
	write(t, s, func(tx store.Tx) error {
		for _, id := range []string{"org1", "org2"} {
			if err := seedOrg(tx, id); err != nil {
				return err
			}
		}
		for _, u := range []string{"u1", "u2"} {
			if err := tx.CreateUser(newUser(u, u+"@example.com")); err != nil {
				return err
			}
		}
		for _, g := range []identity.Group{g1, g2, g3} {
			if err := tx.CreateGroup(g); err != nil {
				return err
			}
		}
		return nil
	})
	equal(t, "GetGroup", readVal(t, s, func(tx store.Tx) (identity.Group, error) { return tx.GetGroup("ug1") }), g1)
	equal(t, "ListGroups by name", readVal(t, s, func(tx store.Tx) ([]identity.Group, error) { return tx.ListGroups("org1") }),
		[]identity.Group{g2, g1})
	equal(t, "ListAllGroups", readVal(t, s, store.Tx.ListAllGroups), []identity.Group{g1, g2, g3})

	upd := g2
	upd.Name, upd.Description, upd.UpdateTime = "beta", "renamed", at(5)
	write(t, s, func(tx store.Tx) error { return tx.UpdateGroup(upd) })
	equal(t, "after update", readVal(t, s, func(tx store.Tx) (identity.Group, error) { return tx.GetGroup("ug2") }), upd)
	// Keeping one's own name is not a conflict.
	write(t, s, func(tx store.Tx) error { return tx.UpdateGroup(upd) })

	m1 := identity.GroupMember{GroupID: "ug1", UserID: "u2", JoinTime: at(1)}
	m2 := identity.GroupMember{GroupID: "ug1", UserID: "u1", JoinTime: at(2)}
	m3 := identity.GroupMember{GroupID: "ug2", UserID: "u1", JoinTime: at(3)}
	m4 := identity.GroupMember{GroupID: "ug3", UserID: "u1", JoinTime: at(4)}
	write(t, s, func(tx store.Tx) error {
		for _, m := range []identity.GroupMember{m1, m2, m3, m4} {
			if err := tx.AddGroupMember(m); err != nil {
				return err
			}
		}
		// Adding again is a no-op that keeps the first join time.
		again := m1
		again.JoinTime = at(99)
		if err := tx.AddGroupMember(again); err != nil {
			return err
		}
		// Removing a non-member is a no-op.
		return tx.RemoveGroupMember("ug2", "u2")
	})
	equal(t, "ListGroupMembers", readVal(t, s, func(tx store.Tx) ([]identity.GroupMember, error) { return tx.ListGroupMembers("ug1") }),
		[]identity.GroupMember{m2, m1})
	equal(t, "ListUserGroups", readVal(t, s, func(tx store.Tx) ([]identity.Group, error) { return tx.ListUserGroups("org1", "u1") }),
		[]identity.Group{upd, g1})
	equal(t, "ListAllGroupMembers", readVal(t, s, store.Tx.ListAllGroupMembers), []identity.GroupMember{m2, m1, m3, m4})

	write(t, s, func(tx store.Tx) error { return tx.RemoveGroupMember("ug1", "u2") })
	equal(t, "after remove", readVal(t, s, func(tx store.Tx) ([]identity.GroupMember, error) { return tx.ListGroupMembers("ug1") }),
		[]identity.GroupMember{m2})

	runErrCases(t, s, []errCase{
		{"CreateDuplicateID", func(tx store.Tx) error { return tx.CreateGroup(newGroup("org1", "ug1", "other")) }, store.ErrConflict},
		{"CreateDuplicateName", func(tx store.Tx) error { return tx.CreateGroup(newGroup("org1", "ug9", "zeta")) }, store.ErrConflict},
		{"CreateMissingOrganization", func(tx store.Tx) error { return tx.CreateGroup(newGroup("nope", "ug9", "x")) }, store.ErrNotFound},
		{"GetMissing", func(tx store.Tx) error { _, err := tx.GetGroup("nope"); return err }, store.ErrNotFound},
		{"UpdateMissing", func(tx store.Tx) error { return tx.UpdateGroup(newGroup("org1", "nope", "x")) }, store.ErrNotFound},
		{"UpdateToTakenName", func(tx store.Tx) error {
			g := upd
			g.Name = "zeta"
			return tx.UpdateGroup(g)
		}, store.ErrConflict},
		{"DeleteMissing", func(tx store.Tx) error { return tx.DeleteGroup("nope") }, store.ErrNotFound},
		{"AddMemberMissingGroup", func(tx store.Tx) error {
			return tx.AddGroupMember(identity.GroupMember{GroupID: "nope", UserID: "u1"})
		}, store.ErrNotFound},
		{"AddMemberMissingUser", func(tx store.Tx) error {
			return tx.AddGroupMember(identity.GroupMember{GroupID: "ug1", UserID: "nope"})
		}, store.ErrNotFound},
	})
}

// ---- grants ----

func testGrants(t *testing.T, open Opener) {
	s := open(t)
	gu := newGrant("org1", grant.PrincipalUser, "u1", grant.ResourceProject, "p1", "developer")
	gg := newGrant("org1", grant.PrincipalGroup, "ug1", grant.ResourceProject, "p1", "read_only", "project:audit_logs:read")
	go1 := newGrant("org1", grant.PrincipalUser, "u1", grant.ResourceOrganization, "org1", "organization:billing:read")
	gu2 := newGrant("org1", grant.PrincipalUser, "u2", grant.ResourceUnit, "a1", "admin")
	write(t, s, func(tx store.Tx) error {
		if err := tx.CreateOrganization(newOrg("org1")); err != nil {
			return err
		}
		for _, g := range []grant.Grant{gu, gg, go1, gu2} {
			if err := tx.SetGrant(g); err != nil {
				return err
			}
		}
		return nil
	})
	equal(t, "ListGrants by principal", readVal(t, s, func(tx store.Tx) ([]grant.Grant, error) {
		return tx.ListGrants(grant.ResourceProject, "p1")
	}), []grant.Grant{gu, gg})
	equal(t, "ListPrincipalGrants", readVal(t, s, func(tx store.Tx) ([]grant.Grant, error) {
		return tx.ListPrincipalGrants(grant.PrincipalUser, "u1")
	}), []grant.Grant{go1, gu})
	equal(t, "ListAllGrants", readVal(t, s, store.Tx.ListAllGrants), []grant.Grant{go1, gu, gu2, gg})

	t.Run("Replace", func(t *testing.T) {
		repl := gu
		repl.Permissions = []string{"operator", "project:networking:read"}
		repl.CreateTime, repl.UpdateTime = at(50), at(50)
		write(t, s, func(tx store.Tx) error { return tx.SetGrant(repl) })
		repl.CreateTime = gu.CreateTime // the original create time stays
		equal(t, "after replace", readVal(t, s, func(tx store.Tx) ([]grant.Grant, error) {
			return tx.ListGrants(grant.ResourceProject, "p1")
		}), []grant.Grant{repl, gg})
	})
	t.Run("EmptyDeletes", func(t *testing.T) {
		del := gg
		del.Permissions = nil
		write(t, s, func(tx store.Tx) error { return tx.SetGrant(del) })
		if got := readVal(t, s, func(tx store.Tx) ([]grant.Grant, error) { return tx.ListGrants(grant.ResourceProject, "p1") }); len(got) != 1 {
			t.Errorf("after delete = %+v", got)
		}
		// Deleting a grant that does not exist is fine.
		del.Permissions = []string{}
		write(t, s, func(tx store.Tx) error { return tx.SetGrant(del) })
	})
	runErrCases(t, s, []errCase{
		{"MissingOrganization", func(tx store.Tx) error {
			return tx.SetGrant(newGrant("nope", grant.PrincipalUser, "u1", grant.ResourceOrganization, "nope", "admin"))
		}, store.ErrNotFound},
	})
}

// ---- change log ----

func testChangeLog(t *testing.T, open Opener) {
	s := open(t)
	if rev := readVal(t, s, store.Tx.Revision); rev != 0 {
		t.Fatalf("Revision of empty log = %d", rev)
	}
	payloads := [][]byte{[]byte("one"), []byte(`{"two":2}`), {0, 1, 2, 255}, []byte("four"), []byte("five")}
	write(t, s, func(tx store.Tx) error {
		for i, p := range payloads[:3] {
			rev, err := tx.AppendChange(p)
			if err != nil {
				return err
			}
			if rev != int64(i+1) {
				return fmt.Errorf("revision %d, want %d", rev, i+1)
			}
		}
		// The transaction sees its own appends.
		if rev, err := tx.Revision(); err != nil || rev != 3 {
			return fmt.Errorf("Revision inside write = %d, %v", rev, err)
		}
		return nil
	})
	// A rolled-back append leaves no gap.
	_ = s.Write(t.Context(), func(tx store.Tx) error {
		if _, err := tx.AppendChange([]byte("lost")); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	write(t, s, func(tx store.Tx) error {
		for i, p := range payloads[3:] {
			rev, err := tx.AppendChange(p)
			if err != nil {
				return err
			}
			if rev != int64(i+4) {
				return fmt.Errorf("revision %d, want %d", rev, i+4)
			}
		}
		return nil
	})
	if rev := readVal(t, s, store.Tx.Revision); rev != 5 {
		t.Errorf("Revision = %d, want 5", rev)
	}

	changes := func(t *testing.T, after int64, limit int) []store.Change {
		t.Helper()
		cs, err := s.Changes(t.Context(), after, limit)
		if err != nil {
			t.Fatalf("Changes(%d, %d): %v", after, limit, err)
		}
		return cs
	}
	cases := []struct {
		name         string
		after        int64
		limit        int
		wantRevision []int64
	}{
		{"FromStart", 0, 10, []int64{1, 2, 3, 4, 5}},
		{"Limited", 0, 2, []int64{1, 2}},
		{"After", 2, 2, []int64{3, 4}},
		{"Tail", 4, 10, []int64{5}},
		{"AtHead", 5, 10, nil},
		{"NoLimit", 1, 0, []int64{2, 3, 4, 5}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []int64
			for _, ch := range changes(t, c.after, c.limit) {
				got = append(got, ch.Revision)
				if !bytes.Equal(ch.Payload, payloads[ch.Revision-1]) {
					t.Errorf("revision %d payload = %q, want %q", ch.Revision, ch.Payload, payloads[ch.Revision-1])
				}
				if ch.CreateTime.IsZero() || ch.CreateTime.Location() != time.UTC {
					t.Errorf("revision %d create time = %v", ch.Revision, ch.CreateTime)
				}
			}
			equal(t, "revisions", got, c.wantRevision)
		})
	}
	t.Run("Paging", func(t *testing.T) {
		var after int64
		var got []int64
		for {
			page := changes(t, after, 2)
			if len(page) == 0 {
				break
			}
			for _, ch := range page {
				got = append(got, ch.Revision)
			}
			after = page[len(page)-1].Revision
		}
		equal(t, "paged revisions", got, []int64{1, 2, 3, 4, 5})
	})
}

// testConcurrentWrites checks that writes from many goroutines get
// gapless revisions in commit order: while each Write runs, no later
// revision may be visible yet.
func testConcurrentWrites(t *testing.T, open Opener) {
	s := open(t)
	const workers, perWorker = 8, 50
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				err := s.Write(t.Context(), func(tx store.Tx) error {
					before, err := tx.Revision()
					if err != nil {
						return err
					}
					rev, err := tx.AppendChange(fmt.Appendf(nil, "w%d-%d", w, i))
					if err != nil {
						return err
					}
					if rev != before+1 {
						return fmt.Errorf("appended revision %d after %d", rev, before)
					}
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	// Read concurrently: a reader must never see a gap.
	stop := make(chan struct{})
	readerDone := make(chan error, 1)
	go func() {
		var after int64
		for {
			select {
			case <-stop:
				readerDone <- nil
				return
			default:
			}
			cs, err := s.Changes(t.Context(), after, 100)
			if err != nil {
				readerDone <- err
				return
			}
			for _, c := range cs {
				if c.Revision != after+1 {
					readerDone <- fmt.Errorf("follower saw revision %d after %d", c.Revision, after)
					return
				}
				after = c.Revision
			}
		}
	}()
	wg.Wait()
	close(stop)
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if err := <-readerDone; err != nil {
		t.Error(err)
	}
	cs, err := s.Changes(t.Context(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != workers*perWorker {
		t.Fatalf("%d changes, want %d", len(cs), workers*perWorker)
	}
	seen := map[string]bool{}
	for i, c := range cs {
		if c.Revision != int64(i+1) {
			t.Fatalf("change %d has revision %d", i, c.Revision)
		}
		if seen[string(c.Payload)] {
			t.Fatalf("payload %q twice", c.Payload)
		}
		seen[string(c.Payload)] = true
	}
}

// ---- cascades ----

// world is a small installation that every cascade test starts from: two
// organizations (org1 and org2), users u1 (in both) and u2 (org1 only),
// units, projects with services, groups with members, grants and events.
func seedWorld(t *testing.T, s store.Store) {
	t.Helper()
	write(t, s, func(tx store.Tx) error {
		steps := []func() error{
			func() error { return seedOrg(tx, "org1") },
			func() error { return seedOrg(tx, "org2") },
			func() error { return tx.CreateUnit(newUnit("org1", "a1", "org1-root")) },
			func() error { return tx.CreateUser(newUser("u1", "u1@example.com")) },
			func() error { return tx.CreateUser(newUser("u2", "u2@example.com")) },
			func() error { return tx.AddMember(identity.Membership{OrganizationID: "org1", UserID: "u1"}) },
			func() error { return tx.AddMember(identity.Membership{OrganizationID: "org2", UserID: "u1"}) },
			func() error { return tx.AddMember(identity.Membership{OrganizationID: "org1", UserID: "u2"}) },
			func() error {
				_, h, p := token.New(token.KindPersonal)
				return tx.CreateToken(token.Token{Hash: h, Prefix: p, Kind: token.KindPersonal, UserID: "u2"})
			},
			func() error {
				_, h, p := token.New(token.KindPersonal)
				return tx.CreateToken(token.Token{Hash: h, Prefix: p, Kind: token.KindPersonal, UserID: "u1"})
			},
			func() error { return tx.CreateProject(newProject("org1", "p1", "a1")) },
			func() error { return tx.CreateProject(newProject("org2", "p2", "org2")) },
			func() error { return tx.CreateService(newService("p1", "s1")) },
			func() error { return tx.CreateService(newService("p2", "s2")) },
			func() error { return tx.CreateGroup(newGroup("org1", "ug1", "g1")) },
			func() error { return tx.CreateGroup(newGroup("org2", "ug2", "g2")) },
			func() error { return tx.AddGroupMember(identity.GroupMember{GroupID: "ug1", UserID: "u1"}) },
			func() error { return tx.AddGroupMember(identity.GroupMember{GroupID: "ug1", UserID: "u2"}) },
			func() error { return tx.AddGroupMember(identity.GroupMember{GroupID: "ug2", UserID: "u1"}) },
		}
		for _, g := range []grant.Grant{
			newGrant("org1", grant.PrincipalUser, "u2", grant.ResourceProject, "p1", "developer"),
			newGrant("org1", grant.PrincipalUser, "u2", grant.ResourceUnit, "a1", "admin"),
			newGrant("org1", grant.PrincipalGroup, "ug1", grant.ResourceOrganization, "org1", "read_only"),
			newGrant("org1", grant.PrincipalGroup, "ug1", grant.ResourceProject, "p1", "operator"),
			newGrant("org1", grant.PrincipalUser, "u1", grant.ResourceUnit, "a1", "read_only"),
			newGrant("org2", grant.PrincipalUser, "u1", grant.ResourceProject, "p2", "admin"),
			newGrant("org2", grant.PrincipalGroup, "ug2", grant.ResourceProject, "p2", "read_only"),
		} {
			steps = append(steps, func() error { return tx.SetGrant(g) })
		}
		for _, e := range []audit.Event{
			{OrganizationID: "org1", AccountID: "a1", Project: "p1"},
			{OrganizationID: "org2", AccountID: "org2-root", Project: "p2"},
		} {
			steps = append(steps, func() error { _, err := tx.AppendEvent(e); return err })
		}
		for _, f := range steps {
			if err := f(); err != nil {
				return err
			}
		}
		return nil
	})
}

// snapshot is everything a store holds, in comparable form.
type snapshot struct {
	Orgs, Units, Projects, Services, Users, Members, Tokens []string
	Groups, GroupMembers, Grants, Events                    []string
}

func takeSnapshot(t *testing.T, s store.Store) snapshot {
	t.Helper()
	var sn snapshot
	read(t, s, func(tx store.Tx) error {
		orgs, err := tx.ListOrganizations()
		if err != nil {
			return err
		}
		for _, o := range orgs {
			sn.Orgs = append(sn.Orgs, o.ID)
			evs, err := tx.ListEvents(store.EventFilter{OrganizationID: o.ID})
			if err != nil {
				return err
			}
			for _, e := range evs {
				sn.Events = append(sn.Events, e.OrganizationID+"/"+e.Project)
			}
		}
		units, err := tx.ListAllUnits()
		if err != nil {
			return err
		}
		for _, u := range units {
			sn.Units = append(sn.Units, u.ID)
		}
		projects, err := tx.ListAllProjects()
		if err != nil {
			return err
		}
		for _, p := range projects {
			sn.Projects = append(sn.Projects, p.Name)
		}
		services, err := tx.ListAllServices()
		if err != nil {
			return err
		}
		for _, sv := range services {
			sn.Services = append(sn.Services, sv.Project+"/"+sv.Name)
		}
		users, err := tx.ListUsers()
		if err != nil {
			return err
		}
		for _, u := range users {
			sn.Users = append(sn.Users, u.ID)
			tks, err := tx.ListTokens(u.ID)
			if err != nil {
				return err
			}
			for _, tk := range tks {
				sn.Tokens = append(sn.Tokens, tk.UserID)
			}
		}
		members, err := tx.ListAllMembers()
		if err != nil {
			return err
		}
		for _, m := range members {
			sn.Members = append(sn.Members, m.OrganizationID+"/"+m.UserID)
		}
		groups, err := tx.ListAllGroups()
		if err != nil {
			return err
		}
		for _, g := range groups {
			sn.Groups = append(sn.Groups, g.ID)
		}
		gms, err := tx.ListAllGroupMembers()
		if err != nil {
			return err
		}
		for _, m := range gms {
			sn.GroupMembers = append(sn.GroupMembers, m.GroupID+"/"+m.UserID)
		}
		grants, err := tx.ListAllGrants()
		if err != nil {
			return err
		}
		for _, g := range grants {
			sn.Grants = append(sn.Grants, g.PrincipalID+"@"+g.ResourceID)
		}
		return nil
	})
	return sn
}

func testCascades(t *testing.T, open Opener) {
	full := snapshot{
		Orgs:         []string{"org1", "org2"},
		Units:        []string{"a1", "org1-root", "org2-root"},
		Projects:     []string{"p1", "p2"},
		Services:     []string{"p1/s1", "p2/s2"},
		Users:        []string{"u1", "u2"},
		Members:      []string{"org1/u1", "org1/u2", "org2/u1"},
		Tokens:       []string{"u1", "u2"},
		Groups:       []string{"ug1", "ug2"},
		GroupMembers: []string{"ug1/u1", "ug1/u2", "ug2/u1"},
		Grants:       []string{"u1@a1", "u1@p2", "u2@a1", "u2@p1", "ug1@org1", "ug1@p1", "ug2@p2"},
		Events:       []string{"org1/p1", "org2/p2"},
	}
	cases := []struct {
		name string
		del  func(store.Tx) error
		want func(*snapshot)
	}{
		{"DeleteOrganization", func(tx store.Tx) error { return tx.DeleteOrganization("org1") }, func(s *snapshot) {
			s.Orgs = []string{"org2"}
			s.Units = []string{"org2-root"}
			s.Projects = []string{"p2"}
			s.Services = []string{"p2/s2"}
			s.Members = []string{"org2/u1"}
			s.Groups = []string{"ug2"}
			s.GroupMembers = []string{"ug2/u1"}
			s.Grants = []string{"u1@p2", "ug2@p2"}
			s.Events = []string{"org2/p2"}
		}},
		{"DeleteUser", func(tx store.Tx) error { return tx.DeleteUser("u1") }, func(s *snapshot) {
			s.Users = []string{"u2"}
			s.Members = []string{"org1/u2"}
			s.Tokens = []string{"u2"}
			s.GroupMembers = []string{"ug1/u2"}
			s.Grants = []string{"u2@a1", "u2@p1", "ug1@org1", "ug1@p1", "ug2@p2"}
		}},
		{"DeleteGroup", func(tx store.Tx) error { return tx.DeleteGroup("ug1") }, func(s *snapshot) {
			s.Groups = []string{"ug2"}
			s.GroupMembers = []string{"ug2/u1"}
			s.Grants = []string{"u1@a1", "u1@p2", "u2@a1", "u2@p1", "ug2@p2"}
		}},
		{"DeleteProject", func(tx store.Tx) error { return tx.DeleteProject("p1") }, func(s *snapshot) {
			s.Projects = []string{"p2"}
			s.Services = []string{"p2/s2"}
			s.Grants = []string{"u1@a1", "u1@p2", "u2@a1", "ug1@org1", "ug2@p2"}
			// Events stay: the log outlives the project.
		}},
		{"DeleteUnit", func(tx store.Tx) error { return tx.DeleteUnit("a1") }, func(s *snapshot) {
			s.Units = []string{"org1-root", "org2-root"}
			s.Grants = []string{"u1@p2", "u2@p1", "ug1@org1", "ug1@p1", "ug2@p2"}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := open(t)
			seedWorld(t, s)
			equal(t, "seeded", takeSnapshot(t, s), full)
			write(t, s, c.del)
			want := full
			c.want(&want)
			equal(t, "after delete", takeSnapshot(t, s), want)
		})
	}
}

// ---- transactions ----

func testRollback(t *testing.T, open Opener) {
	mutate := func(tx store.Tx) error {
		steps := []func() error{
			func() error { return tx.CreateUser(newUser("u9", "u9@example.com")) },
			func() error { return tx.CreateProject(newProject("org1", "p9", "org1")) },
			func() error { return tx.DeleteProject("p1") },
			func() error {
				return tx.SetGrant(newGrant("org1", grant.PrincipalUser, "u9", grant.ResourceOrganization, "org1", "admin"))
			},
			func() error { _, err := tx.AppendEvent(audit.Event{OrganizationID: "org1"}); return err },
			func() error { _, err := tx.AppendChange([]byte("x")); return err },
			func() error { return tx.DeleteOrganization("org2") },
		}
		for _, f := range steps {
			if err := f(); err != nil {
				return err
			}
		}
		return nil
	}
	t.Run("Error", func(t *testing.T) {
		s := open(t)
		seedWorld(t, s)
		before := takeSnapshot(t, s)
		boom := errors.New("boom")
		err := s.Write(t.Context(), func(tx store.Tx) error {
			if err := mutate(tx); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Write = %v, want the callback's error", err)
		}
		equal(t, "after rollback", takeSnapshot(t, s), before)
		if rev := readVal(t, s, store.Tx.Revision); rev != 0 {
			t.Errorf("Revision after rollback = %d", rev)
		}
	})
	t.Run("Panic", func(t *testing.T) {
		s := open(t)
		seedWorld(t, s)
		before := takeSnapshot(t, s)
		func() {
			defer func() {
				if p := recover(); p != "boom" {
					t.Errorf("recovered %v, want the callback's panic", p)
				}
			}()
			_ = s.Write(t.Context(), func(tx store.Tx) error {
				if err := mutate(tx); err != nil {
					return err
				}
				panic("boom")
			})
		}()
		equal(t, "after panic", takeSnapshot(t, s), before)
		// The store is still usable: the writer was released.
		write(t, s, func(tx store.Tx) error { return tx.CreateUser(newUser("u9", "u9@example.com")) })
	})
}

// testReadOnly checks that Read refuses to write.
func testReadOnly(t *testing.T, open Opener) {
	s := open(t)
	err := s.Read(t.Context(), func(tx store.Tx) error { return tx.CreateUser(newUser("u1", "u1@example.com")) })
	if err == nil {
		t.Fatal("CreateUser inside Read succeeded")
	}
	if n := readVal(t, s, store.Tx.CountUsers); n != 0 {
		t.Errorf("CountUsers = %d after a write inside Read", n)
	}
}

// testErrorsKeepTxUsable checks that a conflict or not-found leaves the
// transaction usable, so a caller may treat it as an answer and carry on
// (on PostgreSQL a failed statement would otherwise abort the transaction).
func testErrorsKeepTxUsable(t *testing.T, open Opener) {
	s := open(t)
	seedWorld(t, s)
	write(t, s, func(tx store.Tx) error {
		for _, c := range []errCase{
			{"CreateUser", func(tx store.Tx) error { return tx.CreateUser(newUser("u1", "x@example.com")) }, store.ErrConflict},
			{"UpdateUser", func(tx store.Tx) error { return tx.UpdateUser(newUser("u1", "u2@example.com")) }, store.ErrConflict},
			{"AddMember", func(tx store.Tx) error {
				return tx.AddMember(identity.Membership{OrganizationID: "org1", UserID: "u1"})
			}, store.ErrConflict},
			{"AddMemberMissingUser", func(tx store.Tx) error {
				return tx.AddMember(identity.Membership{OrganizationID: "org1", UserID: "nope"})
			}, store.ErrNotFound},
			{"CreateOrganization", func(tx store.Tx) error { return tx.CreateOrganization(newOrg("org1")) }, store.ErrConflict},
			{"CreateUnit", func(tx store.Tx) error { return tx.CreateUnit(newUnit("org1", "a1", "")) }, store.ErrConflict},
			{"CreateUnitMissingParent", func(tx store.Tx) error { return tx.CreateUnit(newUnit("org1", "a9", "nope")) }, store.ErrNotFound},
			{"DeleteUnitNotEmpty", func(tx store.Tx) error { return tx.DeleteUnit("org1-root") }, org.ErrNotEmpty},
			{"CreateProject", func(tx store.Tx) error { return tx.CreateProject(newProject("org2", "p1", "org2")) }, store.ErrConflict},
			{"RenameProject", func(tx store.Tx) error { return tx.UpdateProject("p1", newProject("org1", "p2", "org1")) }, store.ErrConflict},
			{"CreateService", func(tx store.Tx) error { return tx.CreateService(newService("p1", "s1")) }, store.ErrConflict},
			{"CreateServiceMissingProject", func(tx store.Tx) error { return tx.CreateService(newService("nope", "s1")) }, store.ErrNotFound},
			{"CreateGroup", func(tx store.Tx) error { return tx.CreateGroup(newGroup("org1", "ug9", "g1")) }, store.ErrConflict},
			{"UpdateGroup", func(tx store.Tx) error { return tx.UpdateGroup(newGroup("org2", "ug2", "g2")) }, nil},
			{"GetUser", func(tx store.Tx) error { _, err := tx.GetUser("nope"); return err }, store.ErrNotFound},
		} {
			if err := c.fn(tx); !errors.Is(err, c.want) {
				return fmt.Errorf("%s: err = %v, want %v", c.name, err, c.want)
			}
		}
		// The transaction still works and commits.
		return tx.CreateUser(newUser("u9", "u9@example.com"))
	})
	if _, err := readValErr(s, t, func(tx store.Tx) (identity.User, error) { return tx.GetUser("u9") }); err != nil {
		t.Errorf("write after errors did not commit: %v", err)
	}
}
