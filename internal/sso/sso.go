// Package sso is the browser side of signing in through an
// organization's identity provider: an OpenID Connect relying party
// (authorization code flow with PKCE, state and nonce, through
// github.com/coreos/go-oidc and golang.org/x/oauth2) and a SAML 2.0
// service provider (github.com/crewjam/saml), at Aiven's
// /v1/sso/saml/account/{account_id}/method/{method_id}/... layout.
//
// The protocols end here; who the person is, what they may join and the
// session they get are decided by control.Plane.SSOSignIn, the same for
// both. A browser gets the session in the websession cookie and is sent
// to the console; the command line gets a one-time code on its loopback
// listener, which it exchanges (with the verifier of the challenge it
// sent) for the session: the token never travels in a URL.
//
// Every sign-in in progress (an OIDC state with its nonce and PKCE
// verifier, a SAML request ID) and every used SAML assertion ID is a
// one-time ticket in the store, so any server of a deployment can finish
// a sign-in another started, and a replayed assertion is refused by all.
package sso

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/outbound"
	"github.com/gatehouse-dev/gatehouse/internal/websession"
)

// Options configure the handler.
type Options struct {
	// PublicURL is the server's external base URL (the SSO endpoints'
	// addresses are built from it by control.Plane.SSOEndpoints).
	PublicURL string
	// ClientIP decides a request's client address (api.ClientIP).
	ClientIP func(*http.Request) string
	Log      *slog.Logger
	// HTTPClient fetches OIDC discovery documents and keys and redeems
	// codes; default: 10-second timeout, and no connection to what
	// outbound.Default refuses (the issuer is an administrator's input, so
	// it must not reach the cloud metadata service).
	HTTPClient *http.Client
}

// Handler serves the SSO endpoints under /v1/sso/.
type Handler struct {
	plane   *control.Plane
	opt     Options
	cookies websession.Cookies
	mux     *http.ServeMux

	mu        sync.Mutex
	providers map[string]cachedProvider // OIDC discovery per issuer
}

// New returns the SSO endpoints over plane.
func New(plane *control.Plane, opt Options) *Handler {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.HTTPClient == nil {
		opt.HTTPClient = &http.Client{Timeout: 10 * time.Second,
			Transport: &http.Transport{DialContext: outbound.Default().Dialer(10 * time.Second).DialContext}}
	}
	if opt.ClientIP == nil {
		opt.ClientIP = func(r *http.Request) string {
			host, _, _ := net.SplitHostPort(r.RemoteAddr)
			return host
		}
	}
	h := &Handler{plane: plane, opt: opt, cookies: websession.New(opt.PublicURL), mux: http.NewServeMux(), providers: map[string]cachedProvider{}}
	const base = "/v1/sso/{type}/account/{account}/method/{method}/"
	h.mux.HandleFunc("GET /v1/sso/oidc/account/{account}/method/{method}/login", h.oidcLogin)
	h.mux.HandleFunc("GET /v1/sso/oidc/account/{account}/method/{method}/callback", h.oidcCallback)
	h.mux.HandleFunc("GET /v1/sso/saml/account/{account}/method/{method}/login", h.samlLogin)
	h.mux.HandleFunc("POST /v1/sso/saml/account/{account}/method/{method}/acs", h.samlACS)
	h.mux.HandleFunc("GET /v1/sso/saml/account/{account}/method/{method}/metadata", h.samlMetadata)
	h.mux.HandleFunc(base+"{rest...}", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, http.StatusNotFound, "No such sign-in endpoint")
	})
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	h.mux.ServeHTTP(w, r)
}

// flow is what a sign-in carries from its start to its end: the command
// line's challenge and loopback port when it started there.
type flow struct {
	MethodID     string `json:"method_id"`
	CLIChallenge string `json:"cli_challenge,omitempty"`
	CLIPort      int    `json:"cli_port,omitempty"`
	// OIDC only.
	Nonce    string `json:"nonce,omitempty"`
	Verifier string `json:"verifier,omitempty"`
}

// startFlow reads the command line's parameters of a login request.
func startFlow(r *http.Request, methodID string) (flow, error) {
	f := flow{MethodID: methodID}
	q := r.URL.Query()
	ch, port := q.Get("cli_challenge"), q.Get("cli_port")
	if ch == "" && port == "" {
		return f, nil
	}
	// A base64url SHA-256, as PKCE's S256 challenge.
	if len(ch) != 43 || strings.Trim(ch, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		return f, errors.New("cli_challenge must be the base64url SHA-256 of the verifier (43 characters)")
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1024 || p > 65535 {
		return f, errors.New("cli_port must be a port number from 1024 to 65535")
	}
	f.CLIChallenge, f.CLIPort = ch, p
	return f, nil
}

// method loads the path's method for sign-in, of the path's type.
func (h *Handler) method(w http.ResponseWriter, r *http.Request, typ string) (identity.AuthMethod, bool) {
	m, err := h.plane.SSOMethod(r.Context(), r.PathValue("account"), r.PathValue("method"))
	if err == nil && m.Type != typ {
		err = fmt.Errorf("%w: not a %s method", control.ErrNotFound, typ)
	}
	if err != nil {
		h.failErr(w, r, err)
		return m, false
	}
	return m, true
}

// finish completes a sign-in: the browser gets its session cookie and
// the console; the command line a one-time code on its loopback port.
func (h *Handler) finish(w http.ResponseWriter, r *http.Request, f flow, prof control.SSOProfile) {
	res, err := h.plane.SSOSignIn(r.Context(), prof, control.SignInOptions{
		ClientIP: h.opt.ClientIP(r), UserAgent: r.UserAgent(), CLIChallenge: f.CLIChallenge})
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	if f.CLIChallenge != "" {
		// Only the loopback address: the code is useless without the
		// verifier, and the redirect can go nowhere else.
		u := url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(f.CLIPort)), Path: "/callback",
			RawQuery: url.Values{"code": {res.CLICode}}.Encode()}
		http.Redirect(w, r, u.String(), http.StatusSeeOther)
		return
	}
	h.cookies.Set(w, r, res.Token, res.Expires)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

var failPage = template.Must(template.New("fail").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign-in failed</title></head>
<body><h1>Sign-in failed</h1><p>{{.}}</p><p><a href="/">Back to sign-in</a></p></body></html>
`))

// fail answers a sign-in error as a small page (these endpoints are
// visited by browsers).
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_ = failPage.Execute(w, msg)
}

// failErr answers err with the status its kind calls for; unexpected
// errors are logged and answered opaquely.
func (h *Handler) failErr(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, control.ErrInvalid), errors.Is(err, org.ErrInvalid):
		status = http.StatusBadRequest
	case errors.Is(err, control.ErrForbidden):
		status = http.StatusForbidden
	case errors.Is(err, control.ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, control.ErrGone):
		status = http.StatusGone
	case errors.Is(err, control.ErrUnavailable):
		status = http.StatusServiceUnavailable
	}
	msg := err.Error()
	if status == http.StatusInternalServerError {
		h.opt.Log.Error("sign-in failed", "path", r.URL.Path, "err", err)
		msg = "internal error"
	}
	h.fail(w, r, status, msg)
}

// refuse answers a protocol check that failed: the reason goes to the log,
// the browser learns only which check.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, what string, err error) {
	h.opt.Log.Warn("sign-in refused", "path", r.URL.Path, "check", what, "err", err)
	h.fail(w, r, http.StatusForbidden, what)
}

// ctx bounds a call to an identity provider.
func ctx(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), 15*time.Second)
}
