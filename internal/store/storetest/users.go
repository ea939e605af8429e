package storetest

import (
	"errors"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

func testUsers(t *testing.T, open Opener) {
	s := open(t)
	alice := newUser("u1", "alice@example.com")
	alice.LastActivity = ptr(at(5))
	alice.ManagingOrgID = "org1"
	bob := newUser("u2", "bob@example.com")
	bob.IsApplication = true
	bob.PasswordHash = ""

	if n := readVal(t, s, store.Reader.CountUsers); n != 0 {
		t.Fatalf("CountUsers on empty store = %d", n)
	}
	write(t, s, func(tx store.Tx) error {
		// Inserted out of order: listings must sort by ID.
		if err := tx.CreateUser(bob); err != nil {
			return err
		}
		return tx.CreateUser(alice)
	})
	if n := readVal(t, s, store.Reader.CountUsers); n != 2 {
		t.Errorf("CountUsers = %d, want 2", n)
	}
	equal(t, "GetUser", readVal(t, s, func(tx store.Reader) (identity.User, error) { return tx.GetUser("u1") }), alice)
	equal(t, "GetUserByEmail", readVal(t, s, func(tx store.Reader) (identity.User, error) {
		return tx.GetUserByEmail("bob@example.com")
	}), bob)
	equal(t, "ListUsers", readVal(t, s, store.Reader.ListUsers), []identity.User{alice, bob})

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
	equal(t, "GetUser after update", readVal(t, s, func(tx store.Reader) (identity.User, error) { return tx.GetUser("u1") }), upd)
	if _, err := readValErr(s, t, func(tx store.Reader) (identity.User, error) { return tx.GetUserByEmail("alice@example.com") }); !errors.Is(err, store.ErrNotFound) {
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
	equal(t, "ListUsers after delete", readVal(t, s, store.Reader.ListUsers), []identity.User{upd})
}

// readValErr is readVal for calls expected to fail.
func readValErr[T any](s store.Store, t *testing.T, fn func(store.Reader) (T, error)) (T, error) {
	var v T
	err := s.Read(t.Context(), func(tx store.Reader) (err error) {
		v, err = fn(tx)
		return err
	})
	return v, err
}
