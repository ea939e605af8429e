package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// TestServiceUserCommands runs the seed's service user commands.
func TestServiceUserCommands(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		h := newHarness(t, db)
		h.needRoute(http.MethodGet, "/v1/project/p/service/s/user/u")
		h.login()
		c := h.api()
		ctx := t.Context()
		h.ok("project", "create", "--project", "my-project")
		h.env["GATEHOUSE_PROJECT"] = "my-project"
		h.ok("service", "create", "--service", "postgres-1", "--service-type", "pg")

		// Seed: avn service user-create --project my-project --service postgres-1 --username app_user
		h.ok("service", "user-create", "--service", "postgres-1", "--username", "app_user")
		u, err := c.ServiceUserGet(ctx, "my-project", "postgres-1", "app_user")
		if err != nil || u.Username != "app_user" || len(u.Password) < 24 {
			t.Fatalf("service user = %+v, %v", u, err)
		}
		// Seed: avn service user-get ... shows the credentials.
		out := h.ok("service", "user-get", "--service", "postgres-1", "--username", "app_user", "--format", "{{.username}} {{.password}}")
		if out != "app_user "+u.Password+"\n" {
			t.Errorf("user-get --format = %q", out)
		}
		if out := h.ok("service", "user-list", "--service", "postgres-1"); !strings.Contains(out, "app_user") || !strings.Contains(out, "avnadmin") {
			t.Errorf("user-list:\n%s", out)
		}
		h.ok("service", "user-password-reset", "--service", "postgres-1", "--username", "app_user", "--force")
		if u2, err := c.ServiceUserGet(ctx, "my-project", "postgres-1", "app_user"); err != nil || u2.Password == u.Password {
			t.Fatalf("password not reset: %v", err)
		}
		// With --new-password the password given is set.
		h.ok("service", "user-password-reset", "--service", "postgres-1", "--username", "app_user", "--new-password", "chosen-password-123", "--force")
		if u3, err := c.ServiceUserGet(ctx, "my-project", "postgres-1", "app_user"); err != nil || u3.Password != "chosen-password-123" {
			t.Fatalf("password not set: %v", err)
		}
		if msg := h.fails("service", "user-password-reset", "--service", "postgres-1", "--username", "nobody", "--force"); !strings.Contains(msg, "HTTP 404") {
			t.Errorf("reset of an unknown user: %q", msg)
		}
		// A service without a connection has nothing to sync: the
		// server's reason is printed (TestServiceUsersOnARealServer syncs).
		if msg := h.fails("service", "user-sync", "--service", "postgres-1", "--dry-run"); !strings.Contains(msg, "no connection") || !strings.Contains(msg, "HTTP 400") {
			t.Errorf("user-sync without a connection: %q", msg)
		}
		h.ok("service", "user-delete", "--service", "postgres-1", "--username", "app_user", "--force")
		if _, err := c.ServiceUserGet(ctx, "my-project", "postgres-1", "app_user"); err == nil {
			t.Error("service user still there")
		}
	})
}

// TestServiceUsersOnARealServer registers a service backed by the test
// PostgreSQL server: a user created through the command line exists there
// (user-sync finds no drift), and deleting it drops it.
func TestServiceUsersOnARealServer(t *testing.T) {
	t.Parallel()
	uri := os.Getenv("GATEHOUSE_TEST_POSTGRES")
	if uri == "" {
		t.Skip("GATEHOUSE_TEST_POSTGRES is not set")
	}
	h := newHarness(t, servertest.SQLite(t))
	h.needRoute(http.MethodPost, "/v1/project/p/service/s/user-sync")
	h.login()
	h.env["GATEHOUSE_PROJECT"] = "real"
	h.env["GATEHOUSE_SERVICE_CONNECTION_URI"] = uri
	h.ok("project", "create", "--project", "real")
	h.ok("service", "create", "--service", "pg-1", "--service-type", "pg", "--connect")
	name := fmt.Sprintf("gh_cli_%d", time.Now().UnixNano())
	h.ok("service", "user-create", "--service", "pg-1", "--username", name)
	t.Cleanup(func() { h.run("", "service", "user-delete", "--service", "pg-1", "--username", name, "--force") })

	var rep struct {
		Users []struct {
			Username, State string
		} `json:"users"`
	}
	if err := json.Unmarshal([]byte(h.ok("service", "user-sync", "--service", "pg-1", "--dry-run", "--json")), &rep); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, u := range rep.Users {
		found = found || u.Username == name
	}
	if !found {
		t.Fatalf("user-sync does not report %s: %+v", name, rep)
	}
	if out := h.ok("service", "user-sync", "--service", "pg-1", "--dry-run"); !strings.Contains(out, "USERNAME") || !strings.Contains(out, name) {
		t.Errorf("user-sync table:\n%s", out)
	}
	h.ok("service", "user-delete", "--service", "pg-1", "--username", name, "--force")
}
