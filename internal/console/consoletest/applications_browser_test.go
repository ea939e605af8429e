package consoletest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/console/consoletest"
)

// TestApplicationUserToken is the seed's flow: Admin → Application users →
// Create application user → Generate token → Set expiration and allowed
// IP ranges → Copy token immediately; the copied token then works against
// the API from inside its range and is listed without its secret.
func TestApplicationUserToken(t *testing.T) {
	consoletest.Run(t, func(t *testing.T, b *consoletest.Browser) {
		b.SignIn(consoletest.AdminEmail, consoletest.AdminPassword, "")
		org := b.OrgID()
		b.Visit("/orgs/" + org + "/applications")
		b.Contains("No application users yet")

		// A name is required: said next to the field.
		b.Click("form[action$='/applications'] button[type=submit]")
		if got := b.Text("#e-name"); got == "" {
			t.Error("creating without a name shows no error next to the field")
		}
		b.Fill("#f-name", "terraform-ci")
		b.Click("form[action$='/applications'] button[type=submit]")
		if got := b.Text("h1"); got != "terraform-ci" {
			t.Fatalf("after creating, the page is %q", got)
		}
		userPage := b.Path()

		// A bad range is refused in the API's words next to the field,
		// and no token is made.
		b.Fill("#f-description", "CI pipeline")
		b.Fill("#f-ip_allowlist", "10.0.0.0/33")
		b.Click("#generate")
		if got := b.Text("#e-ip_allowlist"); !strings.Contains(got, "ip_allowlist") {
			t.Errorf("a bad IP range shows %q next to the field, want the API's ip_allowlist message", got)
		}
		if b.Has("#new-token") {
			t.Fatal("a refused token was shown")
		}

		b.Fill("#f-ip_allowlist", "127.0.0.0/8, 10.0.0.0/8")
		b.Select("#f-max_age", "2592000")
		b.Click("#generate")
		b.Contains("Copy token immediately")
		shown := b.Text("#new-token")
		copied := b.Copy("#copy-token")
		if copied != shown || !strings.HasPrefix(copied, "gh") && len(copied) < 20 {
			t.Fatalf("copied %q, shown %q", copied, shown)
		}
		if strings.Contains(b.Path(), copied) {
			t.Fatal("the new token is in the URL")
		}

		// The token works against the API from loopback, inside its range.
		var me struct {
			User struct {
				RealName string `json:"real_name"`
			} `json:"user"`
		}
		if st := consoletest.API(t, b.Server.URL, "GET", "/v1/me", copied, nil, &me); st != http.StatusOK {
			t.Fatalf("the copied token against /v1/me: %d", st)
		}
		if me.User.RealName != "terraform-ci" {
			t.Errorf("the token acts as %q, want terraform-ci", me.User.RealName)
		}

		// Listed with prefix, expiry, ranges and its last use; never again
		// with its secret.
		b.Visit(userPage)
		if b.Has("#new-token") || strings.Contains(b.Page(), copied) {
			t.Fatal("the token's secret is shown again")
		}
		row := b.Text("table.tokens tbody tr")
		for _, want := range []string{"CI pipeline", "127.0.0.0/8", "10.0.0.0/8", "127.0.0.1"} {
			if !strings.Contains(row, want) {
				t.Errorf("the token's row %q lacks %q", row, want)
			}
		}

		// Revoke, confirmed on its own page; the token stops working.
		b.Click("table.tokens a[href$='/revoke']")
		b.Contains("Anything using it stops working")
		b.Click("#confirm")
		b.Contains("No tokens")
		if st := consoletest.API(t, b.Server.URL, "GET", "/v1/me", copied, nil, nil); st != http.StatusForbidden && st != http.StatusUnauthorized {
			t.Errorf("a revoked token against /v1/me: %d", st)
		}

		// An application user cannot sign in to the console.
		b.Visit("/orgs/" + org + "/applications")
		b.Contains("terraform-ci")
		b.Click("table a[href*='/applications/']")
		b.Click("a[href$='/delete']")
		b.Click("#confirm")
		b.Contains("No application users yet")
	})
}
