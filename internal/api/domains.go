package api

import (
	"net/http"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

func init() { routeSets = append(routeSets, (*Server).domainRoutes) }

// domainRoutes serves an organization's domains and what its admins may
// do to the users it manages.
func (s *Server) domainRoutes() {
	s.handle("POST /v1/organization/{org}/domains", control.OpOrganizationDomainAdd, s.addDomain)
	s.handle("GET /v1/organization/{org}/domains", control.OpOrganizationDomainsList, s.listDomains)
	s.handle("GET /v1/organization/{org}/domains/{domain}", control.OpOrganizationDomainGet, s.getDomain)
	s.handle("PATCH /v1/organization/{org}/domains/{domain}", control.OpOrganizationDomainUpdate, s.updateDomain)
	s.handle("POST /v1/organization/{org}/domains/{domain}/verify", control.OpOrganizationDomainVerify, s.verifyDomain)
	s.handle("DELETE /v1/organization/{org}/domains/{domain}", control.OpOrganizationDomainsRemove, s.removeDomain)

	s.handle("GET /v1/organization/{org}/user/{user}/access-tokens", control.OpOrganizationUserTokensList, s.managedUserTokens)
	s.handle("DELETE /v1/organization/{org}/user/{user}/access-token/{prefix}", control.OpOrganizationUserRevokeToken, s.revokeManagedUserToken)
	s.handle("POST /v1/organization/{org}/user/{user}/reset_password", control.OpOrganizationUserPasswordReset, s.resetManagedUserPassword)
	// Gatehouse's own: every user of the organization's verified domains,
	// members or not.
	s.handle("GET /v1/organization/{org}/managed-users", control.OpOrganizationManagedUsersList, s.listManagedUsers)
}

// domainOut is Aiven's domain, plus how to prove ownership (Gatehouse's
// additions, ignored by Aiven's clients).
type domainOut struct {
	ChallengeToken                string             `json:"challenge_token"`
	CreateTime                    time.Time          `json:"create_time"`
	DomainID                      string             `json:"domain_id"`
	DomainName                    string             `json:"domain_name"`
	LinkedAuthenticationMethodIDs []string           `json:"linked_authentication_method_ids"`
	OrganizationID                string             `json:"organization_id"`
	State                         string             `json:"state"`
	VerificationType              string             `json:"verification_type"`
	VerificationRecord            verificationRecord `json:"verification_record"`
	VerificationURL               string             `json:"verification_url"`
	VerifyTime                    *time.Time         `json:"verify_time"`
}

type verificationRecord struct {
	Name  string `json:"name"`
	Type  string `json:"type"`
	Value string `json:"value"`
}

func (s *Server) toDomain(d org.Domain) domainOut {
	pr := s.plane.DomainProof(d)
	return domainOut{ChallengeToken: d.ChallengeToken, CreateTime: d.CreateTime, DomainID: d.ID, DomainName: d.Name,
		LinkedAuthenticationMethodIDs: []string{}, OrganizationID: d.OrganizationID, State: d.State,
		VerificationType: d.VerificationType, VerificationRecord: verificationRecord{Name: pr.RecordName, Type: "TXT", Value: pr.RecordValue},
		VerificationURL: pr.FileURL, VerifyTime: d.VerifyTime}
}

func (s *Server) domainResult(d org.Domain, err error) (int, any, error) {
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, s.toDomain(d), nil
}

func (s *Server) addDomain(r *http.Request, a *control.Actor) (int, any, error) {
	var in struct {
		DomainName       string `json:"domain_name"`
		VerificationType string `json:"verification_type"`
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	return s.domainResult(s.plane.AddDomain(r.Context(), a, r.PathValue("org"), in.DomainName, in.VerificationType))
}

func (s *Server) listDomains(r *http.Request, a *control.Actor) (int, any, error) {
	ds, err := s.plane.ListDomains(r.Context(), a, r.PathValue("org"))
	if err != nil {
		return 0, nil, err
	}
	out := make([]domainOut, 0, len(ds))
	for _, d := range ds {
		out = append(out, s.toDomain(d))
	}
	return http.StatusOK, map[string]any{"domains": out}, nil
}

func (s *Server) getDomain(r *http.Request, a *control.Actor) (int, any, error) {
	return s.domainResult(s.plane.GetDomain(r.Context(), a, r.PathValue("org"), r.PathValue("domain")))
}

func (s *Server) updateDomain(r *http.Request, a *control.Actor) (int, any, error) {
	var in struct {
		VerificationType string `json:"verification_type"`
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	return s.domainResult(s.plane.UpdateDomain(r.Context(), a, r.PathValue("org"), r.PathValue("domain"), in.VerificationType))
}

func (s *Server) verifyDomain(r *http.Request, a *control.Actor) (int, any, error) {
	return s.domainResult(s.plane.VerifyDomain(r.Context(), a, r.PathValue("org"), r.PathValue("domain")))
}

func (s *Server) removeDomain(r *http.Request, a *control.Actor) (int, any, error) {
	if err := s.plane.RemoveDomain(r.Context(), a, r.PathValue("org"), r.PathValue("domain")); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, struct{}{}, nil
}

// managedTokenOut is Aiven's TokenOut of a managed user's token.
type managedTokenOut struct {
	CreateTime    time.Time  `json:"create_time"`
	Description   string     `json:"description"`
	ExpiryTime    *time.Time `json:"expiry_time"`
	IPAllowlist   []string   `json:"ip_allowlist"`
	LastIP        string     `json:"last_ip"`
	LastUsedTime  *time.Time `json:"last_used_time"`
	LastUserAgent string     `json:"last_user_agent"`
	TokenPrefix   string     `json:"token_prefix"`
}

func toManagedToken(t token.Token) managedTokenOut {
	allow := t.IPAllowlist
	if allow == nil {
		allow = []string{}
	}
	return managedTokenOut{CreateTime: t.CreateTime, Description: t.Description, ExpiryTime: t.ExpiryTime, IPAllowlist: allow,
		LastIP: t.LastIP, LastUsedTime: t.LastUsedTime, LastUserAgent: t.LastUserAgent, TokenPrefix: t.Prefix}
}

func (s *Server) managedUserTokens(r *http.Request, a *control.Actor) (int, any, error) {
	ts, err := s.plane.ManagedUserTokens(r.Context(), a, r.PathValue("org"), r.PathValue("user"))
	if err != nil {
		return 0, nil, err
	}
	out := make([]managedTokenOut, 0, len(ts))
	for _, t := range ts {
		out = append(out, toManagedToken(t))
	}
	return http.StatusOK, map[string]any{"tokens": out}, nil
}

func (s *Server) revokeManagedUserToken(r *http.Request, a *control.Actor) (int, any, error) {
	if err := s.plane.RevokeManagedUserToken(r.Context(), a, r.PathValue("org"), r.PathValue("user"), r.PathValue("prefix")); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, struct{}{}, nil
}

// resetManagedUserPassword answers an empty object, as Aiven does, when the
// new password was emailed; without an SMTP relay the admin receives it to
// hand over.
func (s *Server) resetManagedUserPassword(r *http.Request, a *control.Actor) (int, any, error) {
	res, err := s.plane.ResetManagedUserPassword(r.Context(), a, r.PathValue("org"), r.PathValue("user"))
	if err != nil {
		return 0, nil, err
	}
	if res.Emailed {
		return http.StatusOK, struct{}{}, nil
	}
	return http.StatusOK, map[string]string{
		"message":            "No email could be sent: give the user this temporary password and ask them to change it",
		"temporary_password": res.TemporaryPassword,
	}, nil
}

type managedUserOut struct {
	UserID           string          `json:"user_id"`
	IsMember         bool            `json:"is_member"`
	LastActivityTime *time.Time      `json:"last_activity_time"`
	UserInfo         managedUserInfo `json:"user_info"`
}

type managedUserInfo struct {
	UserEmail              string    `json:"user_email"`
	RealName               string    `json:"real_name"`
	State                  string    `json:"state"`
	IsApplicationUser      bool      `json:"is_application_user"`
	ManagedBySCIM          bool      `json:"managed_by_scim"`
	ManagingOrganizationID string    `json:"managing_organization_id"`
	CreateTime             time.Time `json:"create_time"`
}

func toManagedUser(u identity.User, member bool) managedUserOut {
	return managedUserOut{UserID: u.ID, IsMember: member, LastActivityTime: u.LastActivity, UserInfo: managedUserInfo{
		UserEmail: u.Email, RealName: u.RealName, State: u.State, IsApplicationUser: u.IsApplication,
		ManagingOrganizationID: u.ManagingOrgID, CreateTime: u.CreateTime}}
}

func (s *Server) listManagedUsers(r *http.Request, a *control.Actor) (int, any, error) {
	us, err := s.plane.ListManagedUsers(r.Context(), a, r.PathValue("org"))
	if err != nil {
		return 0, nil, err
	}
	out := make([]managedUserOut, 0, len(us))
	for _, u := range us {
		out = append(out, toManagedUser(u.User, u.IsMember))
	}
	return http.StatusOK, map[string]any{"users": out}, nil
}
