package server_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	aiven "github.com/aiven/go-client-codegen"
	"github.com/aiven/go-client-codegen/handler/account"
	"github.com/aiven/go-client-codegen/handler/organization"
	"github.com/aiven/go-client-codegen/handler/organizationprojects"
	"github.com/aiven/go-client-codegen/handler/project"
	"github.com/aiven/go-client-codegen/handler/service"
	"github.com/aiven/go-client-codegen/handler/user"

	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// backends runs fn against SQLite, and PostgreSQL when configured.
func backends(t *testing.T, fn func(t *testing.T, database string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, servertest.SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, servertest.Postgres(t)) })
}

// client returns Aiven's official client pointed at the server, without
// retries so a test fails at once.
func client(t *testing.T, url, token string) aiven.Client {
	t.Helper()
	c, err := aiven.NewClient(aiven.HostOpt(url), aiven.TokenOpt(token), aiven.RetryMaxOpt(0), aiven.UserAgentOpt("gatehouse-test"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func login(t *testing.T, url, email, password string) string {
	t.Helper()
	// The client cannot be built without a token; the server ignores it
	// on login.
	out, err := client(t, url, "unused").UserAuth(t.Context(), &user.UserAuthIn{Email: email, Password: password})
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	return out.Token
}

func wantStatus(t *testing.T, err error, status int) {
	t.Helper()
	var e aiven.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want an API error with status %d", err, status)
	}
	if e.Status != status {
		t.Fatalf("status = %d (%s), want %d", e.Status, e.Message, status)
	}
	if e.Message == "" {
		t.Fatalf("error without message")
	}
}

func ptr[T any](v T) *T { return &v }

func TestHierarchyThroughAivenClient(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		srv := servertest.Start(t, db)
		ctx := t.Context()
		c := client(t, srv.URL, login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword))

		orgs, err := c.UserOrganizationsList(ctx)
		if err != nil || len(orgs) != 1 {
			t.Fatalf("bootstrap organizations = %v, %v", orgs, err)
		}

		o, err := c.UserOrganizationCreate(ctx, &organization.UserOrganizationCreateIn{OrganizationName: "Acme", Tier: organization.TierTypeBusiness})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(o.OrganizationId, "org") || !strings.HasPrefix(o.AccountId, "a") || o.CreateTime.IsZero() {
			t.Fatalf("organization shape: %+v", o)
		}
		got, err := c.OrganizationGet(ctx, o.OrganizationId)
		if err != nil || got.OrganizationName != "Acme" {
			t.Fatalf("get = %+v, %v", got, err)
		}
		renamed, err := c.OrganizationUpdate(ctx, o.OrganizationId, &organization.OrganizationUpdateIn{Name: ptr("Acme Inc")})
		if err != nil || renamed.OrganizationName != "Acme Inc" {
			t.Fatalf("rename = %+v, %v", renamed, err)
		}

		// Units nest, move, and refuse cycles.
		prod, err := c.AccountCreate(ctx, &account.AccountCreateIn{AccountName: "Production", ParentAccountId: ptr(o.OrganizationId)})
		if err != nil {
			t.Fatal(err)
		}
		if prod.ParentAccountId == nil || *prod.ParentAccountId != o.AccountId || prod.RootAccountId != o.AccountId || prod.OrganizationId != o.OrganizationId {
			t.Fatalf("unit shape: %+v", prod)
		}
		eu, err := c.AccountCreate(ctx, &account.AccountCreateIn{AccountName: "EU", ParentAccountId: ptr(prod.AccountId)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.AccountMove(ctx, prod.AccountId, &account.AccountMoveIn{ParentAccountId: eu.AccountId})
		wantStatus(t, err, http.StatusBadRequest)
		staging, err := c.AccountCreate(ctx, &account.AccountCreateIn{AccountName: "Staging", ParentAccountId: ptr(o.AccountId)})
		if err != nil {
			t.Fatal(err)
		}
		moved, err := c.AccountMove(ctx, eu.AccountId, &account.AccountMoveIn{ParentAccountId: staging.AccountId})
		if err != nil || *moved.ParentAccountId != staging.AccountId {
			t.Fatalf("move = %+v, %v", moved, err)
		}
		if _, err := c.AccountUpdate(ctx, eu.AccountId, &account.AccountUpdateIn{AccountName: ptr("Europe")}); err != nil {
			t.Fatal(err)
		}

		// Depth limit: ten levels below the root, the eleventh is refused.
		parent := staging.AccountId
		for i := 2; i <= 10; i++ {
			u, err := c.AccountCreate(ctx, &account.AccountCreateIn{AccountName: "level", ParentAccountId: ptr(parent)})
			if err != nil {
				t.Fatalf("level %d: %v", i, err)
			}
			parent = u.AccountId
		}
		_, err = c.AccountCreate(ctx, &account.AccountCreateIn{AccountName: "too deep", ParentAccountId: ptr(parent)})
		wantStatus(t, err, http.StatusBadRequest)

		// Projects, in a unit and at the root, organization-scoped and legacy.
		p1, err := c.OrganizationProjectsCreate(ctx, o.OrganizationId, &organizationprojects.OrganizationProjectsCreateIn{
			ProjectId: "backend-prod", ParentId: ptr(prod.AccountId), Tags: map[string]string{"env": "prod"},
			TechEmails: &[]organizationprojects.TechEmailIn{{Email: "ops@example.com"}}})
		if err != nil {
			t.Fatal(err)
		}
		if p1.ParentId != prod.AccountId || p1.OrganizationId != o.OrganizationId || p1.Tags["env"] != "prod" {
			t.Fatalf("project shape: %+v", p1)
		}
		_, err = c.OrganizationProjectsCreate(ctx, o.OrganizationId, &organizationprojects.OrganizationProjectsCreateIn{ProjectId: "backend-prod"})
		if !aiven.IsAlreadyExists(err) {
			t.Fatalf("duplicate project: %v", err)
		}
		_, err = c.OrganizationProjectsCreate(ctx, o.OrganizationId, &organizationprojects.OrganizationProjectsCreateIn{ProjectId: "Bad_Name"})
		wantStatus(t, err, http.StatusBadRequest)
		if _, err := c.ProjectCreate(ctx, &project.ProjectCreateIn{Project: "frontend-dev", AccountId: ptr(o.AccountId)}); err != nil {
			t.Fatal(err)
		}
		list, err := c.OrganizationProjectsList(ctx, o.OrganizationId)
		if err != nil || list.TotalProjectCount != 2 {
			t.Fatalf("list = %+v, %v", list, err)
		}
		legacy, err := c.ProjectGet(ctx, "backend-prod")
		if err != nil || legacy.ProjectName != "backend-prod" || legacy.OrganizationId != o.OrganizationId {
			t.Fatalf("legacy get = %+v, %v", legacy, err)
		}
		upd, err := c.OrganizationProjectsUpdate(ctx, o.OrganizationId, "backend-prod", &organizationprojects.OrganizationProjectsUpdateIn{
			ParentId: ptr(staging.AccountId), Tags: &map[string]string{"env": "staging"}})
		if err != nil || upd.ParentId != staging.AccountId || upd.Tags["env"] != "staging" {
			t.Fatalf("move project = %+v, %v", upd, err)
		}

		// Services.
		svc, err := c.ServiceCreate(ctx, "backend-prod", &service.ServiceCreateIn{ServiceName: "pg-1", ServiceType: "pg", Plan: "startup-4",
			Cloud: ptr("google-europe-west1"), DiskSpaceMb: ptr(80000), UserConfig: &map[string]any{"pg_version": "16"}})
		if err != nil {
			t.Fatal(err)
		}
		if svc.ServiceName != "pg-1" || svc.CreateTime.IsZero() || svc.State != "RUNNING" {
			t.Fatalf("service shape: %+v", svc)
		}
		_, err = c.ServiceCreate(ctx, "backend-prod", &service.ServiceCreateIn{ServiceName: "pg-1", ServiceType: "pg", Plan: "startup-4"})
		if !aiven.IsAlreadyExists(err) {
			t.Fatalf("duplicate service: %v", err)
		}
		_, err = c.ServiceCreate(ctx, "backend-prod", &service.ServiceCreateIn{ServiceName: "x-1", ServiceType: "nosuchdb", Plan: "startup-4"})
		wantStatus(t, err, http.StatusBadRequest)
		if _, err := c.ServiceCreate(ctx, "backend-prod", &service.ServiceCreateIn{ServiceName: "kafka-1", ServiceType: "kafka", Plan: "business-4"}); err != nil {
			t.Fatal(err)
		}
		svcs, err := c.ServiceList(ctx, "backend-prod")
		if err != nil || len(svcs) != 2 {
			t.Fatalf("services = %v, %v", svcs, err)
		}
		if _, err := c.ServiceGet(ctx, "backend-prod", "kafka-1"); err != nil {
			t.Fatal(err)
		}
		_, err = c.ServiceGet(ctx, "backend-prod", "nope")
		wantStatus(t, err, http.StatusNotFound)

		// Deleting what is not empty is refused; emptied, it goes.
		wantStatus(t, c.OrganizationProjectsDelete(ctx, o.OrganizationId, "backend-prod"), http.StatusConflict)
		wantStatus(t, c.AccountDelete(ctx, staging.AccountId), http.StatusConflict)
		wantStatus(t, c.OrganizationDelete(ctx, o.OrganizationId), http.StatusConflict)
		if err := c.ServiceDelete(ctx, "backend-prod", "pg-1"); err != nil {
			t.Fatal(err)
		}

		// Events, newest first, in Aiven's shapes.
		pev, err := c.ProjectGetEventLogs(ctx, "backend-prod")
		if err != nil || len(pev) < 3 || pev[0].EventType != "service_delete" || pev[0].ServiceName != "pg-1" {
			t.Fatalf("project events = %+v, %v", pev, err)
		}
		aev, err := c.AccountEventList(ctx, o.AccountId)
		if err != nil || len(aev) < 5 || aev[0].LogEntryId <= aev[1].LogEntryId || aev[0].Actor != servertest.AdminEmail {
			t.Fatalf("account events = %+v, %v", aev, err)
		}

		if err := c.OrganizationDelete(ctx, o.OrganizationId, organization.OrganizationDeleteRecursive(true)); err != nil {
			t.Fatal(err)
		}
		_, err = c.OrganizationGet(ctx, o.OrganizationId)
		wantStatus(t, err, http.StatusNotFound)
		_, err = c.ProjectGet(ctx, "backend-prod")
		wantStatus(t, err, http.StatusNotFound)
	})
}

// rawCall sends a request without the official client, for inputs it
// would never produce.
func rawCall(t *testing.T, method, url, token string, body []byte) (int, map[string]any) {
	t.Helper()
	resp, b := send(t, method, url, token, string(body))
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s %s: body is not JSON: %q", method, url, b)
	}
	return resp.StatusCode, m
}

func TestBadInputGetsErrorShape(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, servertest.SQLite(t))
	tok := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
	orgs, _ := client(t, srv.URL, tok).UserOrganizationsList(t.Context())
	orgID := orgs[0].OrganizationId
	big := append([]byte(`{"organization_name":"`), bytes.Repeat([]byte("x"), 2<<20)...)
	big = append(big, `"}`...)
	cases := []struct {
		name, method, path, token string
		body                      []byte
		status                    int
	}{
		{"no token", "GET", "/v1/organizations", "", nil, 401},
		{"garbage token", "GET", "/v1/organizations", "nonsense", nil, 401},
		{"forged token", "GET", "/v1/organizations", "gths_" + strings.Repeat("A", 46), nil, 401},
		{"wrong password", "POST", "/v1/userauth", "", []byte(`{"email":"admin@example.com","password":"wrong password"}`), 401},
		{"unknown user", "POST", "/v1/userauth", "", []byte(`{"email":"nobody@example.com","password":"whatever1"}`), 401},
		{"malformed json", "POST", "/v1/organizations", tok, []byte(`{"organization_name":`), 400},
		{"wrong type", "POST", "/v1/organizations", tok, []byte(`{"organization_name":42}`), 400},
		{"missing name", "POST", "/v1/organizations", tok, []byte(`{}`), 400},
		{"not an object", "POST", "/v1/organizations", tok, []byte(`[1,2]`), 400},
		{"oversized", "POST", "/v1/organizations", tok, big, 400},
		{"bad tier", "POST", "/v1/organizations", tok, []byte(`{"organization_name":"x","tier":"gold"}`), 400},
		{"invalid org id", "GET", "/v1/organization/not-an-id", tok, nil, 400},
		{"unknown org", "GET", "/v1/organization/org0123456789abcd", tok, nil, 404},
		{"unknown account", "GET", "/v1/account/a0123456789abcd", tok, nil, 404},
		{"unknown project", "GET", "/v1/project/nope", tok, nil, 404},
		{"unknown route", "GET", "/v1/nothing-here", tok, nil, 404},
		{"bad limit", "GET", "/v1/account/" + orgs[0].AccountId + "/events?limit=x", tok, nil, 400},
		{"bad base port", "POST", "/v1/organization/" + orgID + "/projects", tok, []byte(`{"project_id":"p-1","billing_group_id":"","base_port":5}`), 400},
		{"bad tag", "POST", "/v1/organization/" + orgID + "/projects", tok, []byte(`{"project_id":"p-1","billing_group_id":"","tags":{"1x":"v"}}`), 400},
		{"unknown fields ignored", "POST", "/v1/organization/" + orgID + "/projects", tok, []byte(`{"project_id":"p-ok","billing_group_id":"","tags":null,"future_field":{"a":1}}`), 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := rawCall(t, c.method, srv.URL+c.path, c.token, c.body)
			if status != c.status {
				t.Fatalf("status %d, want %d: %v", status, c.status, body)
			}
			if status >= 400 {
				errs, _ := body["errors"].([]any)
				if body["message"] == "" || len(errs) != 1 {
					t.Fatalf("error body not in Aiven's shape: %v", body)
				}
				if first, _ := errs[0].(map[string]any); first["status"] != float64(status) {
					t.Fatalf("errors[0].status = %v, want %d", first["status"], status)
				}
			}
		})
	}
}

func TestBootstrapRunsOnce(t *testing.T) {
	t.Parallel()
	db := servertest.SQLite(t)
	srv := servertest.Start(t, db)
	tok := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
	orgs, err := client(t, srv.URL, tok).UserOrganizationsList(t.Context())
	if err != nil || len(orgs) != 1 {
		t.Fatalf("orgs = %v, %v", orgs, err)
	}
	srv.Stop()
	again := servertest.Start(t, db)
	orgs, err = client(t, again.URL, login(t, again.URL, servertest.AdminEmail, servertest.AdminPassword)).UserOrganizationsList(t.Context())
	if err != nil || len(orgs) != 1 {
		t.Fatalf("after restart orgs = %v, %v", orgs, err)
	}
	// The old session survives a restart: tokens live in the store.
	if _, err := client(t, again.URL, tok).UserOrganizationsList(t.Context()); err != nil {
		t.Fatalf("old token after restart: %v", err)
	}
}
