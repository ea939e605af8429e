package server_test

import (
	"strings"
	"testing"

	"github.com/aiven/go-client-codegen/handler/project"
	"github.com/aiven/go-client-codegen/handler/service"

	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// TestProjectEventsStayWithTheirProject is issue 13's second hole: events
// were looked up by project name and kept after deletion, so whoever next
// took the name (in any organization, by creating or by renaming) read the
// previous owner's events. A project's log now holds only its own events;
// a deleted project's stay in its organization's log.
func TestProjectEventsStayWithTheirProject(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		ctx := t.Context()
		w := newManagedOrg(t, db)
		tok, _, accountID := w.outsider(t, "mallory@outside.test")
		mallory := client(t, w.srv.URL, tok)

		// The victim's projects leave revealing events behind.
		for _, name := range []string{"heritage", "old-name"} {
			if _, err := w.admin.ProjectCreate(ctx, &project.ProjectCreateIn{Project: name, AccountId: ptr(w.accountID)}); err != nil {
				t.Fatal(err)
			}
			if _, err := w.admin.ServiceCreate(ctx, name, &service.ServiceCreateIn{ServiceName: "secret-db", ServiceType: "pg", Plan: "business-4"}); err != nil {
				t.Fatal(err)
			}
			if err := w.admin.ServiceDelete(ctx, name, "secret-db"); err != nil {
				t.Fatal(err)
			}
			if err := w.admin.ProjectDelete(ctx, name); err != nil {
				t.Fatal(err)
			}
		}

		// Taking a freed name by creating, and by renaming.
		if _, err := mallory.ProjectCreate(ctx, &project.ProjectCreateIn{Project: "heritage", AccountId: ptr(accountID)}); err != nil {
			t.Fatal(err)
		}
		if _, err := mallory.ProjectCreate(ctx, &project.ProjectCreateIn{Project: "mine", AccountId: ptr(accountID)}); err != nil {
			t.Fatal(err)
		}
		if _, err := mallory.ProjectUpdate(ctx, "mine", &project.ProjectUpdateIn{ProjectName: ptr("old-name")}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name  string
			types []string // newest first
		}{
			{"heritage", []string{"project_create"}},
			{"old-name", []string{"project_update", "project_create"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				evs, err := mallory.ProjectGetEventLogs(ctx, tc.name)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, e := range evs {
					got = append(got, e.EventType)
					if strings.Contains(e.Actor, servertest.AdminEmail) || e.ServiceName == "secret-db" || strings.Contains(e.EventDesc, "secret-db") {
						t.Errorf("the new owner reads the old owner's event %+v", e)
					}
				}
				if strings.Join(got, ",") != strings.Join(tc.types, ",") {
					t.Errorf("events = %v, want %v", got, tc.types)
				}
			})
		}

		// The organization that owned the deleted projects still reads
		// their events in its own log.
		evs, err := w.admin.AccountEventList(ctx, w.accountID)
		if err != nil {
			t.Fatal(err)
		}
		kept := 0
		for _, e := range evs {
			if strings.Contains(e.ActionDescription, "secret-db") {
				kept++
			}
		}
		if kept < 4 {
			t.Errorf("organization log keeps %d events naming the deleted projects' service, want 4 or more", kept)
		}
	})
}
