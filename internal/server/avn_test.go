package server_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aiven/go-client-codegen/handler/project"
	"github.com/aiven/go-client-codegen/handler/service"

	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// avnSourceEnv names a checkout of Aiven's command-line client
// (aiven-client, the directory holding aiven/client); the test runs it with
// python3, which needs requests, requests-toolbelt and certifi.
const avnSourceEnv = "GATEHOUSE_TEST_AVN_SRC"

// TestAvnClient runs avn's everyday commands, those reported failing
// against Gatehouse (missing keys, endpoints, messages), against a server:
// each must exit 0 and print what it read.
func TestAvnClient(t *testing.T) {
	src := os.Getenv(avnSourceEnv)
	if src == "" {
		t.Skip("avn test skipped: " + avnSourceEnv + " names no aiven-client checkout")
	}
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("avn test skipped: no python3")
	}
	if out, err := exec.Command(python, "-c", "import requests, requests_toolbelt, certifi").CombinedOutput(); err != nil {
		t.Skipf("avn test skipped: python3 lacks avn's dependencies: %s", out)
	}
	backends(t, func(t *testing.T, db string) {
		srv := servertest.Start(t, db)
		ctx := t.Context()
		token := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
		c := client(t, srv.URL, token)
		orgs, err := c.UserOrganizationsList(ctx)
		if err != nil {
			t.Fatal(err)
		}
		org, acct := orgs[0].OrganizationId, orgs[0].AccountId
		me, err := c.UserInfo(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// avn service create asks for the service-type catalogue, which
		// Gatehouse does not keep: the service is registered here.
		if _, err := c.ProjectCreate(ctx, &project.ProjectCreateIn{Project: "avn-svc", AccountId: &acct}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.ServiceCreate(ctx, "avn-svc", &service.ServiceCreateIn{ServiceName: "kafka-1", ServiceType: "kafka", Plan: "business-4"}); err != nil {
			t.Fatal(err)
		}

		env := append(os.Environ(), "AIVEN_WEB_URL="+srv.URL, "AIVEN_AUTH_TOKEN="+token,
			"AIVEN_CONFIG_DIR="+t.TempDir(), "PYTHONPATH="+src, "AIVEN_PROJECT=")
		avn := func(args ...string) string {
			t.Helper()
			cctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			cmd := exec.CommandContext(cctx, python, append([]string{"-m", "aiven.client"}, args...)...)
			cmd.Env, cmd.Dir = env, t.TempDir()
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			if err := cmd.Run(); err != nil {
				t.Fatalf("avn %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out.String(), errb.String())
			}
			return out.String() + errb.String()
		}
		want := func(out string, words ...string) {
			t.Helper()
			for _, w := range words {
				if !strings.Contains(out, w) {
					t.Errorf("avn printed no %q:\n%s", w, out)
				}
			}
		}

		want(avn("user", "info"), servertest.AdminEmail, "TOKEN_VALIDITY_BEGIN")
		want(avn("project", "create", "avn-proj", "--parent-id", acct), "avn-proj")
		want(avn("project", "update", "--project", "avn-proj", "--tech-email", "ops@example.com"), "avn-proj")
		want(avn("project", "details", "--project", "avn-proj"), "avn-proj", "BILLING_CURRENCY")
		avn("project", "tags", "replace", "--project", "avn-proj", "--tag", "env=prod")
		want(avn("project", "tags", "list", "--project", "avn-proj"), "env", "prod")

		want(avn("user", "access-token", "create", "--description", "avn-token"), "avn-token", "FULL_TOKEN")
		want(avn("user", "access-token", "list"), "avn-token", "LAST_USED_TIME")
		app := avn("application-user", "create", "--organization-id", org, "--json", "--name", "avn-app")
		appID := jsonField(t, app, "user_id")
		avn("application-user", "token", "create", "--organization-id", org, appID, "--description", "forever")
		avn("application-user", "token", "create", "--organization-id", org, appID, "--description", "hourly", "--max-age-seconds", "3600", "--extend-when-used")
		want(avn("application-user", "token", "list", "--organization-id", org, appID), "forever", "hourly", "EXPIRY_TIME")

		group := avn("organization", "group", "create", "--organization-id", org, "--json", "avn-group")
		groupID := jsonField(t, group, "user_group_id")
		st, body := rawCallJSON(t, "PATCH", srv.URL+"/v1/organization/"+org+"/user-groups/"+groupID+"/members", token,
			map[string]any{"operation": "add_members", "member_ids": []string{me.UserId}})
		if st != 200 {
			t.Fatalf("add member: %d %v", st, body)
		}
		want(avn("organization", "group", "show", "--organization-id", org, groupID), servertest.AdminEmail, "LAST_ACTIVITY_TIME")

		svc := []string{"--project", "avn-svc", "kafka-1"}
		want(avn(append([]string{"service", "acl-add"}, append(svc, "--username", "alice", "--permission", "read", "--topic", "orders")...)...), "added")
		want(avn(append([]string{"service", "acl-list"}, svc...)...), "alice", "orders", "avnadmin")
		want(avn(append([]string{"service", "kafka-acl-add"}, append(svc, "--principal", "User:alice", "--operation", "Read", "--topic", "orders")...)...), "Created")
		want(avn(append([]string{"service", "kafka-acl-list"}, svc...)...), "User:alice")
		want(avn(append([]string{"service", "schema-registry-acl-add"}, append(svc, "--username", "alice", "--permission", "schema_registry_read", "--resource", "Subject:orders")...)...), "Created")
		srList := avn(append([]string{"service", "schema-registry-acl-list", "--json"}, svc...)...)
		want(srList, "Subject:orders")
		srID := ""
		for _, line := range strings.Split(srList, "\n") {
			if strings.Contains(line, `"id": "acl`) {
				srID = strings.Trim(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), `"id":`)), `",`)
			}
		}
		if srID == "" {
			t.Fatalf("no schema registry ACL id in:\n%s", srList)
		}
		want(avn("service", "schema-registry-acl-delete", "--project", "avn-svc", "kafka-1", srID), "Deleted")
		avn(append([]string{"service", "user-create"}, append(svc, "--username", "bob")...)...)
		want(avn(append([]string{"service", "user-get"}, append(svc, "--username", "bob")...)...), "bob", "normal")
		want(avn(append([]string{"service", "user-list"}, svc...)...), "avnadmin", "bob")
		want(avn("service", "tags", "update", "--project", "avn-svc", "kafka-1", "--add-tag", "tier=gold"), "Updated")
	})
}

// jsonField reads one string field of avn's --json output (an object or a
// one-element list).
func jsonField(t *testing.T, out, key string) string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if v, ok := strings.CutPrefix(line, `"`+key+`": "`); ok {
			return strings.TrimSuffix(strings.TrimSuffix(v, ","), `"`)
		}
	}
	t.Fatalf("no %s in avn's output:\n%s", key, out)
	return ""
}
