package storetest

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/store"
)

func init() { extraAreas = append(extraAreas, area{"ProjectMembers", testProjectMembers}) }

func newInvitation(project, email, code string) store.ProjectInvitation {
	return store.ProjectInvitation{Project: project, Email: email, MemberType: "developer",
		InviterUserID: "u1", InviterEmail: "alice@example.com", CodeHash: "hash-" + code,
		CreateTime: at(0), ExpiryTime: at(3600)}
}

func testProjectMembers(t *testing.T, open Opener) {
	s := open(t)
	write(t, s, func(tx store.Tx) error {
		if err := seedOrg(tx, "org1"); err != nil {
			return err
		}
		for _, p := range []string{"p1", "p2"} {
			if err := tx.CreateProject(newProject("org1", p, "org1")); err != nil {
				return err
			}
		}
		return nil
	})
	bob := newInvitation("p1", "bob@example.com", "b")
	carol := newInvitation("p1", "carol@example.com", "c")
	bobP2 := newInvitation("p2", "bob@example.com", "b2")
	write(t, s, func(tx store.Tx) error {
		// Inserted out of order: listings sort by email.
		for _, inv := range []store.ProjectInvitation{carol, bob, bobP2} {
			if err := tx.PutProjectInvitation(inv); err != nil {
				return err
			}
		}
		return nil
	})
	equal(t, "list p1", readVal(t, s, func(tx store.Tx) ([]store.ProjectInvitation, error) {
		return tx.ListProjectInvitations("p1")
	}), []store.ProjectInvitation{bob, carol})
	equal(t, "get", readVal(t, s, func(tx store.Tx) (store.ProjectInvitation, error) {
		return tx.GetProjectInvitation("p2", "bob@example.com")
	}), bobP2)
	equal(t, "by code", readVal(t, s, func(tx store.Tx) (store.ProjectInvitation, error) {
		return tx.GetProjectInvitationByCode("hash-c")
	}), carol)

	// Inviting again replaces the invitation: new role, code and expiry;
	// the old code no longer finds it.
	bob2 := bob
	bob2.MemberType, bob2.CodeHash, bob2.CreateTime, bob2.ExpiryTime = "role:project:read", "hash-b-new", at(10), at(7200)
	write(t, s, func(tx store.Tx) error { return tx.PutProjectInvitation(bob2) })
	equal(t, "replaced", readVal(t, s, func(tx store.Tx) (store.ProjectInvitation, error) {
		return tx.GetProjectInvitation("p1", "bob@example.com")
	}), bob2)

	// Only the current code's invitation is marked mailed.
	write(t, s, func(tx store.Tx) error { return tx.MarkProjectInvitationMailed("p1", "bob@example.com", "hash-b-new") })
	bob2.Mailed = true
	equal(t, "mailed", readVal(t, s, func(tx store.Tx) (store.ProjectInvitation, error) {
		return tx.GetProjectInvitation("p1", "bob@example.com")
	}), bob2)

	runErrCases(t, s, []errCase{
		{"mark a replaced invitation", func(tx store.Tx) error {
			return tx.MarkProjectInvitationMailed("p1", "bob@example.com", "hash-b")
		}, store.ErrNotFound},
		{"old code is gone", func(tx store.Tx) error { _, err := tx.GetProjectInvitationByCode("hash-b"); return err }, store.ErrNotFound},
		{"unknown project", func(tx store.Tx) error {
			return tx.PutProjectInvitation(newInvitation("nope", "x@example.com", "x"))
		}, store.ErrNotFound},
		{"code of another invitation", func(tx store.Tx) error {
			return tx.PutProjectInvitation(newInvitation("p2", "dave@example.com", "c"))
		}, store.ErrConflict},
		{"get missing", func(tx store.Tx) error { _, err := tx.GetProjectInvitation("p1", "x@example.com"); return err }, store.ErrNotFound},
		{"delete missing", func(tx store.Tx) error { return tx.DeleteProjectInvitation("p1", "x@example.com") }, store.ErrNotFound},
	})
	// A refused write leaves the store usable and unchanged.
	equal(t, "after refusals", len(readVal(t, s, func(tx store.Tx) ([]store.ProjectInvitation, error) {
		return tx.ListProjectInvitations("p2")
	})), 1)

	write(t, s, func(tx store.Tx) error { return tx.DeleteProjectInvitation("p1", "carol@example.com") })
	equal(t, "after delete", readVal(t, s, func(tx store.Tx) ([]store.ProjectInvitation, error) {
		return tx.ListProjectInvitations("p1")
	}), []store.ProjectInvitation{bob2})

	// Invitations follow a project rename and go with a deleted project.
	write(t, s, func(tx store.Tx) error {
		p, err := tx.GetProject("p1")
		if err != nil {
			return err
		}
		p.Name = "p1-renamed"
		return tx.UpdateProject("p1", p)
	})
	renamed := bob2
	renamed.Project = "p1-renamed"
	equal(t, "renamed", readVal(t, s, func(tx store.Tx) (store.ProjectInvitation, error) {
		return tx.GetProjectInvitationByCode("hash-b-new")
	}), renamed)
	write(t, s, func(tx store.Tx) error { return tx.DeleteProject("p2") })
	runErrCases(t, s, []errCase{
		{"deleted with project", func(tx store.Tx) error { _, err := tx.GetProjectInvitationByCode("hash-b2"); return err }, store.ErrNotFound},
	})
	// And with their organization.
	write(t, s, func(tx store.Tx) error { return tx.DeleteOrganization("org1") })
	equal(t, "deleted with organization", len(readVal(t, s, func(tx store.Tx) ([]store.ProjectInvitation, error) {
		return tx.ListProjectInvitations("p1-renamed")
	})), 0)
}
