package storetest

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

func testUnits(t *testing.T, open Opener) {
	s := open(t)
	root := newUnit("org1", "a0", "")
	child := newUnit("org1", "a2", "a0")
	grandchild := newUnit("org1", "a1", "a2")
	other := newUnit("org2", "b0", "")
	write(t, s, func(tx store.Tx) error {
		for _, id := range []string{"org1", "org2"} {
			if err := tx.CreateOrganization(newOrg(id)); err != nil {
				return err
			}
		}
		for _, u := range []org.Unit{root, child, grandchild, other} {
			if err := tx.CreateUnit(u); err != nil {
				return err
			}
		}
		return nil
	})
	got := readVal(t, s, func(tx store.Reader) (org.Unit, error) { return tx.GetUnit("a0") })
	equal(t, "GetUnit root", got, root)
	if !got.IsRoot() {
		t.Error("root unit lost its empty parent")
	}
	equal(t, "ListUnits", readVal(t, s, func(tx store.Reader) ([]org.Unit, error) { return tx.ListUnits("org1") }),
		[]org.Unit{root, grandchild, child})
	equal(t, "ListAllUnits", readVal(t, s, store.Reader.ListAllUnits), []org.Unit{root, grandchild, child, other})

	// Move the grandchild directly under the root and rename it.
	moved := grandchild
	moved.ParentID, moved.Name, moved.UpdateTime = "a0", "Moved", at(7)
	write(t, s, func(tx store.Tx) error { return tx.UpdateUnit(moved) })
	equal(t, "after update", readVal(t, s, func(tx store.Reader) (org.Unit, error) { return tx.GetUnit("a1") }), moved)

	runErrCases(t, s, []errCase{
		{"CreateDuplicate", func(tx store.Tx) error { return tx.CreateUnit(newUnit("org1", "a0", "")) }, store.ErrConflict},
		{"CreateMissingOrganization", func(tx store.Tx) error { return tx.CreateUnit(newUnit("nope", "a9", "")) }, store.ErrNotFound},
		{"CreateMissingParent", func(tx store.Tx) error { return tx.CreateUnit(newUnit("org1", "a9", "nope")) }, store.ErrNotFound},
		{"GetMissing", func(tx store.Tx) error { _, err := tx.GetUnit("nope"); return err }, store.ErrNotFound},
		{"UpdateMissing", func(tx store.Tx) error { return tx.UpdateUnit(newUnit("org1", "nope", "a0")) }, store.ErrNotFound},
		{"UpdateMissingParent", func(tx store.Tx) error { return tx.UpdateUnit(newUnit("org1", "a1", "nope")) }, store.ErrNotFound},
		{"DeleteMissing", func(tx store.Tx) error { return tx.DeleteUnit("nope") }, store.ErrNotFound},
		// A unit with sub-units cannot go: they would be orphaned.
		{"DeleteWithChildren", func(tx store.Tx) error { return tx.DeleteUnit("a0") }, org.ErrNotEmpty},
	})

	write(t, s, func(tx store.Tx) error { return tx.DeleteUnit("a2") })
	equal(t, "ListUnits after delete", readVal(t, s, func(tx store.Reader) ([]org.Unit, error) { return tx.ListUnits("org1") }),
		[]org.Unit{root, moved})
}
