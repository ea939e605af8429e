package websession

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestCookieFlags(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		publicURL  string
		tls        bool
		wantSecure bool
	}{
		{"plain loopback", "http://127.0.0.1:8080", false, false},
		{"no public URL", "", false, false},
		{"https public URL behind a proxy", "https://gatehouse.example.com", false, true},
		{"TLS request", "", true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", "/", nil)
			if tc.tls {
				r.TLS = &tls.ConnectionState{}
			}
			w := httptest.NewRecorder()
			New(tc.publicURL).Set(w, r, "aivenv1-secret", time.Now().Add(time.Hour))
			cks := w.Result().Cookies()
			if len(cks) != 1 {
				t.Fatalf("got %d cookies, want 1", len(cks))
			}
			ck := cks[0]
			if ck.Name != CookieName || ck.Value != "aivenv1-secret" || ck.Path != "/" {
				t.Errorf("cookie = %+v", ck)
			}
			if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
				t.Errorf("HttpOnly=%v SameSite=%v, want HttpOnly and Lax", ck.HttpOnly, ck.SameSite)
			}
			if ck.Secure != tc.wantSecure {
				t.Errorf("Secure=%v, want %v", ck.Secure, tc.wantSecure)
			}
			if ck.MaxAge <= 0 || ck.MaxAge > 3600 {
				t.Errorf("MaxAge=%d, want within the hour", ck.MaxAge)
			}
		})
	}
}

func TestTokenRoundTripAndClear(t *testing.T) {
	t.Parallel()
	c := New("")
	r := httptest.NewRequest("GET", "/", nil)
	if _, ok := Token(r); ok {
		t.Fatal("a request without the cookie has a token")
	}
	w := httptest.NewRecorder()
	c.Set(w, r, "tok", time.Time{})
	r2 := httptest.NewRequest("GET", "/", nil)
	for _, ck := range w.Result().Cookies() {
		if ck.MaxAge != 0 {
			t.Errorf("a session cookie without expiry has MaxAge %d", ck.MaxAge)
		}
		r2.AddCookie(ck)
	}
	if got, ok := Token(r2); !ok || got != "tok" {
		t.Fatalf("Token = %q, %v", got, ok)
	}
	w = httptest.NewRecorder()
	c.Clear(w, r2)
	cks := w.Result().Cookies()
	if len(cks) != 1 || cks[0].MaxAge >= 0 || cks[0].Value != "" {
		t.Fatalf("Clear set %+v", cks)
	}
}
