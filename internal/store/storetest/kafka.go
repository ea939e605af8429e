package storetest

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/store"
)

func newKafkaACL(project, service, id, kind string, sec int) store.KafkaACL {
	return store.KafkaACL{Project: project, Service: service, ID: id, Kind: kind,
		Entry: []byte(`{"id":"` + id + `","username":"u-` + id + `"}`), CreateTime: at(sec)}
}

func testKafkaACLs(t *testing.T, open Opener) {
	s := open(t)
	write(t, s, func(tx store.Tx) error {
		if err := seedOrg(tx, "org1"); err != nil {
			return err
		}
		if err := tx.CreateProject(newProject("org1", "p1", "org1-root")); err != nil {
			return err
		}
		for _, name := range []string{"kafka-1", "kafka-2"} {
			if err := tx.CreateService(newService("p1", name)); err != nil {
				return err
			}
		}
		return nil
	})
	// IDs deliberately out of alphabetical order: listings keep the order
	// entries were added in.
	a1 := newKafkaACL("p1", "kafka-1", "zz-default", "aiven", 1)
	n1 := newKafkaACL("p1", "kafka-1", "aa-native", "native", 2)
	r1 := newKafkaACL("p1", "kafka-1", "mm-sr", "schema_registry", 3)
	other := newKafkaACL("p1", "kafka-2", "zz-default", "aiven", 4) // same ID, other service
	write(t, s, func(tx store.Tx) error {
		for _, a := range []store.KafkaACL{a1, n1, r1, other} {
			if err := tx.AddKafkaACL(a); err != nil {
				return err
			}
		}
		return nil
	})
	list := func(service string) []store.KafkaACL {
		return readVal(t, s, func(tx store.Reader) ([]store.KafkaACL, error) { return tx.ListKafkaACLs("p1", service) })
	}
	equal(t, "ListKafkaACLs kafka-1", list("kafka-1"), []store.KafkaACL{a1, n1, r1})
	equal(t, "ListKafkaACLs kafka-2", list("kafka-2"), []store.KafkaACL{other})
	equal(t, "ListKafkaACLs missing service", len(list("nope")), 0)

	runErrCases(t, s, []errCase{
		{"AddDuplicateID", func(tx store.Tx) error { return tx.AddKafkaACL(newKafkaACL("p1", "kafka-1", "aa-native", "aiven", 5)) }, store.ErrConflict},
		{"AddMissingService", func(tx store.Tx) error { return tx.AddKafkaACL(newKafkaACL("p1", "nope", "x", "aiven", 5)) }, store.ErrNotFound},
		{"AddMissingProject", func(tx store.Tx) error { return tx.AddKafkaACL(newKafkaACL("p9", "kafka-1", "x", "aiven", 5)) }, store.ErrNotFound},
		{"DeleteMissing", func(tx store.Tx) error { return tx.DeleteKafkaACL("p1", "kafka-1", "aiven", "nope") }, store.ErrNotFound},
		// The kind is part of the key a delete names: an Aiven delete
		// never removes a native entry of the same ID.
		{"DeleteWrongKind", func(tx store.Tx) error { return tx.DeleteKafkaACL("p1", "kafka-1", "aiven", "aa-native") }, store.ErrNotFound},
	})

	// Deleting from the middle keeps the order; a new entry goes last.
	write(t, s, func(tx store.Tx) error { return tx.DeleteKafkaACL("p1", "kafka-1", "native", "aa-native") })
	late := newKafkaACL("p1", "kafka-1", "bb-late", "aiven", 6)
	write(t, s, func(tx store.Tx) error { return tx.AddKafkaACL(late) })
	equal(t, "after delete and add", list("kafka-1"), []store.KafkaACL{a1, r1, late})

	// Entries go with their service, and follow a project rename.
	write(t, s, func(tx store.Tx) error { return tx.DeleteService("p1", "kafka-2") })
	equal(t, "after service delete", len(list("kafka-2")), 0)
	write(t, s, func(tx store.Tx) error {
		p, err := tx.GetProject("p1")
		if err != nil {
			return err
		}
		p.Name = "p1-renamed"
		return tx.UpdateProject("p1", p)
	})
	renamed := readVal(t, s, func(tx store.Reader) ([]store.KafkaACL, error) { return tx.ListKafkaACLs("p1-renamed", "kafka-1") })
	if len(renamed) != 3 || renamed[0].Project != "p1-renamed" {
		t.Errorf("after project rename: %+v", renamed)
	}
}
