package storetest

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

func testServices(t *testing.T, open Opener) {
	s := open(t)
	s1 := newService("p1", "pg-1")
	s1.Type, s1.TerminationProtection = "pg", true
	s1.Tags, s1.TechEmails = map[string]string{"team": "db"}, []string{"a@example.com", "b@example.com"}
	s1.UserConfig = map[string]any{"pg_version": "16", "ip_filter": []any{"0.0.0.0/0"}, "pg": map[string]any{"max_connections": 100.0}}
	s2 := newService("p1", "kafka-1")
	s2.UserConfig = nil
	s3 := newService("p2", "kafka-1")
	write(t, s, func(tx store.Tx) error {
		if err := seedOrg(tx, "org1"); err != nil {
			return err
		}
		for _, p := range []string{"p1", "p2"} {
			if err := tx.CreateProject(newProject("org1", p, "org1")); err != nil {
				return err
			}
		}
		for _, sv := range []org.Service{s1, s2, s3} {
			if err := tx.CreateService(sv); err != nil {
				return err
			}
		}
		return nil
	})
	equal(t, "GetService", readVal(t, s, func(tx store.Reader) (org.Service, error) { return tx.GetService("p1", "pg-1") }), s1)
	equal(t, "ListServices", readVal(t, s, func(tx store.Reader) ([]org.Service, error) { return tx.ListServices("p1") }),
		[]org.Service{s2, s1})
	equal(t, "ListAllServices", readVal(t, s, store.Reader.ListAllServices), []org.Service{s2, s1, s3})

	upd := s1
	upd.Plan, upd.Cloud, upd.TerminationProtection, upd.UpdateTime = "startup-4", "aws-eu-west-1", false, at(40)
	upd.Tags, upd.TechEmails, upd.UserConfig = nil, nil, map[string]any{"pg_version": "17"}
	write(t, s, func(tx store.Tx) error { return tx.UpdateService(upd) })
	equal(t, "after update", readVal(t, s, func(tx store.Reader) (org.Service, error) { return tx.GetService("p1", "pg-1") }), upd)

	runErrCases(t, s, []errCase{
		{"CreateDuplicate", func(tx store.Tx) error { return tx.CreateService(newService("p1", "kafka-1")) }, store.ErrConflict},
		{"CreateMissingProject", func(tx store.Tx) error { return tx.CreateService(newService("nope", "kafka-1")) }, store.ErrNotFound},
		{"GetMissing", func(tx store.Tx) error { _, err := tx.GetService("p2", "pg-1"); return err }, store.ErrNotFound},
		{"UpdateMissing", func(tx store.Tx) error { return tx.UpdateService(newService("p2", "pg-1")) }, store.ErrNotFound},
		{"DeleteMissing", func(tx store.Tx) error { return tx.DeleteService("p2", "pg-1") }, store.ErrNotFound},
	})

	write(t, s, func(tx store.Tx) error { return tx.DeleteService("p1", "kafka-1") })
	equal(t, "ListServices after delete", readVal(t, s, func(tx store.Reader) ([]org.Service, error) { return tx.ListServices("p1") }),
		[]org.Service{upd})
}
