package storetest

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/store"
)

func newServiceUser(project, service, username string) store.ServiceUser {
	return store.ServiceUser{Project: project, Service: service, Username: username, ID: project + "/" + service + "/" + username,
		Type: "normal", AccessControl: []byte(`{"redis_acl_keys":["a:*"]}`), PasswordKeyID: "k1",
		Password: []byte{0, 1, 2, 0xff}, PasswordUpdateTime: at(5), CreateTime: at(1)}
}

// seedServices creates org1 with project p1 holding services a and b.
func seedServices(t *testing.T, s store.Store) {
	t.Helper()
	write(t, s, func(tx store.Tx) error {
		if err := seedOrg(tx, "org1"); err != nil {
			return err
		}
		if err := tx.CreateProject(newProject("org1", "p1", "org1")); err != nil {
			return err
		}
		for _, name := range []string{"a", "b"} {
			if err := tx.CreateService(newService("p1", name)); err != nil {
				return err
			}
		}
		return nil
	})
}

func testServiceUsers(t *testing.T, open Opener) {
	s := open(t)
	seedServices(t, s)
	admin := newServiceUser("p1", "a", "avnadmin")
	admin.Type, admin.AccessControl = "primary", nil
	// A user without a stored password keeps it absent.
	admin.PasswordKeyID, admin.Password = "", nil
	alice := newServiceUser("p1", "a", "alice")
	alice.Authentication = "mysql_native_password"
	other := newServiceUser("p1", "b", "alice")
	write(t, s, func(tx store.Tx) error {
		for _, u := range []store.ServiceUser{admin, alice, other} {
			if err := tx.CreateServiceUser(u); err != nil {
				return err
			}
		}
		return nil
	})
	admin.AccessControl = []byte("null")
	get := func(service, name string) store.ServiceUser {
		return readVal(t, s, func(tx store.Reader) (store.ServiceUser, error) { return tx.GetServiceUser("p1", service, name) })
	}
	equal(t, "GetServiceUser", get("a", "alice"), alice)
	equal(t, "GetServiceUser without password", get("a", "avnadmin"), admin)
	equal(t, "ListServiceUsers", readVal(t, s, func(tx store.Reader) ([]store.ServiceUser, error) { return tx.ListServiceUsers("p1", "a") }),
		[]store.ServiceUser{alice, admin})
	equal(t, "CountServiceUsers", readVal(t, s, func(tx store.Reader) (int, error) { return tx.CountServiceUsers("p1", "a") }), 2)
	equal(t, "ListAllServiceUsers", readVal(t, s, store.Reader.ListAllServiceUsers), []store.ServiceUser{alice, admin, other})

	upd := alice
	upd.Authentication, upd.AccessControl, upd.PasswordKeyID, upd.Password, upd.PasswordUpdateTime = "", []byte(`{}`), "k2", []byte("sealed"), at(9)
	// Type, ID and create time are fixed.
	upd.Type, upd.ID, upd.CreateTime = "primary", "changed", at(99)
	write(t, s, func(tx store.Tx) error { return tx.UpdateServiceUser(upd) })
	want := upd
	want.Type, want.ID, want.CreateTime = alice.Type, alice.ID, alice.CreateTime
	equal(t, "after update", get("a", "alice"), want)

	dupID := newServiceUser("p1", "b", "bob")
	dupID.ID = alice.ID
	runErrCases(t, s, []errCase{
		{"CreateDuplicate", func(tx store.Tx) error { return tx.CreateServiceUser(newServiceUser("p1", "a", "alice")) }, store.ErrConflict},
		{"CreateDuplicateID", func(tx store.Tx) error { return tx.CreateServiceUser(dupID) }, store.ErrConflict},
		{"CreateMissingService", func(tx store.Tx) error { return tx.CreateServiceUser(newServiceUser("p1", "zz", "x")) }, store.ErrNotFound},
		{"GetMissing", func(tx store.Tx) error { _, err := tx.GetServiceUser("p1", "b", "avnadmin"); return err }, store.ErrNotFound},
		{"UpdateMissing", func(tx store.Tx) error { return tx.UpdateServiceUser(newServiceUser("p1", "b", "nobody")) }, store.ErrNotFound},
		{"DeleteMissing", func(tx store.Tx) error { return tx.DeleteServiceUser("p1", "b", "nobody") }, store.ErrNotFound},
	})
	// A failed create leaves the transaction usable.
	write(t, s, func(tx store.Tx) error {
		if err := tx.CreateServiceUser(newServiceUser("p1", "a", "alice")); err == nil {
			t.Error("duplicate accepted")
		}
		return tx.CreateServiceUser(newServiceUser("p1", "b", "carol"))
	})

	write(t, s, func(tx store.Tx) error { return tx.DeleteServiceUser("p1", "a", "alice") })
	equal(t, "after delete", readVal(t, s, func(tx store.Reader) ([]store.ServiceUser, error) { return tx.ListServiceUsers("p1", "a") }),
		[]store.ServiceUser{admin})

	// Users follow a project rename and go with their service.
	renamed := newProject("org1", "p2", "org1")
	write(t, s, func(tx store.Tx) error { return tx.UpdateProject("p1", renamed) })
	moved := readVal(t, s, func(tx store.Reader) ([]store.ServiceUser, error) { return tx.ListServiceUsers("p2", "b") })
	if len(moved) != 2 || moved[0].ID != other.ID {
		t.Fatalf("users after project rename: %+v", moved)
	}
	write(t, s, func(tx store.Tx) error { return tx.DeleteService("p2", "b") })
	equal(t, "count after service delete", readVal(t, s, func(tx store.Reader) (int, error) { return tx.CountServiceUsers("p2", "b") }), 0)
	write(t, s, func(tx store.Tx) error { return tx.DeleteProject("p2") })
	equal(t, "all after project delete", len(readVal(t, s, store.Reader.ListAllServiceUsers)), 0)
}

func testServiceConnections(t *testing.T, open Opener) {
	s := open(t)
	seedServices(t, s)
	c := store.ServiceConnection{Project: "p1", Service: "a", ID: "c1", Engine: "pg", KeyID: "k1", URI: []byte{9, 8, 7}, CreateTime: at(3)}
	write(t, s, func(tx store.Tx) error { return tx.SetServiceConnection(c) })
	getConn := func() store.ServiceConnection {
		return readVal(t, s, func(tx store.Reader) (store.ServiceConnection, error) { return tx.GetServiceConnection("p1", "a") })
	}
	equal(t, "GetServiceConnection", getConn(), c)
	c2 := c
	c2.ID, c2.Engine, c2.KeyID, c2.URI, c2.CreateTime = "c2", "redis", "k2", []byte("x"), at(4)
	write(t, s, func(tx store.Tx) error { return tx.SetServiceConnection(c2) })
	equal(t, "replaced", getConn(), c2)
	equal(t, "ListAllServiceConnections", readVal(t, s, store.Reader.ListAllServiceConnections), []store.ServiceConnection{c2})
	runErrCases(t, s, []errCase{
		{"SetMissingService", func(tx store.Tx) error {
			return tx.SetServiceConnection(store.ServiceConnection{Project: "p1", Service: "zz", ID: "c3", URI: []byte("x")})
		}, store.ErrNotFound},
		{"GetMissing", func(tx store.Tx) error { _, err := tx.GetServiceConnection("p1", "b"); return err }, store.ErrNotFound},
	})
	write(t, s, func(tx store.Tx) error { return tx.DeleteService("p1", "a") })
	equal(t, "after service delete", len(readVal(t, s, store.Reader.ListAllServiceConnections)), 0)
}
