package api

import (
	"net/http"

	"github.com/gatehouse-dev/gatehouse/internal/control"
)

func init() { routeSets = append(routeSets, (*Server).projectInfraRoutes) }

// projectInfraRoutes answer what Aiven's clients read about a project's
// infrastructure: its CA certificate (a real one, kept per project) and
// its static IP addresses (none: Gatehouse provisions nothing).
func (s *Server) projectInfraRoutes() {
	s.handle("GET /v1/project/{project}/kms/ca", control.OpProjectKmsGetCA, s.projectCA)
	s.handle("GET /v1/project/{project}/static-ips", control.OpStaticIPList, s.staticIPs)
}

func (s *Server) projectCA(r *http.Request, a *control.Actor) (int, any, error) {
	cert, err := s.plane.ProjectCA(r.Context(), a, r.PathValue("project"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, struct {
		Certificate string `json:"certificate"`
	}{cert}, nil
}

func (s *Server) staticIPs(r *http.Request, a *control.Actor) (int, any, error) {
	ips, err := s.plane.StaticIPs(r.Context(), a, r.PathValue("project"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, struct {
		StaticIPs []string `json:"static_ips"`
	}{ips}, nil
}
