package cli

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// TestApplicationUserFlow is the seed's application-user walkthrough:
// create, token with max age and allowed ranges, project admin grant, use,
// list, revoke, refused.
func TestApplicationUserFlow(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		h := newHarness(t, db)
		h.needRoute(http.MethodGet, "/v1/organization/o/application-users")
		h.login()
		c := h.api()
		ctx := t.Context()
		org := strings.TrimSpace(h.ok("organization", "list", "--format", "{{.organization_id}}"))
		h.ok("project", "create", "--project", "my-project")

		user := strings.TrimSpace(h.ok("organization", "application-user-create", "--organization-id", org,
			"--name", "Terraform Automation", "--description", "For managing infrastructure", "--format", "{{.user_id}}"))
		au, err := c.ApplicationUserGet(ctx, org, user)
		if err != nil || au.Name != "Terraform Automation" {
			t.Fatalf("application user = %+v, %v", au, err)
		}
		h.ok("organization", "application-user-update", "--user-id", user, "--name", "Terraform")
		if au, err := c.ApplicationUserGet(ctx, org, user); err != nil || au.Name != "Terraform" {
			t.Fatalf("application user after update = %+v, %v", au, err)
		}
		if got := strings.TrimSpace(h.ok("organization", "application-user-get", "--user-id", user, "--format", "{{.name}}")); got != "Terraform" {
			t.Errorf("application-user-get = %q", got)
		}
		if got := strings.TrimSpace(h.ok("organization", "application-user-list", "--format", "{{.user_id}}")); got != user {
			t.Errorf("application-user-list = %q", got)
		}

		// The token is printed once, after the "store it now" notice.
		r := h.run("", "organization", "application-user-token-create", "--organization-id", org, "--user-id", user,
			"--description", "Production Terraform", "--max-age-seconds", "7776000", "--cidr-blocks", "127.0.0.0/8,::1/128")
		if r.code != 0 || !strings.Contains(r.stderr, "Store this token now") || !strings.Contains(r.stdout, "FULL_TOKEN") {
			t.Fatalf("token-create: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		fields := strings.Fields(lines[len(lines)-1])
		token, prefix := fields[0], fields[1]
		ts, err := c.ApplicationUserAccessTokensList(ctx, org, user)
		if err != nil || len(ts) != 1 || ts[0].TokenPrefix != prefix || ts[0].MaxAgeSeconds == nil || *ts[0].MaxAgeSeconds != 7776000 {
			t.Fatalf("tokens = %+v, %v", ts, err)
		}
		if !strings.Contains(strings.Join(ts[0].IPAllowlist, ","), "127.0.0.0/8") {
			t.Errorf("allow-list = %v", ts[0].IPAllowlist)
		}

		// Before the grant the token gets nothing; after it, the project.
		h.ok("project", "user-permission-grant", "--project", "my-project", "--application-user-id", user, "--role", "admin")
		if out := h.ok("service", "list", "--project", "my-project", "--auth-token", token); !strings.Contains(out, "SERVICE_NAME") {
			t.Errorf("service list with the token:\n%s", out)
		}

		out := h.ok("organization", "application-user-token-list", "--user-id", user)
		if !strings.Contains(out, prefix) || strings.Contains(out, token) {
			t.Errorf("token-list:\n%s", out)
		}
		// A token near expiry is warned about.
		var buf bytes.Buffer
		a := &app{stderr: &buf}
		now := time.Now()
		soon, _ := json.Marshal([]map[string]any{{"token_prefix": "gtha_x", "expiry_time": now.Add(72 * time.Hour)}})
		a.warnExpiring(soon, 14*24*time.Hour, now)
		if !strings.Contains(buf.String(), "expires in 3 days") {
			t.Errorf("expiry warning = %q", buf.String())
		}

		// Seed: application-user-token-revoke --token-id <prefix>.
		h.ok("organization", "application-user-token-revoke", "--user-id", user, "--token-id", prefix, "--force")
		if msg := h.fails("service", "list", "--project", "my-project", "--auth-token", token); !strings.Contains(msg, "HTTP 401") && !strings.Contains(msg, "HTTP 403") {
			t.Errorf("revoked token: %q", msg)
		}
		h.ok("organization", "application-user-delete", "--user-id", user, "--force")
		if _, err := c.ApplicationUserGet(ctx, org, user); err == nil {
			t.Error("application user still there")
		}
	})
}

func TestWarnExpiring(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		expiry any
		want   string
	}{
		{"never expires", nil, ""},
		{"far away", now.Add(60 * 24 * time.Hour), ""},
		{"within the window", now.Add(10 * 24 * time.Hour), "expires in 10 days"},
		{"hours away", now.Add(5 * time.Hour), "expires in 5 hours"},
		{"expired", now.Add(-time.Hour), "expired at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			a := &app{stderr: &buf}
			raw, _ := json.Marshal([]map[string]any{{"token_prefix": "gtha_abc", "description": "ci", "expiry_time": tt.expiry}})
			a.warnExpiring(raw, 14*24*time.Hour, now)
			if tt.want == "" && buf.Len() != 0 || !strings.Contains(buf.String(), tt.want) {
				t.Errorf("warning = %q, want %q", buf.String(), tt.want)
			}
		})
	}
}

// TestPersonalTokens: create (printed once), use, list, revoke.
func TestPersonalTokens(t *testing.T) {
	t.Parallel()
	h := newHarness(t, servertest.SQLite(t))
	h.needRoute(http.MethodGet, "/v1/access_token")
	h.login()
	r := h.run("", "user", "access-token-create", "--description", "laptop", "--max-age-seconds", "3600", "--extend-when-used")
	if r.code != 0 || !strings.Contains(r.stderr, "Store this token now") {
		t.Fatalf("create: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	fields := strings.Fields(lines[len(lines)-1])
	token, prefix := fields[0], fields[1]
	if out := h.ok("user", "info", "--auth-token", token, "--format", "{{.user}}"); out != servertest.AdminEmail+"\n" {
		t.Errorf("the new token = %q", out)
	}
	r = h.run("", "user", "access-token-list")
	if r.code != 0 || !strings.Contains(r.stdout, prefix) || !strings.Contains(r.stderr, "expires in") {
		t.Errorf("list (an hour-long token is near expiry):\n%s%s", r.stdout, r.stderr)
	}
	if msg := h.fails("user", "access-token-create", "--description", "x", "--extend-when-used"); !strings.Contains(msg, "needs --max-age-seconds") {
		t.Errorf("extend without max age: %q", msg)
	}
	h.ok("user", "access-token-revoke", "--token-prefix", prefix, "--force")
	if msg := h.fails("user", "info", "--auth-token", token); !strings.Contains(msg, "HTTP 401") {
		t.Errorf("revoked token: %q", msg)
	}
}
