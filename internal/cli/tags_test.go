package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTagsAndCA runs avn's tag commands on a project and a service, and
// fetches the project's CA certificate.
func TestTagsAndCA(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		h := newHarness(t, db)
		h.login()
		ctx := t.Context()
		c := h.api()
		h.ok("project", "create", "--project", "tagged")
		h.env["GATEHOUSE_PROJECT"] = "tagged"
		h.ok("service", "create", "--service", "kafka-1", "--service-type", "kafka", "--plan", "business-4")

		for _, noun := range [][]string{{"project"}, {"service", "--service", "kafka-1"}} {
			run := func(verb string, args ...string) string {
				return h.ok(append(append([]string{noun[0], "tags", verb}, noun[1:]...), args...)...)
			}
			run("replace", "--tag", "env=prod", "--tag", "team=data")
			run("update", "--tag", "env=staging", "--untag", "team", "--tag", "owner=ops")
			out := run("list")
			if !strings.Contains(out, "env") || !strings.Contains(out, "staging") || !strings.Contains(out, "owner") || strings.Contains(out, "team") {
				t.Errorf("%s tags list after update:\n%s", noun[0], out)
			}
		}
		tags, err := c.ProjectTagsList(ctx, "tagged")
		if err != nil || len(tags) != 2 || tags["env"] != "staging" || tags["owner"] != "ops" {
			t.Errorf("project tags through Aiven's client = %v, %v", tags, err)
		}
		svcTags, err := c.ProjectServiceTagsList(ctx, "tagged", "kafka-1")
		if err != nil || len(svcTags) != 2 || svcTags["env"] != "staging" {
			t.Errorf("service tags through Aiven's client = %v, %v", svcTags, err)
		}

		for _, bad := range [][]string{
			{"project", "tags", "replace", "--tag", "novalue"},
			{"project", "tags", "replace", "--tag", "a=1", "--tag", "a=2"},
			{"project", "tags", "update"},
			{"project", "tags", "update", "--tag", "a=1", "--untag", "a"},
			{"service", "tags", "list"},
		} {
			h.fails(bad...)
		}

		pem := h.ok("project", "ca-get")
		if !strings.HasPrefix(pem, "-----BEGIN CERTIFICATE-----") {
			t.Errorf("ca-get printed:\n%s", pem)
		}
		file := filepath.Join(t.TempDir(), "ca.pem")
		h.ok("project", "ca-get", "--target-filepath", file)
		if b, err := os.ReadFile(file); err != nil || string(b) != pem {
			t.Errorf("ca-get --target-filepath wrote %q, %v; printed %q", b, err, pem)
		}
	})
}
