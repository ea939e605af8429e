// Package websession is the browser's session cookie: its name, its flags
// and how it is read, decided in one place for every page and every
// sign-in flow (password, SAML, OpenID Connect) that sets or reads it.
//
// The cookie carries an ordinary session token, the same kind a password
// login hands to API clients, so revocation, expiry, deactivation and the
// IP allow-list apply to browsers exactly as to the API.
package websession

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// CookieName is the session cookie's name. The __Host- prefix is not used
// because it demands Secure, which plain-HTTP loopback development lacks.
const CookieName = "gatehouse_session"

// Cookies sets and reads the session cookie of one deployment.
type Cookies struct {
	// secure forces the Secure flag even on plain-HTTP requests: the
	// server sits behind a TLS-terminating proxy when its public URL is
	// https.
	secure bool
}

// New returns the cookie settings for a server whose external base URL is
// publicURL (empty when unknown).
func New(publicURL string) Cookies {
	u, err := url.Parse(publicURL)
	return Cookies{secure: err == nil && strings.EqualFold(u.Scheme, "https")}
}

// Secure reports whether a cookie set in answer to r carries the Secure
// flag: when r came over TLS or the public URL is https.
func (c Cookies) Secure(r *http.Request) bool { return c.secure || r.TLS != nil }

// Set stores a session token in the browser until expires (a session
// cookie, gone when the browser closes, when expires is zero). HttpOnly
// keeps it from scripts; SameSite=Lax keeps it off cross-site posts.
func (c Cookies) Set(w http.ResponseWriter, r *http.Request, token string, expires time.Time) {
	ck := &http.Cookie{
		Name:     CookieName,
		Value:    token,
		Path:     "/",
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
		Secure:   c.Secure(r),
	}
	if !expires.IsZero() {
		ck.Expires = expires.UTC()
		ck.MaxAge = max(1, int(time.Until(expires).Seconds()))
	}
	http.SetCookie(w, ck)
}

// Clear removes the session cookie from the browser.
func (c Cookies) Clear(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name:     CookieName,
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
		Secure:   c.Secure(r),
	})
}

// Token returns the session token the browser sent, if any.
func Token(r *http.Request) (string, bool) {
	ck, err := r.Cookie(CookieName)
	if err != nil || ck.Value == "" {
		return "", false
	}
	return ck.Value, true
}
