package consoletest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/gatehouse-dev/gatehouse/internal/console/consoletest"
)

// TestTwoFactorEnrolment: enrol with the QR code's key, then sign-ins
// ask for the one-time code and succeed with it.
func TestTwoFactorEnrolment(t *testing.T) {
	consoletest.Run(t, func(t *testing.T, b *consoletest.Browser) {
		b.SignIn(consoletest.AdminEmail, consoletest.AdminPassword, "")
		b.Visit("/account/two-factor")
		b.Contains("Off")
		b.Fill("#f-password", "not my password")
		b.Click("main form button[type=submit]")
		if msg := b.Text("#e-password"); msg == "" {
			t.Fatal("a wrong password shows no error next to the field")
		}
		b.Fill("#f-password", consoletest.AdminPassword)
		b.Click("main form button[type=submit]")
		if src, ok := b.Attr("img.qr", "src"); !ok || !strings.HasPrefix(src, "data:image/png;base64,") {
			t.Fatalf("no QR code image: %q", src)
		}
		key := b.Text("#totp-key")
		if len(key) < 16 {
			t.Fatalf("TOTP key %q", key)
		}

		// A wrong code keeps the enrolment on screen with the API's words.
		b.Fill("#f-code", "000000")
		b.Fill("#f-password", consoletest.AdminPassword)
		b.Click("main form button[type=submit]")
		if msg := b.Text("#e-code"); msg != "Invalid one-time password" {
			t.Errorf("a wrong code: %q next to the field", msg)
		}
		code, err := totp.GenerateCode(key, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		b.Fill("#f-code", code)
		b.Fill("#f-password", consoletest.AdminPassword)
		b.Click("main form button[type=submit]")
		b.Contains("Two-factor authentication is on")
		// The browser's session is now a two-factor one and still works.
		b.Visit("/")
		if got := b.Path(); !strings.HasPrefix(got, "/orgs/") {
			t.Fatalf("after enrolling, the console opens %s", got)
		}

		b.SignOut()
		b.SignIn(consoletest.AdminEmail, consoletest.AdminPassword, "")
		if msg := b.Text("#e-otp"); !strings.HasPrefix(msg, "Two-factor authentication code required") {
			t.Fatalf("signing in without the code: %q next to the code field", msg)
		}
		// A code of the next period: the one used to enrol cannot be
		// replayed.
		next, err := totp.GenerateCode(key, time.Now().Add(30*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		b.SignIn(consoletest.AdminEmail, consoletest.AdminPassword, next)
		if got := b.Path(); !strings.HasPrefix(got, "/orgs/") {
			t.Fatalf("signing in with the code lands on %s: %s", got, b.Page())
		}
	})
}
