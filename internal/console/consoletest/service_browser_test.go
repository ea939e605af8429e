package consoletest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/console/consoletest"
	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/store/sqlstore"
)

// TestServiceUserPasswordOnlyForSecretsReaders: the admin creates a
// service user on the service page and sees its password in the answer;
// a member with read_only on the project sees the user but may not show
// its password (the button says why), and posting for it anyway shows none.
func TestServiceUserPasswordOnlyForSecretsReaders(t *testing.T) {
	consoletest.Run(t, func(t *testing.T, b *consoletest.Browser) {
		api := adminAPI(t, b)
		api.call("POST", "/v1/organization/"+api.org+"/projects", map[string]any{"project_id": "web"})
		api.call("POST", "/v1/project/web/service", map[string]any{"service_name": "events", "service_type": "kafka", "plan": "business-4"})
		const readerPW = "reader password 1"
		addPerson(t, b, api, "reader@example.com", readerPW, "web", "read_only")
		page := "/orgs/" + api.org + "/projects/web/services/events"

		b.SignIn(consoletest.AdminEmail, consoletest.AdminPassword, "")
		b.Visit(page)
		b.Fill("#f-username", "app1")
		b.Click("form[action$='/users'] button[type=submit]")
		b.Contains("Service user app1 created.")
		pw := b.Text("#revealed")
		if len(pw) < 12 {
			t.Fatalf("the new password shown is %q", pw)
		}
		if strings.Contains(b.Path(), pw) {
			t.Fatal("the password is in the URL")
		}
		b.Shot("service-user-created")
		b.Visit(page)
		if b.Has("#revealed") {
			t.Fatal("the password is shown on a plain visit")
		}
		b.Click("button[data-show=app1]")
		if got := b.Text("#revealed"); got != pw {
			t.Errorf("Show password = %q, want %q", got, pw)
		}
		b.SignOut()

		b.SignIn("reader@example.com", readerPW, "")
		b.Visit(page)
		b.Contains("app1")
		if b.Has("button[data-show=app1]") || !b.Has("table.susers button[disabled]") {
			t.Error("a reader without service:secrets:read is offered the password")
		}
		b.Contains("requires service:secrets:read on this service")
		if b.Has("form[action$='/users']") {
			t.Error("a read_only member is offered to create service users")
		}
		b.Shot("service-users-reader")
		res, err := b.HTTP().PostForm(b.Server.URL+page+"/users/app1/password", url.Values{"csrf": {csrfOf(t, b)}})
		if err != nil {
			t.Fatal(err)
		}
		body := consoletest.ReadAll(t, res)
		if res.StatusCode != http.StatusForbidden || strings.Contains(body, pw) {
			t.Errorf("a reader posting for the password: %d, password shown: %v", res.StatusCode, strings.Contains(body, pw))
		}
	})
}

// TestKafkaACLWithConsume: adding an ACL entry with the Console's
// "Consume" stores Aiven's read permission and lists it in those words;
// a bad topic pattern is answered next to its field.
func TestKafkaACLWithConsume(t *testing.T) {
	consoletest.Run(t, func(t *testing.T, b *consoletest.Browser) {
		api := adminAPI(t, b)
		api.call("POST", "/v1/organization/"+api.org+"/projects", map[string]any{"project_id": "web"})
		api.call("POST", "/v1/project/web/service", map[string]any{"service_name": "events", "service_type": "kafka", "plan": "business-4"})
		b.SignIn(consoletest.AdminEmail, consoletest.AdminPassword, "")
		b.Visit("/orgs/" + api.org + "/projects/web/services/events?tab=acl")
		b.Fill("#f-username", "analytics")
		b.Fill("#f-topic", "orders")
		b.Select("#f-permission", "read")
		if got := b.Text("#f-permission"); !strings.Contains(got, "Consume and Produce") || !strings.Contains(got, "Admin") {
			t.Errorf("the permissions offered are %q, want the Console's words", got)
		}
		b.Click("form[action$='/acl'] button[type=submit]")
		table := b.Text("table.acls")
		if !strings.Contains(table, "analytics") || !strings.Contains(table, "orders") || !strings.Contains(table, "Consume") {
			t.Fatalf("the ACL table after adding:\n%s", table)
		}
		b.Shot("kafka-acl-consume")
		acls := api.call("GET", "/v1/project/web/service/events/acl", nil)["acl"].([]any)
		found := false
		for _, a := range acls {
			e := a.(map[string]any)
			found = found || (e["username"] == "analytics" && e["topic"] == "orders" && e["permission"] == "read")
		}
		if !found {
			t.Errorf("the API does not list the entry as read: %v", acls)
		}
		b.Fill("#f-username", "x")
		b.Fill("#f-topic", strings.Repeat("t", 300))
		b.Click("form[action$='/acl'] button[type=submit]")
		if got := b.Text(".field.invalid .error, .alert.error"); got == "" {
			t.Error("a bad topic shows no error")
		}
	})
}

// csrfOf reads the CSRF token of the current page's forms.
func csrfOf(t *testing.T, b *consoletest.Browser) string {
	t.Helper()
	res, err := b.HTTP().Get(b.Server.URL + b.Path())
	if err != nil {
		t.Fatal(err)
	}
	body := consoletest.ReadAll(t, res)
	const marker = `name="csrf" value="`
	i := strings.Index(body, marker)
	if i < 0 {
		t.Fatal("no CSRF field on the page")
	}
	rest := body[i+len(marker):]
	return rest[:strings.IndexByte(rest, '"')]
}

// addPerson puts an organization member who signs in with a password
// into the server's database (invitations are another flow's subject),
// granted perms on project, and waits until the server knows them.
func addPerson(t *testing.T, b *consoletest.Browser, api *apiAs, email, password, project string, perms ...string) string {
	t.Helper()
	ctx := t.Context()
	st, err := sqlstore.Open(ctx, b.Server.Database)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now().UTC()
	u := identity.User{ID: org.NewID(org.PrefixUser), Email: email, RealName: email, PasswordHash: servertest.HashPassword(t, password),
		State: identity.StateActive, CreateTime: now, UpdateTime: now}
	var rev int64
	err = st.Write(ctx, func(tx store.Tx) error {
		if err := tx.CreateUser(u); err != nil {
			return err
		}
		if err := tx.AddMember(identity.Membership{OrganizationID: api.org, UserID: u.ID, JoinTime: now}); err != nil {
			return err
		}
		if err := tx.SetGrant(grant.Grant{OrganizationID: api.org, PrincipalType: grant.PrincipalUser, PrincipalID: u.ID,
			ResourceType: grant.ResourceProject, ResourceID: project, Permissions: perms, CreateTime: now, UpdateTime: now}); err != nil {
			return err
		}
		set, err := authz.ParseSet(perms)
		if err != nil {
			return err
		}
		payload, err := json.Marshal([]authz.Change{authz.SetUser(u.ID, true), authz.SetGrant(authz.UserP(u.ID), authz.Project(project), set)})
		if err != nil {
			return err
		}
		rev, err = tx.AppendChange(payload)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// A check asking for at least this revision makes the server pull the
	// change log up to it.
	api.call("POST", "/v1/organization/"+api.org+"/access/check", map[string]any{"principal_id": u.ID, "permission": perms[0],
		"resource_type": "project", "resource_id": project, "at_least_revision": rev})
	return u.ID
}

// TestKafkaNativeACLForm: a Kafka-native entry added through the form's
// fields (principal, host, resource type, pattern type, resource name,
// operation, permission type) is listed and stored as Aiven's API
// carries it; a bad principal is answered next to its field; deleting the
// entry asks for confirmation first.
func TestKafkaNativeACLForm(t *testing.T) {
	consoletest.Run(t, func(t *testing.T, b *consoletest.Browser) {
		api := adminAPI(t, b)
		api.call("POST", "/v1/organization/"+api.org+"/projects", map[string]any{"project_id": "web"})
		api.call("POST", "/v1/project/web/service", map[string]any{"service_name": "events", "service_type": "kafka", "plan": "business-4"})
		b.SignIn(consoletest.AdminEmail, consoletest.AdminPassword, "")
		b.Visit("/orgs/" + api.org + "/projects/web/services/events?tab=native")
		b.Contains("No Kafka-native ACL entries")

		cases := []struct {
			name, principal, resourceName, field string
		}{
			{"principal without User:", "analytics", "orders-", "#e-principal"},
			{"empty resource name", "User:analytics", "", "#e-resource_name"},
		}
		for _, c := range cases {
			b.Fill("#f-principal", c.principal)
			b.Fill("#f-resource_name", c.resourceName)
			b.Click("form.nativeform button[type=submit]")
			if got := b.Text(c.field); got == "" {
				t.Errorf("%s: no error next to the field (page says %q)", c.name, b.Text("main"))
			}
			if st := b.Status(); st/100 != 4 {
				t.Errorf("%s: status %d, want a 4xx", c.name, st)
			}
		}

		b.Fill("#f-principal", "User:analytics")
		b.Fill("#f-host", "10.0.0.7")
		b.Select("#f-resource_type", "Topic")
		b.Fill("#f-resource_name", "orders-")
		b.Select("#f-pattern_type", "PREFIXED")
		b.Select("#f-operation", "Read")
		b.Select("#f-permission_type", "DENY")
		b.Click("form.nativeform button[type=submit]")
		row := b.Text("#native-h + .tablewrap tbody")
		for _, want := range []string{"User:analytics", "10.0.0.7", "Topic", "orders-", "PREFIXED", "Read", "DENY"} {
			if !strings.Contains(row, want) {
				t.Errorf("the native ACL row %q lacks %q", row, want)
			}
		}
		b.Shot("kafka-native-acl")
		acls := api.call("GET", "/v1/project/web/service/events/kafka/acl", nil)
		if got := fmt.Sprint(acls["kafka_acl"]); !strings.Contains(got, "orders-") || !strings.Contains(got, "PREFIXED") || !strings.Contains(got, "DENY") {
			t.Errorf("the API's native ACLs: %v", acls)
		}

		b.Click("#native-h + .tablewrap form button[type=submit]")
		b.Contains("Delete Kafka-native ACL entry")
		if got := b.Text(".confirm .lead"); !strings.Contains(got, "User:analytics") {
			t.Errorf("the confirmation does not describe the entry: %q", got)
		}
		b.Click("#confirm")
		b.Contains("No Kafka-native ACL entries")
	})
}
