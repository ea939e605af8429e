package consoletest_test

import (
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/console/consoletest"
)

// TestDestructiveActionsAskFirst: every destructive button without a page
// of its own (service users, ACL entries, group members and grants) leads
// to a confirmation naming what goes; leaving it changes nothing, and
// confirming acts.
func TestDestructiveActionsAskFirst(t *testing.T) {
	consoletest.Run(t, func(t *testing.T, b *consoletest.Browser) {
		api := adminAPI(t, b)
		api.call("POST", "/v1/organization/"+api.org+"/projects", map[string]any{"project_id": "web"})
		api.call("POST", "/v1/project/web/service", map[string]any{"service_name": "events", "service_type": "kafka", "plan": "business-4"})
		svc := "/v1/project/web/service/events"
		api.call("POST", svc+"/user", map[string]any{"username": "app1"})
		api.call("POST", svc+"/acl", map[string]any{"username": "app1", "topic": "orders", "permission": "read"})
		api.call("POST", svc+"/kafka/acl", map[string]any{"principal": "User:app1", "host": "*", "resource_type": "Topic",
			"resource_name": "payments", "pattern_type": "LITERAL", "operation": "Write", "permission_type": "ALLOW"})
		api.call("POST", svc+"/kafka/schema-registry/acl", map[string]any{"username": "app1", "resource": "Subject:orders-value", "permission": "schema_registry_read"})
		b.Person(api.org, "gus@example.com", "gus's long passphrase")
		grp := api.call("POST", "/v1/organization/"+api.org+"/user-groups", map[string]any{"user_group_name": "Builders", "description": ""})
		groupID := grp["user_group_id"].(string)
		api.call("PATCH", "/v1/organization/"+api.org+"/user-groups/"+groupID+"/members",
			map[string]any{"operation": "add_members", "member_ids": []string{api.memberID("gus@example.com")}})
		api.call("PATCH", "/v1/organization/"+api.org+"/permissions/project/web", map[string]any{"operation": "grant",
			"permissions": []map[string]any{{"principal_type": "user_group", "principal_id": groupID, "permissions": []string{"developer"}}}})

		b.SignIn(consoletest.AdminEmail, consoletest.AdminPassword, "")
		page := "/orgs/" + api.org + "/projects/web/services/events"
		group := "/orgs/" + api.org + "/groups/" + groupID
		cases := []struct {
			name, page, button, asks, still, stillIn string
		}{
			{"reset a service user's password", page + "?tab=users", "form[action$='/users/app1/reset'] button", "Generate a new password for app1", "app1", "table.susers"},
			{"delete a service user", page + "?tab=users", "form[action$='/users/app1/delete'] button", "Delete the service user app1", "app1", "table.susers"},
			{"delete an ACL entry", page + "?tab=acl", "table.acls tbody tr:last-child form button", "orders", "orders", "table.acls"},
			{"delete a Kafka-native ACL entry", page + "?tab=native", "#native-h + .tablewrap form button", "User:app1 Write", "payments", "#native-h + .tablewrap"},
			{"delete a Schema Registry ACL entry", page + "?tab=schema", "#sr-h + .tablewrap tbody tr:last-child form button", "Subject:orders-value", "Subject:orders-value", "#sr-h + .tablewrap"},
			{"remove a group member", group, "table.members form button", "Remove gus@example.com from the group", "gus@example.com", "table.members"},
			{"revoke a group's grant", group, "table.grants form button", "Revoke developer of the group on Project web", "developer", "table.grants"},
		}
		for _, c := range cases {
			b.Visit(c.page)
			b.Click(c.button)
			if got := b.Text(".confirm .lead"); !strings.Contains(got, c.asks) {
				t.Errorf("%s: the confirmation says %q, want it to name %q", c.name, got, c.asks)
				continue
			}
			if !b.Has("#confirm") {
				t.Errorf("%s: no confirm button", c.name)
			}
			back, _ := b.Attr(".confirm a.button", "href")
			b.Visit(back)
			if got := b.Text(c.stillIn); !strings.Contains(got, c.still) {
				t.Errorf("%s: after leaving the confirmation, %q is gone: %q", c.name, c.still, got)
			}
		}
		b.Shot("confirm-leaves-everything")

		// Confirming acts: the group's member goes.
		b.Visit(group)
		b.Click("table.members form button")
		b.Click("#confirm")
		b.Contains("Member removed")
		if b.Has("table.members") && strings.Contains(b.Text("table.members"), "gus@example.com") {
			t.Error("the member is still listed after confirming")
		}
	})
}
