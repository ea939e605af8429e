package cli

import (
	"net/http"
	"strings"
	"testing"
)

// TestOrganizationUsers runs the seed's organization user commands:
// user-invite, invitation-list and -cancel, user-list, and
// user-permission-grant by email.
func TestOrganizationUsers(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		h := newHarness(t, db)
		h.needRoute(http.MethodPost, "/v1/organization/o/invitation")
		h.login()
		c := h.api()
		ctx := t.Context()
		org := strings.TrimSpace(h.ok("organization", "list", "--format", "{{.organization_id}}"))

		// Seed: avn organization user-invite --organization-id <ORG_ID> --email ...
		h.ok("organization", "user-invite", "--organization-id", org, "--email", "jane@example.com,joe@example.com")
		invs, err := c.OrganizationUserInvitationsList(ctx, org)
		if err != nil || len(invs) != 2 {
			t.Fatalf("invitations = %+v, %v", invs, err)
		}
		if out := h.ok("organization", "invitation-list"); !strings.Contains(out, "jane@example.com") || !strings.Contains(out, "EXPIRY_TIME") {
			t.Errorf("invitation-list:\n%s", out)
		}
		h.ok("organization", "invitation-cancel", "--email", "joe@example.com", "--force")
		if invs, err := c.OrganizationUserInvitationsList(ctx, org); err != nil || len(invs) != 1 {
			t.Fatalf("after cancel = %+v, %v", invs, err)
		}
		// Inviting twice is the server's 409, printed with its message.
		if msg := h.fails("organization", "user-invite", "--email", "jane@example.com"); !strings.Contains(msg, "HTTP 409") {
			t.Errorf("second invite: %q", msg)
		}

		if out := h.ok("organization", "user-list"); !strings.Contains(out, "admin@example.com") || !strings.Contains(out, "USER_INFO.USER_EMAIL") {
			t.Errorf("user-list:\n%s", out)
		}
		// Seed: avn organization user-permission-grant --user-email ... --role role:organization:admin
		h.ok("organization", "user-permission-grant", "--organization-id", org, "--user-email", "admin@example.com", "--role", "role:organization:admin")
		ps, err := c.PermissionsGet(ctx, org, "organization", org)
		if err != nil || len(ps) != 1 || ps[0].Permissions[0] != "role:organization:admin" {
			t.Fatalf("grants = %+v, %v", ps, err)
		}
		if msg := h.fails("organization", "user-permission-grant", "--user-email", "nobody@example.com", "--role", "admin"); !strings.Contains(msg, "no member") {
			t.Errorf("unknown email: %q", msg)
		}
		// Removing the last super admin is refused with the server's reason.
		me := strings.TrimSpace(h.ok("user", "info", "--format", "{{.user_id}}"))
		if msg := h.fails("organization", "user-remove", "--organization-id", org, "--user-id", me, "--force"); !strings.Contains(msg, "HTTP 4") {
			t.Errorf("removing the last super admin: %q", msg)
		}
	})
}
