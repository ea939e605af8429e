package cli

import (
	"strings"
	"testing"

	"github.com/aiven/go-client-codegen/handler/user"
	"github.com/aiven/go-client-codegen/handler/usergroup"

	"github.com/gatehouse-dev/gatehouse/internal/ownership/ownershiptest"
	"github.com/gatehouse-dev/gatehouse/internal/server"
)

// TestManagedUserCommands verifies a domain, lets a person of that domain
// join, and runs the admin's managed-user commands on them: list, their
// tokens and groups, token revocation, password reset, domain-update.
func TestManagedUserCommands(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		resolver := ownershiptest.NewDNS(t)
		h := newHarness(t, db, func(c *server.Config) { c.DNSResolver = resolver.Addr() })
		h.login()
		c := h.api()
		ctx := t.Context()
		org := strings.TrimSpace(h.ok("organization", "list", "--format", "{{.organization_id}}"))

		token := strings.TrimSpace(h.ok("organization", "domain-add", "--domain", "company.invalid", "--format", "{{.challenge_token}}"))
		resolver.SetTXT("_gatehouse-challenge.company.invalid", "token="+token+",expiry=never")
		h.ok("organization", "domain-verify", "--domain", "company.invalid")

		// domain-update changes the verification type.
		if out := h.ok("organization", "domain-update", "--domain", "company.invalid", "--verification-type", "http"); !strings.Contains(out, "http") {
			t.Errorf("domain-update:\n%s", out)
		}
		if ds, err := c.OrganizationDomainsList(ctx, org); err != nil || len(ds) != 1 || ds[0].VerificationType != "http" {
			t.Fatalf("after domain-update = %+v, %v", ds, err)
		}
		if msg := h.fails("organization", "domain-update", "--domain", "company.invalid", "--verification-type", "smoke"); !strings.Contains(msg, "HTTP 400") {
			t.Errorf("bad verification type: %q", msg)
		}

		// Jane of company.invalid joins and is logged in.
		h.ok("organization", "user-invite", "--email", "jane@company.invalid")
		link := strings.TrimSpace(h.ok("organization", "invitation-list", "--format", "{{.accept_link}}"))
		jane := &harness{t: t, srv: h.srv, env: map[string]string{"GATEHOUSE_CONFIG_DIR": t.TempDir(), "GATEHOUSE_URL": h.srv.URL}}
		if r := jane.run("jane's long passphrase\njane's long passphrase\n", "organization", "invitation-accept", "--code", link, "--real-name", "Jane Doe"); r.code != 0 {
			t.Fatalf("invitation-accept: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		janeID := strings.TrimSpace(jane.ok("user", "info", "--format", "{{.user_id}}"))

		if out := h.ok("organization", "managed-user-list", "--format", "{{.user_id}} {{.user_info.user_email}}"); out != janeID+" jane@company.invalid\n" {
			t.Errorf("managed-user-list = %q", out)
		}

		// Her groups.
		g, err := c.UserGroupCreate(ctx, org, &usergroup.UserGroupCreateIn{UserGroupName: "analysts", Description: "reads"})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.UserGroupMembersUpdate(ctx, org, g.UserGroupId, &usergroup.UserGroupMembersUpdateIn{Operation: usergroup.OperationTypeAddMembers, MemberIds: []string{janeID}}); err != nil {
			t.Fatal(err)
		}
		if out := h.ok("organization", "user-group-list", "--email", "jane@company.invalid", "--format", "{{.user_group_id}}"); out != g.UserGroupId+"\n" {
			t.Errorf("user-group-list = %q, want %s", out, g.UserGroupId)
		}
		if out := h.ok("organization", "user-group-list", "--user-id", janeID, "--json"); !strings.Contains(out, `"user_group_name": "analysts"`) {
			t.Errorf("user-group-list --json:\n%s", out)
		}

		// Her session shows among her tokens; revoking it logs her out.
		prefixes := strings.Fields(h.ok("organization", "user-access-token-list", "--user-id", janeID, "--format", "{{.token_prefix}}"))
		if len(prefixes) != 1 || !strings.HasPrefix(jane.savedToken(), prefixes[0]) {
			t.Fatalf("user-access-token-list = %q", prefixes)
		}
		if r := h.run("n\n", "organization", "user-access-token-revoke", "--user-id", janeID, "--token-prefix", prefixes[0]); r.code != 1 || !strings.Contains(r.stderr, "aborted") {
			t.Fatalf("revoke answered no: exit %d %q", r.code, r.stderr)
		}
		jane.ok("user", "info")
		h.ok("organization", "user-access-token-revoke", "--email", "jane@company.invalid", "--token-prefix", prefixes[0], "--force")
		if msg := jane.fails("user", "info"); !strings.Contains(msg, "HTTP 401") {
			t.Errorf("jane after revocation: %q", msg)
		}
		if msg := h.fails("organization", "user-access-token-revoke", "--user-id", janeID, "--token-prefix", prefixes[0], "--force"); !strings.Contains(msg, "HTTP 404") {
			t.Errorf("revoking twice: %q", msg)
		}

		// A managed user can be deactivated (no login) and reactivated.
		state := func() string {
			t.Helper()
			u, err := c.OrganizationUserGet(ctx, org, janeID)
			if err != nil {
				t.Fatal(err)
			}
			return string(u.UserInfo.State)
		}
		h.ok("organization", "user-update", "--user-id", janeID, "--state", "deactivated")
		if got := state(); got != "deactivated" {
			t.Fatalf("state after deactivating = %q", got)
		}
		if r := jane.run("jane's long passphrase\n", "login", "--email", "jane@company.invalid"); r.code != 1 {
			t.Errorf("a deactivated user logged in: %q", r.stdout)
		}
		h.ok("organization", "user-update", "--user-id", janeID, "--state", "active")
		if got := state(); got != "active" {
			t.Fatalf("state after reactivating = %q", got)
		}
		if msg := h.fails("organization", "user-update", "--user-id", janeID, "--state", "asleep"); !strings.Contains(msg, "HTTP 400") {
			t.Errorf("bad state: %q", msg)
		}

		// Without a mail relay the temporary password is printed once.
		r := h.run("", "organization", "user-password-reset", "--user-id", janeID, "--force", "--format", "{{.temporary_password}}")
		if r.code != 0 {
			t.Fatalf("user-password-reset: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		temp := strings.TrimSpace(r.stdout)
		if temp == "" {
			t.Fatal("no temporary password printed")
		}
		if _, err := c.UserAuth(ctx, &user.UserAuthIn{Email: "jane@company.invalid", Password: temp}); err != nil {
			t.Errorf("the temporary password does not log in: %v", err)
		}
		if _, err := c.UserAuth(ctx, &user.UserAuthIn{Email: "jane@company.invalid", Password: "jane's long passphrase"}); err == nil {
			t.Error("the old password still works")
		}
		if msg := h.fails("organization", "user-password-reset", "--email", "nobody@company.invalid", "--force"); !strings.Contains(msg, "no member") {
			t.Errorf("unknown email: %q", msg)
		}
	})
}
