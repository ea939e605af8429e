package server_test

import (
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aiven/go-client-codegen/handler/kafka"
	"github.com/aiven/go-client-codegen/handler/organization"
	"github.com/aiven/go-client-codegen/handler/organizationprojects"
	"github.com/aiven/go-client-codegen/handler/project"
	"github.com/aiven/go-client-codegen/handler/service"
	"github.com/aiven/go-client-codegen/handler/usergroup"

	"github.com/gatehouse-dev/gatehouse/internal/api"
	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// servedHandlers are go-client-codegen's handlers for what Gatehouse
// serves: each of their operations is served or listed as unserved.
var servedHandlers = []string{"organization", "account", "organizationuser", "usergroup", "applicationuser", "domain",
	"accountauthentication", "project", "organizationprojects", "service", "kafka", "kafkaschemaregistry", "user", "staticip"}

// TestEveryAivenRouteServedOrListed compares the route table and the
// unserved list with Aiven's client: no operation of the handlers above is
// missing from both, none is in both, and no unserved row is stale.
func TestEveryAivenRouteServedOrListed(t *testing.T) {
	served := map[string]bool{}
	for _, r := range api.RouteTable() {
		served[blankWildcards(r.Pattern)] = true
	}
	unserved := map[string]string{}
	for _, u := range api.UnservedRoutes() {
		unserved[blankWildcards(u.Pattern)] = u.Operation
	}
	aiven := map[string]bool{}
	for _, op := range aivenOps(t) {
		if !slices.Contains(servedHandlers, op.Handler) {
			continue
		}
		key := op.Method + " " + op.Path
		aiven[key] = true
		switch {
		case served[key] && unserved[key] != "":
			t.Errorf("%s (%s) is served and listed as unserved", key, op.ID)
		case !served[key] && unserved[key] == "":
			t.Errorf("%s (%s, handler %s) is neither served nor listed in api.unservedRoutes", key, op.ID, op.Handler)
		case unserved[key] != "" && unserved[key] != op.ID:
			t.Errorf("%s is listed as %s; Aiven calls it %s", key, unserved[key], op.ID)
		}
	}
	for key, op := range unserved {
		if !aiven[key] {
			t.Errorf("unserved %s (%s) is not an operation of Aiven's client", key, op)
		}
	}
}

// TestClientRegressions replays what avn and Terraform's provider failed on
// (issue: missing keys and endpoints), through the server.
func TestClientRegressions(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		srv := servertest.Start(t, db)
		ctx := t.Context()
		token := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
		c := client(t, srv.URL, token)
		kafkaProject(t, c)

		// An unserved Aiven endpoint answers 501 saying so, in Aiven's
		// error shape, not a bare 404.
		st, body := rawCall(t, "PUT", srv.URL+"/v1/project/stream/service/kafka-1/maintenance/start", token, nil)
		if msg, _ := body["message"].(string); st != http.StatusNotImplemented || !strings.Contains(msg, "Gatehouse does not provide ServiceMaintenanceStart") || body["errors"] == nil {
			t.Fatalf("unserved route: %d %v", st, body)
		}
		// Unknown paths stay 404.
		if st, _ := rawCall(t, "GET", srv.URL+"/v1/no/such/thing", token, nil); st != http.StatusNotFound {
			t.Fatalf("unknown path: %d", st)
		}

		// avn project tags list / update / replace.
		if err := c.ProjectTagsReplace(ctx, "stream", &project.ProjectTagsReplaceIn{Tags: map[string]string{"team": "data", "env": "prod"}}); err != nil {
			t.Fatal(err)
		}
		st, body = rawCall(t, "PATCH", srv.URL+"/v1/project/stream/tags", token, []byte(`{"tags":{"env":null,"owner":"ops"}}`))
		if st != http.StatusOK {
			t.Fatalf("patch tags: %d %v", st, body)
		}
		tags, err := c.ProjectTagsList(ctx, "stream")
		if err != nil || len(tags) != 2 || tags["team"] != "data" || tags["owner"] != "ops" {
			t.Fatalf("project tags = %v, %v", tags, err)
		}
		got, err := c.ProjectGet(ctx, "stream")
		if err != nil || got.Tags["owner"] != "ops" {
			t.Fatalf("project after tags = %+v, %v", got, err)
		}
		if st, _ := rawCall(t, "PUT", srv.URL+"/v1/project/stream/tags", token, []byte(`{}`)); st != http.StatusBadRequest {
			t.Fatalf("PUT tags without tags: %d", st)
		}

		// Terraform's aiven_kafka: PUT service tags after create, then
		// reads maintenance and connection_info, and the static IPs.
		if err := c.ProjectServiceTagsReplace(ctx, "stream", "kafka-1", &service.ProjectServiceTagsReplaceIn{Tags: map[string]string{"tier": "gold"}}); err != nil {
			t.Fatal(err)
		}
		stags, err := c.ProjectServiceTagsList(ctx, "stream", "kafka-1")
		if err != nil || len(stags) != 1 || stags["tier"] != "gold" {
			t.Fatalf("service tags = %v, %v", stags, err)
		}
		if _, err := c.ServiceKafkaAclAdd(ctx, "stream", "kafka-1", &kafka.ServiceKafkaAclAddIn{Username: "app", Permission: "read", Topic: "orders"}); err != nil {
			t.Fatal(err)
		}
		svc, err := c.ServiceGet(ctx, "stream", "kafka-1")
		if err != nil || svc.Maintenance == nil || svc.ConnectionInfo == nil || svc.Tags["tier"] != "gold" {
			t.Fatalf("service = %+v, %v", svc, err)
		}
		// avn service acl-list reads the ACLs from the service object.
		if len(svc.Acl) != 2 || svc.Acl[1].Username != "app" || len(svc.SchemaRegistryAcl) != 2 {
			t.Fatalf("service ACLs = %+v / %+v", svc.Acl, svc.SchemaRegistryAcl)
		}
		ips, err := c.StaticIPList(ctx, "stream")
		if err != nil || ips == nil || len(ips) != 0 {
			t.Fatalf("static IPs = %v, %v", ips, err)
		}

		// aiven_organization_project waits for the project's CA.
		ca, err := c.ProjectKmsGetCA(ctx, "stream")
		if err != nil {
			t.Fatal(err)
		}
		block, _ := pem.Decode([]byte(ca))
		if block == nil {
			t.Fatalf("CA is not PEM: %q", ca)
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil || !cert.IsCA || cert.CheckSignatureFrom(cert) != nil || !strings.Contains(cert.Subject.CommonName, "stream") {
			t.Fatalf("CA certificate = %+v, %v", cert, err)
		}
		again, err := c.ProjectKmsGetCA(ctx, "stream")
		if err != nil || again != ca {
			t.Fatalf("the CA must be kept: %v", err)
		}
		if _, err := c.ProjectKmsGetCA(ctx, "no-such-project"); err == nil {
			t.Fatal("CA of a missing project")
		} else {
			wantStatus(t, err, http.StatusNotFound)
		}

		// Writes answer with a message (avn prints it).
		st, body = rawCall(t, "POST", srv.URL+"/v1/project/stream/service/kafka-1/kafka/schema-registry/acl", token,
			[]byte(`{"username":"app","permission":"schema_registry_read","resource":"Subject:orders"}`))
		if st != http.StatusOK || body["message"] == nil {
			t.Fatalf("schema registry ACL add: %d %v", st, body)
		}
	})
}

// TestMembershipsApartFromPermissions replays Terraform's
// aiven_organization_permission on a new project: the permission list
// starts empty (the creator's admin is a membership, listed with the
// project's users), a PUT neither lists nor replaces memberships, and
// explain names where access came from.
func TestMembershipsApartFromPermissions(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		srv := servertest.Start(t, db)
		token := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
		c := client(t, srv.URL, token)
		ctx := t.Context()
		orgs, err := c.UserOrganizationsList(ctx)
		if err != nil {
			t.Fatal(err)
		}
		orgID := orgs[0].OrganizationId
		if _, err := c.OrganizationProjectsCreate(ctx, orgID, &organizationprojects.OrganizationProjectsCreateIn{ProjectId: "tf-prj"}); err != nil {
			t.Fatal(err)
		}
		me, err := c.UserInfo(ctx)
		if err != nil {
			t.Fatal(err)
		}
		perms, err := c.PermissionsGet(ctx, orgID, organization.ResourceTypeProject, "tf-prj")
		if err != nil || len(perms) != 0 {
			t.Fatalf("a new project's permissions = %+v, %v; want none", perms, err)
		}
		users, err := c.ProjectUserList(ctx, "tf-prj")
		if err != nil || len(users.Users) != 1 || users.Users[0].UserEmail != servertest.AdminEmail || users.Users[0].MemberType != "admin" {
			t.Fatalf("project users = %+v, %v", users, err)
		}
		g, err := c.UserGroupCreate(ctx, orgID, &usergroup.UserGroupCreateIn{UserGroupName: "readers", Description: ""})
		if err != nil {
			t.Fatal(err)
		}
		// Terraform sets the whole list with PUT.
		if err := c.PermissionsSet(ctx, orgID, organization.ResourceTypeProject, "tf-prj", &organization.PermissionsSetIn{
			Permissions: []organization.PermissionIn{{PrincipalType: organization.PrincipalTypeUserGroup, PrincipalId: g.UserGroupId, Permissions: []string{"read_only"}}},
		}); err != nil {
			t.Fatal(err)
		}
		perms, err = c.PermissionsGet(ctx, orgID, organization.ResourceTypeProject, "tf-prj")
		if err != nil || len(perms) != 1 || perms[0].PrincipalId != g.UserGroupId || strings.Join(perms[0].Permissions, ",") != "read_only" {
			t.Fatalf("permissions after PUT = %+v, %v", perms, err)
		}
		// Read back exactly as written: no drift for Terraform's plan.
		users, err = c.ProjectUserList(ctx, "tf-prj")
		if err != nil || len(users.Users) != 1 || users.Users[0].MemberType != "admin" {
			t.Fatalf("the PUT must keep the creator's membership: %+v, %v", users, err)
		}
		// Both feed decisions; explain says which gave access.
		st, body := rawCall(t, "POST", srv.URL+"/v1/organization/"+orgID+"/access/explain", token, []byte(
			`{"principal_type":"user","principal_id":"`+me.UserId+`","permission":"project:services:write","resource_type":"project","resource_id":"tf-prj"}`))
		grants, _ := body["grants"].([]any)
		if st != http.StatusOK || body["allowed"] != true || len(grants) == 0 || grants[0].(map[string]any)["source"] != "membership" {
			t.Fatalf("explain = %d %v", st, body)
		}
		// An empty PUT clears the permissions, never the membership.
		if err := c.PermissionsSet(ctx, orgID, organization.ResourceTypeProject, "tf-prj", &organization.PermissionsSetIn{}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.ServiceCreate(ctx, "tf-prj", &service.ServiceCreateIn{ServiceName: "pg-1", ServiceType: "pg", Plan: "startup-4"}); err != nil {
			t.Fatalf("the creator keeps admin: %v", err)
		}
	})
}

// TestTerraformOrganizationProjectReadBack replays aiven_organization_project:
// the provider turns an organization parent_id into the root account ID
// before creating, then reads parent_id back from the project listing and
// compares it with the configuration (the organization ID), then reads the
// project's CA.
func TestTerraformOrganizationProjectReadBack(t *testing.T) {
	srv := servertest.Start(t, servertest.SQLite(t))
	c := client(t, srv.URL, login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword))
	ctx := t.Context()
	orgs, err := c.UserOrganizationsList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	o := orgs[0]
	tags := map[string]string{"env": "prod"}
	if _, err := c.OrganizationProjectsCreate(ctx, o.OrganizationId, &organizationprojects.OrganizationProjectsCreateIn{
		ProjectId: "tf-read", ParentId: &o.AccountId, Tags: tags,
		TechEmails: &[]organizationprojects.TechEmailIn{{Email: "ops@example.com"}},
	}); err != nil {
		t.Fatal(err)
	}
	list, err := c.OrganizationProjectsList(ctx, o.OrganizationId)
	if err != nil {
		t.Fatal(err)
	}
	var got *organizationprojects.ProjectOut
	for i := range list.Projects {
		if list.Projects[i].ProjectId == "tf-read" {
			got = &list.Projects[i]
		}
	}
	if got == nil || got.ParentId != o.OrganizationId || got.Tags["env"] != "prod" || len(got.TechEmails) != 1 || got.TechEmails[0].Email != "ops@example.com" {
		t.Fatalf("read back = %+v", got)
	}
	if _, err := c.ProjectKmsGetCA(ctx, "tf-read"); err != nil {
		t.Fatal(err)
	}
}

// TestTerraformServiceUpdate replays what Terraform's aiven_kafka sends on
// an in-place change: it asks for the plan's specification (a 404 means
// "use the plan's defaults"), then PUTs the whole service with its
// provisioning fields unchanged. Gatehouse keeps the fields it records,
// ignores the provisioning ones, and refuses what it cannot do.
func TestTerraformServiceUpdate(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		srv := servertest.Start(t, db)
		ctx := t.Context()
		token := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
		c := client(t, srv.URL, token)
		kafkaProject(t, c)

		if _, err := c.ProjectServicePlanSpecsGet(ctx, "stream", "kafka", "business-4"); err == nil {
			t.Fatal("plan specs: want a 404")
		} else {
			wantStatus(t, err, http.StatusNotFound)
		}

		vpc := "" // Terraform sends project_vpc_id null or the stored one
		disk, powered, protect := 600000, true, true
		uc := map[string]any{"schema_registry": true, "service_user_limit": 20}
		out, err := c.ServiceUpdate(ctx, "stream", "kafka-1", &service.ServiceUpdateIn{
			Cloud: ptr("aws-eu-west-1"), Plan: ptr("business-8"), DiskSpaceMb: &disk, Powered: &powered, ProjectVpcId: &vpc,
			TerminationProtection: &protect, UserConfig: &uc, Maintenance: &service.MaintenanceIn{Dow: service.DowTypeMonday, Time: ptr("10:00:00")},
			TechEmails: &[]service.TechEmailIn{{Email: "ops@example.com"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if out.Plan != "business-8" || out.CloudName != "aws-eu-west-1" || !out.TerminationProtection || out.UserConfig["schema_registry"] != true ||
			len(out.TechEmails) != 1 || out.TechEmails[0].Email != "ops@example.com" || len(out.Acl) == 0 || len(out.Users) == 0 {
			t.Fatalf("update answer = %+v", out)
		}
		// user_config merges key by key; null removes a key.
		st, body := rawCall(t, "PUT", srv.URL+"/v1/project/stream/service/kafka-1", token, []byte(`{"user_config":{"service_user_limit":null,"kafka_rest":true}}`))
		if st != http.StatusOK || body["message"] == nil {
			t.Fatalf("merge user_config: %d %v", st, body)
		}
		got, err := c.ServiceGet(ctx, "stream", "kafka-1")
		if err != nil || got.Plan != "business-8" || got.UserConfig["schema_registry"] != true || got.UserConfig["kafka_rest"] != true || got.UserConfig["service_user_limit"] != nil {
			t.Fatalf("after merge = %+v, %v", got, err)
		}
		// Termination protection now refuses the delete.
		if err := c.ServiceDelete(ctx, "stream", "kafka-1"); err == nil {
			t.Fatal("deleted a protected service")
		}
		for name, bad := range map[string]string{
			"power off":           `{"powered":false}`,
			"empty plan":          `{"plan":""}`,
			"bad user limit":      `{"user_config":{"service_user_limit":0}}`,
			"connection change":   `{"user_config":{"connection_uri":"postgres://x@127.0.0.1/db"}}`,
			"user_config not map": `{"user_config":[1]}`,
		} {
			if st, body := rawCall(t, "PUT", srv.URL+"/v1/project/stream/service/kafka-1", token, []byte(bad)); st != http.StatusBadRequest {
				t.Errorf("%s: %d %v", name, st, body)
			}
		}
		if st, _ := rawCall(t, "PUT", srv.URL+"/v1/project/stream/service/no-such", token, []byte(`{}`)); st != http.StatusNotFound {
			t.Errorf("missing service: %d", st)
		}
	})
}
