package storetest

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/store"
)

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
	equal(t, "list p1", readVal(t, s, func(tx store.Reader) ([]store.ProjectInvitation, error) {
		return tx.ListProjectInvitations("p1")
	}), []store.ProjectInvitation{bob, carol})
	equal(t, "get", readVal(t, s, func(tx store.Reader) (store.ProjectInvitation, error) {
		return tx.GetProjectInvitation("p2", "bob@example.com")
	}), bobP2)
	equal(t, "by code", readVal(t, s, func(tx store.Reader) (store.ProjectInvitation, error) {
		return tx.GetProjectInvitationByCode("hash-c")
	}), carol)

	// Inviting again replaces the invitation: new role, code and expiry;
	// the old code no longer finds it.
	bob2 := bob
	bob2.MemberType, bob2.CodeHash, bob2.CreateTime, bob2.ExpiryTime = "role:project:read", "hash-b-new", at(10), at(7200)
	write(t, s, func(tx store.Tx) error { return tx.PutProjectInvitation(bob2) })
	equal(t, "replaced", readVal(t, s, func(tx store.Reader) (store.ProjectInvitation, error) {
		return tx.GetProjectInvitation("p1", "bob@example.com")
	}), bob2)

	// The replaced code is kept as ended, so its holder learns why it
	// stopped working.
	equal(t, "replaced code ended", readVal(t, s, func(tx store.Reader) (store.EndedProjectInvitation, error) {
		return tx.GetEndedProjectInvitation("hash-b")
	}), store.EndedProjectInvitation{CodeHash: "hash-b", Project: "p1", Email: "bob@example.com",
		State: store.ProjectInvitationReplaced, EndTime: at(10)})
	// Putting the same invitation again ends nothing.
	write(t, s, func(tx store.Tx) error { return tx.PutProjectInvitation(bob2) })

	// Only the current code's invitation is marked mailed.
	write(t, s, func(tx store.Tx) error { return tx.MarkProjectInvitationMailed("p1", "bob@example.com", "hash-b-new") })
	bob2.Mailed = true
	equal(t, "mailed", readVal(t, s, func(tx store.Reader) (store.ProjectInvitation, error) {
		return tx.GetProjectInvitation("p1", "bob@example.com")
	}), bob2)

	runErrCases(t, s, []errCase{
		{"mark a replaced invitation", func(tx store.Tx) error {
			return tx.MarkProjectInvitationMailed("p1", "bob@example.com", "hash-b")
		}, store.ErrNotFound},
		{"old code is gone", func(tx store.Tx) error { _, err := tx.GetProjectInvitationByCode("hash-b"); return err }, store.ErrNotFound},
		{"new code is not ended", func(tx store.Tx) error { _, err := tx.GetEndedProjectInvitation("hash-b-new"); return err }, store.ErrNotFound},
		{"an ended code cannot be reused", func(tx store.Tx) error {
			return tx.PutProjectInvitation(newInvitation("p2", "erin@example.com", "b"))
		}, store.ErrConflict},
		{"end missing", func(tx store.Tx) error {
			return tx.EndProjectInvitation("p1", "x@example.com", store.ProjectInvitationCancelled, at(20))
		}, store.ErrNotFound},
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
	equal(t, "after refusals", len(readVal(t, s, func(tx store.Reader) ([]store.ProjectInvitation, error) {
		return tx.ListProjectInvitations("p2")
	})), 1)

	write(t, s, func(tx store.Tx) error { return tx.DeleteProjectInvitation("p1", "carol@example.com") })
	equal(t, "after delete", readVal(t, s, func(tx store.Reader) ([]store.ProjectInvitation, error) {
		return tx.ListProjectInvitations("p1")
	}), []store.ProjectInvitation{bob2})

	// Ending an invitation removes it from the pending ones and keeps its
	// code as ended in the given state.
	dave := newInvitation("p1", "dave@example.com", "d")
	write(t, s, func(tx store.Tx) error { return tx.PutProjectInvitation(dave) })
	write(t, s, func(tx store.Tx) error {
		return tx.EndProjectInvitation("p1", "dave@example.com", store.ProjectInvitationAccepted, at(30))
	})
	equal(t, "after end", readVal(t, s, func(tx store.Reader) ([]store.ProjectInvitation, error) {
		return tx.ListProjectInvitations("p1")
	}), []store.ProjectInvitation{bob2})
	equal(t, "accepted code ended", readVal(t, s, func(tx store.Reader) (store.EndedProjectInvitation, error) {
		return tx.GetEndedProjectInvitation("hash-d")
	}), store.EndedProjectInvitation{CodeHash: "hash-d", Project: "p1", Email: "dave@example.com",
		State: store.ProjectInvitationAccepted, EndTime: at(30)})
	runErrCases(t, s, []errCase{
		{"ended code is not pending", func(tx store.Tx) error { _, err := tx.GetProjectInvitationByCode("hash-d"); return err }, store.ErrNotFound},
		{"end twice", func(tx store.Tx) error {
			return tx.EndProjectInvitation("p1", "dave@example.com", store.ProjectInvitationCancelled, at(40))
		}, store.ErrNotFound},
	})

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
	equal(t, "renamed", readVal(t, s, func(tx store.Reader) (store.ProjectInvitation, error) {
		return tx.GetProjectInvitationByCode("hash-b-new")
	}), renamed)
	equal(t, "ended renamed", readVal(t, s, func(tx store.Reader) (string, error) {
		e, err := tx.GetEndedProjectInvitation("hash-d")
		return e.Project, err
	}), "p1-renamed")
	write(t, s, func(tx store.Tx) error {
		return tx.EndProjectInvitation("p2", "bob@example.com", store.ProjectInvitationCancelled, at(50))
	})
	write(t, s, func(tx store.Tx) error { return tx.DeleteProject("p2") })
	runErrCases(t, s, []errCase{
		{"deleted with project", func(tx store.Tx) error { _, err := tx.GetProjectInvitationByCode("hash-b2"); return err }, store.ErrNotFound},
		{"ended deleted with project", func(tx store.Tx) error { _, err := tx.GetEndedProjectInvitation("hash-b2"); return err }, store.ErrNotFound},
	})
	// And with their organization.
	write(t, s, func(tx store.Tx) error { return tx.DeleteOrganization("org1") })
	equal(t, "deleted with organization", len(readVal(t, s, func(tx store.Reader) ([]store.ProjectInvitation, error) {
		return tx.ListProjectInvitations("p1-renamed")
	})), 0)
}
