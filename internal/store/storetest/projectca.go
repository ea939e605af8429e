package storetest

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/store"
)

func testProjectCAs(t *testing.T, open Opener) {
	s := open(t)
	write(t, s, func(tx store.Tx) error {
		if err := seedOrg(tx, "org1"); err != nil {
			return err
		}
		for _, name := range []string{"p1", "p2"} {
			if err := tx.CreateProject(newProject("org1", name, "org1")); err != nil {
				return err
			}
		}
		return tx.CreateProjectCA("p1", "PEM one")
	})
	get := func(project string) func(store.Reader) (string, error) {
		return func(tx store.Reader) (string, error) { return tx.GetProjectCA(project) }
	}
	equal(t, "GetProjectCA", readVal(t, s, get("p1")), "PEM one")
	runErrCases(t, s, []errCase{
		{"second certificate", func(tx store.Tx) error { return tx.CreateProjectCA("p1", "PEM two") }, store.ErrConflict},
		{"unknown project", func(tx store.Tx) error { return tx.CreateProjectCA("nope", "PEM") }, store.ErrNotFound},
		{"project without one", func(tx store.Tx) error { _, err := tx.GetProjectCA("p2"); return err }, store.ErrNotFound},
	})
	equal(t, "unchanged by refusals", readVal(t, s, get("p1")), "PEM one")

	// The certificate follows a rename and goes with its project.
	write(t, s, func(tx store.Tx) error {
		p, err := tx.GetProject("p1")
		if err != nil {
			return err
		}
		p.Name = "renamed"
		return tx.UpdateProject("p1", p)
	})
	equal(t, "after rename", readVal(t, s, get("renamed")), "PEM one")
	write(t, s, func(tx store.Tx) error { return tx.DeleteProject("renamed") })
	write(t, s, func(tx store.Tx) error { return tx.CreateProject(newProject("org1", "renamed", "org1")) })
	runErrCases(t, s, []errCase{
		{"gone with its project", func(tx store.Tx) error { _, err := tx.GetProjectCA("renamed"); return err }, store.ErrNotFound},
	})
}
