package sso

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
)

// stateCookie binds an OIDC sign-in to the browser that started it, so a
// code and state captured elsewhere cannot finish it (login CSRF). The
// callback is a top-level GET, which SameSite=Lax cookies reach.
const stateCookie = "gatehouse_sso_state"

// providerTTL is how long a discovery document is reused.
const providerTTL = 10 * time.Minute

type cachedProvider struct {
	p       *oidc.Provider
	fetched time.Time
}

// provider returns the issuer's discovery (and its key set, which go-oidc
// refreshes when a token names a key it lacks).
func (h *Handler) provider(r *http.Request, issuer string) (*oidc.Provider, error) {
	h.mu.Lock()
	c, ok := h.providers[issuer]
	h.mu.Unlock()
	if ok && time.Since(c.fetched) < providerTTL {
		return c.p, nil
	}
	cx, cancel := ctx(r)
	defer cancel()
	p, err := oidc.NewProvider(oidc.ClientContext(cx, h.opt.HTTPClient), issuer)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	if len(h.providers) > 1000 {
		clear(h.providers)
	}
	h.providers[issuer] = cachedProvider{p: p, fetched: time.Now()}
	h.mu.Unlock()
	return p, nil
}

func (h *Handler) oauthConfig(m identity.AuthMethod, p *oidc.Provider) (*oauth2.Config, error) {
	secret, err := h.plane.SSOClientSecret(m)
	if err != nil {
		return nil, err
	}
	return &oauth2.Config{ClientID: m.OIDCClientID, ClientSecret: secret, Endpoint: p.Endpoint(),
		RedirectURL: h.plane.SSOEndpoints(m).Callback, Scopes: m.OIDCScopes}, nil
}

func (h *Handler) oidcLogin(w http.ResponseWriter, r *http.Request) {
	m, ok := h.method(w, r, identity.AuthMethodOIDC)
	if !ok {
		return
	}
	f, err := startFlow(r, m.ID)
	if err != nil {
		h.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	p, err := h.provider(r, m.OIDCIssuer)
	if err != nil {
		h.refuse(w, r, "The identity provider's discovery document could not be read", err)
		return
	}
	cfg, err := h.oauthConfig(m, p)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	state := control.NewSSOSecret()
	f.Nonce, f.Verifier = control.NewSSOSecret(), oauth2.GenerateVerifier()
	if err := h.plane.PutSSOTicket(r.Context(), control.TicketOIDCState, state, f, control.SSORequestTTL); err != nil {
		h.failErr(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Value: state, Path: "/v1/sso/oidc/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: h.cookies.Secure(r), MaxAge: int(control.SSORequestTTL / time.Second)})
	http.Redirect(w, r, cfg.AuthCodeURL(state, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier)), http.StatusSeeOther)
}

func (h *Handler) oidcCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state := q.Get("state")
	ck, err := r.Cookie(stateCookie)
	if state == "" || err != nil || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(state)) != 1 {
		h.fail(w, r, http.StatusBadRequest, "This sign-in was not started in this browser (state mismatch); start again")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Value: "", Path: "/v1/sso/oidc/", HttpOnly: true, MaxAge: -1})
	var f flow
	if err := h.plane.TakeSSOTicket(r.Context(), control.TicketOIDCState, state, &f); err != nil {
		h.failErr(w, r, err)
		return
	}
	m, ok := h.method(w, r, identity.AuthMethodOIDC)
	if !ok {
		return
	}
	if f.MethodID != m.ID {
		h.fail(w, r, http.StatusBadRequest, "This sign-in was started for another identity provider")
		return
	}
	if e := q.Get("error"); e != "" {
		h.fail(w, r, http.StatusForbidden, fmt.Sprintf("The identity provider refused: %s %s", e, q.Get("error_description")))
		return
	}
	p, err := h.provider(r, m.OIDCIssuer)
	if err != nil {
		h.refuse(w, r, "The identity provider's discovery document could not be read", err)
		return
	}
	cfg, err := h.oauthConfig(m, p)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	cx, cancel := ctx(r)
	defer cancel()
	cx = oidc.ClientContext(cx, h.opt.HTTPClient)
	tok, err := cfg.Exchange(cx, q.Get("code"), oauth2.VerifierOption(f.Verifier))
	if err != nil {
		h.refuse(w, r, "The identity provider did not redeem the authorization code", err)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		h.refuse(w, r, "The identity provider sent no ID token", nil)
		return
	}
	// Signature (the issuer's published keys), issuer, audience (our
	// client ID) and expiry.
	idt, err := p.Verifier(&oidc.Config{ClientID: m.OIDCClientID}).Verify(cx, raw)
	if err != nil {
		h.refuse(w, r, "The ID token is not valid (signature, issuer, audience or expiry)", err)
		return
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(f.Nonce)) != 1 {
		h.refuse(w, r, "The ID token's nonce does not match this sign-in", nil)
		return
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		h.refuse(w, r, "The ID token's claims could not be read", err)
		return
	}
	h.finish(w, r, f, oidcProfile(m, idt.Subject, claims))
}

// oidcProfile reads the person from the ID token's claims through the
// method's claim mapping.
func oidcProfile(m identity.AuthMethod, subject string, claims map[string]any) control.SSOProfile {
	name := func(mapped, def string) string {
		if mapped != "" {
			return mapped
		}
		return def
	}
	prof := control.SSOProfile{MethodID: m.ID, Subject: subject, EmailVerified: true}
	if id := m.Mapping.Identity; id != "" {
		prof.Subject = claimString(claims[id])
	}
	prof.Email = claimString(claims[name(m.Mapping.Email, "email")])
	prof.RealName = claimString(claims[name(m.Mapping.RealName, "name")])
	// A provider that says the address is unverified is refused; one that
	// says nothing vouches for addresses on the organization's verified
	// domains, which control requires.
	switch v := claims["email_verified"].(type) {
	case bool:
		prof.EmailVerified = v
	case string:
		prof.EmailVerified = v != "false"
	}
	if g, ok := claims[name(m.Mapping.Groups, "groups")]; ok {
		prof.Groups, prof.GroupsGiven = claimStrings(g), true
	}
	return prof
}

func claimString(v any) string {
	s, _ := v.(string)
	return s
}

func claimStrings(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
