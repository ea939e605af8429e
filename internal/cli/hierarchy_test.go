package cli

import (
	"slices"
	"strings"
	"testing"

	"github.com/aiven/go-client-codegen/handler/organization"

	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// TestHierarchyAndGrants runs the units, projects, services, groups,
// permissions, access and events commands and checks each effect through
// Aiven's client.
func TestHierarchyAndGrants(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		h := newHarness(t, db)
		h.login()
		c := h.api()
		ctx := t.Context()
		line := func(args ...string) string { return strings.TrimSpace(h.ok(args...)) }

		org := line("organization", "list", "--format", "{{.organization_id}}")
		me := line("user", "info", "--format", "{{.user_id}}")

		unit := line("unit", "create", "--organization-id", org, "--name", "Production", "--format", "{{.account_id}}")
		if u, err := c.AccountGet(ctx, unit); err != nil || u.AccountName != "Production" {
			t.Fatalf("unit = %+v, %v", u, err)
		}
		if out := h.ok("unit", "list"); !strings.Contains(out, unit) || !strings.Contains(out, "ACCOUNT_NAME") {
			t.Errorf("unit list:\n%s", out)
		}
		h.ok("unit", "update", "--unit-id", unit, "--name", "Prod")
		if got := line("unit", "get", "--unit-id", unit, "--format", "{{.account_name}}"); got != "Prod" {
			t.Errorf("unit get after update = %q", got)
		}

		h.ok("project", "create", "--organization-id", org, "--project", "backend-prod", "--parent-id", unit, "--tag", "env=prod")
		p, err := c.OrganizationProjectsGet(ctx, org, "backend-prod")
		if err != nil || p.ParentId != unit || p.Tags["env"] != "prod" {
			t.Fatalf("project = %+v, %v", p, err)
		}
		if got := line("project", "get", "--project", "backend-prod", "--format", "{{.parent_id}} {{.tags.env}}"); got != unit+" prod" {
			t.Errorf("project get = %q", got)
		}
		h.ok("project", "create", "--project", "backend-dev")
		// Moving a project to the organization's top.
		h.ok("project", "update", "--project", "backend-dev", "--parent-id", unit)
		if p, err := c.OrganizationProjectsGet(ctx, org, "backend-dev"); err != nil || p.ParentId != unit {
			t.Fatalf("moved project = %+v, %v", p, err)
		}
		if out := h.ok("project", "list"); !strings.Contains(out, "backend-prod") || !strings.Contains(out, "backend-dev") {
			t.Errorf("project list:\n%s", out)
		}

		h.env["GATEHOUSE_PROJECT"] = "backend-prod"
		h.ok("service", "create", "--service", "postgres-1", "--service-type", "pg")
		if s, err := c.ServiceGet(ctx, "backend-prod", "postgres-1"); err != nil || s.ServiceType != "pg" {
			t.Fatalf("service = %+v, %v", s, err)
		}
		if got := line("service", "get", "--service", "postgres-1", "--format", "{{.service_name}} {{.service_type}}"); got != "postgres-1 pg" {
			t.Errorf("service get = %q", got)
		}
		if out := h.ok("service", "list"); !strings.Contains(out, "postgres-1") {
			t.Errorf("service list:\n%s", out)
		}
		delete(h.env, "GATEHOUSE_PROJECT")

		// Seed: group-create, group-member-add, then project access for
		// the group.
		group := line("organization", "group-create", "--organization-id", org, "--group-name", "Backend Team",
			"--description", "Backend engineering team", "--format", "{{.user_group_id}}")
		h.ok("organization", "group-member-add", "--organization-id", org, "--group-id", group, "--user-id", me)
		ms, err := c.UserGroupMemberList(ctx, org, group)
		if err != nil || len(ms) != 1 || ms[0].UserId != me {
			t.Fatalf("members = %+v, %v", ms, err)
		}
		if got := line("organization", "group-member-list", "--group-id", group, "--format", "{{.user_id}}"); got != me {
			t.Errorf("group-member-list = %q", got)
		}
		h.ok("organization", "group-update", "--group-id", group, "--group-name", "Backend", "--description", "the backend team")
		if g, err := c.UserGroupGet(ctx, org, group); err != nil || g.UserGroupName != "Backend" || g.Description != "the backend team" {
			t.Fatalf("group after update = %+v, %v", g, err)
		}
		if got := line("organization", "group-get", "--group-id", group, "--format", "{{.user_group_name}}"); got != "Backend" {
			t.Errorf("group-get = %q", got)
		}
		if got := line("organization", "user-get", "--user-id", me, "--format", "{{.user_info.user_email}} {{.is_super_admin}}"); got != servertest.AdminEmail+" true" {
			t.Errorf("user-get = %q", got)
		}
		if out := h.ok("organization", "group-list"); !strings.Contains(out, "Backend") {
			t.Errorf("group list:\n%s", out)
		}

		h.ok("project", "user-permission-grant", "--project", "backend-prod", "--group-id", group, "--role", "admin")
		grants := func(rtype organization.ResourceType, rid, principal string) []string {
			t.Helper()
			ps, err := c.PermissionsGet(ctx, org, rtype, rid)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range ps {
				if p.PrincipalId == principal {
					slices.Sort(p.Permissions)
					return p.Permissions
				}
			}
			return nil
		}
		if got := grants(organization.ResourceTypeProject, "backend-prod", group); !slices.Equal(got, []string{"admin"}) {
			t.Fatalf("group's project grants = %v", got)
		}
		h.ok("organization", "user-permission-grant", "--organization-id", org, "--user-id", me, "--role", "organization:projects:write,project:services:read")
		if got := grants(organization.ResourceTypeOrganization, org, me); !slices.Equal(got, []string{"organization:projects:write", "project:services:read"}) {
			t.Fatalf("organization grants = %v", got)
		}
		h.ok("organization", "user-permission-revoke", "--user-id", me, "--role", "project:services:read")
		if got := grants(organization.ResourceTypeOrganization, org, me); !slices.Equal(got, []string{"organization:projects:write"}) {
			t.Fatalf("after revoke = %v", got)
		}
		h.ok("organization", "user-permission-grant", "--user-id", me, "--role", "read_only",
			"--resource-type", "organization_unit", "--resource-id", unit)
		if got := grants(organization.ResourceTypeOrganizationUnit, unit, me); !slices.Equal(got, []string{"read_only"}) {
			t.Fatalf("unit grants = %v", got)
		}

		out := h.ok("permissions", "list", "--resource-type", "project", "--resource-id", "backend-prod")
		if !strings.Contains(out, "PRINCIPAL_TYPE") || !strings.Contains(out, group) || !strings.Contains(out, "user_group") {
			t.Errorf("permissions list:\n%s", out)
		}
		// permissions set shows the change, asks, and replaces.
		r := h.run("y\n", "permissions", "set", "--resource-type", "project", "--resource-id", "backend-prod",
			"--principal-type", "user_group", "--principal-id", group, "--permission", "operator", "--permission", "service:logs:read")
		if r.code != 0 || !strings.Contains(r.stderr, "- admin") || !strings.Contains(r.stderr, "+ operator") {
			t.Fatalf("permissions set: exit %d\n%s", r.code, r.stderr)
		}
		if got := grants(organization.ResourceTypeProject, "backend-prod", group); !slices.Equal(got, []string{"operator", "service:logs:read"}) {
			t.Fatalf("after set = %v", got)
		}

		// The admin is a super admin: allowed, and explain says why.
		out = h.ok("access", "check", "--user-id", me, "--permission", "project:services:write", "--resource-type", "project", "--resource-id", "backend-prod")
		if !strings.Contains(out, "true") {
			t.Errorf("access check:\n%s", out)
		}
		out = h.ok("access", "explain", "--user-id", me, "--permission", "project:services:write", "--resource-type", "project", "--resource-id", "backend-prod")
		if !strings.Contains(out, "ALLOWED") || !strings.Contains(out, "LEVEL") {
			t.Errorf("access explain:\n%s", out)
		}

		// The group holds operator on backend-prod: the principals
		// question names it, and the resources question finds the project
		// for the admin.
		out = h.ok("access", "principals", "--permission", "service:logs:read", "--resource-type", "project", "--resource-id", "backend-prod")
		if !strings.Contains(out, group) || !strings.Contains(out, "PRINCIPAL_TYPE") {
			t.Errorf("access principals:\n%s", out)
		}
		out = h.ok("access", "resources", "--user-id", me, "--permission", "project:services:read", "--resource-type", "project")
		if !strings.Contains(out, "backend-prod") || !strings.Contains(out, "backend-dev") {
			t.Errorf("access resources:\n%s", out)
		}

		out = h.ok("events", "-n", "50")
		if !strings.Contains(out, "ACTION_TYPE") || !strings.Contains(out, servertest.AdminEmail) {
			t.Errorf("events:\n%s", out)
		}
		if out := h.ok("events", "--project", "backend-prod"); !strings.Contains(out, "EVENT_TYPE") {
			t.Errorf("project events:\n%s", out)
		}

		h.ok("project", "user-permission-revoke", "--project", "backend-prod", "--group-id", group, "--role", "operator")
		if got := grants(organization.ResourceTypeProject, "backend-prod", group); !slices.Equal(got, []string{"service:logs:read"}) {
			t.Fatalf("after project revoke = %v", got)
		}
		h.ok("organization", "group-member-remove", "--group-id", group, "--user-id", me, "--force")
		if ms, err := c.UserGroupMemberList(ctx, org, group); err != nil || len(ms) != 0 {
			t.Fatalf("members after remove = %+v, %v", ms, err)
		}

		// Destructive commands with --force.
		h.ok("service", "delete", "--project", "backend-prod", "--service", "postgres-1", "--force")
		if _, err := c.ServiceGet(ctx, "backend-prod", "postgres-1"); err == nil {
			t.Error("service still there")
		}
		h.ok("organization", "group-delete", "--group-id", group, "--force")
		h.ok("project", "delete", "--project", "backend-prod", "--force")
		h.ok("project", "delete", "--project", "backend-dev", "--force")
		if _, err := c.OrganizationProjectsGet(ctx, org, "backend-prod"); err == nil {
			t.Error("project still there")
		}
		h.ok("unit", "delete", "--unit-id", unit, "--force")
		if _, err := c.AccountGet(ctx, unit); err == nil {
			t.Error("unit still there")
		}

		// A second organization: create, rename, nest units, delete.
		acme := line("organization", "create", "--name", "Acme", "--format", "{{.organization_id}}")
		h.ok("organization", "update", "--organization-id", acme, "--name", "Acme Inc")
		if o, err := c.OrganizationGet(ctx, acme); err != nil || o.OrganizationName != "Acme Inc" {
			t.Fatalf("renamed organization = %+v, %v", o, err)
		}
		// With two organizations, commands need --organization-id.
		if msg := h.fails("project", "list"); !strings.Contains(msg, "--organization-id is required") {
			t.Errorf("ambiguous organization: %q", msg)
		}
		eng := line("unit", "create", "--organization-id", acme, "--name", "Engineering", "--format", "{{.account_id}}")
		web := line("unit", "create", "--organization-id", acme, "--name", "Web", "--format", "{{.account_id}}")
		h.ok("unit", "move", "--unit-id", web, "--parent-id", eng)
		if u, err := c.AccountGet(ctx, web); err != nil || u.ParentAccountId == nil || *u.ParentAccountId != eng {
			t.Fatalf("moved unit = %+v, %v", u, err)
		}
		h.ok("unit", "move", "--unit-id", web, "--parent-id", acme)
		if u, err := c.AccountGet(ctx, web); err != nil || u.ParentAccountId == nil || *u.ParentAccountId == eng {
			t.Fatalf("unit moved back = %+v, %v", u, err)
		}
		if msg := h.fails("organization", "delete", "--force"); !strings.Contains(msg, "--organization-id is required") {
			t.Errorf("delete without an ID: %q", msg)
		}
		h.ok("organization", "delete", "--organization-id", acme, "--recursive", "--force")
		if _, err := c.OrganizationGet(ctx, acme); err == nil {
			t.Error("organization still there")
		}
	})
}
