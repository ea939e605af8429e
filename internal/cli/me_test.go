package cli

import (
	"regexp"
	"strings"
	"testing"
	"time"

	aiven "github.com/aiven/go-client-codegen"
	"github.com/aiven/go-client-codegen/handler/user"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/gatehouse-dev/gatehouse/internal/mail/mailtest"
	"github.com/gatehouse-dev/gatehouse/internal/server"
	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// tokenWorks reports whether token still authenticates.
func (h *harness) tokenWorks(token string) bool {
	h.t.Helper()
	c, err := aiven.NewClient(aiven.HostOpt(h.srv.URL), aiven.TokenOpt(token), aiven.RetryMaxOpt(0))
	if err != nil {
		h.t.Fatal(err)
	}
	_, err = c.UserInfo(h.t.Context())
	return err == nil
}

// TestOwnAccountCommands runs the "user" commands on one's own account:
// profile update, token description, password change, two-factor
// enrolment and removal, and expiring every token.
func TestOwnAccountCommands(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		h := newHarness(t, db)
		h.login()
		c := h.api()
		ctx := t.Context()

		h.ok("user", "update", "--real-name", "Ada Admin", "--city", "Helsinki")
		if me, err := c.UserInfo(ctx); err != nil || me.RealName != "Ada Admin" || me.City == nil || *me.City != "Helsinki" {
			t.Fatalf("after update: %+v, %v", me, err)
		}
		if msg := h.fails("user", "update"); !strings.Contains(msg, "nothing to change") {
			t.Errorf("update without flags: %q", msg)
		}

		prefix := strings.TrimSpace(h.ok("user", "access-token-create", "--description", "ci", "--format", "{{.token_prefix}}"))
		if out := h.ok("user", "access-token-update", "--token-prefix", prefix, "--description", "ci, renamed"); !strings.Contains(out, "ci, renamed") {
			t.Errorf("access-token-update:\n%s", out)
		}
		ts, err := c.AccessTokenList(ctx)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, tk := range ts {
			if tk.TokenPrefix == prefix {
				found = tk.Description != nil && *tk.Description == "ci, renamed"
			}
		}
		if !found {
			t.Errorf("token %s not renamed: %+v", prefix, ts)
		}
		if msg := h.fails("user", "access-token-update", "--token-prefix", "gthp_nosuchtoke", "--description", "x"); !strings.Contains(msg, "HTTP 404") {
			t.Errorf("unknown prefix: %q", msg)
		}

		// Password change: a wrong current password is refused; the right
		// one ends the other sessions and the saved login carries on.
		if r := h.run("wrong\nnew long passphrase\nnew long passphrase\n", "user", "password-change"); r.code != 1 || !strings.Contains(r.stderr, "HTTP 403") {
			t.Fatalf("wrong password: exit %d %q", r.code, r.stderr)
		}
		if r := h.run(servertest.AdminPassword+"\nnew long passphrase\nother\n", "user", "password-change"); r.code != 1 || !strings.Contains(r.stderr, "differ") {
			t.Fatalf("mismatch: exit %d %q", r.code, r.stderr)
		}
		old := h.savedToken()
		if r := h.run(servertest.AdminPassword+"\nnew long passphrase\nnew long passphrase\n", "user", "password-change"); r.code != 0 {
			t.Fatalf("password-change: exit %d %q", r.code, r.stderr)
		}
		if h.tokenWorks(old) || !h.tokenWorks(h.savedToken()) {
			t.Error("the old session survived or the new one was not saved")
		}
		if _, err := c.UserAuth(ctx, &user.UserAuthIn{Email: servertest.AdminEmail, Password: "new long passphrase"}); err != nil {
			t.Fatalf("new password: %v", err)
		}
		h.ok("user", "info")

		// Two-factor: enable prints the URI, confirm with a code turns it on.
		r := h.run("new long passphrase\n", "user", "two-factor-enable", "--format", "{{.uri}}")
		if r.code != 0 {
			t.Fatalf("two-factor-enable: exit %d %q", r.code, r.stderr)
		}
		uri := strings.TrimSpace(r.stdout)
		key, err := otp.NewKeyFromURL(uri)
		if err != nil {
			t.Fatalf("URI %q: %v", uri, err)
		}
		code, err := totp.GenerateCode(key.Secret(), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if r := h.run("new long passphrase\n", "user", "two-factor-confirm", "--uri", uri, "--otp", "000000x"); r.code != 1 || !strings.Contains(r.stderr, "HTTP 4") {
			t.Fatalf("bad code: exit %d %q", r.code, r.stderr)
		}
		if r := h.run("new long passphrase\n", "user", "two-factor-confirm", "--uri", uri, "--otp", code); r.code != 0 {
			t.Fatalf("two-factor-confirm: exit %d %q", r.code, r.stderr)
		}
		h.ok("user", "info")
		_, err = c.UserAuth(ctx, &user.UserAuthIn{Email: servertest.AdminEmail, Password: "new long passphrase"})
		if !needsOTP(err) {
			t.Fatalf("login without a code after two-factor-confirm: %v", err)
		}
		if r := h.run("new long passphrase\n", "user", "two-factor-disable", "--force"); r.code != 0 {
			t.Fatalf("two-factor-disable: exit %d %q", r.code, r.stderr)
		}
		if _, err := c.UserAuth(ctx, &user.UserAuthIn{Email: servertest.AdminEmail, Password: "new long passphrase"}); err != nil {
			t.Fatalf("login after two-factor-disable: %v", err)
		}

		// expire-tokens asks, then revokes every token and the saved login.
		if r := h.run("n\n", "user", "expire-tokens"); r.code != 1 || !strings.Contains(r.stderr, "aborted") {
			t.Fatalf("answered no: exit %d %q", r.code, r.stderr)
		}
		session := h.savedToken()
		h.ok("user", "expire-tokens", "--force")
		if h.tokenWorks(session) {
			t.Error("the session survived expire-tokens")
		}
		if msg := h.fails("user", "info"); !strings.Contains(msg, "not logged in") {
			t.Errorf("after expire-tokens: %q", msg)
		}
	})
}

// TestPasswordResetCommands runs the forgotten-password flow without a
// login: the request mails a link, password-reset takes it.
func TestPasswordResetCommands(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		smtpd := mailtest.Start(t, "", "")
		h := newHarness(t, db, func(c *server.Config) { c.SMTPURL = smtpd.URL() })
		ctx := t.Context()

		h.ok("user", "password-reset-request", "--email", servertest.AdminEmail)
		link := regexp.MustCompile(`https?://\S+/v1/user/password_reset/[A-Za-z0-9_-]{43}`).FindString(smtpd.Next(t, 10*time.Second).Data)
		if link == "" {
			t.Fatal("no reset link mailed")
		}
		if r := h.run("a reset long password\na reset long password\n", "user", "password-reset", "--code", link); r.code != 0 {
			t.Fatalf("password-reset: exit %d %q", r.code, r.stderr)
		}
		anon, err := aiven.NewClient(aiven.HostOpt(h.srv.URL), aiven.TokenOpt("unused"), aiven.RetryMaxOpt(0))
		if err != nil {
			t.Fatal(err)
		}
		_, err = anon.UserAuth(ctx, &user.UserAuthIn{Email: servertest.AdminEmail, Password: servertest.AdminPassword})
		wantStatus(t, err, 401)
		r := h.run("a reset long password\n", "login", "--email", servertest.AdminEmail)
		if r.code != 0 {
			t.Fatalf("login with the new password: exit %d %q", r.code, r.stderr)
		}
		// A used code is refused with the server's message.
		if r := h.run("x long password 2\nx long password 2\n", "user", "password-reset", "--code", link); r.code != 1 || !strings.Contains(r.stderr, "HTTP 404") {
			t.Fatalf("reused code: exit %d %q", r.code, r.stderr)
		}
	})
}
