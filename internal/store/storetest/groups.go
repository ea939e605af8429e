package storetest

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

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
	equal(t, "GetGroup", readVal(t, s, func(tx store.Reader) (identity.Group, error) { return tx.GetGroup("ug1") }), g1)
	equal(t, "ListGroups by name", readVal(t, s, func(tx store.Reader) ([]identity.Group, error) { return tx.ListGroups("org1") }),
		[]identity.Group{g2, g1})
	equal(t, "ListAllGroups", readVal(t, s, store.Reader.ListAllGroups), []identity.Group{g1, g2, g3})

	upd := g2
	upd.Name, upd.Description, upd.UpdateTime = "beta", "renamed", at(5)
	write(t, s, func(tx store.Tx) error { return tx.UpdateGroup(upd) })
	equal(t, "after update", readVal(t, s, func(tx store.Reader) (identity.Group, error) { return tx.GetGroup("ug2") }), upd)
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
	equal(t, "ListGroupMembers", readVal(t, s, func(tx store.Reader) ([]identity.GroupMember, error) { return tx.ListGroupMembers("ug1") }),
		[]identity.GroupMember{m2, m1})
	equal(t, "ListUserGroups", readVal(t, s, func(tx store.Reader) ([]identity.Group, error) { return tx.ListUserGroups("org1", "u1") }),
		[]identity.Group{upd, g1})
	equal(t, "ListAllGroupMembers", readVal(t, s, store.Reader.ListAllGroupMembers), []identity.GroupMember{m2, m1, m3, m4})
	equal(t, "CountGroupMembers", readVal(t, s, func(tx store.Reader) (map[string]int, error) { return tx.CountGroupMembers("org1") }),
		map[string]int{"ug1": 2, "ug2": 1})
	equal(t, "ListGroupMemberPage", readVal(t, s, func(tx store.Reader) ([]store.GroupMemberUser, error) {
		page, total, err := tx.ListGroupMemberPage("ug1", 0, 10)
		if total != 2 {
			t.Errorf("ListGroupMemberPage total = %d, want 2", total)
		}
		return page, err
	}), []store.GroupMemberUser{{Member: m2, User: newUser("u1", "u1@example.com")}, {Member: m1, User: newUser("u2", "u2@example.com")}})
	equal(t, "ListGroupMemberPage, second page", readVal(t, s, func(tx store.Reader) ([]string, error) {
		page, _, err := tx.ListGroupMemberPage("ug1", 1, 1)
		var ids []string
		for _, m := range page {
			ids = append(ids, m.User.ID)
		}
		return ids, err
	}), []string{"u2"})
	equal(t, "ListGroupMemberPage, past the end", readVal(t, s, func(tx store.Reader) (int, error) {
		page, total, err := tx.ListGroupMemberPage("ug1", 2, 1)
		return len(page) + 10*total, err
	}), 20)
	equal(t, "CountGroupMembers, none", readVal(t, s, func(tx store.Reader) (map[string]int, error) { return tx.CountGroupMembers("nope") }),
		map[string]int{})

	write(t, s, func(tx store.Tx) error { return tx.RemoveGroupMember("ug1", "u2") })
	equal(t, "after remove", readVal(t, s, func(tx store.Reader) ([]identity.GroupMember, error) { return tx.ListGroupMembers("ug1") }),
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
