package api

import (
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
)

func init() { routeSets = append(routeSets, (*Server).applicationRoutes) }

// applicationRoutes: application users and their tokens (Aiven's
// applicationuser handler) and personal tokens (Aiven's user handler).
func (s *Server) applicationRoutes() {
	const app = "/v1/organization/{org}/application-users"
	s.handle("POST "+app, control.OpApplicationUserCreate, s.createApplicationUser)
	s.handle("GET "+app, control.OpApplicationUsersList, s.listApplicationUsers)
	s.handle("GET "+app+"/{user}", control.OpApplicationUserGet, s.getApplicationUser)
	s.handle("PATCH "+app+"/{user}", control.OpApplicationUserUpdate, s.updateApplicationUser)
	s.handle("DELETE "+app+"/{user}", control.OpApplicationUserDelete, s.deleteApplicationUser)
	s.handle("POST "+app+"/{user}/access-tokens", control.OpApplicationUserAccessTokenCreate, s.createApplicationToken)
	s.handle("GET "+app+"/{user}/access-tokens", control.OpApplicationUserAccessTokensList, s.listApplicationTokens)
	s.handle("DELETE "+app+"/{user}/access-tokens/{prefix}", control.OpApplicationUserAccessTokenDelete, s.revokeApplicationToken)

	s.handle("POST /v1/access_token", control.OpAccessTokenCreate, s.createAccessToken)
	s.handle("GET /v1/access_token", control.OpAccessTokenList, s.listAccessTokens)
	s.handle("PUT /v1/access_token/{prefix}", control.OpAccessTokenUpdate, s.updateAccessToken)
	s.handle("DELETE /v1/access_token/{prefix}", control.OpAccessTokenRevoke, s.revokeAccessToken)
	s.handle("POST /v1/me/expire_tokens", control.OpUserExpireTokens, s.expireTokens)
}

// --- application users ---------------------------------------------------------

type applicationUserOut struct {
	CreateTime   time.Time `json:"create_time"`
	IsSuperAdmin bool      `json:"is_super_admin"`
	Name         string    `json:"name"`
	UserEmail    string    `json:"user_email"`
	UserID       string    `json:"user_id"`
}

func toApplicationUser(u identity.User) applicationUserOut {
	return applicationUserOut{CreateTime: u.CreateTime, Name: u.RealName, UserEmail: u.Email, UserID: u.ID}
}

type applicationUserIn struct {
	Name         string `json:"name"`
	IsSuperAdmin *bool  `json:"is_super_admin"`
}

func (s *Server) createApplicationUser(r *http.Request, a *control.Actor) (int, any, error) {
	var in applicationUserIn
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	u, err := s.plane.CreateApplicationUser(r.Context(), a, r.PathValue("org"), in.Name, in.IsSuperAdmin)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, toApplicationUser(u), nil
}

func (s *Server) listApplicationUsers(r *http.Request, a *control.Actor) (int, any, error) {
	us, err := s.plane.ListApplicationUsers(r.Context(), a, r.PathValue("org"))
	if err != nil {
		return 0, nil, err
	}
	out := make([]applicationUserOut, 0, len(us))
	for _, u := range us {
		out = append(out, toApplicationUser(u))
	}
	return http.StatusOK, map[string]any{"application_users": out}, nil
}

func (s *Server) getApplicationUser(r *http.Request, a *control.Actor) (int, any, error) {
	u, err := s.plane.GetApplicationUser(r.Context(), a, r.PathValue("org"), r.PathValue("user"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, toApplicationUser(u), nil
}

func (s *Server) updateApplicationUser(r *http.Request, a *control.Actor) (int, any, error) {
	var in applicationUserIn
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	u, err := s.plane.UpdateApplicationUser(r.Context(), a, r.PathValue("org"), r.PathValue("user"), in.Name, in.IsSuperAdmin)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, toApplicationUser(u), nil
}

func (s *Server) deleteApplicationUser(r *http.Request, a *control.Actor) (int, any, error) {
	if err := s.plane.DeleteApplicationUser(r.Context(), a, r.PathValue("org"), r.PathValue("user")); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, struct{}{}, nil
}

// --- tokens --------------------------------------------------------------------

type tokenIn struct {
	Description    string   `json:"description"`
	ExtendWhenUsed *bool    `json:"extend_when_used"`
	IPAllowlist    []string `json:"ip_allowlist"`
	// Aiven's personal-token schema has a number here, its application
	// token schema an integer: accept both, but only whole seconds.
	MaxAgeSeconds *float64 `json:"max_age_seconds"`
	Scopes        []string `json:"scopes"`
}

func (in tokenIn) input() (control.TokenInput, error) {
	out := control.TokenInput{Description: in.Description, IPAllowlist: in.IPAllowlist, Scopes: in.Scopes}
	if in.ExtendWhenUsed != nil {
		out.ExtendWhenUsed = *in.ExtendWhenUsed
	}
	if f := in.MaxAgeSeconds; f != nil {
		if math.IsNaN(*f) || *f != math.Trunc(*f) {
			return out, badRequest("max_age_seconds must be a whole number of seconds")
		}
		// Out-of-range values are refused by the use case; clamp first so
		// the conversion is defined.
		v := int64(math.Max(-1, math.Min(*f, 1e15)))
		out.MaxAgeSeconds = &v
	}
	return out, nil
}

// tokenOut is Aiven's TokenOut, plus expiring_soon: Gatehouse's hint to
// rotate (clients that do not know it ignore it). Like Aiven, every key is
// sent, null when empty: avn indexes them.
type tokenOut struct {
	CreateTime                 time.Time  `json:"create_time"`
	CreatedManually            bool       `json:"created_manually"`
	CurrentlyActive            bool       `json:"currently_active"`
	Description                string     `json:"description"`
	ExpiryTime                 *time.Time `json:"expiry_time"`
	ExtendWhenUsed             bool       `json:"extend_when_used"`
	IPAllowlist                []string   `json:"ip_allowlist"`
	LastIP                     *string    `json:"last_ip"`
	LastUsedTime               *time.Time `json:"last_used_time"`
	LastUserAgent              *string    `json:"last_user_agent"`
	LastUserAgentHumanReadable *string    `json:"last_user_agent_human_readable"`
	MaxAgeSeconds              *int64     `json:"max_age_seconds"`
	Scopes                     []string   `json:"scopes"`
	TokenPrefix                string     `json:"token_prefix"`
	ExpiringSoon               bool       `json:"expiring_soon"`
}

func toTokenOut(t control.TokenInfo) tokenOut {
	out := tokenOut{
		CreateTime: t.CreateTime, CreatedManually: t.CreatedManually, CurrentlyActive: t.CurrentlyActive,
		Description: t.Description, ExpiryTime: t.ExpiryTime, ExtendWhenUsed: t.ExtendWhenUsed,
		IPAllowlist: t.IPAllowlist, LastUsedTime: t.LastUsedTime, MaxAgeSeconds: t.MaxAgeSeconds,
		Scopes: t.Scopes, TokenPrefix: t.Prefix, ExpiringSoon: t.ExpiringSoon,
	}
	if t.LastUsedTime != nil {
		ip, ua := t.LastIP, t.LastUserAgent
		human := humanUserAgent(ua)
		out.LastIP, out.LastUserAgent, out.LastUserAgentHumanReadable = &ip, &ua, &human
	}
	return out
}

// humanUserAgent shortens a user agent to its first product token
// ("aiven-go-client/v3 (linux)" → "aiven-go-client/v3").
func humanUserAgent(ua string) string {
	if ua == "" {
		return "unknown"
	}
	first, _, _ := strings.Cut(ua, " ")
	return first
}

func toTokenList(ts []control.TokenInfo) map[string]any {
	out := make([]tokenOut, 0, len(ts))
	for _, t := range ts {
		out = append(out, toTokenOut(t))
	}
	return map[string]any{"tokens": out}
}

func (s *Server) createApplicationToken(r *http.Request, a *control.Actor) (int, any, error) {
	var raw tokenIn
	if err := decodeReq(r, &raw); err != nil {
		return 0, nil, err
	}
	in, err := raw.input()
	if err != nil {
		return 0, nil, err
	}
	t, err := s.plane.CreateApplicationToken(r.Context(), a, r.PathValue("org"), r.PathValue("user"), in)
	if err != nil {
		return 0, nil, err
	}
	// Aiven answers with these two fields only.
	return http.StatusOK, map[string]string{"full_token": t.Secret, "token_prefix": t.Token.Prefix}, nil
}

func (s *Server) listApplicationTokens(r *http.Request, a *control.Actor) (int, any, error) {
	ts, err := s.plane.ListApplicationTokens(r.Context(), a, r.PathValue("org"), r.PathValue("user"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, toTokenList(ts), nil
}

func (s *Server) revokeApplicationToken(r *http.Request, a *control.Actor) (int, any, error) {
	if err := s.plane.RevokeApplicationToken(r.Context(), a, r.PathValue("org"), r.PathValue("user"), r.PathValue("prefix")); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, struct{}{}, nil
}

func (s *Server) createAccessToken(r *http.Request, a *control.Actor) (int, any, error) {
	var raw tokenIn
	if err := decodeReq(r, &raw); err != nil {
		return 0, nil, err
	}
	in, err := raw.input()
	if err != nil {
		return 0, nil, err
	}
	t, err := s.plane.CreateAccessToken(r.Context(), a, in)
	if err != nil {
		return 0, nil, err
	}
	// Aiven returns the whole token object with full_token.
	return http.StatusOK, struct {
		tokenOut
		FullToken string `json:"full_token"`
	}{toTokenOut(control.TokenInfo{Token: t.Token}), t.Secret}, nil
}

func (s *Server) listAccessTokens(r *http.Request, a *control.Actor) (int, any, error) {
	ts, err := s.plane.ListAccessTokens(r.Context(), a)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, toTokenList(ts), nil
}

func (s *Server) updateAccessToken(r *http.Request, a *control.Actor) (int, any, error) {
	var in struct {
		Description string `json:"description"`
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	t, err := s.plane.UpdateAccessToken(r.Context(), a, r.PathValue("prefix"), in.Description)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, toTokenOut(t), nil
}

func (s *Server) revokeAccessToken(r *http.Request, a *control.Actor) (int, any, error) {
	if err := s.plane.RevokeAccessToken(r.Context(), a, r.PathValue("prefix")); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, struct{}{}, nil
}

func (s *Server) expireTokens(r *http.Request, a *control.Actor) (int, any, error) {
	if err := s.plane.ExpireAllTokens(r.Context(), a); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, struct{}{}, nil
}
