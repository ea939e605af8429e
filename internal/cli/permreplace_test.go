package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aiven/go-client-codegen/handler/organization"
)

func TestParseGrants(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     int
		err      string
	}{
		{"list output", `[{"principal_type":"user","principal_id":"u1","permissions":["admin"],"update_time":"2026-01-01T00:00:00Z"}]`, 1, ""},
		{"wrapped", `{"permissions":[{"principal_type":"user_group","principal_id":"g1","permissions":[]}]}`, 1, ""},
		{"empty list clears", `[]`, 0, ""},
		{"no permissions key", `[{"principal_type":"user","principal_id":"u1"}]`, 1, ""},
		{"object without permissions", `{"grants":[]}`, 0, `needs a "permissions" array`},
		{"missing principal", `[{"principal_type":"user","permissions":["admin"]}]`, 0, "entry 0 needs"},
		{"not JSON", `principal=admin`, 0, "grants file"},
		{"null", `null`, 0, ""},
		{"wrong type", `[{"principal_type":"user","principal_id":"u1","permissions":"admin"}]`, 0, "grants file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gs, err := parseGrants([]byte(tt.in))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || len(gs) != tt.want {
				t.Fatalf("= %+v, %v; want %d grants", gs, err, tt.want)
			}
			for _, g := range gs {
				if g.Permissions == nil {
					t.Error("nil permissions would be sent as null")
				}
			}
		})
	}
}

func FuzzParseGrants(f *testing.F) {
	f.Add([]byte(`[{"principal_type":"user","principal_id":"u1","permissions":["admin"]}]`))
	f.Add([]byte(`{"permissions":[]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		gs, err := parseGrants(b)
		if err != nil {
			return
		}
		for _, g := range gs {
			if g.PrincipalType == "" || g.PrincipalID == "" || g.Permissions == nil {
				t.Fatalf("accepted an incomplete grant %+v from %q", g, b)
			}
		}
	})
}

// TestPermissionsReplace edits the "permissions list --json" output and
// puts it back: principals left out lose their grants.
func TestPermissionsReplace(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		h := newHarness(t, db)
		h.login()
		c := h.api()
		ctx := t.Context()
		org := strings.TrimSpace(h.ok("organization", "list", "--format", "{{.organization_id}}"))
		me := strings.TrimSpace(h.ok("user", "info", "--format", "{{.user_id}}"))
		h.ok("project", "create", "--project", "backend-prod")
		group := strings.TrimSpace(h.ok("organization", "group-create", "--group-name", "Backend", "--format", "{{.user_group_id}}"))
		h.ok("project", "user-permission-grant", "--project", "backend-prod", "--group-id", group, "--role", "admin")
		h.ok("project", "user-permission-grant", "--project", "backend-prod", "--user-id", me, "--role", "developer")
		grants := func() map[string][]string {
			t.Helper()
			ps, err := c.PermissionsGet(ctx, org, organization.ResourceTypeProject, "backend-prod")
			if err != nil {
				t.Fatal(err)
			}
			m := map[string][]string{}
			for _, p := range ps {
				slices.Sort(p.Permissions)
				m[p.PrincipalId] = p.Permissions
			}
			return m
		}
		if g := grants(); len(g) != 2 {
			t.Fatalf("grants before = %v", g)
		}

		listed := h.ok("permissions", "list", "--resource-type", "project", "--resource-id", "backend-prod", "--principal-id", group, "--json")
		file := filepath.Join(t.TempDir(), "grants.json")
		if err := os.WriteFile(file, []byte(strings.Replace(listed, `"admin"`, `"operator", "service:logs:read"`, 1)), 0o600); err != nil {
			t.Fatal(err)
		}
		args := []string{"permissions", "replace", "--resource-type", "project", "--resource-id", "backend-prod", "--file", file}
		if r := h.run("n\n", args...); r.code != 1 || !strings.Contains(r.stderr, "aborted") {
			t.Fatalf("answered no: exit %d %q", r.code, r.stderr)
		}
		if g := grants(); len(g) != 2 {
			t.Fatalf("grants changed after answering no: %v", g)
		}
		h.ok(append(args, "--force")...)
		if g := grants(); len(g) != 1 || !slices.Equal(g[group], []string{"operator", "service:logs:read"}) {
			t.Fatalf("grants after replace = %v", g)
		}

		// From standard input, with --force; an unknown role is the
		// server's 400 and changes nothing.
		bad := `[{"principal_type":"user","principal_id":"` + me + `","permissions":["no-such-role"]}]`
		if r := h.run(bad, "permissions", "replace", "--resource-type", "project", "--resource-id", "backend-prod", "--file", "-", "--force"); r.code != 1 || !strings.Contains(r.stderr, "HTTP 400") {
			t.Fatalf("unknown role: exit %d %q", r.code, r.stderr)
		}
		if msg := h.fails("permissions", "replace", "--resource-type", "project", "--resource-id", "backend-prod", "--file", "-"); !strings.Contains(msg, "--force") {
			t.Errorf("stdin without --force: %q", msg)
		}
		if r := h.run("[]", "permissions", "replace", "--resource-type", "project", "--resource-id", "backend-prod", "--file", "-", "--force"); r.code != 0 {
			t.Fatalf("clearing: exit %d %q", r.code, r.stderr)
		}
		if g := grants(); len(g) != 0 {
			t.Fatalf("grants after clearing = %v", g)
		}
	})
}
