package storetest

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

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
	equal(t, "GetMember", readVal(t, s, func(tx store.Reader) (identity.Membership, error) { return tx.GetMember("org1", "u2") }), m1)
	equal(t, "ListMembers", readVal(t, s, func(tx store.Reader) ([]identity.Membership, error) { return tx.ListMembers("org1") }),
		[]identity.Membership{m2, m1})
	equal(t, "ListUserMemberships", readVal(t, s, func(tx store.Reader) ([]identity.Membership, error) { return tx.ListUserMemberships("u1") }),
		[]identity.Membership{m2, m3})
	equal(t, "ListAllMembers", readVal(t, s, store.Reader.ListAllMembers), []identity.Membership{m2, m1, m3})

	m1.IsSuperAdmin = false
	write(t, s, func(tx store.Tx) error { return tx.UpdateMember(m1) })
	equal(t, "GetMember after update", readVal(t, s, func(tx store.Reader) (identity.Membership, error) { return tx.GetMember("org1", "u2") }), m1)

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
	equal(t, "ListMembers after remove", readVal(t, s, func(tx store.Reader) ([]identity.Membership, error) { return tx.ListMembers("org1") }),
		[]identity.Membership{m1})
	if got := readVal(t, s, func(tx store.Reader) ([]identity.Membership, error) { return tx.ListMembers("org-none") }); len(got) != 0 {
		t.Errorf("ListMembers of unknown organization = %+v", got)
	}
}
