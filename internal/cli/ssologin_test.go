package cli

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/gatehouse-dev/gatehouse/internal/ownership/ownershiptest"
	"github.com/gatehouse-dev/gatehouse/internal/server"
	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// TestLoginSSO: "login --sso" prints the URL, a browser signs in at a
// real OpenID provider on loopback, and the command line ends up with a
// session of the person the provider named, saved like a password login's.
func TestLoginSSO(t *testing.T) {
	resolver := ownershiptest.NewDNS(t)
	h := newHarness(t, servertest.SQLite(t), func(c *server.Config) { c.DNSResolver = resolver.Addr() })
	h.login()
	org := strings.TrimSpace(h.ok("organization", "list", "--format", "{{.organization_id}}"))
	h.ok("organization", "domain-add", "--domain", "corp.invalid")
	var d []map[string]any
	if err := json.Unmarshal([]byte(h.ok("organization", "domain-list", "--json")), &d); err != nil || len(d) != 1 {
		t.Fatalf("domains: %v", err)
	}
	resolver.SetTXT("_gatehouse-challenge.corp.invalid", "token="+d[0]["challenge_token"].(string)+",expiry=never")
	h.ok("organization", "domain-verify", "--domain", "corp.invalid")

	op, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = op.Shutdown() })
	cfg := op.Config()
	secret := t.TempDir() + "/secret"
	if err := os.WriteFile(secret, []byte(cfg.ClientSecret), 0o600); err != nil {
		t.Fatal(err)
	}
	h.ok("organization", "idp-create", "--name", "Corp SSO", "--type", "oidc", "--oidc-issuer", cfg.Issuer,
		"--oidc-client-id", cfg.ClientID, "--oidc-client-secret-file", secret, "--oidc-scopes", "email,profile", "--linked-domain", "corp.invalid")
	op.QueueUser(&mockoidc.MockUser{Subject: "corp-42", Email: "dana@corp.invalid", EmailVerified: true})

	var opened string
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	old := openBrowser
	openBrowser = func(u string) error {
		opened = u
		go func() {
			resp, err := browser.Get(u)
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
		return nil
	}
	t.Cleanup(func() { openBrowser = old })

	r := h.run("", "login", "--sso", "--organization-id", org)
	if r.code != 0 || !strings.Contains(r.stdout, "as dana@corp.invalid through Corp SSO") {
		t.Fatalf("login --sso: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, opened) || !strings.Contains(opened, "cli_challenge=") || strings.Contains(opened, "gths_") {
		t.Errorf("printed URL %q (stderr %s)", opened, r.stderr)
	}
	if out := h.ok("user", "info", "--format", "{{.user}}"); !strings.Contains(out, "dana@corp.invalid") {
		t.Errorf("me after login --sso:\n%s", out)
	}
	// By email: home realm discovery finds the provider; an email no
	// provider signs in is told to use a password.
	op.QueueUser(&mockoidc.MockUser{Subject: "corp-42", Email: "dana@corp.invalid", EmailVerified: true})
	if r := h.run("", "login", "--sso", "--email", "dana@corp.invalid"); r.code != 0 {
		t.Fatalf("login --sso --email: %d %s", r.code, r.stderr)
	}
	if msg := h.fails("login", "--sso", "--email", "someone@elsewhere.invalid"); !strings.Contains(msg, "log in with a password") {
		t.Errorf("no provider: %q", msg)
	}
	if msg := h.fails("login", "--sso"); !strings.Contains(msg, "--organization-id or --email") {
		t.Errorf("no target: %q", msg)
	}
}
