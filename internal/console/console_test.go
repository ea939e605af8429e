package console

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestSafeNext(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in, want string
	}{
		{"empty", "", "/"},
		{"a page", "/orgs/org1?tab=x", "/orgs/org1?tab=x"},
		{"another host", "https://evil.example/", "/"},
		{"scheme-relative", "//evil.example/x", "/"},
		{"backslash trick", "/\\evil.example", "/"},
		{"relative", "orgs/x", "/"},
		{"header injection", "/x\r\nSet-Cookie: a=b", "/"},
		{"javascript", "javascript:alert(1)", "/"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := safeNext(tc.in); got != tc.want {
				t.Errorf("safeNext(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// FuzzSafeNext: whatever comes in, what goes out is a path on this host.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/", "//x", "/\\x", "http://x", "/a?b=c", "/%2f%2fx"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := safeNext(in)
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.HasPrefix(got, "/\\") || strings.ContainsAny(got, "\r\n") {
			t.Fatalf("safeNext(%q) = %q leaves this console", in, got)
		}
	})
}

func TestSessionCSRFDiffersPerSession(t *testing.T) {
	t.Parallel()
	a, b := sessionCSRF("gths_one"), sessionCSRF("gths_two")
	if a == b || a == "" || strings.Contains(a, "gths_") {
		t.Fatalf("CSRF tokens %q and %q: want distinct values that do not reveal the session", a, b)
	}
	if sessionCSRF("gths_one") != a {
		t.Fatal("a session's CSRF token is not stable")
	}
}

// TestPagesParse: every page template parses with the layout.
func TestPagesParse(t *testing.T) {
	t.Parallel()
	ps, err := loadPages()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"signin", "organization", "error", "noorg", "events", "access", "review", "service", "project", "projects"} {
		if ps.pages[name] == nil {
			t.Errorf("page %q missing", name)
		}
	}
}

func TestCheckCSRFOrigin(t *testing.T) {
	t.Parallel()
	c := &Console{publicHost: "gatehouse.example.com"}
	const tok = "0123456789abcdef0123456789abcdef-token"
	cases := []struct {
		name, origin string
		want         bool
	}{
		{"no origin", "", true},
		{"same host", "http://console.test", true},
		{"public URL's host", "https://gatehouse.example.com", true},
		{"another site", "https://evil.example", false},
		{"opaque origin", "null", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("POST", "http://console.test/signin", strings.NewReader("csrf="+tok))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.AddCookie(&http.Cookie{Name: csrfCookie, Value: tok})
			if tc.origin != "" {
				r.Header.Set("Origin", tc.origin)
			}
			if got := c.checkCSRF(&Request{Request: r}); got != tc.want {
				t.Errorf("checkCSRF with Origin %q = %v, want %v", tc.origin, got, tc.want)
			}
		})
	}
	t.Run("token differs from the cookie", func(t *testing.T) {
		t.Parallel()
		r := httptest.NewRequest("POST", "http://console.test/signin", strings.NewReader("csrf=something-else-entirely-0123456789"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.AddCookie(&http.Cookie{Name: csrfCookie, Value: tok})
		if c.checkCSRF(&Request{Request: r}) {
			t.Error("a token unlike the cookie passed")
		}
	})
}
