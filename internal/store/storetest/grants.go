package storetest

import (
	"errors"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

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
	equal(t, "ListGrants by principal", readVal(t, s, func(tx store.Reader) ([]grant.Grant, error) {
		return tx.ListGrants(grant.ResourceProject, "p1")
	}), []grant.Grant{gu, gg})
	equal(t, "ListPrincipalGrants", readVal(t, s, func(tx store.Reader) ([]grant.Grant, error) {
		return tx.ListPrincipalGrants(grant.PrincipalUser, "u1")
	}), []grant.Grant{go1, gu})
	equal(t, "ListAllGrants", readVal(t, s, store.Reader.ListAllGrants), []grant.Grant{go1, gu, gu2, gg})
	for _, tc := range []struct {
		name                   string
		ptype, pid, rtype, rid string
		want                   grant.Grant
		err                    error
	}{
		{"a user's", grant.PrincipalUser, "u1", grant.ResourceProject, "p1", gu, nil},
		{"a group's", grant.PrincipalGroup, "ug1", grant.ResourceProject, "p1", gg, nil},
		{"on the organization", grant.PrincipalUser, "u1", grant.ResourceOrganization, "org1", go1, nil},
		{"another resource of the principal", grant.PrincipalUser, "u2", grant.ResourceProject, "p1", grant.Grant{}, store.ErrNotFound},
		{"a user's ID as a group", grant.PrincipalGroup, "u1", grant.ResourceProject, "p1", grant.Grant{}, store.ErrNotFound},
	} {
		t.Run("GetGrant "+tc.name, func(t *testing.T) {
			var got grant.Grant
			err := s.Read(t.Context(), func(tx store.Reader) (err error) {
				got, err = tx.GetGrant(tc.ptype, tc.pid, tc.rtype, tc.rid)
				return err
			})
			if !errors.Is(err, tc.err) {
				t.Fatalf("error %v, want %v", err, tc.err)
			}
			if tc.err == nil {
				equal(t, "grant", got, tc.want)
			}
		})
	}

	t.Run("Replace", func(t *testing.T) {
		repl := gu
		repl.Permissions = []string{"operator", "project:networking:read"}
		repl.CreateTime, repl.UpdateTime = at(50), at(50)
		write(t, s, func(tx store.Tx) error { return tx.SetGrant(repl) })
		repl.CreateTime = gu.CreateTime // the original create time stays
		equal(t, "after replace", readVal(t, s, func(tx store.Reader) ([]grant.Grant, error) {
			return tx.ListGrants(grant.ResourceProject, "p1")
		}), []grant.Grant{repl, gg})
	})
	t.Run("EmptyDeletes", func(t *testing.T) {
		del := gg
		del.Permissions = nil
		write(t, s, func(tx store.Tx) error { return tx.SetGrant(del) })
		if got := readVal(t, s, func(tx store.Reader) ([]grant.Grant, error) { return tx.ListGrants(grant.ResourceProject, "p1") }); len(got) != 1 {
			t.Errorf("after delete = %+v", got)
		}
		// Deleting a grant that does not exist is fine.
		del.Permissions = []string{}
		write(t, s, func(tx store.Tx) error { return tx.SetGrant(del) })
	})
	t.Run("MembershipApartFromPermissions", func(t *testing.T) {
		// A membership alone keeps the grant; both lists read back apart.
		m := newGrant("org1", grant.PrincipalUser, "u3", grant.ResourceProject, "p2")
		m.Membership = []string{"admin"}
		write(t, s, func(tx store.Tx) error { return tx.SetGrant(m) })
		get := func(tx store.Reader) ([]grant.Grant, error) { return tx.ListGrants(grant.ResourceProject, "p2") }
		equal(t, "membership only", readVal(t, s, get), []grant.Grant{m})
		both := m
		both.Permissions = []string{"developer"}
		write(t, s, func(tx store.Tx) error { return tx.SetGrant(both) })
		equal(t, "membership and permissions", readVal(t, s, get), []grant.Grant{both})
		// Clearing the permissions keeps the membership.
		write(t, s, func(tx store.Tx) error { return tx.SetGrant(m) })
		equal(t, "permissions cleared", readVal(t, s, get), []grant.Grant{m})
		m.Membership = nil
		write(t, s, func(tx store.Tx) error { return tx.SetGrant(m) })
		equal(t, "both cleared", len(readVal(t, s, get)), 0)
	})
	runErrCases(t, s, []errCase{
		{"MissingOrganization", func(tx store.Tx) error {
			return tx.SetGrant(newGrant("nope", grant.PrincipalUser, "u1", grant.ResourceOrganization, "nope", "admin"))
		}, store.ErrNotFound},
	})
}
