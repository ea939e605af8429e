package sqlstore

import (
	"database/sql"
	"io/fs"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/store/storetest"
)

// TestProjectIDBackfill migrates a database holding events written before
// projects had IDs: events of a live project join its log; events of a
// deleted project whose name was then taken, by another organization or
// by the same one, join no project's log and stay in their organization's.
func TestProjectIDBackfill(t *testing.T) {
	for _, tc := range []struct {
		name, dialect, driver string
		gooseDialect          goose.Dialect
		dsn                   func(testing.TB) string
	}{
		{"sqlite", DialectSQLite, "sqlite", goose.DialectSQLite3, storetest.SQLite},
		{"postgres", DialectPostgres, "pgx", goose.DialectPostgres, storetest.Postgres},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dsn := tc.dsn(t)
			db, err := sql.Open(tc.driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			fsys, err := fs.Sub(migrations, "migrations/"+tc.dialect)
			if err != nil {
				t.Fatal(err)
			}
			p, err := goose.NewProvider(tc.gooseDialect, db, fsys, goose.WithDisableGlobalRegistry(true))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.UpTo(t.Context(), 10); err != nil {
				t.Fatal(err)
			}
			q := func(query string, args ...any) {
				t.Helper()
				if tc.dialect == DialectPostgres {
					query = rebind(query)
				}
				if _, err := db.ExecContext(t.Context(), query, args...); err != nil {
					t.Fatalf("%s: %v", query, err)
				}
			}
			for _, o := range []string{"org1", "org2"} {
				q(`INSERT INTO organizations (id, name, account_id, tier, create_time, update_time) VALUES (?, ?, ?, 'business', 0, 0)`, o, o, o+"-root")
			}
			project := func(name, orgID string, created int64) {
				q(`INSERT INTO projects (name, organization_id, parent_id, account_id, billing_group_id, default_cloud, tags, tech_emails, create_time, update_time)
VALUES (?, ?, ?, ?, '', '', '{}', '[]', ?, ?)`, name, orgID, orgID, orgID+"-root", created, created)
			}
			event := func(orgID, project, action string, at int64) {
				q(`INSERT INTO events (organization_id, account_id, project, service, actor_user_id, actor_email, action_type, description, client_ip, create_time)
VALUES (?, ?, ?, '', '', '', ?, '', '', ?)`, orgID, orgID+"-root", project, action, at)
			}
			project("live", "org1", 10)
			event("org1", "live", "live-event", 11)
			event("org1", "gone", "deleted-elsewhere", 5) // "gone" now belongs to org2
			project("gone", "org2", 20)
			event("org1", "again", "before-recreation", 5) // "again" deleted, then recreated by org1
			project("again", "org1", 30)
			event("org1", "again", "after-recreation", 31)
			db.Close()

			s := mustOpen(t, dsn)
			err = s.Read(t.Context(), func(tx store.Reader) error {
				logOf := func(name string) []string {
					pr, err := tx.GetProject(name)
					if err != nil || pr.ID == "" {
						t.Fatalf("project %s = %+v, %v", name, pr, err)
					}
					evs, err := tx.ListEvents(store.EventFilter{ProjectID: pr.ID})
					if err != nil {
						t.Fatal(err)
					}
					var out []string
					for _, e := range evs {
						out = append(out, e.ActionType)
					}
					return out
				}
				for name, want := range map[string][]string{"live": {"live-event"}, "gone": nil, "again": {"after-recreation"}} {
					if got := logOf(name); len(got) != len(want) || len(want) > 0 && got[0] != want[0] {
						t.Errorf("log of %s = %v, want %v", name, got, want)
					}
				}
				org1, err := tx.ListEvents(store.EventFilter{OrganizationID: "org1"})
				if err != nil || len(org1) != 4 {
					t.Errorf("organization log = %d events, %v; want all 4", len(org1), err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
