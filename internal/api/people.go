package api

import (
	"net/http"
	"net/url"
	"sort"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
)

func init() { routeSets = append(routeSets, (*Server).peopleRoutes) }

// peopleRoutes is the route table of organization users: invitations,
// members, signing in with two factors, passwords, and organizations'
// authentication policies.
func (s *Server) peopleRoutes() {
	s.handle("POST /v1/organization/{org}/invitation", control.OpOrganizationUserInvite, s.invite)
	s.handle("GET /v1/organization/{org}/invitation", control.OpOrganizationUserInvitationsList, s.listInvitations)
	s.handle("DELETE /v1/organization/{org}/invitation/{email}", control.OpOrganizationUserInvitationDelete, s.cancelInvitation)
	s.handle("POST /v1/organization/{org}/invitation/{email}", control.OpOrganizationUserInvitationAccept, s.acceptInvitation)
	// Gatehouse's own: the link mailed to an invitee, to an organization
	// or to a project, usable without an account.
	// A browser opening the link (Accept: text/html) is sent to the
	// console's page for it; API clients keep the JSON.
	s.publicPage("GET /v1/invitation/{code}", control.OpInvitationGet, s.invitationByCode,
		func(r *http.Request) string { return "/invite/" + url.PathEscape(r.PathValue("code")) })
	s.public("POST /v1/invitation/{code}", control.OpInvitationAccept, s.acceptByCode)

	s.handle("GET /v1/organization/{org}/user", control.OpOrganizationUserList, s.listMembers)
	s.handle("GET /v1/organization/{org}/user/{user}", control.OpOrganizationUserGet, s.getMember)
	s.handle("PATCH /v1/organization/{org}/user/{user}", control.OpOrganizationUserUpdate, s.updateMember)
	s.handle("DELETE /v1/organization/{org}/user/{user}", control.OpOrganizationUserDelete, s.removeMember)

	s.handle("GET /v1/organization/{org}/config/authentication", control.OpOrganizationAuthenticationConfigGet, s.getAuthPolicy)
	s.handle("PATCH /v1/organization/{org}/config/authentication", control.OpOrganizationAuthenticationConfigUpdate, s.updateAuthPolicy)

	s.handle("PATCH /v1/me", control.OpUserUpdate, s.updateMe)
	s.handle("POST /v1/me/logout", control.OpUserLogout, s.userLogout)
	s.handle("PUT /v1/me/2fa", control.OpTwoFactorAuthConfigure, s.configureTwoFactor)
	s.handle("PUT /v1/me/2fa/otp", control.OpTwoFactorAuthConfigureOTP, s.confirmTOTP)
	s.handle("PUT /v1/me/password", control.OpUserPasswordChange, s.changePassword)
	s.public("POST /v1/user/password_reset_request", control.OpUserPasswordResetRequest, s.requestPasswordReset)
	s.public("POST /v1/user/password_reset/{code}", control.OpUserPasswordReset, s.resetPassword)
}

// ---- invitations ----

type orgInvitationOut struct {
	UserEmail  string    `json:"user_email"`
	InvitedBy  string    `json:"invited_by"`
	CreateTime time.Time `json:"create_time"`
	ExpiryTime time.Time `json:"expiry_time"`
	// AcceptLink is Gatehouse's: set when the invitation could not be
	// mailed, so an admin can pass it on.
	AcceptLink string `json:"accept_link,omitempty"`
}

func (s *Server) invite(r *http.Request, a *control.Actor) (int, any, error) {
	var in struct {
		UserEmail string `json:"user_email"`
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	if err := s.plane.Invite(r.Context(), a, r.PathValue("org"), in.UserEmail); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, struct{}{}, nil
}

func (s *Server) listInvitations(r *http.Request, a *control.Actor) (int, any, error) {
	invs, err := s.plane.ListInvitations(r.Context(), a, r.PathValue("org"))
	if err != nil {
		return 0, nil, err
	}
	out := make([]orgInvitationOut, 0, len(invs))
	for _, inv := range invs {
		out = append(out, orgInvitationOut{UserEmail: inv.Email, InvitedBy: inv.InvitedByEmail, CreateTime: inv.CreateTime,
			ExpiryTime: inv.ExpiryTime, AcceptLink: inv.AcceptLink})
	}
	return http.StatusOK, map[string]any{"invitations": out}, nil
}

func (s *Server) cancelInvitation(r *http.Request, a *control.Actor) (int, any, error) {
	if err := s.plane.CancelInvitation(r.Context(), a, r.PathValue("org"), r.PathValue("email")); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, struct{}{}, nil
}

func (s *Server) acceptInvitation(r *http.Request, a *control.Actor) (int, any, error) {
	var in struct {
		Action string `json:"action"`
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	if in.Action != "" && in.Action != "accept" {
		return 0, nil, badRequest(`action must be "accept"`)
	}
	if err := s.plane.AcceptInvitation(r.Context(), a, r.PathValue("org"), r.PathValue("email")); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, struct{}{}, nil
}

func (s *Server) invitationByCode(r *http.Request, _ *control.Actor) (int, any, error) {
	info, err := s.plane.InvitationByCode(r.Context(), r.PathValue("code"))
	if err != nil {
		return 0, nil, err
	}
	next := "POST this URL with {\"real_name\": ..., \"password\": ...} to create your account and join"
	if info.HasAccount {
		next = "POST this URL with {\"password\": ...} (and \"otp\" if you use two-factor authentication) to join with your account"
	}
	out := map[string]any{
		"organization_id": info.OrganizationID, "organization_name": info.OrganizationName, "user_email": info.Email,
		"invited_by": info.InvitedByEmail, "expiry_time": info.ExpiryTime, "has_account": info.HasAccount, "how_to_accept": next,
	}
	if info.Project != "" {
		// A project invitation: the organization is the project's.
		out["project"], out["member_type"] = info.Project, info.MemberType
	}
	return http.StatusOK, map[string]any{"invitation": out}, nil
}

func (s *Server) acceptByCode(r *http.Request, _ *control.Actor) (int, any, error) {
	var in struct {
		RealName string `json:"real_name"`
		Password string `json:"password"`
		OTP      string `json:"otp"`
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	res, err := s.plane.AcceptByCode(r.Context(), r.PathValue("code"), in.RealName, in.Password, in.OTP, clientIP(r), r.UserAgent())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"token": res.Token, "state": res.User.State, "user_email": res.User.Email}, nil
}

// ---- members ----

type memberInfoOut struct {
	City                   *string   `json:"city"`
	Country                *string   `json:"country"`
	CreateTime             time.Time `json:"create_time"`
	Department             *string   `json:"department"`
	IsApplicationUser      bool      `json:"is_application_user"`
	JobTitle               *string   `json:"job_title"`
	ManagedBySCIM          bool      `json:"managed_by_scim"`
	ManagingOrganizationID *string   `json:"managing_organization_id"`
	RealName               string    `json:"real_name"`
	State                  string    `json:"state"`
	UserEmail              string    `json:"user_email"`
}

type memberOut struct {
	IsSuperAdmin     bool          `json:"is_super_admin"`
	JoinTime         time.Time     `json:"join_time"`
	LastActivityTime time.Time     `json:"last_activity_time"`
	UserID           string        `json:"user_id"`
	UserInfo         memberInfoOut `json:"user_info"`
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func toMember(m control.Member) memberOut {
	// Aiven's client needs a timestamp here; a member who never acted
	// shows their join time.
	last := m.JoinTime
	if m.User.LastActivity != nil {
		last = *m.User.LastActivity
	}
	return memberOut{
		IsSuperAdmin: m.IsSuperAdmin, JoinTime: m.JoinTime, LastActivityTime: last, UserID: m.User.ID,
		UserInfo: memberInfoOut{
			City: optional(m.Profile.City), Country: optional(m.Profile.Country), CreateTime: m.User.CreateTime,
			Department: optional(m.Profile.Department), IsApplicationUser: m.User.IsApplication, JobTitle: optional(m.Profile.JobTitle),
			ManagingOrganizationID: optional(m.User.ManagingOrgID), RealName: m.User.RealName, State: m.User.State, UserEmail: m.User.Email,
			ManagedBySCIM: m.ManagedBySCIM,
		},
	}
}

func (s *Server) listMembers(r *http.Request, a *control.Actor) (int, any, error) {
	includeApps := true // Aiven's default
	if r.URL.Query().Get("include_application_users") != "" {
		var err error
		if includeApps, err = boolQuery(r, "include_application_users"); err != nil {
			return 0, nil, err
		}
	}
	ms, err := s.plane.ListMembers(r.Context(), a, r.PathValue("org"), includeApps)
	if err != nil {
		return 0, nil, err
	}
	out := make([]memberOut, 0, len(ms))
	for _, m := range ms {
		out = append(out, toMember(m))
	}
	return http.StatusOK, map[string]any{"users": out}, nil
}

func (s *Server) getMember(r *http.Request, a *control.Actor) (int, any, error) {
	m, err := s.plane.GetMember(r.Context(), a, r.PathValue("org"), r.PathValue("user"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, toMember(m), nil
}

func (s *Server) updateMember(r *http.Request, a *control.Actor) (int, any, error) {
	var in struct {
		City         *string `json:"city"`
		Country      *string `json:"country"`
		Department   *string `json:"department"`
		IsSuperAdmin *bool   `json:"is_super_admin"`
		JobTitle     *string `json:"job_title"`
		RealName     *string `json:"real_name"`
		State        string  `json:"state"`
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	m, err := s.plane.UpdateMember(r.Context(), a, r.PathValue("org"), r.PathValue("user"), control.MemberUpdate{
		ProfileUpdate: control.ProfileUpdate{RealName: in.RealName, JobTitle: in.JobTitle, Department: in.Department, City: in.City, Country: in.Country},
		IsSuperAdmin:  in.IsSuperAdmin, State: in.State,
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, toMember(m), nil
}

func (s *Server) removeMember(r *http.Request, a *control.Actor) (int, any, error) {
	if err := s.plane.RemoveMember(r.Context(), a, r.PathValue("org"), r.PathValue("user")); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, struct{}{}, nil
}

// ---- authentication policy ----

type authPolicyOut struct {
	McpEnabled                             bool     `json:"mcp_enabled"`
	McpReadOnly                            bool     `json:"mcp_read_only"`
	OauthEnabled                           bool     `json:"oauth_enabled"`
	PasswordAuthEnabled                    bool     `json:"password_auth_enabled"`
	PersonalTokensEnabled                  bool     `json:"personal_tokens_enabled"`
	PersonalTokensRequireAllowedAuthMethod bool     `json:"personal_tokens_require_allowed_auth_method"`
	SamlAllowExternal                      bool     `json:"saml_allow_external"`
	SamlEnabled                            bool     `json:"saml_enabled"`
	TwoFactorRequired                      bool     `json:"two_factor_required"`
	IPAllowlist                            []string `json:"ip_allowlist"` // Gatehouse's: Aiven has no field for it
}

func toAuthPolicy(p identity.AuthPolicy) authPolicyOut {
	allow := p.IPAllowlist
	if allow == nil {
		allow = []string{}
	}
	return authPolicyOut{
		McpEnabled: p.MCPEnabled, McpReadOnly: p.MCPReadOnly, OauthEnabled: p.OAuthEnabled, PasswordAuthEnabled: p.PasswordAuthEnabled,
		PersonalTokensEnabled: p.PersonalTokensEnabled, PersonalTokensRequireAllowedAuthMethod: p.PersonalTokensRequireAllowedAuthMethod,
		SamlAllowExternal: p.SAMLAllowExternal, SamlEnabled: p.SAMLEnabled, TwoFactorRequired: p.TwoFactorRequired, IPAllowlist: allow,
	}
}

func (s *Server) getAuthPolicy(r *http.Request, a *control.Actor) (int, any, error) {
	p, err := s.plane.GetAuthPolicy(r.Context(), a, r.PathValue("org"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, toAuthPolicy(p), nil
}

func (s *Server) updateAuthPolicy(r *http.Request, a *control.Actor) (int, any, error) {
	var in struct {
		McpEnabled                             *bool     `json:"mcp_enabled"`
		McpReadOnly                            *bool     `json:"mcp_read_only"`
		OauthEnabled                           *bool     `json:"oauth_enabled"`
		PasswordAuthEnabled                    *bool     `json:"password_auth_enabled"`
		PersonalTokensEnabled                  *bool     `json:"personal_tokens_enabled"`
		PersonalTokensRequireAllowedAuthMethod *bool     `json:"personal_tokens_require_allowed_auth_method"`
		SamlAllowExternal                      *bool     `json:"saml_allow_external"`
		SamlEnabled                            *bool     `json:"saml_enabled"`
		TwoFactorRequired                      *bool     `json:"two_factor_required"`
		IPAllowlist                            *[]string `json:"ip_allowlist"`
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	p, err := s.plane.UpdateAuthPolicy(r.Context(), a, r.PathValue("org"), control.PolicyUpdate{
		PasswordAuthEnabled: in.PasswordAuthEnabled, TwoFactorRequired: in.TwoFactorRequired, OAuthEnabled: in.OauthEnabled,
		SAMLEnabled: in.SamlEnabled, SAMLAllowExternal: in.SamlAllowExternal, PersonalTokensEnabled: in.PersonalTokensEnabled,
		PersonalTokensRequireAllowedAuthMethod: in.PersonalTokensRequireAllowedAuthMethod, MCPEnabled: in.McpEnabled,
		MCPReadOnly: in.McpReadOnly, IPAllowlist: in.IPAllowlist,
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, toAuthPolicy(p), nil
}

// ---- the signed-in person ----

// meOut is Aiven's UserInfo.
// meOut is Aiven's UserInfoOut; every key is sent, null when empty.
type meOut struct {
	Auth                   []string            `json:"auth"`
	City                   *string             `json:"city"`
	Country                *string             `json:"country"`
	CreateTime             time.Time           `json:"create_time"`
	Department             *string             `json:"department"`
	Features               map[string]any      `json:"features"`
	Invitations            []any               `json:"invitations"`
	JobTitle               *string             `json:"job_title"`
	ManagedBySCIM          bool                `json:"managed_by_scim"`
	ManagingOrganizationID *string             `json:"managing_organization_id"`
	ProjectMembership      map[string]string   `json:"project_membership"`
	ProjectMemberships     map[string][]string `json:"project_memberships"`
	Projects               []string            `json:"projects"`
	RealName               string              `json:"real_name"`
	State                  string              `json:"state"`
	Tenant                 string              `json:"tenant"`
	// TokenValidityBegin is null: Gatehouse revokes tokens one by one
	// (expire_tokens deletes them) instead of keeping a cut-off time.
	TokenValidityBegin *string `json:"token_validity_begin"`
	User               string  `json:"user"`
	UserID             string  `json:"user_id"`
}

func toMe(m control.Me) map[string]meOut {
	u := m.User
	auth := []string{"password"}
	if m.TwoFactor {
		auth = append(auth, "otp")
	}
	projects := make([]string, 0, len(m.Projects))
	membership := map[string]string{}
	for name, roles := range m.Projects {
		projects = append(projects, name)
		membership[name] = roles[0]
	}
	sort.Strings(projects)
	out := meOut{
		Auth: auth, City: nonEmpty(m.Profile.City), Country: nonEmpty(m.Profile.Country), CreateTime: u.CreateTime,
		Department: nonEmpty(m.Profile.Department), Features: map[string]any{}, Invitations: []any{}, JobTitle: nonEmpty(m.Profile.JobTitle),
		ManagingOrganizationID: nonEmpty(u.ManagingOrgID), ProjectMembership: membership, ProjectMemberships: m.Projects,
		Projects: projects, RealName: u.RealName, State: string(u.State), User: u.Email, UserID: u.ID,
	}
	return map[string]meOut{"user": out}
}

// nonEmpty is s, or nil when it is empty (sent as null).
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (s *Server) me(r *http.Request, a *control.Actor) (int, any, error) {
	m, err := s.plane.Me(r.Context(), a)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, toMe(m), nil
}

func (s *Server) updateMe(r *http.Request, a *control.Actor) (int, any, error) {
	var in struct {
		City       *string `json:"city"`
		Country    *string `json:"country"`
		Department *string `json:"department"`
		JobTitle   *string `json:"job_title"`
		RealName   *string `json:"real_name"`
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	m, err := s.plane.UpdateMe(r.Context(), a, control.ProfileUpdate{RealName: in.RealName, JobTitle: in.JobTitle,
		Department: in.Department, City: in.City, Country: in.Country})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, toMe(m), nil
}

func (s *Server) configureTwoFactor(r *http.Request, a *control.Actor) (int, any, error) {
	var in struct {
		Method   string `json:"method"`
		Password string `json:"password"`
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	res, err := s.plane.ConfigureTwoFactor(r.Context(), a, in.Method, in.Password)
	if err != nil {
		return 0, nil, err
	}
	out := map[string]any{"method": res.Method}
	if res.URI != "" {
		out["uri"], out["qrcode"] = res.URI, res.QRCode
	}
	return http.StatusOK, out, nil
}

func (s *Server) confirmTOTP(r *http.Request, a *control.Actor) (int, any, error) {
	var in struct {
		OTP      string `json:"otp"`
		Password string `json:"password"`
		URI      string `json:"uri"`
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	tok, err := s.plane.ConfirmTOTP(r.Context(), a, in.OTP, in.Password, in.URI)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"method": "otp", "token": tok}, nil
}

func (s *Server) changePassword(r *http.Request, a *control.Actor) (int, any, error) {
	var in struct {
		NewPassword string `json:"new_password"`
		Password    string `json:"password"`
		// RevokeTokens is Gatehouse's: Aiven's request has no such field
		// (its nearest is POST /v1/me/expire_tokens).
		RevokeTokens bool `json:"revoke_tokens"`
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	tok, err := s.plane.ChangePassword(r.Context(), a, in.Password, in.NewPassword, in.RevokeTokens)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"token": tok}, nil
}

func (s *Server) requestPasswordReset(r *http.Request, _ *control.Actor) (int, any, error) {
	var in struct {
		Email string `json:"email"`
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	if err := s.plane.RequestPasswordReset(r.Context(), in.Email, clientIP(r)); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, struct{}{}, nil
}

func (s *Server) resetPassword(r *http.Request, _ *control.Actor) (int, any, error) {
	var in struct {
		NewPassword  string `json:"new_password"`
		RevokeTokens bool   `json:"revoke_tokens"` // Gatehouse's, as in changePassword
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	if err := s.plane.ResetPassword(r.Context(), r.PathValue("code"), in.NewPassword, clientIP(r), in.RevokeTokens); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, struct{}{}, nil
}
