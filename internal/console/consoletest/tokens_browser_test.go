package consoletest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/console/consoletest"
)

// TestPersonalTokens: a token created on the page is shown once, works
// against the API, is listed, and stops working once revoked.
func TestPersonalTokens(t *testing.T) {
	consoletest.Run(t, func(t *testing.T, b *consoletest.Browser) {
		b.SignIn(consoletest.AdminEmail, consoletest.AdminPassword, "")
		b.Visit("/account/tokens")
		b.Fill("#f-description", "ci deploys")
		b.Fill("#f-ip_allowlist", "not-an-address")
		b.Click("main form[action='/account/tokens'] button[type=submit]")
		if msg := b.Text("#e-ip_allowlist"); msg == "" {
			t.Fatal("a bad IP range: no error next to the field")
		}
		b.Fill("#f-ip_allowlist", "127.0.0.0/8")
		b.Select("#f-max_age", "86400")
		b.Click("main form[action='/account/tokens'] button[type=submit]")
		if got := b.Path(); got != "/account/tokens" {
			t.Fatalf("the new token's page is %s: the secret must not be in a URL", got)
		}
		secret := b.Text("#new-token")
		if !strings.HasPrefix(secret, "gthp_") {
			t.Fatalf("new token %q", secret)
		}
		b.Contains("shown only this once")
		api := &consoletest.Client{T: t, URL: b.Server.URL, Token: secret}
		if st := api.Do("GET", "/v1/me", nil, nil); st != http.StatusOK {
			t.Fatalf("the new token against the API: %d", st)
		}
		b.Visit("/account/tokens")
		if strings.Contains(b.Page(), secret) {
			t.Fatal("the token's secret is shown again")
		}
		b.Contains("ci deploys")
		prefix := secret[:10]
		sel := "button[aria-label^='Revoke token " + prefix[:8] + "']"
		if !b.Has(sel) {
			t.Fatalf("no revoke button for %s", prefix)
		}
		b.Click(sel)
		b.Contains("Revoke the token " + prefix[:8])
		b.Click("#confirm")
		b.Contains("Token revoked")
		if st := api.Do("GET", "/v1/me", nil, nil); st != http.StatusUnauthorized {
			t.Errorf("the revoked token against the API: %d", st)
		}
	})
}
