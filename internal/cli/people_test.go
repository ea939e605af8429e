package cli

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aiven/go-client-codegen/handler/user"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// TestOrganizationUsers runs the seed's organization user commands:
// user-invite, invitation-list and -cancel, user-list, and
// user-permission-grant by email.
func TestOrganizationUsers(t *testing.T) {
	t.Parallel()
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
		// Inviting a member is the server's 409, printed with its message.
		if msg := h.fails("organization", "user-invite", "--email", servertest.AdminEmail); !strings.Contains(msg, "HTTP 409") {
			t.Errorf("inviting a member: %q", msg)
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
		// The invitee accepts with the link from the listing (no mail is
		// configured), choosing a password, and is logged in.
		link := strings.TrimSpace(h.ok("organization", "invitation-list", "--format", "{{.accept_link}}"))
		if link == "" {
			t.Fatal("no accept link in the listing")
		}
		jane := &harness{t: t, srv: h.srv, env: map[string]string{"GATEHOUSE_CONFIG_DIR": t.TempDir(), "GATEHOUSE_URL": h.srv.URL}}
		r := jane.run("jane's long passphrase\njane's long passphrase\n", "organization", "invitation-accept", "--code", link, "--real-name", "Jane Doe")
		if r.code != 0 || !strings.Contains(r.stdout, "logged in") {
			t.Fatalf("invitation-accept: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		if out := jane.ok("organization", "list", "--format", "{{.organization_id}}"); strings.TrimSpace(out) != org {
			t.Fatalf("jane's organizations = %q", out)
		}
		// Seed: avn organization user-remove --organization-id <ORG_ID> --user-id <USER_ID>
		janeID := strings.TrimSpace(jane.ok("user", "info", "--format", "{{.user_id}}"))
		h.ok("organization", "user-update", "--user-id", janeID, "--super-admin=true")
		if u, err := c.OrganizationUserGet(ctx, org, janeID); err != nil || !u.IsSuperAdmin {
			t.Fatalf("after --super-admin=true: %+v, %v", u, err)
		}
		h.ok("organization", "user-update", "--user-id", janeID, "--super-admin=false")
		if u, err := c.OrganizationUserGet(ctx, org, janeID); err != nil || u.IsSuperAdmin {
			t.Fatalf("after --super-admin=false: %+v, %v", u, err)
		}
		h.ok("organization", "user-remove", "--organization-id", org, "--user-id", janeID, "--force")
		if us, err := c.OrganizationUserList(ctx, org); err != nil || len(us) != 1 {
			t.Fatalf("members after user-remove = %+v, %v", us, err)
		}
		if out := jane.ok("organization", "list", "--format", "{{.organization_id}}"); strings.TrimSpace(out) != "" {
			t.Errorf("jane still sees %q", out)
		}

		// The authentication policy: only the flags given change.
		h.ok("organization", "auth-policy-update", "--ip-allowlist", "127.0.0.0/8,::1/128", "--personal-tokens=false")
		var pol struct {
			TwoFactor   bool     `json:"two_factor_required"`
			Tokens      bool     `json:"personal_tokens_enabled"`
			Password    bool     `json:"password_auth_enabled"`
			IPAllowlist []string `json:"ip_allowlist"`
		}
		if err := json.Unmarshal([]byte(h.ok("organization", "auth-policy", "--json")), &pol); err != nil {
			t.Fatal(err)
		}
		if pol.Tokens || !pol.Password || pol.TwoFactor || len(pol.IPAllowlist) != 2 {
			t.Errorf("policy = %+v", pol)
		}
		if msg := h.fails("organization", "auth-policy-update"); !strings.Contains(msg, "nothing to change") {
			t.Errorf("no flags: %q", msg)
		}

		// Removing the last super admin is refused with the server's reason.
		me := strings.TrimSpace(h.ok("user", "info", "--format", "{{.user_id}}"))
		if msg := h.fails("organization", "user-remove", "--organization-id", org, "--user-id", me, "--force"); !strings.Contains(msg, "HTTP 4") {
			t.Errorf("removing the last super admin: %q", msg)
		}
	})
}

// TestLoginWithTwoFactor enrols the admin in TOTP through Aiven's client,
// then logs in with the command line, which asks for the code.
func TestLoginWithTwoFactor(t *testing.T) {
	t.Parallel()
	h := newHarness(t, servertest.SQLite(t))
	h.needRoute(http.MethodPut, "/v1/me/2fa")
	c := h.api()
	ctx := t.Context()
	cfg, err := c.TwoFactorAuthConfigure(ctx, &user.TwoFactorAuthConfigureIn{Method: "otp", Password: servertest.AdminPassword})
	if err != nil || cfg.Uri == nil {
		t.Fatalf("2FA configure: %+v, %v", cfg, err)
	}
	key, err := otp.NewKeyFromURL(*cfg.Uri)
	if err != nil {
		t.Fatal(err)
	}
	code := func(at time.Time) string {
		t.Helper()
		s, err := totp.GenerateCode(key.Secret(), at)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	now := time.Now()
	if _, err := c.TwoFactorAuthConfigureOTP(ctx, &user.TwoFactorAuthConfigureOtpIn{Otp: code(now), Password: servertest.AdminPassword, Uri: *cfg.Uri}); err != nil {
		t.Fatalf("2FA confirm: %v", err)
	}
	// Without a code at hand the login fails with the server's reason.
	r := h.run(servertest.AdminPassword+"\n", "login", "--email", servertest.AdminEmail)
	if r.code != 1 || !strings.Contains(r.stderr, "Two-factor authentication code: ") {
		t.Fatalf("no code: exit %d, %q", r.code, r.stderr)
	}
	// The next step's code (the current one was used to confirm).
	r = h.run(servertest.AdminPassword+"\n"+code(now.Add(30*time.Second))+"\n", "login", "--email", servertest.AdminEmail)
	if r.code != 0 {
		t.Fatalf("login with a code: exit %d, %q", r.code, r.stderr)
	}
	if out := h.ok("user", "info", "--format", "{{.user}}"); out != servertest.AdminEmail+"\n" {
		t.Errorf("user info = %q", out)
	}
}
