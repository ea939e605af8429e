package cli

import (
	"strings"
	"testing"
)

// TestInvitationShowAndAcceptAsMember shows an invitation by its link
// without logging in, and accepts a second organization's invitation as a
// logged-in user, by organization rather than by code.
func TestInvitationShowAndAcceptAsMember(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		h := newHarness(t, db)
		h.login()
		c := h.api()
		ctx := t.Context()

		h.ok("organization", "user-invite", "--email", "jane@example.com")
		link := strings.TrimSpace(h.ok("organization", "invitation-list", "--format", "{{.accept_link}}"))
		jane := &harness{t: t, srv: h.srv, env: map[string]string{"GATEHOUSE_CONFIG_DIR": t.TempDir(), "GATEHOUSE_URL": h.srv.URL}}
		if out := jane.ok("organization", "invitation-show", "--code", link, "--format", "{{.user_email}} {{.has_account}}"); out != "jane@example.com false\n" {
			t.Errorf("invitation-show = %q", out)
		}
		if out := jane.ok("organization", "invitation-show", "--code", link); !strings.Contains(out, "ORGANIZATION_NAME") || !strings.Contains(out, "admin@example.com") {
			t.Errorf("invitation-show table:\n%s", out)
		}
		if msg := jane.fails("organization", "invitation-show", "--code", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"); !strings.Contains(msg, "HTTP 404") {
			t.Errorf("unknown code: %q", msg)
		}
		if r := jane.run("jane's long passphrase\njane's long passphrase\n", "organization", "invitation-accept", "--code", link, "--real-name", "Jane Doe"); r.code != 0 {
			t.Fatalf("invitation-accept --code: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}

		acme := strings.TrimSpace(h.ok("organization", "create", "--name", "Acme", "--format", "{{.organization_id}}"))
		h.ok("organization", "user-invite", "--organization-id", acme, "--email", "jane@example.com")
		jane.ok("organization", "invitation-accept", "--organization-id", acme)
		us, err := c.OrganizationUserList(ctx, acme)
		if err != nil {
			t.Fatal(err)
		}
		member := false
		for _, u := range us {
			member = member || u.UserInfo.UserEmail == "jane@example.com"
		}
		if !member {
			t.Fatalf("jane is not a member of %s: %+v", acme, us)
		}
		if msg := jane.fails("organization", "invitation-accept", "--organization-id", acme); !strings.Contains(msg, "HTTP 4") {
			t.Errorf("accepting twice: %q", msg)
		}
		if msg := h.fails("organization", "invitation-accept"); !strings.Contains(msg, "code") {
			t.Errorf("neither --code nor --organization-id: %q", msg)
		}
	})
}
