// Package storetest is the conformance suite every store.Store backend
// must pass. A backend's test calls RunAll with a function that opens a
// fresh, empty store (and arranges its cleanup); each subtest opens its
// own, so subtests never see each other's rows.
package storetest

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Opener returns a fresh, empty store, closed when t ends.
type Opener func(t *testing.T) store.Store

// RunAll runs the whole suite against the stores open returns. Every
// area is listed here, so the suite a backend passes is what this list
// says; a new store feature adds its area (kept in a file named after its
// noun) to the list.
func RunAll(t *testing.T, open func(t *testing.T) store.Store) {
	areas := []struct {
		name string
		run  func(*testing.T, Opener)
	}{
		{"Users", testUsers},
		{"Members", testMembers},
		{"MemberPages", testMemberPages},
		{"MemberCursor", testMemberCursor},
		{"LargeMemberPages", testLargeMemberPages},
		{"MemberDetails", testMemberDetails},
		{"ReviewReads", testReviewReads},
		{"ReviewPages", testReviewPages},
		{"ProjectPages", testProjectPages},
		{"Tokens", testTokens},
		{"Organizations", testOrganizations},
		{"Units", testUnits},
		{"Projects", testProjects},
		{"Services", testServices},
		{"Events", testEvents},
		{"Groups", testGroups},
		{"Grants", testGrants},
		{"ChangeLog", testChangeLog},
		{"Notices", testNotices},
		{"ConcurrentWrites", testConcurrentWrites},
		{"GroupCommit", testGroupCommit},
		{"Cascades", testCascades},
		{"Rollback", testRollback},
		{"ReadOnly", testReadOnly},
		{"ErrorsKeepTxUsable", testErrorsKeepTxUsable},
		{"Applications", runApplications},
		{"Domains", testDomains},
		{"AuthMethods", testAuthMethods},
		{"SSO", testSSO},
		{"SCIM", testSCIM},
		{"KafkaACLs", testKafkaACLs},
		{"Invitations", testInvitations},
		{"TwoFactor", testTwoFactor},
		{"PasswordResets", testPasswordResets},
		{"AuthPolicies", testAuthPolicies},
		{"TokenAuthMethod", testTokenAuthMethod},
		{"Profiles", testProfiles},
		{"ProjectMembers", testProjectMembers},
		{"ProjectCAs", testProjectCAs},
		{"ServiceUsers", testServiceUsers},
		{"ServiceConnections", testServiceConnections},
	}
	for _, a := range areas {
		t.Run(a.name, func(t *testing.T) { a.run(t, open) })
	}
}

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

func read(t *testing.T, s store.Store, fn func(store.Reader) error) {
	t.Helper()
	if err := s.Read(t.Context(), fn); err != nil {
		t.Fatalf("Read: %v", err)
	}
}

// readVal runs one read and returns its value.
func readVal[T any](t *testing.T, s store.Store, fn func(store.Reader) (T, error)) T {
	t.Helper()
	var v T
	read(t, s, func(tx store.Reader) (err error) {
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
	return org.Project{ID: "prj-" + name, Name: name, OrganizationID: orgID, ParentID: parent, AccountID: orgID + "-root",
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
