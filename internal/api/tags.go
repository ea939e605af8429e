package api

import (
	"net/http"

	"github.com/gatehouse-dev/gatehouse/internal/control"
)

func init() { routeSets = append(routeSets, (*Server).tagRoutes) }

// tagRoutes are Aiven's tag endpoints of projects and services.
func (s *Server) tagRoutes() {
	const project = "/v1/project/{project}/tags"
	s.handle("GET "+project, control.OpProjectTagsList, s.projectTags)
	s.handle("PUT "+project, control.OpProjectTagsReplace, s.changeProjectTags)
	s.handle("PATCH "+project, control.OpProjectTagsUpdate, s.changeProjectTags)
	const service = "/v1/project/{project}/service/{service}/tags"
	s.handle("GET "+service, control.OpProjectServiceTagsList, s.serviceTags)
	s.handle("PUT "+service, control.OpProjectServiceTagsReplace, s.changeServiceTags)
	s.handle("PATCH "+service, control.OpProjectServiceTagsUpdate, s.changeServiceTags)
}

// tagsOut is the answer of every tag endpoint.
type tagsOut struct {
	Tags map[string]string `json:"tags"`
}

// tagChange reads {"tags": {...}}: PUT replaces the tags, PATCH merges
// them in, and a null value removes its key.
func tagChange(r *http.Request) (control.TagChange, error) {
	var in struct {
		Tags *map[string]*string `json:"tags"`
	}
	if err := decodeReq(r, &in); err != nil {
		return control.TagChange{}, err
	}
	if in.Tags == nil {
		return control.TagChange{}, badRequest("tags is required (an object; {} removes every tag)")
	}
	return control.TagChange{Replace: r.Method == http.MethodPut, Tags: *in.Tags}, nil
}

func (s *Server) projectTags(r *http.Request, a *control.Actor) (int, any, error) {
	tags, err := s.plane.ProjectTags(r.Context(), a, r.PathValue("project"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, tagsOut{tags}, nil
}

func (s *Server) changeProjectTags(r *http.Request, a *control.Actor) (int, any, error) {
	c, err := tagChange(r)
	if err != nil {
		return 0, nil, err
	}
	tags, err := s.plane.ChangeProjectTags(r.Context(), a, r.PathValue("project"), c)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, tagsOut{tags}, nil
}

func (s *Server) serviceTags(r *http.Request, a *control.Actor) (int, any, error) {
	tags, err := s.plane.ServiceTags(r.Context(), a, r.PathValue("project"), r.PathValue("service"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, tagsOut{tags}, nil
}

func (s *Server) changeServiceTags(r *http.Request, a *control.Actor) (int, any, error) {
	c, err := tagChange(r)
	if err != nil {
		return 0, nil, err
	}
	tags, err := s.plane.ChangeServiceTags(r.Context(), a, r.PathValue("project"), r.PathValue("service"), c)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, tagsOut{tags}, nil
}
