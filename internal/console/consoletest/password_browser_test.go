package consoletest_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/console/consoletest"
	"github.com/gatehouse-dev/gatehouse/internal/mail/mailtest"
	"github.com/gatehouse-dev/gatehouse/internal/server"
)

var resetPage = regexp.MustCompile(`http://\S+(/password-reset/[A-Za-z0-9_-]{43})`)

// TestPasswordReset: asking for a reset mails a link to a page that sets
// the new password; the old one stops working.
func TestPasswordReset(t *testing.T) {
	consoletest.RequireChromium(t)
	for _, be := range consoletest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			smtpd := mailtest.Start(t, "", "")
			b := consoletest.Start(t, be.Database(t), func(c *server.Config) { c.SMTPURL = smtpd.URL() })
			b.Visit("/signin")
			b.Click("a[href='/password-reset']")
			b.Fill("#f-email", consoletest.AdminEmail)
			b.Click("main form button[type=submit]")
			b.Contains("is on its way")
			m := resetPage.FindStringSubmatch(smtpd.Next(t, 10*time.Second).Data)
			if m == nil {
				t.Fatal("no link to the reset page in the mail")
			}
			b.Visit(m[1])
			b.Fill("#f-password", "a brand new passphrase")
			b.Fill("#f-confirm", "a different passphrase")
			b.Click("main form button[type=submit]")
			if msg := b.Text("#e-confirm"); msg == "" {
				t.Error("differing passwords: no error next to the field")
			}
			b.Fill("#f-password", "a brand new passphrase")
			b.Fill("#f-confirm", "a brand new passphrase")
			b.Click("main form button[type=submit]")
			b.Contains("Your password was changed")
			b.SignIn(consoletest.AdminEmail, consoletest.AdminPassword, "")
			if got := b.Text(".alert.error"); got != "Authentication failed" {
				t.Errorf("the old password: %q", got)
			}
			b.SignIn(consoletest.AdminEmail, "a brand new passphrase", "")
			if got := b.Path(); !strings.HasPrefix(got, "/orgs/") {
				t.Fatalf("the new password lands on %s", got)
			}
			// The code worked once.
			b.Visit(m[1])
			b.Fill("#f-password", "yet another passphrase")
			b.Fill("#f-confirm", "yet another passphrase")
			b.Click("main form button[type=submit]")
			if !b.Has(".alert.error") {
				t.Error("a used reset code was accepted again")
			}
		})
	}
}
