package console

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"

	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/token"
	"github.com/gatehouse-dev/gatehouse/internal/websession"
)

// errNoSession is why a request without a usable session is sent to the
// sign-in page.
var errNoSession = control.ErrUnauthenticated

// authenticate resolves the session cookie through the same path the API
// takes for bearer tokens. Only session tokens of organization users open
// the console: an application user's token (or a personal API token
// pasted into the cookie) does not.
func (c *Console) authenticate(r *http.Request) (*control.Actor, error) {
	secret, ok := websession.Token(r)
	if !ok {
		return nil, errNoSession
	}
	if kind, err := token.Parse(secret); err != nil || kind != token.KindSession {
		return nil, errNoSession
	}
	a, err := c.plane.Authenticate(r.Context(), secret, c.opts.ClientIP(r), r.UserAgent())
	if err != nil {
		return nil, err
	}
	if a.User.IsApplication || a.Token.Kind != token.KindSession {
		return nil, errNoSession
	}
	return a, nil
}

// CSRF: a signed-in person's forms carry an HMAC of their session token
// (stateless, so any server of a deployment checks it, and it changes
// with every sign-in); forms shown before signing in (sign-in, password
// reset, invitations) carry a random value also set in a SameSite=Strict
// cookie (double submit). Either way a page of another site cannot know
// the value, and the Origin header, when sent, must be this host.

const (
	csrfField  = "csrf"
	csrfHeader = "X-CSRF-Token"
	csrfCookie = "gatehouse_csrf"
)

// sessionCSRF is the CSRF token of the forms of a session.
func sessionCSRF(sessionToken string) string {
	m := hmac.New(sha256.New, []byte(sessionToken))
	m.Write([]byte("gatehouse console form"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// csrfToken is the token r's forms carry; for a request without a session
// it sets the double-submit cookie when missing.
func (c *Console) csrfToken(w http.ResponseWriter, r *Request) string {
	if r.csrf != "" {
		return r.csrf
	}
	if r.Actor != nil {
		if s, ok := websession.Token(r.Request); ok {
			r.csrf = sessionCSRF(s)
			return r.csrf
		}
	}
	if ck, err := r.Cookie(csrfCookie); err == nil && len(ck.Value) >= 32 {
		r.csrf = ck.Value
		return r.csrf
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	r.csrf = base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: r.csrf, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: c.cookies.Secure(r.Request)})
	return r.csrf
}

// checkCSRF reports whether a state-changing request came from one of this
// console's forms.
func (c *Console) checkCSRF(r *Request) bool {
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host == "" || (u.Host != r.Host && u.Host != c.publicHost) {
			return false
		}
	}
	got := r.Header.Get(csrfHeader)
	if got == "" {
		// ParseForm errors (a malformed body) leave the field empty: refused.
		_ = r.ParseForm()
		got = r.PostForm.Get(csrfField)
	}
	if got == "" {
		return false
	}
	if r.Actor != nil {
		if s, ok := websession.Token(r.Request); ok && equal(got, sessionCSRF(s)) {
			return true
		}
	}
	ck, err := r.Cookie(csrfCookie)
	return err == nil && len(ck.Value) >= 32 && equal(got, ck.Value)
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
