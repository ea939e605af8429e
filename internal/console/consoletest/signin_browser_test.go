package consoletest_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/console/consoletest"
	"github.com/gatehouse-dev/gatehouse/internal/websession"
)

// TestSignInLandsOnOrganization: the bootstrap credentials open the
// console on the organization page; the session cookie has its flags,
// every page its security headers, and sign-out ends the session.
func TestSignInLandsOnOrganization(t *testing.T) {
	consoletest.Run(t, func(t *testing.T, b *consoletest.Browser) {
		b.Visit("/")
		if got := b.Path(); got != "/signin" {
			t.Fatalf("opening / without a session lands on %s, want /signin", got)
		}
		b.SignIn(consoletest.AdminEmail, consoletest.AdminPassword, "")
		if got := b.Path(); !strings.HasPrefix(got, "/orgs/org") {
			t.Fatalf("signing in lands on %s, want the organization page", got)
		}
		if got := b.Text("h1"); got != "Gatehouse" {
			t.Errorf("organization page heading = %q, want the bootstrap organization's name", got)
		}
		b.Contains("Hierarchy")

		ck := b.Cookie(websession.CookieName)
		if ck == nil {
			t.Fatal("no session cookie after signing in")
		}
		if !ck.HTTPOnly || ck.SameSite != "Lax" || ck.Secure || ck.Path != "/" {
			t.Errorf("session cookie flags: HttpOnly=%v SameSite=%q Secure=%v Path=%q; want HttpOnly, Lax, not Secure on plain loopback, /",
				ck.HTTPOnly, ck.SameSite, ck.Secure, ck.Path)
		}

		hc := b.HTTP()
		res, err := hc.Get(b.Server.URL + b.Path())
		if err != nil {
			t.Fatal(err)
		}
		body := consoletest.ReadAll(t, res)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("organization page with the browser's cookie: %d", res.StatusCode)
		}
		csp := res.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "frame-ancestors 'none'", "script-src 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("Content-Security-Policy allows inline or eval'd script: %q", csp)
		}
		if got := res.Header.Get("Referrer-Policy"); got != "same-origin" {
			t.Errorf("Referrer-Policy = %q", got)
		}
		if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("X-Content-Type-Options = %q", got)
		}
		if strings.Contains(body, "<script>") || strings.Contains(body, " onclick=") || strings.Contains(body, " style=") {
			t.Error("the page holds inline script or style, which the CSP refuses")
		}

		// A form posted without its CSRF token is refused, and the session
		// survives it.
		res, err = hc.PostForm(b.Server.URL+"/signout", url.Values{})
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("sign-out without a CSRF token: %d, want 403", res.StatusCode)
		}
		consoletest.ReadAll(t, res)
		res, err = hc.PostForm(b.Server.URL+"/signout", url.Values{"csrf": {"forged-forged-forged-forged-forged-forged"}})
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("sign-out with a forged CSRF token: %d, want 403", res.StatusCode)
		}
		consoletest.ReadAll(t, res)
		b.Visit("/")
		if got := b.Path(); !strings.HasPrefix(got, "/orgs/") {
			t.Fatalf("after refused posts the session is gone: at %s", got)
		}

		// The API keeps its JSON answers beside the console.
		res, err = http.Get(b.Server.URL + "/v1/no-such-endpoint")
		if err != nil {
			t.Fatal(err)
		}
		if ct := res.Header.Get("Content-Type"); res.StatusCode != http.StatusNotFound || ct != "application/json" {
			t.Errorf("unknown API path: %d %s, want a JSON 404", res.StatusCode, ct)
		}
		consoletest.ReadAll(t, res)

		b.SignOut()
		if got := b.Path(); got != "/signin" {
			t.Fatalf("signing out lands on %s", got)
		}
		// The old cookie's token was revoked: replaying it opens nothing.
		res, err = hc.Get(b.Server.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/signin" {
			t.Errorf("the signed-out session's cookie: %d to %q, want a redirect to /signin", res.StatusCode, loc)
		}
		consoletest.ReadAll(t, res)
	})
}

// TestSignInErrors: a wrong password is refused in the API's words, next
// to the form, without a 500.
func TestSignInErrors(t *testing.T) {
	consoletest.Run(t, func(t *testing.T, b *consoletest.Browser) {
		b.SignIn(consoletest.AdminEmail, "wrong password entirely", "")
		if got := b.Path(); got != "/signin" {
			t.Fatalf("a wrong password lands on %s", got)
		}
		if got := b.Text(".alert.error"); got != "Authentication failed" {
			t.Errorf("error shown = %q, want the API's %q", got, "Authentication failed")
		}
		b.Visit("/signin")
		b.Fill("#f-email", consoletest.AdminEmail)
		b.Click("form[action='/signin'] button[type=submit]")
		if got := b.Text("#e-password"); got == "" {
			t.Error("a missing password shows no error next to the field")
		}
	})
}
