package api

import (
	"net/http"

	"github.com/gatehouse-dev/gatehouse/internal/control"
)

func init() { routeSets = append(routeSets, (*Server).ssoRoutes) }

// ssoRoutes are the JSON side of identity-provider sign-in; the browser
// side (redirects, the SAML ACS, metadata) is package sso's, mounted with
// WithSSO.
func (s *Server) ssoRoutes() {
	s.public("POST /v1/sso/discover", control.OpSSODiscover, s.ssoDiscover)
	s.public("POST /v1/sso/token", control.OpSSOTokenExchange, s.ssoToken)
}

func (s *Server) ssoDiscover(r *http.Request, _ *control.Actor) (int, any, error) {
	var in struct {
		Email          string `json:"email"`
		OrganizationID string `json:"organization_id"`
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	d, err := s.plane.DiscoverSSO(r.Context(), in.Email, in.OrganizationID)
	if err != nil {
		return 0, nil, err
	}
	out := map[string]any{"sso": d.Found, "password_allowed": d.PasswordAllowed,
		"authentication_method_id": nil, "authentication_method_name": nil, "authentication_method_type": nil, "login_url": nil}
	if d.Found {
		out["authentication_method_id"], out["authentication_method_name"] = d.MethodID, d.MethodName
		out["authentication_method_type"], out["login_url"] = d.MethodType, d.LoginURL
	}
	return http.StatusOK, out, nil
}

func (s *Server) ssoToken(r *http.Request, _ *control.Actor) (int, any, error) {
	var in struct {
		Code     string `json:"code"`
		Verifier string `json:"code_verifier"`
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	res, err := s.plane.ExchangeSSOCode(r.Context(), in.Code, in.Verifier, clientIP(r), r.UserAgent())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"token": res.Token, "state": res.User.State, "user_email": res.User.Email}, nil
}
