package storetest

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

func testOrganizations(t *testing.T, open Opener) {
	s := open(t)
	o1, o2 := newOrg("org2"), newOrg("org1")
	write(t, s, func(tx store.Tx) error {
		if err := tx.CreateOrganization(o1); err != nil {
			return err
		}
		return tx.CreateOrganization(o2)
	})
	equal(t, "GetOrganization", readVal(t, s, func(tx store.Reader) (org.Organization, error) { return tx.GetOrganization("org2") }), o1)
	equal(t, "ListOrganizations", readVal(t, s, store.Reader.ListOrganizations), []org.Organization{o2, o1})

	// Only name, tier and update time change.
	upd := o1
	upd.Name, upd.Tier, upd.UpdateTime = "Renamed", "enterprise", at(9)
	in := upd
	in.AccountID, in.CreateTime = "other", at(99)
	write(t, s, func(tx store.Tx) error { return tx.UpdateOrganization(in) })
	equal(t, "after update", readVal(t, s, func(tx store.Reader) (org.Organization, error) { return tx.GetOrganization("org2") }), upd)

	runErrCases(t, s, []errCase{
		{"CreateDuplicate", func(tx store.Tx) error { return tx.CreateOrganization(newOrg("org1")) }, store.ErrConflict},
		{"GetMissing", func(tx store.Tx) error { _, err := tx.GetOrganization("nope"); return err }, store.ErrNotFound},
		{"UpdateMissing", func(tx store.Tx) error { return tx.UpdateOrganization(newOrg("nope")) }, store.ErrNotFound},
		{"DeleteMissing", func(tx store.Tx) error { return tx.DeleteOrganization("nope") }, store.ErrNotFound},
	})
	write(t, s, func(tx store.Tx) error { return tx.DeleteOrganization("org1") })
	equal(t, "after delete", readVal(t, s, store.Reader.ListOrganizations), []org.Organization{upd})
}
