package storetest

import (
	"errors"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

func testSCIM(t *testing.T, open Opener) {
	s := open(t)
	write(t, s, func(tx store.Tx) error {
		if err := seedOrg(tx, "org1"); err != nil {
			return err
		}
		for _, u := range []identity.User{newUser("u1", "a@example.com"), newUser("u2", "b@example.com")} {
			if err := tx.CreateUser(u); err != nil {
				return err
			}
		}
		if err := tx.CreateGroup(newGroup("org1", "ug1", "eng")); err != nil {
			return err
		}
		if err := tx.CreateAuthMethod(newAuthMethod("org1", "am1")); err != nil {
			return err
		}
		return tx.CreateAuthMethod(newAuthMethod("org1", "am2"))
	})
	getHash := func(id string) (string, error) {
		return readValErr(s, t, func(tx store.Reader) (string, error) { return tx.GetSCIMTokenHash(id) })
	}
	if _, err := getHash("am1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetSCIMTokenHash before any: %v, want ErrNotFound", err)
	}
	write(t, s, func(tx store.Tx) error { return tx.SetSCIMTokenHash("am1", "h1", at(1)) })
	write(t, s, func(tx store.Tx) error { return tx.SetSCIMTokenHash("am1", "h2", at(2)) })
	if h, err := getHash("am1"); err != nil || h != "h2" {
		t.Fatalf("GetSCIMTokenHash after rotation = %q, %v; want h2", h, err)
	}
	wantErr(t, s, "SetSCIMTokenHash missing method", store.ErrNotFound, func(tx store.Tx) error { return tx.SetSCIMTokenHash("nope", "h", at(1)) })
	write(t, s, func(tx store.Tx) error { return tx.DeleteSCIMTokenHash("am1") })
	if _, err := getHash("am1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetSCIMTokenHash after delete: %v, want ErrNotFound", err)
	}

	u1 := identity.SCIMUser{MethodID: "am1", OrganizationID: "org1", UserID: "u1", ExternalID: "00u1", UserName: "A@example.com",
		GivenName: "Ann", FamilyName: "Able", Active: true, CreateTime: at(1), UpdateTime: at(1)}
	u2 := identity.SCIMUser{MethodID: "am1", OrganizationID: "org1", UserID: "u2", UserName: "b@example.com", CreateTime: at(0), UpdateTime: at(0)}
	write(t, s, func(tx store.Tx) error {
		if err := tx.PutSCIMUser(u1); err != nil {
			return err
		}
		return tx.PutSCIMUser(u2)
	})
	u1.ExternalID, u1.Active, u1.UpdateTime = "00u1b", false, at(5)
	changed := u1
	changed.CreateTime = at(9) // an upsert keeps the creation time
	write(t, s, func(tx store.Tx) error { return tx.PutSCIMUser(changed) })
	equal(t, "GetSCIMUser", readVal(t, s, func(tx store.Reader) (identity.SCIMUser, error) { return tx.GetSCIMUser("am1", "u1") }), u1)
	equal(t, "ListSCIMUsers", readVal(t, s, func(tx store.Reader) ([]identity.SCIMUser, error) { return tx.ListSCIMUsers("am1") }),
		[]identity.SCIMUser{u2, u1})
	equal(t, "SCIMUserIDs", readVal(t, s, func(tx store.Reader) ([]string, error) { return tx.SCIMUserIDs("org1") }), []string{"u1", "u2"})
	for _, c := range []struct {
		org, user string
		want      bool
	}{{"org1", "u1", true}, {"", "u1", true}, {"org2", "u1", false}, {"org1", "nope", false}} {
		equal(t, "IsSCIMUser "+c.org+" "+c.user, readVal(t, s, func(tx store.Reader) (bool, error) { return tx.IsSCIMUser(c.org, c.user) }), c.want)
	}
	wantErr(t, s, "PutSCIMUser missing user", store.ErrNotFound, func(tx store.Tx) error {
		return tx.PutSCIMUser(identity.SCIMUser{MethodID: "am1", OrganizationID: "org1", UserID: "nope", CreateTime: at(0), UpdateTime: at(0)})
	})
	write(t, s, func(tx store.Tx) error { return tx.DeleteSCIMUser("am1", "u2") })
	wantErr(t, s, "DeleteSCIMUser twice", store.ErrNotFound, func(tx store.Tx) error { return tx.DeleteSCIMUser("am1", "u2") })
	equal(t, "IsSCIMUser u2 after delete", readVal(t, s, func(tx store.Reader) (bool, error) { return tx.IsSCIMUser("", "u2") }), false)

	g := identity.SCIMGroup{MethodID: "am2", OrganizationID: "org1", GroupID: "ug1", ExternalID: "grp", CreateTime: at(1), UpdateTime: at(1)}
	write(t, s, func(tx store.Tx) error { return tx.PutSCIMGroup(g) })
	g.UpdateTime = at(3)
	write(t, s, func(tx store.Tx) error { return tx.PutSCIMGroup(g) })
	equal(t, "GetSCIMGroup", readVal(t, s, func(tx store.Reader) (identity.SCIMGroup, error) { return tx.GetSCIMGroup("ug1") }), g)
	equal(t, "ListSCIMGroups", readVal(t, s, func(tx store.Reader) ([]identity.SCIMGroup, error) { return tx.ListSCIMGroups("am2") }),
		[]identity.SCIMGroup{g})
	wantErr(t, s, "PutSCIMGroup missing group", store.ErrNotFound, func(tx store.Tx) error {
		return tx.PutSCIMGroup(identity.SCIMGroup{MethodID: "am2", OrganizationID: "org1", GroupID: "nope", CreateTime: at(0), UpdateTime: at(0)})
	})

	// Deleting the group or the method takes the records with it.
	write(t, s, func(tx store.Tx) error { return tx.DeleteGroup("ug1") })
	if _, err := readValErr(s, t, func(tx store.Reader) (identity.SCIMGroup, error) { return tx.GetSCIMGroup("ug1") }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetSCIMGroup after the group's deletion: %v, want ErrNotFound", err)
	}
	write(t, s, func(tx store.Tx) error { return tx.SetSCIMTokenHash("am1", "h3", at(4)) })
	write(t, s, func(tx store.Tx) error { return tx.DeleteAuthMethod("am1") })
	equal(t, "ListSCIMUsers after the method's deletion", len(readVal(t, s, func(tx store.Reader) ([]identity.SCIMUser, error) { return tx.ListSCIMUsers("am1") })), 0)
	if _, err := getHash("am1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetSCIMTokenHash after the method's deletion: %v, want ErrNotFound", err)
	}
}

func wantErr(t *testing.T, s store.Store, name string, want error, fn func(store.Tx) error) {
	t.Helper()
	runErrCases(t, s, []errCase{{name, fn, want}})
}
