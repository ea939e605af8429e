package cli

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// TestProjectMembership runs the seed's project commands: user-invite by
// email and by group, user-list, invite-accept, user-update, user-remove.
func TestProjectMembership(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		h := newHarness(t, db)
		h.needRoute(http.MethodPost, "/v1/project/p/invite")
		h.login()
		c := h.api()
		ctx := t.Context()
		h.ok("project", "create", "--project", "my-project")
		h.env["GATEHOUSE_PROJECT"] = "my-project"

		// Seed: avn project user-invite --project my-project --email ... --role admin
		out := h.ok("project", "user-invite", "--email", "jane@example.com", "--role", "admin")
		if !strings.Contains(out, "jane@example.com") {
			t.Errorf("user-invite:\n%s", out)
		}
		list, err := c.ProjectUserList(ctx, "my-project")
		if err != nil || len(list.Invitations) != 1 || list.Invitations[0].InvitedUserEmail != "jane@example.com" || list.Invitations[0].MemberType != "admin" {
			t.Fatalf("project users = %+v, %v", list, err)
		}
		if out := h.ok("project", "user-list"); !strings.Contains(out, "invitation pending") {
			t.Errorf("user-list:\n%s", out)
		}
		h.ok("project", "invite-cancel", "--email", "jane@example.com", "--force")
		if list, err := c.ProjectUserList(ctx, "my-project"); err != nil || len(list.Invitations) != 0 {
			t.Fatalf("after invite-cancel = %+v, %v", list, err)
		}

		member := func() string {
			t.Helper()
			list, err := c.ProjectUserList(ctx, "my-project")
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range list.Users {
				if u.UserEmail == servertest.AdminEmail {
					return string(u.MemberType)
				}
			}
			return ""
		}
		// The creator is the project's admin.
		if got := member(); got != "admin" {
			t.Fatalf("creator's member type = %q", got)
		}
		h.ok("project", "user-update", "--email", servertest.AdminEmail, "--role", "operator")
		if got := member(); got != "operator" {
			t.Fatalf("member type = %q after user-update", got)
		}
		// Seed: avn project user-remove --project my-project --email ...
		h.ok("project", "user-remove", "--email", servertest.AdminEmail, "--force")
		if got := member(); got != "" {
			t.Fatalf("still a member (%q) after user-remove", got)
		}
		// An invitation accepted with its code makes a member again.
		var inv struct {
			Code string `json:"invite_code"`
		}
		if err := json.Unmarshal([]byte(h.ok("project", "user-invite", "--email", servertest.AdminEmail, "--role", "developer", "--json")), &inv); err != nil || inv.Code == "" {
			t.Fatalf("invite --json: %v %+v", err, inv)
		}
		h.ok("project", "invite-accept", "--code", inv.Code)
		if got := member(); got != "developer" {
			t.Fatalf("member type = %q after accepting", got)
		}
		// A newcomer accepts a project invitation at the same link as an
		// organization's, creating their account, and is logged in.
		var newInv struct {
			Code      string `json:"invite_code"`
			AcceptURL string `json:"accept_url"`
		}
		if err := json.Unmarshal([]byte(h.ok("project", "user-invite", "--email", "newbie@example.com", "--role", "read_only", "--json")), &newInv); err != nil || newInv.AcceptURL == "" {
			t.Fatalf("invite --json: %v %+v", err, newInv)
		}
		newbie := &harness{t: t, srv: h.srv, env: map[string]string{"GATEHOUSE_CONFIG_DIR": t.TempDir(), "GATEHOUSE_URL": h.srv.URL}}
		if r := newbie.run("newbie's long passphrase\nnewbie's long passphrase\n", "organization", "invitation-accept", "--code", newInv.AcceptURL, "--real-name", "New Bie"); r.code != 0 || !strings.Contains(r.stdout, "logged in") {
			t.Fatalf("invitation-accept of a project invitation: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		if out := newbie.ok("project", "user-list", "--project", "my-project"); !strings.Contains(out, "newbie@example.com") {
			t.Errorf("the newcomer's user-list:\n%s", out)
		}

		// Seed: avn project user-invite --project backend-prod --group-id <GROUP_ID> --role admin
		group := strings.TrimSpace(h.ok("organization", "group-create", "--group-name", "Backend Team", "--format", "{{.user_group_id}}"))
		me := strings.TrimSpace(h.ok("user", "info", "--format", "{{.user_id}}"))
		h.ok("organization", "group-member-add", "--group-id", group, "--user-id", me)
		h.ok("project", "user-invite", "--group-id", group, "--role", "admin")
		list, err = c.ProjectUserList(ctx, "my-project")
		if err != nil || len(list.GroupUsers) != 1 || list.GroupUsers[0].UserGroupId != group || list.GroupUsers[0].MemberType != "admin" {
			t.Fatalf("group users = %+v, %v", list.GroupUsers, err)
		}
		if out := h.ok("project", "access-list", "--format", "{{.user_group_id}} {{.role}}"); out != group+" admin\n" {
			t.Errorf("access-list = %q", out)
		}
		h.ok("project", "user-remove", "--group-id", group, "--force")
		if list, err := c.ProjectUserList(ctx, "my-project"); err != nil || len(list.GroupUsers) != 0 {
			t.Fatalf("group users after remove = %+v, %v", list.GroupUsers, err)
		}
		if out := h.ok("project", "access-list", "--json"); strings.TrimSpace(out) != "[]" {
			t.Errorf("access-list after remove = %q", out)
		}
	})
}
