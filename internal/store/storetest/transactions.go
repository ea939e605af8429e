package storetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/audit"
	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

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
		if rev := readVal(t, s, store.Reader.Revision); rev != 0 {
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

// testReadOnly checks that Read hands out a Reader that cannot be turned
// into a Tx: read-only is a property of the type, not of good manners.
func testReadOnly(t *testing.T, open Opener) {
	s := open(t)
	read(t, s, func(r store.Reader) error {
		if _, ok := r.(store.Tx); ok {
			t.Errorf("the Reader of Read is a %T, which is also a store.Tx", r)
		}
		return nil
	})
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
	if _, err := readValErr(s, t, func(tx store.Reader) (identity.User, error) { return tx.GetUser("u9") }); err != nil {
		t.Errorf("write after errors did not commit: %v", err)
	}
}
