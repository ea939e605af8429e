package storetest

import (
	"fmt"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/audit"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

func testEvents(t *testing.T, open Opener) {
	s := open(t)
	// 12 events over two organizations, three accounts and two projects.
	var all []audit.Event
	write(t, s, func(tx store.Tx) error {
		var prev int64
		for i := range 12 {
			e := audit.Event{
				OrganizationID: []string{"org1", "org2"}[i%2],
				AccountID:      []string{"a1", "a2", "a3"}[i%3],
				ProjectID:      []string{"prj1", "", "prj2", ""}[i%4],
				Project:        []string{"p1", "", "p2", ""}[i%4],
				Service:        fmt.Sprintf("svc-%d", i),
				ActorUserID:    []string{"u1", "u2"}[i%4/2], ActorEmail: []string{"u1@example.com", "u2@example.com"}[i%4/2],
				ActionType: []string{"create", "update", "delete"}[i%3], Description: fmt.Sprintf("event %d", i), ClientIP: "10.0.0.1",
				CreateTime: at(i),
			}
			id, err := tx.AppendEvent(e)
			if err != nil {
				return err
			}
			if id <= prev {
				return fmt.Errorf("AppendEvent returned %d after %d", id, prev)
			}
			prev, e.ID = id, id
			all = append(all, e)
		}
		return nil
	})
	// newest returns the events matching keep, newest first.
	newest := func(keep func(audit.Event) bool) []audit.Event {
		var out []audit.Event
		for i := len(all) - 1; i >= 0; i-- {
			if keep(all[i]) {
				out = append(out, all[i])
			}
		}
		return out
	}
	cases := []struct {
		name string
		f    store.EventFilter
		want []audit.Event
	}{
		{"All", store.EventFilter{}, newest(func(audit.Event) bool { return true })},
		{"Organization", store.EventFilter{OrganizationID: "org1"}, newest(func(e audit.Event) bool { return e.OrganizationID == "org1" })},
		{"Accounts", store.EventFilter{AccountIDs: []string{"a1", "a3"}},
			newest(func(e audit.Event) bool { return e.AccountID == "a1" || e.AccountID == "a3" })},
		{"Project", store.EventFilter{ProjectID: "prj2"}, newest(func(e audit.Event) bool { return e.ProjectID == "prj2" })},
		{"OrganizationAndAccount", store.EventFilter{OrganizationID: "org2", AccountIDs: []string{"a2"}},
			newest(func(e audit.Event) bool { return e.OrganizationID == "org2" && e.AccountID == "a2" })},
		{"Limit", store.EventFilter{Limit: 3}, newest(func(audit.Event) bool { return true })[:3]},
		{"BeforeID", store.EventFilter{BeforeID: all[5].ID}, newest(func(e audit.Event) bool { return e.ID < all[5].ID })},
		{"BeforeIDAndLimit", store.EventFilter{OrganizationID: "org1", BeforeID: all[8].ID, Limit: 2},
			newest(func(e audit.Event) bool { return e.OrganizationID == "org1" && e.ID < all[8].ID })[:2]},
		{"Actor", store.EventFilter{ActorEmail: "u2@example.com"}, newest(func(e audit.Event) bool { return e.ActorEmail == "u2@example.com" })},
		{"OrganizationAndActor", store.EventFilter{OrganizationID: "org1", ActorEmail: "u1@example.com"},
			newest(func(e audit.Event) bool { return e.OrganizationID == "org1" && e.ActorEmail == "u1@example.com" })},
		{"Action", store.EventFilter{ActionType: "update"}, newest(func(e audit.Event) bool { return e.ActionType == "update" })},
		{"ActorActionAndPage", store.EventFilter{ActorEmail: "u2@example.com", ActionType: "delete", BeforeID: all[11].ID, Limit: 1},
			newest(func(e audit.Event) bool {
				return e.ActorEmail == "u2@example.com" && e.ActionType == "delete" && e.ID < all[11].ID
			})[:1]},
		{"NoMatch", store.EventFilter{OrganizationID: "nope"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := readVal(t, s, func(tx store.Reader) ([]audit.Event, error) { return tx.ListEvents(c.f) })
			equal(t, "ListEvents", got, c.want)
		})
	}
	t.Run("Paging", func(t *testing.T) {
		// Walking pages of 5 with BeforeID visits every event once, newest first.
		var got []audit.Event
		f := store.EventFilter{Limit: 5}
		for {
			page := readVal(t, s, func(tx store.Reader) ([]audit.Event, error) { return tx.ListEvents(f) })
			if len(page) == 0 {
				break
			}
			got = append(got, page...)
			f.BeforeID = page[len(page)-1].ID
		}
		equal(t, "paged events", got, newest(func(audit.Event) bool { return true }))
	})
}
