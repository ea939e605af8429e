package server_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aiven/go-client-codegen/handler/project"
	"github.com/aiven/go-client-codegen/handler/service"

	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// terraformProviderEnv names the directory holding Aiven's Terraform
// provider binary (terraform-provider-aiven); without it the test looks in
// terraformProviderCache under the home directory, where .ci/run installs
// it.
const (
	terraformProviderEnv   = "GATEHOUSE_TEST_TERRAFORM_PROVIDER_DIR"
	terraformProviderCache = ".cache/gatehouse-ci/terraform-provider"
)

// terraformTools finds the terraform binary and the provider's directory,
// or says why the test cannot run.
func terraformTools() (terraform, providerDir, why string) {
	terraform, err := exec.LookPath("terraform")
	if err != nil {
		return "", "", "no terraform binary on PATH"
	}
	providerDir = os.Getenv(terraformProviderEnv)
	if providerDir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", "", "no " + terraformProviderEnv + " and no home directory"
		}
		providerDir = filepath.Join(home, terraformProviderCache)
	}
	matches, _ := filepath.Glob(filepath.Join(providerDir, "terraform-provider-aiven*"))
	if len(matches) == 0 {
		return "", "", "no terraform-provider-aiven binary in " + providerDir + " (set " + terraformProviderEnv + "; .ci/run installs it)"
	}
	return terraform, providerDir, ""
}

// TestTerraformProvider runs Aiven's real Terraform provider against a
// server: apply the access resources a platform team declares, see plan
// report no changes, change some in place and re-plan, then destroy. Any
// field that does not round-trip (value, type, order, empty versus null)
// shows as a planned change and fails the test.
func TestTerraformProvider(t *testing.T) {
	tf, providerDir, why := terraformTools()
	if why != "" {
		t.Skip("Terraform provider test skipped: " + why)
	}
	t.Parallel()
	for _, b := range []struct {
		name string
		db   func(testing.TB) string
	}{{"sqlite", servertest.SQLite}, {"postgres", servertest.Postgres}} {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			runTerraform(t, tf, providerDir, b.db(t))
		})
	}
}

func runTerraform(t *testing.T, tf, providerDir, db string) {
	srv := servertest.Start(t, db)
	ctx := t.Context()
	token := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
	c := client(t, srv.URL, token)
	orgs, err := c.UserOrganizationsList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	me, err := c.UserInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A PostgreSQL service registered through the API, not declared:
	// the provider's aiven_pg waits for the service's first backup, which
	// a record never gets. Its users are declared.
	if _, err := c.ProjectCreate(ctx, &project.ProjectCreateIn{Project: "tf-pgproj", AccountId: &orgs[0].AccountId}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ServiceCreate(ctx, "tf-pgproj", &service.ServiceCreateIn{ServiceName: "tf-pg", ServiceType: "pg", Plan: "startup-4"}); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	cliConfig := filepath.Join(dir, "cli.tfrc")
	writeFile(t, cliConfig, fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"aiven/aiven\" = %q\n  }\n  direct {}\n}\n", providerDir))
	work := filepath.Join(dir, "work")
	if err := os.Mkdir(work, 0o700); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+cliConfig, "TF_DATA_DIR="+filepath.Join(dir, "data"),
		"TF_IN_AUTOMATION=1", "TF_INPUT=0", "CHECKPOINT_DISABLE=1", "TF_LOG=",
		"AIVEN_WEB_URL="+srv.URL, "AIVEN_TOKEN="+token,
		"TF_VAR_organization_id="+orgs[0].OrganizationId, "TF_VAR_member_id="+me.UserId)
	run := func(step string, args ...string) (string, int) {
		t.Helper()
		cctx, cancel := context.WithTimeout(ctx, 8*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(cctx, tf, append(args, "-no-color")...)
		cmd.Dir, cmd.Env = work, env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		err := cmd.Run()
		t.Logf("terraform %s (%s): %s", step, strings.Join(args, " "), time.Since(start).Round(time.Second))
		var exit *exec.ExitError
		switch {
		case err == nil:
			return out.String(), 0
		case errors.As(err, &exit):
			return out.String(), exit.ExitCode()
		default:
			t.Fatalf("terraform %s: %v\n%s", step, err, out.String())
			return "", -1
		}
	}
	apply := func(step, config string) {
		t.Helper()
		writeFile(t, filepath.Join(work, "main.tf"), config)
		if out, code := run(step, "apply", "-auto-approve"); code != 0 {
			t.Fatalf("terraform apply (%s) failed:\n%s", step, out)
		}
		// -detailed-exitcode: 0 no changes, 2 changes, 1 error.
		if out, code := run(step+" re-plan", "plan", "-detailed-exitcode"); code != 0 {
			t.Fatalf("terraform plan after %s is not clean (exit %d): Gatehouse's read-back differs from what was written:\n%s", step, code, out)
		}
	}

	apply("create", terraformConfig(false))
	apply("update in place", terraformConfig(true))
	if out, code := run("destroy", "destroy", "-auto-approve"); code != 0 {
		t.Fatalf("terraform destroy failed:\n%s", out)
	}

	// Everything declared is gone; the registered service stays.
	for _, p := range []string{"tf-orgproj", "tf-legacy", "tf-toplevel"} {
		if _, err := c.ProjectGet(ctx, p); err == nil {
			t.Errorf("project %s survived destroy", p)
		}
	}
	if s, err := c.ServiceGet(ctx, "tf-pgproj", "tf-pg"); err != nil || len(s.Users) != 1 {
		t.Errorf("the registered service after destroy = %+v, %v; want only its avnadmin", s, err)
	}
	groups, err := c.UserGroupsList(ctx, orgs[0].OrganizationId)
	if err != nil || len(groups) != 0 {
		t.Errorf("user groups after destroy = %+v, %v", groups, err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// terraformConfig is the declared access setup; changed alters fields that
// update in place (names, descriptions, tags, emails, permissions, the
// service's plan and settings).
func terraformConfig(changed bool) string {
	pick := func(before, after string) string {
		if changed {
			return after
		}
		return before
	}
	return strings.NewReplacer(
		"@UNIT_NAME@", pick("platform-team", "platform-team-2"),
		"@GROUP_DESC@", pick("managed by terraform", "managed by terraform, renamed"),
		"@ENV@", pick("dev", "staging"),
		"@EMAILS@", pick(`["ops@example.com"]`, `["ops@example.com", "sre@example.com"]`),
		"@UNIT_PERM@", pick(`["developer"]`, `["operator", "project:services:read"]`),
		"@TIER@", pick("gold", "platinum"),
		"@PLAN@", pick("business-4", "business-8"),
	).Replace(terraformMainTF)
}

const terraformMainTF = `
terraform {
  required_providers {
    aiven = { source = "aiven/aiven" }
  }
}

provider "aiven" {}

variable "organization_id" { type = string }
variable "member_id" { type = string }

data "aiven_organization" "main" {
  id = var.organization_id
}

resource "aiven_organization" "second" {
  name = "tf-second-org"
}

resource "aiven_organizational_unit" "unit" {
  name      = "platform"
  parent_id = data.aiven_organization.main.id
}

resource "aiven_organizational_unit" "team" {
  name      = "@UNIT_NAME@"
  parent_id = aiven_organizational_unit.unit.id
}

resource "aiven_organization_project" "orgproj" {
  organization_id  = data.aiven_organization.main.id
  project_id       = "tf-orgproj"
  billing_group_id = "721bf796-1d89-402d-9195-425a23c4efdc"
  parent_id        = aiven_organizational_unit.unit.id
  technical_emails = @EMAILS@
  tag {
    key   = "team"
    value = "platform"
  }
}

resource "aiven_project" "legacy" {
  project   = "tf-legacy"
  parent_id = aiven_organizational_unit.team.id
}

resource "aiven_project" "toplevel" {
  project          = "tf-toplevel"
  parent_id        = data.aiven_organization.main.id
  technical_emails = ["dev@example.com"]
  tag {
    key   = "env"
    value = "@ENV@"
  }
}

resource "aiven_organization_user_group" "group" {
  organization_id = data.aiven_organization.main.id
  name            = "tf-admins"
  description     = "@GROUP_DESC@"
}

resource "aiven_organization_user_group_member" "member" {
  organization_id = data.aiven_organization.main.id
  group_id        = aiven_organization_user_group.group.group_id
  user_id         = var.member_id
}

resource "aiven_organization_application_user" "app" {
  organization_id = data.aiven_organization.main.id
  name            = "tf-app"
}

resource "aiven_organization_application_user_token" "apptoken" {
  organization_id = data.aiven_organization.main.id
  user_id         = aiven_organization_application_user.app.user_id
  description     = "ci token"
}

resource "aiven_organization_application_user_token" "limited" {
  organization_id  = data.aiven_organization.main.id
  user_id          = aiven_organization_application_user.app.user_id
  description      = "limited token"
  max_age_seconds  = 3600
  extend_when_used = true
  scopes           = ["user:read", "projects:read"]
  ip_allowlist     = ["127.0.0.0/8", "::1/128"]
}

resource "aiven_organization_permission" "org" {
  organization_id = data.aiven_organization.main.id
  resource_type   = "organization"
  resource_id     = data.aiven_organization.main.id
  permissions {
    principal_type = "user_group"
    principal_id   = aiven_organization_user_group.group.group_id
    permissions    = ["read_only"]
  }
}

resource "aiven_organization_permission" "unit" {
  organization_id = data.aiven_organization.main.id
  resource_type   = "organization_unit"
  resource_id     = aiven_organizational_unit.unit.id
  permissions {
    principal_type = "user"
    principal_id   = var.member_id
    permissions    = @UNIT_PERM@
  }
}

resource "aiven_organization_permission" "team" {
  organization_id = data.aiven_organization.main.id
  resource_type   = "organization_unit"
  resource_id     = aiven_organizational_unit.team.id
  permissions {
    principal_type = "user"
    principal_id   = aiven_organization_application_user.app.user_id
    permissions    = ["project:permissions:read", "read_only"]
  }
}

resource "aiven_organization_permission" "project" {
  organization_id = data.aiven_organization.main.id
  resource_type   = "project"
  resource_id     = aiven_organization_project.orgproj.project_id
  permissions {
    principal_type = "user"
    principal_id   = aiven_organization_application_user.app.user_id
    permissions    = ["operator", "project:services:read"]
  }
  permissions {
    principal_type = "user_group"
    principal_id   = aiven_organization_user_group.group.group_id
    permissions    = ["read_only"]
  }
}

resource "aiven_organization_permission" "legacy" {
  organization_id = data.aiven_organization.main.id
  resource_type   = "project"
  resource_id     = aiven_project.legacy.project
  permissions {
    principal_type = "user_group"
    principal_id   = aiven_organization_user_group.group.group_id
    permissions    = ["developer"]
  }
}

resource "aiven_kafka" "kafka" {
  project                = aiven_organization_project.orgproj.project_id
  service_name           = "tf-kafka"
  plan                   = "@PLAN@"
  cloud_name             = "google-europe-west1"
  termination_protection = false
  tag {
    key   = "tier"
    value = "@TIER@"
  }
}

data "aiven_pg" "pg" {
  project      = "tf-pgproj"
  service_name = "tf-pg"
}

resource "aiven_kafka_user" "kuser" {
  project      = aiven_kafka.kafka.project
  service_name = aiven_kafka.kafka.service_name
  username     = "tf-writer"
}

resource "aiven_pg_user" "puser" {
  project      = data.aiven_pg.pg.project
  service_name = data.aiven_pg.pg.service_name
  username     = "tf-reader"
}

resource "aiven_kafka_acl" "acl" {
  project      = aiven_kafka.kafka.project
  service_name = aiven_kafka.kafka.service_name
  permission   = "readwrite"
  topic        = "orders*"
  username     = aiven_kafka_user.kuser.username
}

resource "aiven_kafka_native_acl" "native" {
  project         = aiven_kafka.kafka.project
  service_name    = aiven_kafka.kafka.service_name
  operation       = "Read"
  pattern_type    = "LITERAL"
  permission_type = "ALLOW"
  principal       = "User:tf-writer"
  resource_name   = "orders"
  resource_type   = "Topic"
  host            = "*"
}

resource "aiven_kafka_schema_registry_acl" "sr" {
  project      = aiven_kafka.kafka.project
  service_name = aiven_kafka.kafka.service_name
  permission   = "schema_registry_read"
  resource     = "Subject:orders"
  username     = aiven_kafka_user.kuser.username
}
`
