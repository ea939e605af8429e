package consoletest_test

import (
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/console/consoletest"
)

// TestEventLogFiltersByActor: two people act in an organization; the
// event log shows both, newest first, and filtering by one actor (typed,
// or by clicking their address) shows only theirs.
func TestEventLogFiltersByActor(t *testing.T) {
	consoletest.Run(t, func(t *testing.T, b *consoletest.Browser) {
		api := adminAPI(t, b)
		bot := api.call("POST", "/v1/organization/"+api.org+"/application-users", map[string]any{"name": "deployer"})
		botID, botEmail := bot["user_id"].(string), bot["user_email"].(string)
		api.call("PATCH", "/v1/organization/"+api.org+"/permissions/organization/"+api.org, map[string]any{"operation": "grant",
			"permissions": []map[string]any{{"principal_type": "user", "principal_id": botID, "permissions": []string{"organization:projects:write"}}}})
		tok := api.call("POST", "/v1/organization/"+api.org+"/application-users/"+botID+"/access-tokens", map[string]any{"description": "deploys"})
		botAPI := api.withToken(tok["full_token"].(string))
		api.call("POST", "/v1/organization/"+api.org+"/projects", map[string]any{"project_id": "admin-made"})
		botAPI.call("POST", "/v1/organization/"+api.org+"/projects", map[string]any{"project_id": "bot-made"})

		b.SignIn(consoletest.AdminEmail, consoletest.AdminPassword, "")
		b.Visit("/orgs/" + api.org + "/events")
		all := b.Text("table.events tbody")
		if !strings.Contains(all, `Created project "admin-made"`) || !strings.Contains(all, `Created project "bot-made"`) {
			t.Fatalf("the log lacks someone's events:\n%s", all)
		}
		if strings.Index(all, "bot-made") > strings.Index(all, "admin-made") {
			t.Errorf("the log is not newest first:\n%s", all)
		}
		b.Fill("#f-actor", strings.ToUpper(botEmail))
		b.Click("form.filters button[type=submit]")
		only := b.Text("table.events tbody")
		if !strings.Contains(only, "bot-made") || strings.Contains(only, "admin-made") || strings.Contains(only, consoletest.AdminEmail) {
			t.Errorf("filtered by %s the log shows:\n%s", botEmail, only)
		}
		b.Shot("event-log-by-actor")

		// Clicking the admin's address filters by the admin instead, and an
		// action filter narrows further.
		b.Visit("/orgs/" + api.org + "/events")
		b.Click("table.events a[href*='actor=admin']")
		mine := b.Text("table.events tbody")
		if strings.Contains(mine, "bot-made") || !strings.Contains(mine, "admin-made") {
			t.Errorf("filtered by the admin the log shows:\n%s", mine)
		}
		b.Fill("#f-action", "project_create")
		b.Click("form.filters button[type=submit]")
		if got := b.Text("table.events tbody"); strings.Count(got, "project_create") != 1 || strings.Contains(got, "user_login") {
			t.Errorf("the admin's project_create events:\n%s", got)
		}

		// A project's log, and mistakes next to their field.
		b.Visit("/orgs/" + api.org + "/events?project=bot-made")
		b.Contains("Project bot-made")
		b.Visit("/orgs/" + api.org + "/events?project=nope")
		if got := b.Text("#e-project"); got == "" {
			t.Error("an unknown project shows no error next to its field")
		}
		b.Visit("/orgs/" + api.org + "/events?before=abc")
		b.Contains("not a valid event number")
	})
}
