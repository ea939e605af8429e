package api

import (
	"net/http"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/org"
)

type techEmail struct {
	Email string `json:"email"`
}

func techEmailsIn(in *[]techEmail) *[]string {
	if in == nil {
		return nil
	}
	out := make([]string, 0, len(*in))
	for _, e := range *in {
		out = append(out, e.Email)
	}
	return &out
}

func techEmailsOut(es []string) []techEmail {
	out := make([]techEmail, 0, len(es))
	for _, e := range es {
		out = append(out, techEmail{Email: e})
	}
	return out
}

// orgProjectOut is the organization-scoped project shape.
type orgProjectOut struct {
	AccountID          *string           `json:"account_id"`
	BasePort           *int              `json:"base_port"`
	BillingGroupID     *string           `json:"billing_group_id"`
	EndOfLifeExtension map[string]any    `json:"end_of_life_extension"`
	Features           map[string]bool   `json:"features"`
	OrganizationID     string            `json:"organization_id"`
	ParentID           string            `json:"parent_id"`
	ProjectID          string            `json:"project_id"`
	Tags               map[string]string `json:"tags"`
	TechEmails         []techEmail       `json:"tech_emails"`
}

func toOrgProject(p org.Project) orgProjectOut {
	acct, bg := p.AccountID, p.BillingGroupID
	out := orgProjectOut{AccountID: &acct, BasePort: p.BasePort, EndOfLifeExtension: map[string]any{}, Features: map[string]bool{},
		OrganizationID: p.OrganizationID, ParentID: p.ParentID, ProjectID: p.Name, Tags: nonNilTags(p.Tags), TechEmails: techEmailsOut(p.TechEmails)}
	if bg != "" {
		out.BillingGroupID = &bg
	}
	return out
}

// legacyProjectOut is the /v1/project shape.
type legacyProjectOut struct {
	AccountID        string            `json:"account_id"`
	BillingAddress   string            `json:"billing_address"`
	BillingEmails    []techEmail       `json:"billing_emails"`
	BillingGroupID   string            `json:"billing_group_id"`
	BillingGroupName string            `json:"billing_group_name"`
	Country          string            `json:"country"`
	CountryCode      string            `json:"country_code"`
	DefaultCloud     string            `json:"default_cloud"`
	EstimatedBalance string            `json:"estimated_balance"`
	Features         map[string]any    `json:"features"`
	OrganizationID   string            `json:"organization_id"`
	PaymentMethod    string            `json:"payment_method"`
	ProjectName      string            `json:"project_name"`
	Tags             map[string]string `json:"tags"`
	TechEmails       []techEmail       `json:"tech_emails"`
	VatID            string            `json:"vat_id"`
	CreateTime       time.Time         `json:"create_time"`
	ParentID         string            `json:"parent_id"`
	BasePort         *int              `json:"base_port"`
	// Billing Gatehouse does not do: sent empty, as avn reads them.
	BillingCurrency  string  `json:"billing_currency"`
	BillingExtraText *string `json:"billing_extra_text"`
}

func toLegacyProject(p org.Project) legacyProjectOut {
	return legacyProjectOut{AccountID: p.AccountID, BillingEmails: []techEmail{}, BillingGroupID: p.BillingGroupID, DefaultCloud: p.DefaultCloud,
		EstimatedBalance: "0.00", Features: map[string]any{}, OrganizationID: p.OrganizationID, PaymentMethod: "no_payment_expected",
		ProjectName: p.Name, Tags: nonNilTags(p.Tags), TechEmails: techEmailsOut(p.TechEmails), CreateTime: p.CreateTime, ParentID: p.ParentID, BasePort: p.BasePort}
}

func nonNilTags(t map[string]string) map[string]string {
	if t == nil {
		return map[string]string{}
	}
	return t
}

type orgProjectIn struct {
	BasePort       *int               `json:"base_port"`
	BillingGroupID *string            `json:"billing_group_id"`
	ParentID       *string            `json:"parent_id"`
	ProjectID      string             `json:"project_id"`
	Tags           *map[string]string `json:"tags"`
	TechEmails     *[]techEmail       `json:"tech_emails"`
	// Update only.
	ProjectName    *string `json:"project_name"`
	OrganizationID *string `json:"organization_id"`
}

func (s *Server) createOrgProject(r *http.Request, a *control.Actor) (int, any, error) {
	var in orgProjectIn
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	p, err := s.plane.CreateProject(r.Context(), a, r.PathValue("org"), control.ProjectInput{
		Name: in.ProjectID, ParentID: in.ParentID, BillingGroupID: in.BillingGroupID, BasePort: in.BasePort, Tags: in.Tags, TechEmails: techEmailsIn(in.TechEmails)})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, toOrgProject(p), nil
}

func (s *Server) getOrgProject(r *http.Request, a *control.Actor) (int, any, error) {
	p, err := s.plane.GetProject(r.Context(), a, r.PathValue("org"), r.PathValue("project"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, toOrgProject(p), nil
}

func (s *Server) listOrgProjects(r *http.Request, a *control.Actor) (int, any, error) {
	ps, err := s.plane.ListProjects(r.Context(), a, r.PathValue("org"))
	if err != nil {
		return 0, nil, err
	}
	out := make([]orgProjectOut, 0, len(ps))
	for _, p := range ps {
		out = append(out, toOrgProject(p))
	}
	return http.StatusOK, map[string]any{"projects": out, "total_project_count": len(out)}, nil
}

func (s *Server) updateOrgProject(r *http.Request, a *control.Actor) (int, any, error) {
	var in orgProjectIn
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	orgID := r.PathValue("org")
	if in.OrganizationID != nil && *in.OrganizationID != "" && *in.OrganizationID != orgID {
		return 0, nil, badRequest("Moving a project to another organization is not supported")
	}
	p, err := s.plane.UpdateProject(r.Context(), a, orgID, control.ProjectInput{
		Name: r.PathValue("project"), NewName: in.ProjectName, ParentID: in.ParentID, BillingGroupID: in.BillingGroupID,
		BasePort: in.BasePort, Tags: in.Tags, TechEmails: techEmailsIn(in.TechEmails)})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, toOrgProject(p), nil
}

func (s *Server) deleteOrgProject(r *http.Request, a *control.Actor) (int, any, error) {
	if err := s.plane.DeleteProject(r.Context(), a, r.PathValue("org"), r.PathValue("project")); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, struct{}{}, nil
}

type legacyProjectIn struct {
	Project        string             `json:"project"`
	AccountID      *string            `json:"account_id"`
	ParentID       *string            `json:"parent_id"`
	BillingGroupID *string            `json:"billing_group_id"`
	Cloud          *string            `json:"cloud"`
	BasePort       *int               `json:"base_port"`
	Tags           *map[string]string `json:"tags"`
	TechEmails     *[]techEmail       `json:"tech_emails"`
	ProjectName    *string            `json:"project_name"`
}

func (s *Server) createLegacyProject(r *http.Request, a *control.Actor) (int, any, error) {
	var in legacyProjectIn
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	parent := in.AccountID
	if in.ParentID != nil && *in.ParentID != "" {
		parent = in.ParentID
	}
	p, err := s.plane.CreateProject(r.Context(), a, "", control.ProjectInput{
		Name: in.Project, ParentID: parent, BillingGroupID: in.BillingGroupID, Cloud: in.Cloud, BasePort: in.BasePort, Tags: in.Tags, TechEmails: techEmailsIn(in.TechEmails)})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"project": toLegacyProject(p)}, nil
}

func (s *Server) getLegacyProject(r *http.Request, a *control.Actor) (int, any, error) {
	p, err := s.plane.GetProject(r.Context(), a, "", r.PathValue("project"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"project": toLegacyProject(p)}, nil
}

func (s *Server) listLegacyProjects(r *http.Request, a *control.Actor) (int, any, error) {
	ps, err := s.plane.ListProjects(r.Context(), a, "")
	if err != nil {
		return 0, nil, err
	}
	out := make([]legacyProjectOut, 0, len(ps))
	membership := map[string]string{}
	memberships := map[string][]string{}
	for _, p := range ps {
		out = append(out, toLegacyProject(p))
		roles := s.plane.ProjectRoles(a, p.Name)
		memberships[p.Name] = roles
		if len(roles) > 0 {
			membership[p.Name] = roles[0]
		}
	}
	return http.StatusOK, map[string]any{"projects": out, "project_membership": membership, "project_memberships": memberships}, nil
}

func (s *Server) updateLegacyProject(r *http.Request, a *control.Actor) (int, any, error) {
	var in legacyProjectIn
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	parent := in.AccountID
	if in.ParentID != nil && *in.ParentID != "" {
		parent = in.ParentID
	}
	p, err := s.plane.UpdateProject(r.Context(), a, "", control.ProjectInput{
		Name: r.PathValue("project"), NewName: in.ProjectName, ParentID: parent, BillingGroupID: in.BillingGroupID,
		Cloud: in.Cloud, BasePort: in.BasePort, Tags: in.Tags, TechEmails: techEmailsIn(in.TechEmails)})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"project": toLegacyProject(p)}, nil
}

func (s *Server) deleteLegacyProject(r *http.Request, a *control.Actor) (int, any, error) {
	if err := s.plane.DeleteProject(r.Context(), a, "", r.PathValue("project")); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, struct{}{}, nil
}
