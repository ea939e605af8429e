package consoletest_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/console/consoletest"
)

// TestAccessExplorerShowsThePathThroughTheGroup: an application user in
// a group granted developer on a project; the explorer says it may read
// the project's services and draws the path through the group, lists the
// project among what it reaches, and names it and the group among who can.
func TestAccessExplorerShowsThePathThroughTheGroup(t *testing.T) {
	consoletest.Run(t, func(t *testing.T, b *consoletest.Browser) {
		api := adminAPI(t, b)
		api.call("POST", "/v1/organization/"+api.org+"/projects", map[string]any{"project_id": "web"})
		bot := api.call("POST", "/v1/organization/"+api.org+"/application-users", map[string]any{"name": "ci-bot"})
		botID := bot["user_id"].(string)
		botEmail := bot["user_email"].(string)
		grp := api.call("POST", "/v1/organization/"+api.org+"/user-groups", map[string]any{"user_group_name": "Developers", "description": "builders"})
		groupID := grp["user_group_id"].(string)
		api.call("PATCH", "/v1/organization/"+api.org+"/user-groups/"+groupID+"/members",
			map[string]any{"operation": "add_members", "member_ids": []string{botID}})
		api.call("PATCH", "/v1/organization/"+api.org+"/permissions/project/web", map[string]any{"operation": "grant",
			"permissions": []map[string]any{{"principal_type": "user_group", "principal_id": groupID, "permissions": []string{"developer"}}}})

		b.SignIn(consoletest.AdminEmail, consoletest.AdminPassword, "")
		b.Visit("/orgs/" + api.org + "/access")
		b.Fill("#f-principal", botEmail)
		b.Fill("#f-permission", "project:services:read")
		b.Select("#f-rtype", "project")
		b.Fill("#f-rid", "web")
		b.Click("form.question button[type=submit]")
		if got := b.Text(".verdict h2 .badge"); got != "Allowed" {
			t.Fatalf("verdict = %q, want Allowed", got)
		}
		path := b.Text(".path.gives")
		for _, want := range []string{"Grant", "project web", "group Developers", "developer", "project:services:read"} {
			if !strings.Contains(path, want) {
				t.Errorf("the path %q does not show %q", path, want)
			}
		}
		b.Shot("access-explorer-path")

		// What can it reach: the project, through developer.
		b.Visit("/orgs/" + api.org + "/access?" + url.Values{"q": {"reach"}, "principal": {botID}, "permission": {"project:services:read"}}.Encode())
		if got := b.Text("#reach-h + .tablewrap tbody"); !strings.Contains(got, "web") || !strings.Contains(got, "developer") {
			t.Errorf("reach table = %q, want project web through developer", got)
		}
		// Who can: the bot (through the group), the admin (super admin), and the group.
		b.Visit("/orgs/" + api.org + "/access?" + url.Values{"q": {"who"}, "permission": {"project:services:read"}, "rtype": {"project"}, "rid": {"web"}}.Encode())
		who := b.Text("#who-h ~ .tablewrap")
		if !strings.Contains(who, "ci-bot") || !strings.Contains(who, consoletest.AdminEmail) {
			t.Errorf("who can = %q, want the bot and the admin", who)
		}
		if got := b.Text("ul.plain"); !strings.Contains(got, "group Developers") {
			t.Errorf("groups who can = %q, want Developers", got)
		}

		// Denied, with the reason in the engine's words; and what a person
		// types wrong is answered next to the field, never with a 500.
		b.Visit("/orgs/" + api.org + "/access?" + url.Values{"q": {"can"}, "principal": {botEmail}, "permission": {"project:services:write"}, "rtype": {"project"}, "rid": {"web"}}.Encode())
		if got := b.Text(".verdict h2 .badge"); got != "Denied" {
			t.Errorf("verdict on write = %q, want Denied", got)
		}
		for _, c := range []struct{ name, query, field string }{
			{"unknown permission", "q=can&principal=" + url.QueryEscape(botEmail) + "&permission=fly&rtype=project&rid=web", "#e-permission"},
			{"unknown project", "q=can&principal=" + url.QueryEscape(botEmail) + "&permission=developer&rtype=project&rid=nope", "#e-rid"},
			{"unknown principal", "q=can&principal=ghost%40example.com&permission=developer&rtype=project&rid=web", "#e-principal"},
			{"bad resource type", "q=who&permission=developer&rtype=planet&rid=x", "#e-rid"},
		} {
			b.Visit("/orgs/" + api.org + "/access?" + c.query)
			if got := b.Text(c.field); got == "" {
				t.Errorf("%s: no error next to the field", c.name)
			}
		}
	})
}
