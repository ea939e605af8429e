package storetest

import (
	"errors"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/audit"
	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

func testProjects(t *testing.T, open Opener) {
	s := open(t)
	p1 := newProject("org1", "beta", "org1")
	p1.BasePort = ptr(12000)
	p1.BillingGroupID = "bg1"
	p2 := newProject("org1", "alpha", "a1")
	p2.Tags, p2.TechEmails = nil, nil
	p3 := newProject("org2", "gamma", "org2")
	write(t, s, func(tx store.Tx) error {
		for _, id := range []string{"org1", "org2"} {
			if err := seedOrg(tx, id); err != nil {
				return err
			}
		}
		for _, p := range []org.Project{p1, p2, p3} {
			if err := tx.CreateProject(p); err != nil {
				return err
			}
		}
		return nil
	})
	equal(t, "GetProject", readVal(t, s, func(tx store.Reader) (org.Project, error) { return tx.GetProject("beta") }), p1)
	equal(t, "GetProject nil lists", readVal(t, s, func(tx store.Reader) (org.Project, error) { return tx.GetProject("alpha") }), p2)
	equal(t, "ListProjects", readVal(t, s, func(tx store.Reader) ([]org.Project, error) { return tx.ListProjects("org1") }),
		[]org.Project{p2, p1})
	equal(t, "ListProjectsIn", readVal(t, s, func(tx store.Reader) ([]org.Project, error) { return tx.ListProjectsIn("a1") }),
		[]org.Project{p2})
	equal(t, "ListAllProjects", readVal(t, s, store.Reader.ListAllProjects), []org.Project{p2, p1, p3})

	t.Run("UpdateInPlace", func(t *testing.T) {
		upd := p1
		upd.BasePort, upd.DefaultCloud, upd.Tags, upd.UpdateTime = nil, "aws-eu-west-1", map[string]string{"a": "b"}, at(20)
		upd.CreateTime = at(999) // ignored: the create time is fixed
		write(t, s, func(tx store.Tx) error { return tx.UpdateProject("beta", upd) })
		upd.CreateTime = p1.CreateTime
		equal(t, "after update", readVal(t, s, func(tx store.Reader) (org.Project, error) { return tx.GetProject("beta") }), upd)
		p1 = upd
	})

	t.Run("Rename", func(t *testing.T) {
		var eventID int64
		write(t, s, func(tx store.Tx) (err error) {
			if err := tx.CreateService(newService("beta", "kafka-1")); err != nil {
				return err
			}
			if err := tx.SetGrant(newGrant("org1", grant.PrincipalUser, "u1", grant.ResourceProject, "beta", "admin")); err != nil {
				return err
			}
			eventID, err = tx.AppendEvent(audit.Event{OrganizationID: "org1", Project: "beta", ActionType: "create"})
			return err
		})
		renamed := p1
		renamed.Name, renamed.UpdateTime = "delta", at(30)
		write(t, s, func(tx store.Tx) error { return tx.UpdateProject("beta", renamed) })
		read(t, s, func(tx store.Reader) error {
			if _, err := tx.GetProject("beta"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("old name: err = %v, want ErrNotFound", err)
			}
			got, err := tx.GetProject("delta")
			if err != nil {
				return err
			}
			equal(t, "renamed project", got, renamed)
			svcs, err := tx.ListServices("delta")
			if err != nil {
				return err
			}
			if len(svcs) != 1 || svcs[0].Project != "delta" {
				t.Errorf("services after rename = %+v", svcs)
			}
			if old, _ := tx.ListServices("beta"); len(old) != 0 {
				t.Errorf("services left under old name: %+v", old)
			}
			grants, err := tx.ListGrants(grant.ResourceProject, "delta")
			if err != nil {
				return err
			}
			if len(grants) != 1 || grants[0].PrincipalID != "u1" {
				t.Errorf("grants after rename = %+v", grants)
			}
			if old, _ := tx.ListGrants(grant.ResourceProject, "beta"); len(old) != 0 {
				t.Errorf("grants left under old name: %+v", old)
			}
			// Events stay with the project (its ID) under the name they
			// were written with.
			evs, err := tx.ListEvents(store.EventFilter{ProjectID: renamed.ID})
			if err != nil {
				return err
			}
			if len(evs) != 1 || evs[0].ID != eventID || evs[0].Project != "beta" {
				t.Errorf("events after rename = %+v", evs)
			}
			return nil
		})
	})

	t.Run("IDsOutliveNames", func(t *testing.T) {
		// A project stored without an ID gets one; its events get it
		// from its name while it exists. A later project with the freed
		// name, in another organization, has another ID and none of the
		// old events; the organization that owned them keeps them.
		var old org.Project
		write(t, s, func(tx store.Tx) error {
			p := newProject("org1", "reused", "org1")
			p.ID = ""
			if err := tx.CreateProject(p); err != nil {
				return err
			}
			var err error
			if old, err = tx.GetProject("reused"); err != nil {
				return err
			}
			if _, err := tx.AppendEvent(audit.Event{OrganizationID: "org1", Project: "reused", ActionType: "secret"}); err != nil {
				return err
			}
			return tx.DeleteProject("reused")
		})
		if old.ID == "" {
			t.Fatal("CreateProject gave no ID")
		}
		write(t, s, func(tx store.Tx) error {
			p := newProject("org2", "reused", "org2")
			p.ID = ""
			return tx.CreateProject(p)
		})
		read(t, s, func(tx store.Reader) error {
			now, err := tx.GetProject("reused")
			if err != nil {
				return err
			}
			if now.ID == "" || now.ID == old.ID {
				t.Errorf("new project's ID = %q, old one's %q", now.ID, old.ID)
			}
			if evs, err := tx.ListEvents(store.EventFilter{ProjectID: now.ID}); err != nil || len(evs) != 0 {
				t.Errorf("new project's events = %+v, %v; want none", evs, err)
			}
			evs, err := tx.ListEvents(store.EventFilter{OrganizationID: "org1", ProjectID: old.ID})
			if err != nil || len(evs) != 1 || evs[0].ActionType != "secret" || evs[0].ProjectID != old.ID {
				t.Errorf("old organization's events of the deleted project = %+v, %v", evs, err)
			}
			return nil
		})
	})

	runErrCases(t, s, []errCase{
		{"CreateDuplicate", func(tx store.Tx) error { return tx.CreateProject(newProject("org2", "alpha", "org2")) }, store.ErrConflict},
		{"CreateMissingOrganization", func(tx store.Tx) error { return tx.CreateProject(newProject("nope", "zeta", "nope")) }, store.ErrNotFound},
		{"GetMissing", func(tx store.Tx) error { _, err := tx.GetProject("nope"); return err }, store.ErrNotFound},
		{"UpdateMissing", func(tx store.Tx) error { return tx.UpdateProject("nope", newProject("org1", "nope", "org1")) }, store.ErrNotFound},
		{"RenameMissing", func(tx store.Tx) error { return tx.UpdateProject("nope", newProject("org1", "zeta", "org1")) }, store.ErrNotFound},
		{"RenameToTaken", func(tx store.Tx) error { return tx.UpdateProject("alpha", newProject("org1", "gamma", "org1")) }, store.ErrConflict},
		{"DeleteMissing", func(tx store.Tx) error { return tx.DeleteProject("nope") }, store.ErrNotFound},
	})

	write(t, s, func(tx store.Tx) error { return tx.DeleteProject("alpha") })
	if got := readVal(t, s, func(tx store.Reader) ([]org.Project, error) { return tx.ListProjects("org1") }); len(got) != 1 || got[0].Name != "delta" {
		t.Errorf("ListProjects after delete = %+v", got)
	}
}
