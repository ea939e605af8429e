package console_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/api"
	"github.com/gatehouse-dev/gatehouse/internal/audit"
	"github.com/gatehouse-dev/gatehouse/internal/console"
	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/store/sqlstore"
	"github.com/gatehouse-dev/gatehouse/internal/websession"
)

// BenchmarkPages measures the server time of the console's main pages,
// rendered through the console's handler (no network), on a SQLite store
// holding 10,000 projects in 100 units, 100,000 members, 1,000,000 grants
// (ten project grants per member) and 20,000 events. Each sub-benchmark
// reports p50 and p99 of the page's server time; the target is p50 under
// 10 ms:
//
//	go test ./internal/console -run '^$' -bench Pages -benchtime 200x
//
// GATEHOUSE_BENCH_SMALL=1 uses a tenth of every size (a quick look).
func BenchmarkPages(b *testing.B) {
	const (
		units, projects, users, grantsPerUser, events = 100, 10_000, 100_000, 10, 20_000
	)
	scale := 1
	if testingSmall() {
		scale = 10
	}
	ctx := b.Context()
	st, err := sqlstore.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	plane, err := control.New(ctx, st, control.WithPasswordParams(identity.FastPasswordParams))
	if err != nil {
		b.Fatal(err)
	}
	boot, err := plane.Bootstrap(ctx, "admin@example.com", "admin password 1", "Bench")
	if err != nil {
		b.Fatal(err)
	}
	o := boot.Organization
	start := time.Now()
	now := time.Now().UTC()
	var someUser, someEmail string
	unitIDs := make([]string, units/scale)
	for i := range unitIDs {
		unitIDs[i] = fmt.Sprintf("a%014d", i)
	}
	// Written in batches: one transaction per batch keeps each within
	// the store's write deadline on a slow machine.
	write := func(what string, fn func(tx store.Tx) error) {
		if err := st.Write(ctx, fn); err != nil {
			b.Fatalf("writing %s: %v", what, err)
		}
	}
	write("units and projects", func(tx store.Tx) error {
		for i, id := range unitIDs {
			if err := tx.CreateUnit(org.Unit{ID: id, OrganizationID: o.ID, Name: fmt.Sprintf("unit-%03d", i), ParentID: o.AccountID, CreateTime: now, UpdateTime: now}); err != nil {
				return err
			}
		}
		for i := range projects / scale {
			acct := unitIDs[i%len(unitIDs)]
			p := org.Project{ID: fmt.Sprintf("prj%016d", i), Name: fmt.Sprintf("project-%05d", i), OrganizationID: o.ID,
				ParentID: acct, AccountID: acct, DefaultCloud: "google-europe-west1", CreateTime: now}
			if err := tx.CreateProject(p); err != nil {
				return err
			}
		}
		return tx.CreateService(org.Service{Project: "project-00000", Name: "events", Type: "kafka", Plan: "business-4", CreateTime: now, UpdateTime: now})
	})
	roles := []string{"developer", "read_only", "operator"}
	np := projects / scale
	const batch = 2000
	for from := 0; from < users/scale; from += batch {
		write("members and grants", func(tx store.Tx) error {
			for i := from; i < min(from+batch, users/scale); i++ {
				u := identity.User{ID: fmt.Sprintf("u%013d", i), Email: fmt.Sprintf("user%06d@example.com", i), RealName: fmt.Sprintf("User %d", i),
					State: identity.StateActive, CreateTime: now, UpdateTime: now}
				if err := tx.CreateUser(u); err != nil {
					return err
				}
				if err := tx.AddMember(identity.Membership{OrganizationID: o.ID, UserID: u.ID, JoinTime: now}); err != nil {
					return err
				}
				for k := range grantsPerUser {
					p := (i*37 + k*1009) % np
					if err := tx.SetGrant(grant.Grant{OrganizationID: o.ID, PrincipalType: grant.PrincipalUser, PrincipalID: u.ID,
						ResourceType: grant.ResourceProject, ResourceID: fmt.Sprintf("project-%05d", p), Permissions: []string{roles[(i+k)%3]},
						CreateTime: now, UpdateTime: now}); err != nil {
						return err
					}
				}
				if i == 4242/scale {
					someUser, someEmail = u.ID, u.Email
				}
			}
			return nil
		})
	}
	write("events", func(tx store.Tx) error {
		for i := range events / scale {
			if _, err := tx.AppendEvent(audit.Event{OrganizationID: o.ID, AccountID: unitIDs[i%len(unitIDs)], ActorUserID: fmt.Sprintf("u%013d", i%1000),
				ActorEmail: fmt.Sprintf("user%06d@example.com", i%1000), ActionType: []string{"project_update", "service_user_create", "permissions_update"}[i%3],
				Description: fmt.Sprintf("Synthetic event %d", i), ClientIP: "10.0.0.1", CreateTime: now.Add(time.Duration(i) * time.Second)}); err != nil {
				return err
			}
		}
		return nil
	})
	loaded := time.Since(start)
	// A fresh plane builds its engine from the populated store, as a
	// server does at start.
	plane, err = control.New(ctx, st, control.WithPasswordParams(identity.FastPasswordParams))
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("dataset written in %v, engine built in %v", loaded, time.Since(start)-loaded)
	c, err := console.New(plane, console.Options{Describe: api.Describe})
	if err != nil {
		b.Fatal(err)
	}
	login, err := plane.Login(ctx, "admin@example.com", "admin password 1", "", "127.0.0.1", "bench")
	if err != nil {
		b.Fatal(err)
	}
	base := "/orgs/" + o.ID
	pages := []struct{ name, path string }{
		{"organization", base},
		{"projects", base + "/projects"},
		{"project", base + "/projects/project-00000"},
		{"service", base + "/projects/project-00000/services/events"},
		{"events", base + "/events"},
		{"events_by_actor", base + "/events?actor=user000007%40example.com"},
		{"access_can", base + "/access?q=can&principal=" + someEmail + "&permission=project:services:read&rtype=project&rid=project-00042"},
		{"access_reach", base + "/access?q=reach&principal=" + someUser + "&permission=project:services:read"},
		{"access_who", base + "/access?q=who&permission=project:services:write&rtype=project&rid=project-00042"},
	}
	for _, pg := range pages {
		b.Run(pg.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, pg.path, nil)
			req.AddCookie(&http.Cookie{Name: websession.CookieName, Value: login.Token})
			req.RemoteAddr = "127.0.0.1:1234"
			times := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for b.Loop() {
				w := httptest.NewRecorder()
				t0 := time.Now()
				c.ServeHTTP(w, req)
				times = append(times, time.Since(t0))
				if w.Code != http.StatusOK {
					b.Fatalf("%s: %d\n%s", pg.path, w.Code, w.Body.String())
				}
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

func testingSmall() bool { return os.Getenv("GATEHOUSE_BENCH_SMALL") != "" }
