package api

import (
	"net/http"

	"github.com/gatehouse-dev/gatehouse/internal/control"
)

func init() { routeSets = append(routeSets, (*Server).scimRoutes) }

// scimRoutes serves the SCIM token of an authentication method (the SCIM
// protocol itself is package scim's, authorized by that token).
func (s *Server) scimRoutes() {
	s.handle("POST /v1/account/{account}/authentication/{method}/scim-token", control.OpAccountAuthenticationMethodSCIMTokenRotate, s.rotateSCIMToken)
}

// rotateSCIMToken answers the method with its new token in scim_token,
// the only time it is shown.
func (s *Server) rotateSCIMToken(r *http.Request, a *control.Actor) (int, any, error) {
	m, err := s.plane.RotateSCIMToken(r.Context(), a, r.PathValue("account"), r.PathValue("method"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"authentication_method": s.toAuthMethod(m), "scim_token": m.SCIMToken, "scim_url": s.plane.SCIMURL(m),
		"message": "SCIM token rotated: the previous token no longer works; this one is shown only now"}, nil
}
