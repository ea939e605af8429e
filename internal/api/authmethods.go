package api

import (
	"net/http"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
)

func init() { routeSets = append(routeSets, (*Server).authMethodRoutes) }

// authMethodRoutes serves an organization's identity providers at Aiven's
// paths (its account handler's authentication methods).
func (s *Server) authMethodRoutes() {
	s.handle("POST /v1/account/{account}/authentication", control.OpAccountAuthenticationMethodCreate, s.createAuthMethod)
	s.handle("GET /v1/account/{account}/authentication", control.OpAccountAuthenticationMethodsList, s.listAuthMethods)
	s.handle("GET /v1/account/{account}/authentication/{method}", control.OpAccountAuthenticationMethodGet, s.getAuthMethod)
	s.handle("PUT /v1/account/{account}/authentication/{method}", control.OpAccountAuthenticationMethodUpdate, s.updateAuthMethod)
	s.handle("DELETE /v1/account/{account}/authentication/{method}", control.OpAccountAuthenticationMethodDelete, s.deleteAuthMethod)
}

// authMethodIn is Aiven's create and update body, plus Gatehouse's OIDC
// settings and linked domains on update.
type authMethodIn struct {
	AuthTokenExtendWhenUsed          *bool            `json:"auth_token_extend_when_used"`
	AuthTokenMaxAgeSeconds           *int64           `json:"auth_token_max_age_seconds"`
	AuthenticationMethodEnabled      *bool            `json:"authentication_method_enabled"`
	AuthenticationMethodName         *string          `json:"authentication_method_name"`
	AuthenticationMethodType         string           `json:"authentication_method_type"`
	AutoJoinUserGroupID              *string          `json:"auto_join_user_group_id"`
	LinkedDomains                    *[]linkedDomain  `json:"linked_domains"`
	SAMLAssertionSignedEnabled       *bool            `json:"saml_assertion_signed_enabled"`
	SAMLAuthnRequestsSignedEnabled   *bool            `json:"saml_authn_requests_signed_enabled"`
	SAMLCertificate                  *string          `json:"saml_certificate"`
	SAMLDigestAlgorithm              *string          `json:"saml_digest_algorithm"`
	SAMLEntityID                     *string          `json:"saml_entity_id"`
	SAMLFieldMapping                 *fieldMappingDoc `json:"saml_field_mapping"`
	SAMLIdPLoginAllowed              *bool            `json:"saml_idp_login_allowed"`
	SAMLIdPURL                       *string          `json:"saml_idp_url"`
	SAMLJoinGroups                   *bool            `json:"saml_join_groups"`
	SAMLRequestedAuthnContextEnabled *bool            `json:"saml_requested_authn_context_enabled"`
	SAMLSignatureAlgorithm           *string          `json:"saml_signature_algorithm"`
	SAMLVariant                      *string          `json:"saml_variant"`
	SCIMEnabled                      *bool            `json:"scim_enabled"`

	OIDCIssuer       *string          `json:"oidc_issuer"`
	OIDCClientID     *string          `json:"oidc_client_id"`
	OIDCClientSecret *string          `json:"oidc_client_secret"`
	OIDCScopes       *[]string        `json:"oidc_scopes"`
	OIDCClaimMapping *claimMappingDoc `json:"oidc_claim_mapping"`
}

type linkedDomain struct {
	DomainID string `json:"domain_id"`
}

// fieldMappingDoc is Aiven's SAMLFieldMapping.
type fieldMappingDoc struct {
	Email     *string `json:"email"`
	FirstName *string `json:"first_name"`
	Groups    *string `json:"groups"`
	Identity  *string `json:"identity"`
	LastName  *string `json:"last_name"`
	RealName  *string `json:"real_name"`
}

// claimMappingDoc names the ID token claims an OIDC method reads.
type claimMappingDoc struct {
	Email    *string `json:"email"`
	Name     *string `json:"name"`
	Groups   *string `json:"groups"`
	Identity *string `json:"identity"`
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (in authMethodIn) input() control.AuthMethodInput {
	out := control.AuthMethodInput{
		Name: in.AuthenticationMethodName, Type: in.AuthenticationMethodType, Enabled: in.AuthenticationMethodEnabled,
		AutoJoinGroupID: in.AutoJoinUserGroupID,
		SAMLEntityID:    in.SAMLEntityID, SAMLIdPURL: in.SAMLIdPURL, SAMLCertificate: in.SAMLCertificate,
		SAMLAssertionSigned: in.SAMLAssertionSignedEnabled, SAMLAuthnRequestsSigned: in.SAMLAuthnRequestsSignedEnabled,
		SAMLSignatureAlgorithm: in.SAMLSignatureAlgorithm, SAMLDigestAlgorithm: in.SAMLDigestAlgorithm,
		SAMLIdPLoginAllowed: in.SAMLIdPLoginAllowed, SAMLJoinGroups: in.SAMLJoinGroups,
		SAMLRequestedAuthnContextEnabled: in.SAMLRequestedAuthnContextEnabled, SAMLVariant: in.SAMLVariant,
		OIDCIssuer: in.OIDCIssuer, OIDCClientID: in.OIDCClientID, OIDCClientSecret: in.OIDCClientSecret, OIDCScopes: in.OIDCScopes,
		SCIMEnabled: in.SCIMEnabled, AuthTokenMaxAgeSeconds: in.AuthTokenMaxAgeSeconds, AuthTokenExtendWhenUsed: in.AuthTokenExtendWhenUsed,
	}
	if in.LinkedDomains != nil {
		ids := make([]string, 0, len(*in.LinkedDomains))
		for _, d := range *in.LinkedDomains {
			ids = append(ids, d.DomainID)
		}
		out.LinkedDomainIDs = &ids
	}
	switch {
	case in.SAMLFieldMapping != nil:
		f := in.SAMLFieldMapping
		out.Mapping = &identity.FieldMapping{Email: deref(f.Email), FirstName: deref(f.FirstName), LastName: deref(f.LastName),
			RealName: deref(f.RealName), Identity: deref(f.Identity), Groups: deref(f.Groups)}
	case in.OIDCClaimMapping != nil:
		c := in.OIDCClaimMapping
		out.Mapping = &identity.FieldMapping{Email: deref(c.Email), RealName: deref(c.Name), Groups: deref(c.Groups), Identity: deref(c.Identity)}
	}
	return out
}

// authMethodOut is Aiven's AuthenticationMethod with every key present
// (null when it does not apply), plus Gatehouse's: the OIDC settings (the
// client secret only as whether one is set), the linked domains, and the
// sign-in addresses.
type authMethodOut struct {
	AccountID                        string       `json:"account_id"`
	AuthTokenExtendWhenUsed          bool         `json:"auth_token_extend_when_used"`
	AuthTokenMaxAgeSeconds           *int64       `json:"auth_token_max_age_seconds"`
	AuthenticationMethodEnabled      bool         `json:"authentication_method_enabled"`
	AuthenticationMethodID           string       `json:"authentication_method_id"`
	AuthenticationMethodName         string       `json:"authentication_method_name"`
	AuthenticationMethodType         string       `json:"authentication_method_type"`
	AutoJoinTeamID                   *string      `json:"auto_join_team_id"`
	AutoJoinUserGroupID              *string      `json:"auto_join_user_group_id"`
	CreateTime                       time.Time    `json:"create_time"`
	DeleteTime                       *time.Time   `json:"delete_time"`
	InternalMCPEnabled               *bool        `json:"internal_mcp_enabled"`
	InternalMCPReadOnly              *bool        `json:"internal_mcp_read_only"`
	OrganizationID                   string       `json:"organization_id"`
	SAMLAcsURL                       *string      `json:"saml_acs_url"`
	SAMLAssertionSignedEnabled       *bool        `json:"saml_assertion_signed_enabled"`
	SAMLAuthnRequestsSignedEnabled   *bool        `json:"saml_authn_requests_signed_enabled"`
	SAMLCert                         *string      `json:"saml_cert"`
	SAMLCertificate                  *string      `json:"saml_certificate"`
	SAMLCertificateIssuer            *string      `json:"saml_certificate_issuer"`
	SAMLCertificateNotValidAfter     *string      `json:"saml_certificate_not_valid_after"`
	SAMLCertificateNotValidBefore    *string      `json:"saml_certificate_not_valid_before"`
	SAMLCertificateSubject           *string      `json:"saml_certificate_subject"`
	SAMLDigestAlgorithm              *string      `json:"saml_digest_algorithm"`
	SAMLEntityID                     *string      `json:"saml_entity_id"`
	SAMLFieldMapping                 *fieldMapOut `json:"saml_field_mapping"`
	SAMLIdPLoginAllowed              *bool        `json:"saml_idp_login_allowed"`
	SAMLIdPURL                       *string      `json:"saml_idp_url"`
	SAMLJoinGroups                   *bool        `json:"saml_join_groups"`
	SAMLMetadataURL                  *string      `json:"saml_metadata_url"`
	SAMLRequestedAuthnContextEnabled *bool        `json:"saml_requested_authn_context_enabled"`
	SAMLSignatureAlgorithm           *string      `json:"saml_signature_algorithm"`
	SAMLSpCertificate                *string      `json:"saml_sp_certificate"`
	SAMLVariant                      *string      `json:"saml_variant"`
	SCIMEnabled                      bool         `json:"scim_enabled"`
	SCIMURL                          *string      `json:"scim_url"`
	// SCIMToken is the SCIM bearer token, only in the answer of the call
	// that generated it (enabling SCIM, rotating it).
	SCIMToken           *string        `json:"scim_token"`
	State               string         `json:"state"`
	UpdateTime          time.Time      `json:"update_time"`
	LinkedDomains       []linkedDomain `json:"linked_domains"`
	LoginURL            string         `json:"login_url"`
	OIDCIssuer          *string        `json:"oidc_issuer"`
	OIDCClientID        *string        `json:"oidc_client_id"`
	OIDCClientSecretSet *bool          `json:"oidc_client_secret_set"`
	OIDCScopes          []string       `json:"oidc_scopes"`
	OIDCClaimMapping    *claimMapOut   `json:"oidc_claim_mapping"`
	OIDCRedirectURI     *string        `json:"oidc_redirect_uri"`
}

type fieldMapOut struct {
	Email     *string `json:"email"`
	FirstName *string `json:"first_name"`
	Groups    *string `json:"groups"`
	Identity  *string `json:"identity"`
	LastName  *string `json:"last_name"`
	RealName  *string `json:"real_name"`
}

type claimMapOut struct {
	Email    *string `json:"email"`
	Name     *string `json:"name"`
	Groups   *string `json:"groups"`
	Identity *string `json:"identity"`
}

// orNull is a pointer to s, or nil when s is empty.
func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func ptrOf[T any](v T) *T { return &v }

func (s *Server) toAuthMethod(m identity.AuthMethod) authMethodOut {
	e := s.plane.SSOEndpoints(m)
	out := authMethodOut{
		AccountID: m.AccountID, AuthTokenExtendWhenUsed: m.AuthTokenExtendWhenUsed, AuthTokenMaxAgeSeconds: m.AuthTokenMaxAgeSeconds,
		AuthenticationMethodEnabled: m.Enabled, AuthenticationMethodID: m.ID, AuthenticationMethodName: m.Name,
		AuthenticationMethodType: m.Type, AutoJoinUserGroupID: orNull(m.AutoJoinGroupID), CreateTime: m.CreateTime,
		OrganizationID: m.OrganizationID, SCIMEnabled: m.SCIMEnabled, SCIMURL: orNull(s.plane.SCIMURL(m)), SCIMToken: orNull(m.SCIMToken), State: m.State,
		UpdateTime: m.UpdateTime, LinkedDomains: make([]linkedDomain, 0, len(m.LinkedDomainIDs)), LoginURL: e.Login,
	}
	for _, d := range m.LinkedDomainIDs {
		out.LinkedDomains = append(out.LinkedDomains, linkedDomain{DomainID: d})
	}
	mp := m.Mapping
	switch m.Type {
	case identity.AuthMethodSAML:
		out.SAMLAcsURL, out.SAMLMetadataURL = &e.ACS, &e.Metadata
		out.SAMLAssertionSignedEnabled = ptrOf(m.SAMLAssertionSigned)
		out.SAMLAuthnRequestsSignedEnabled = ptrOf(m.SAMLAuthnRequestsSigned)
		out.SAMLCertificate = orNull(m.SAMLCertificate)
		if c, err := control.ParseCertificate(m.SAMLCertificate); m.SAMLCertificate != "" && err == nil {
			out.SAMLCertificateIssuer, out.SAMLCertificateSubject = ptrOf(c.Issuer.String()), ptrOf(c.Subject.String())
			out.SAMLCertificateNotValidBefore = ptrOf(c.NotBefore.UTC().Format(time.RFC3339))
			out.SAMLCertificateNotValidAfter = ptrOf(c.NotAfter.UTC().Format(time.RFC3339))
		}
		out.SAMLDigestAlgorithm, out.SAMLSignatureAlgorithm = orNull(m.SAMLDigestAlgorithm), orNull(m.SAMLSignatureAlgorithm)
		out.SAMLEntityID, out.SAMLIdPURL = orNull(m.SAMLEntityID), orNull(m.SAMLIdPURL)
		out.SAMLFieldMapping = &fieldMapOut{Email: orNull(mp.Email), FirstName: orNull(mp.FirstName), Groups: orNull(mp.Groups),
			Identity: orNull(mp.Identity), LastName: orNull(mp.LastName), RealName: orNull(mp.RealName)}
		out.SAMLIdPLoginAllowed, out.SAMLJoinGroups = ptrOf(m.SAMLIdPLoginAllowed), ptrOf(m.SAMLJoinGroups)
		out.SAMLRequestedAuthnContextEnabled = ptrOf(m.SAMLRequestedAuthnContextEnabled)
		out.SAMLSpCertificate, out.SAMLVariant = orNull(m.SPCertificate), orNull(m.SAMLVariant)
	case identity.AuthMethodOIDC:
		out.OIDCIssuer, out.OIDCClientID = orNull(m.OIDCIssuer), orNull(m.OIDCClientID)
		out.OIDCClientSecretSet = ptrOf(m.OIDCClientSecret != "")
		out.OIDCScopes = m.OIDCScopes
		out.OIDCClaimMapping = &claimMapOut{Email: orNull(mp.Email), Name: orNull(mp.RealName), Groups: orNull(mp.Groups), Identity: orNull(mp.Identity)}
		out.OIDCRedirectURI = &e.Callback
	}
	return out
}

func (s *Server) authMethodResult(m identity.AuthMethod, err error) (int, any, error) {
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"authentication_method": s.toAuthMethod(m)}, nil
}

// decodeAuthMethod reads a create or update body as the use case's input.
func decodeAuthMethod(r *http.Request) (control.AuthMethodInput, error) {
	var in authMethodIn
	if err := decodeReq(r, &in); err != nil {
		return control.AuthMethodInput{}, err
	}
	return in.input(), nil
}

func (s *Server) createAuthMethod(r *http.Request, a *control.Actor) (int, any, error) {
	in, err := decodeAuthMethod(r)
	if err != nil {
		return 0, nil, err
	}
	return s.authMethodResult(s.plane.CreateAuthMethod(r.Context(), a, r.PathValue("account"), in))
}

func (s *Server) listAuthMethods(r *http.Request, a *control.Actor) (int, any, error) {
	ms, err := s.plane.ListAuthMethods(r.Context(), a, r.PathValue("account"))
	if err != nil {
		return 0, nil, err
	}
	out := make([]authMethodOut, 0, len(ms))
	for _, m := range ms {
		out = append(out, s.toAuthMethod(m))
	}
	return http.StatusOK, map[string]any{"authentication_methods": out}, nil
}

func (s *Server) getAuthMethod(r *http.Request, a *control.Actor) (int, any, error) {
	return s.authMethodResult(s.plane.GetAuthMethod(r.Context(), a, r.PathValue("account"), r.PathValue("method")))
}

func (s *Server) updateAuthMethod(r *http.Request, a *control.Actor) (int, any, error) {
	in, err := decodeAuthMethod(r)
	if err != nil {
		return 0, nil, err
	}
	return s.authMethodResult(s.plane.UpdateAuthMethod(r.Context(), a, r.PathValue("account"), r.PathValue("method"), in))
}

func (s *Server) deleteAuthMethod(r *http.Request, a *control.Actor) (int, any, error) {
	if err := s.plane.DeleteAuthMethod(r.Context(), a, r.PathValue("account"), r.PathValue("method")); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, struct{}{}, nil
}
