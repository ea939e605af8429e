package control

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Authentication method (identity provider) operations, Aiven's.
const (
	OpAccountAuthenticationMethodCreate Op = "AccountAuthenticationMethodCreate"
	OpAccountAuthenticationMethodDelete Op = "AccountAuthenticationMethodDelete"
	OpAccountAuthenticationMethodGet    Op = "AccountAuthenticationMethodGet"
	OpAccountAuthenticationMethodUpdate Op = "AccountAuthenticationMethodUpdate"
	OpAccountAuthenticationMethodsList  Op = "AccountAuthenticationMethodsList"
)

func init() {
	// go-client-codegen's permissions.yaml; the seeds: "Manage identity
	// providers" is the organization admin's.
	addRequirements(map[Op]rule{
		OpAccountAuthenticationMethodCreate: anyOf("role:organization:admin"),
		OpAccountAuthenticationMethodDelete: anyOf("role:organization:admin"),
		OpAccountAuthenticationMethodGet:    anyOf("role:organization:admin"),
		OpAccountAuthenticationMethodUpdate: anyOf("role:organization:admin"),
		OpAccountAuthenticationMethodsList:  anyOf("role:organization:admin"),
	})
}

// Bounds of a method's settings.
const (
	maxAuthMethods     = 20
	maxLinkedDomains   = 100
	maxSettingLen      = 1024
	maxCertificateLen  = 64 << 10
	maxOIDCScopes      = 20
	spCertificateYears = 10
)

// Algorithms Aiven's API names for SAML signatures and digests.
var (
	samlSignatureAlgorithms = []string{"rsa-sha1", "dsa-sha1", "rsa-sha256", "rsa-sha384", "rsa-sha512"}
	samlDigestAlgorithms    = []string{"sha1", "sha256", "sha384", "sha512"}
)

// AuthMethodInput holds an authentication method's settings as a request
// gives them: nil leaves a setting as it is (update) or at its default
// (create).
type AuthMethodInput struct {
	Name            *string
	Type            string // create only
	Enabled         *bool
	AutoJoinGroupID *string
	// LinkedDomainIDs replaces the linked domains when not nil.
	LinkedDomainIDs *[]string

	SAMLEntityID                     *string
	SAMLIdPURL                       *string
	SAMLCertificate                  *string
	SAMLAssertionSigned              *bool
	SAMLAuthnRequestsSigned          *bool
	SAMLSignatureAlgorithm           *string
	SAMLDigestAlgorithm              *string
	SAMLIdPLoginAllowed              *bool
	SAMLJoinGroups                   *bool
	SAMLRequestedAuthnContextEnabled *bool
	SAMLVariant                      *string

	OIDCIssuer       *string
	OIDCClientID     *string
	OIDCClientSecret *string
	OIDCScopes       *[]string

	// Mapping replaces the whole field (SAML) or claim (OIDC) mapping.
	Mapping *identity.FieldMapping

	SCIMEnabled *bool

	AuthTokenMaxAgeSeconds  *int64
	AuthTokenExtendWhenUsed *bool
}

// SSOEndpoints are the addresses of a method's sign-in endpoints, from
// the public URL: what an administrator enters at the identity provider.
type SSOEndpoints struct {
	// Login starts a sign-in (SP-initiated SAML, or OIDC).
	Login string
	// SAML: the assertion consumer service and the SP metadata.
	ACS, Metadata string
	// OIDC: the redirect URI registered at the provider.
	Callback string
}

// SSOEndpoints returns m's endpoint addresses. They follow Aiven's
// /v1/sso/saml/account/{account_id}/method/{method_id}/... layout.
func (p *Plane) SSOEndpoints(m identity.AuthMethod) SSOEndpoints {
	base := strings.TrimRight(p.cfg.publicURL, "/") + "/v1/sso/" + m.Type + "/account/" + url.PathEscape(m.AccountID) + "/method/" + url.PathEscape(m.ID)
	e := SSOEndpoints{Login: base + "/login"}
	switch m.Type {
	case identity.AuthMethodSAML:
		e.ACS, e.Metadata = base+"/acs", base+"/metadata"
	case identity.AuthMethodOIDC:
		e.Callback = base + "/callback"
	}
	return e
}

// ParseCertificate reads one X.509 certificate, PEM or bare base64 DER
// (as identity providers' consoles show it).
func ParseCertificate(text string) (*x509.Certificate, error) {
	text = strings.TrimSpace(text)
	var der []byte
	if b, _ := pem.Decode([]byte(text)); b != nil {
		if b.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("a PEM block of type %s is not a certificate", b.Type)
		}
		der = b.Bytes
	} else {
		raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(text), ""))
		if err != nil {
			return nil, errors.New("it is neither PEM nor base64")
		}
		der = raw
	}
	return x509.ParseCertificate(der)
}

// authMethodOrg resolves the account in the path to its organization: a
// method belongs to the organization's root account (or the organization
// ID, which names the same).
func (p *Plane) authMethodOrg(tx store.Reader, a *Actor, op Op, accountID string) (org.Organization, error) {
	u, err := p.unitOrOrgRoot(tx, accountID)
	if err != nil {
		return org.Organization{}, err
	}
	o, err := p.organization(tx, u.OrganizationID)
	if err != nil {
		return o, err
	}
	if err := p.authorize(tx, a, op, orgRes(o.ID)); err != nil {
		return o, err
	}
	if u.ID != o.AccountID {
		return o, fail(ErrNotFound, "Authentication methods belong to the organization's root account %s, not to unit %s", o.AccountID, u.ID)
	}
	return o, nil
}

// authMethod loads a method of an organization, or answers 404.
func (p *Plane) authMethod(tx store.Reader, orgID, id string) (identity.AuthMethod, error) {
	if err := org.ValidateID("authentication_method_id", identity.PrefixAuthMethod, id); err != nil {
		return identity.AuthMethod{}, err
	}
	m, err := tx.GetAuthMethod(id)
	if err != nil || m.OrganizationID != orgID {
		return identity.AuthMethod{}, notFound(store.ErrNotFound, "Authentication method not found")
	}
	return m, nil
}

// CreateAuthMethod adds an identity provider to an organization.
func (p *Plane) CreateAuthMethod(ctx context.Context, a *Actor, accountID string, in AuthMethodInput) (identity.AuthMethod, error) {
	switch in.Type {
	case identity.AuthMethodSAML, identity.AuthMethodOIDC:
	case "":
		return identity.AuthMethod{}, fail(ErrInvalid, "authentication_method_type is required: saml or oidc")
	default:
		return identity.AuthMethod{}, fail(ErrInvalid, "authentication_method_type %q must be saml or oidc", in.Type)
	}
	if in.Name == nil {
		return identity.AuthMethod{}, fail(ErrInvalid, "authentication_method_name is required")
	}
	now := p.now().UTC()
	m := identity.AuthMethod{
		ID: org.NewID(identity.PrefixAuthMethod), Type: in.Type, Enabled: true,
		SAMLAssertionSigned: true, SAMLRequestedAuthnContextEnabled: true,
		SAMLSignatureAlgorithm: "rsa-sha256", SAMLDigestAlgorithm: "sha256",
		CreateTime: now, UpdateTime: now,
	}
	if in.Type == identity.AuthMethodOIDC {
		m.OIDCScopes = []string{"openid", "email", "profile"}
	}
	if err := p.applyAuthMethodInput(&m, in); err != nil {
		return identity.AuthMethod{}, err
	}
	if m.Type == identity.AuthMethodSAML {
		key, cert, err := newSPKey(m.ID, now)
		if err != nil {
			return identity.AuthMethod{}, err
		}
		m.SPKey, m.SPCertificate = p.seal(key, "sp-key:"+m.ID), cert
	}
	err := p.write(ctx, func(tx store.Tx) error {
		o, err := p.authMethodOrg(tx, a, OpAccountAuthenticationMethodCreate, accountID)
		if err != nil {
			return err
		}
		m.OrganizationID, m.AccountID = o.ID, o.AccountID
		existing, err := tx.ListAuthMethods(o.ID)
		if err != nil {
			return err
		}
		if len(existing) >= maxAuthMethods {
			return fail(ErrConflict, "Organization already has %d authentication methods, the most allowed", len(existing))
		}
		if err := p.checkAuthMethodRefs(tx, m); err != nil {
			return err
		}
		m.SCIMURL = p.SCIMURL(m)
		if err := tx.CreateAuthMethod(m); err != nil {
			return p.authMethodStoreErr(err)
		}
		if err := p.syncSCIM(tx, false, &m); err != nil {
			return err
		}
		return p.event(tx, a, eventOf{org: o.ID, account: o.AccountID, action: "authentication_method_create",
			desc: fmt.Sprintf("Created %s authentication method %q (%s)", m.Type, m.Name, m.ID)})
	})
	return m, err
}

// UpdateAuthMethod changes a method's settings; its type stays.
func (p *Plane) UpdateAuthMethod(ctx context.Context, a *Actor, accountID, id string, in AuthMethodInput) (identity.AuthMethod, error) {
	var m identity.AuthMethod
	err := p.write(ctx, func(tx store.Tx) error {
		o, err := p.authMethodOrg(tx, a, OpAccountAuthenticationMethodUpdate, accountID)
		if err != nil {
			return err
		}
		if m, err = p.authMethod(tx, o.ID, id); err != nil {
			return err
		}
		if in.Type != "" && in.Type != m.Type {
			return fail(ErrInvalid, "authentication_method_type cannot change (it is %s); create a new method instead", m.Type)
		}
		before := m
		if err := p.applyAuthMethodInput(&m, in); err != nil {
			return err
		}
		if err := p.checkAuthMethodRefs(tx, m); err != nil {
			return err
		}
		changed := authMethodChanges(before, m)
		if len(changed) == 0 {
			return nil
		}
		m.UpdateTime = p.now().UTC()
		m.SCIMURL = p.SCIMURL(m)
		if err := tx.UpdateAuthMethod(m); err != nil {
			return p.authMethodStoreErr(err)
		}
		if err := p.syncSCIM(tx, before.SCIMEnabled, &m); err != nil {
			return err
		}
		return p.event(tx, a, eventOf{org: o.ID, account: o.AccountID, action: "authentication_method_update",
			desc: fmt.Sprintf("Updated authentication method %q (%s): %s", m.Name, m.ID, strings.Join(changed, ", "))})
	})
	return m, err
}

// GetAuthMethod returns one method.
func (p *Plane) GetAuthMethod(ctx context.Context, a *Actor, accountID, id string) (identity.AuthMethod, error) {
	var m identity.AuthMethod
	err := p.read(ctx, func(tx store.Reader) error {
		o, err := p.authMethodOrg(tx, a, OpAccountAuthenticationMethodGet, accountID)
		if err != nil {
			return err
		}
		m, err = p.authMethod(tx, o.ID, id)
		return err
	})
	return m, err
}

// ListAuthMethods returns an organization's methods.
func (p *Plane) ListAuthMethods(ctx context.Context, a *Actor, accountID string) ([]identity.AuthMethod, error) {
	var out []identity.AuthMethod
	err := p.read(ctx, func(tx store.Reader) error {
		o, err := p.authMethodOrg(tx, a, OpAccountAuthenticationMethodsList, accountID)
		if err != nil {
			return err
		}
		out, err = tx.ListAuthMethods(o.ID)
		return err
	})
	return out, err
}

// DeleteAuthMethod removes a method; its domains are unlinked and people
// who signed in through it keep their accounts.
func (p *Plane) DeleteAuthMethod(ctx context.Context, a *Actor, accountID, id string) error {
	return p.write(ctx, func(tx store.Tx) error {
		o, err := p.authMethodOrg(tx, a, OpAccountAuthenticationMethodDelete, accountID)
		if err != nil {
			return err
		}
		m, err := p.authMethod(tx, o.ID, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteAuthMethod(m.ID); err != nil {
			return err
		}
		return p.event(tx, a, eventOf{org: o.ID, account: o.AccountID, action: "authentication_method_delete",
			desc: fmt.Sprintf("Deleted %s authentication method %q (%s)", m.Type, m.Name, m.ID)})
	})
}

func (p *Plane) authMethodStoreErr(err error) error {
	if errors.Is(err, store.ErrConflict) {
		return fail(ErrConflict, "A linked domain is already linked to another authentication method")
	}
	return err
}

// checkAuthMethodRefs checks what a method points to inside the
// transaction: its auto-join group is the organization's, and every
// linked domain is the organization's and verified.
func (p *Plane) checkAuthMethodRefs(tx store.Reader, m identity.AuthMethod) error {
	if m.AutoJoinGroupID != "" {
		if _, err := p.group(tx, m.OrganizationID, m.AutoJoinGroupID); err != nil {
			return fail(ErrInvalid, "auto_join_user_group_id %s is not a user group of this organization", m.AutoJoinGroupID)
		}
	}
	for _, id := range m.LinkedDomainIDs {
		d, err := p.domain(tx, m.OrganizationID, id)
		if err != nil {
			return fail(ErrInvalid, "linked_domains: %s is not a domain of this organization", id)
		}
		if !d.Verified() {
			return fail(ErrInvalid, "linked_domains: domain %s (%s) is not verified; verify it before linking it", d.Name, id)
		}
		if other, err := tx.GetAuthMethodByDomain(id); err == nil && other.ID != m.ID {
			return fail(ErrConflict, "linked_domains: domain %s is already linked to authentication method %q (%s)", d.Name, other.Name, other.ID)
		}
	}
	return nil
}

// applyAuthMethodInput validates in and writes it over m, then sets the
// state from what the method has.
func (p *Plane) applyAuthMethodInput(m *identity.AuthMethod, in AuthMethodInput) error {
	if in.Name != nil {
		if err := org.ValidateName("authentication_method_name", *in.Name); err != nil {
			return err
		}
		m.Name = *in.Name
	}
	setBool := func(dst *bool, v *bool) {
		if v != nil {
			*dst = *v
		}
	}
	setBool(&m.Enabled, in.Enabled)
	if in.AutoJoinGroupID != nil {
		if g := *in.AutoJoinGroupID; g != "" {
			if err := org.ValidateID("auto_join_user_group_id", org.PrefixGroup, g); err != nil {
				return err
			}
		}
		m.AutoJoinGroupID = *in.AutoJoinGroupID
	}
	if in.LinkedDomainIDs != nil {
		ids := slices.Clone(*in.LinkedDomainIDs)
		if len(ids) > maxLinkedDomains {
			return fail(ErrInvalid, "linked_domains may hold at most %d domains", maxLinkedDomains)
		}
		for _, id := range ids {
			if err := org.ValidateID("linked_domains domain_id", org.PrefixDomain, id); err != nil {
				return err
			}
		}
		slices.Sort(ids)
		ids = slices.Compact(ids)
		if len(ids) == 0 {
			ids = nil
		}
		m.LinkedDomainIDs = ids
	}
	isSAML := m.Type == identity.AuthMethodSAML
	samlOnly := func(field string, set bool) error {
		if set && !isSAML {
			return fail(ErrInvalid, "%s applies to SAML methods only", field)
		}
		return nil
	}
	oidcOnly := func(field string, set bool) error {
		if set && isSAML {
			return fail(ErrInvalid, "%s applies to OIDC methods only", field)
		}
		return nil
	}
	for _, c := range []struct {
		field string
		set   bool
		only  func(string, bool) error
	}{
		{"saml_entity_id", in.SAMLEntityID != nil, samlOnly},
		{"saml_idp_url", in.SAMLIdPURL != nil, samlOnly},
		{"saml_certificate", in.SAMLCertificate != nil, samlOnly},
		{"saml_authn_requests_signed_enabled", in.SAMLAuthnRequestsSigned != nil, samlOnly},
		{"saml_idp_login_allowed", in.SAMLIdPLoginAllowed != nil, samlOnly},
		{"oidc_issuer", in.OIDCIssuer != nil, oidcOnly},
		{"oidc_client_id", in.OIDCClientID != nil, oidcOnly},
		{"oidc_client_secret", in.OIDCClientSecret != nil, oidcOnly},
		{"oidc_scopes", in.OIDCScopes != nil, oidcOnly},
	} {
		if err := c.only(c.field, c.set); err != nil {
			return err
		}
	}
	if in.SAMLEntityID != nil {
		if err := checkSetting("saml_entity_id", *in.SAMLEntityID, maxSettingLen); err != nil {
			return err
		}
		m.SAMLEntityID = strings.TrimSpace(*in.SAMLEntityID)
	}
	if in.SAMLIdPURL != nil {
		u := strings.TrimSpace(*in.SAMLIdPURL)
		if u != "" {
			if err := checkProviderURL("saml_idp_url", u); err != nil {
				return err
			}
		}
		m.SAMLIdPURL = u
	}
	if in.SAMLCertificate != nil {
		text := strings.TrimSpace(*in.SAMLCertificate)
		if text != "" {
			if len(text) > maxCertificateLen {
				return fail(ErrInvalid, "saml_certificate is longer than %d bytes", maxCertificateLen)
			}
			c, err := ParseCertificate(text)
			if err != nil {
				return fail(ErrInvalid, "saml_certificate is not an X.509 certificate: %v", err)
			}
			text = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
		}
		m.SAMLCertificate = text
	}
	setBool(&m.SAMLAssertionSigned, in.SAMLAssertionSigned)
	setBool(&m.SAMLAuthnRequestsSigned, in.SAMLAuthnRequestsSigned)
	setBool(&m.SAMLIdPLoginAllowed, in.SAMLIdPLoginAllowed)
	setBool(&m.SAMLJoinGroups, in.SAMLJoinGroups)
	setBool(&m.SAMLRequestedAuthnContextEnabled, in.SAMLRequestedAuthnContextEnabled)
	if in.SAMLSignatureAlgorithm != nil && *in.SAMLSignatureAlgorithm != "" {
		if !slices.Contains(samlSignatureAlgorithms, *in.SAMLSignatureAlgorithm) {
			return fail(ErrInvalid, "saml_signature_algorithm %q must be one of %s", *in.SAMLSignatureAlgorithm, strings.Join(samlSignatureAlgorithms, ", "))
		}
		m.SAMLSignatureAlgorithm = *in.SAMLSignatureAlgorithm
	}
	if in.SAMLDigestAlgorithm != nil && *in.SAMLDigestAlgorithm != "" {
		if !slices.Contains(samlDigestAlgorithms, *in.SAMLDigestAlgorithm) {
			return fail(ErrInvalid, "saml_digest_algorithm %q must be one of %s", *in.SAMLDigestAlgorithm, strings.Join(samlDigestAlgorithms, ", "))
		}
		m.SAMLDigestAlgorithm = *in.SAMLDigestAlgorithm
	}
	if in.SAMLVariant != nil {
		if v := *in.SAMLVariant; v != "" && v != "adfs" {
			return fail(ErrInvalid, "saml_variant %q must be adfs or empty", v)
		}
		m.SAMLVariant = *in.SAMLVariant
	}
	if in.OIDCIssuer != nil {
		u := strings.TrimRight(strings.TrimSpace(*in.OIDCIssuer), "/")
		if u != "" {
			if err := checkProviderURL("oidc_issuer", u); err != nil {
				return err
			}
		}
		m.OIDCIssuer = u
	}
	if in.OIDCClientID != nil {
		if err := checkSetting("oidc_client_id", *in.OIDCClientID, 256); err != nil {
			return err
		}
		m.OIDCClientID = strings.TrimSpace(*in.OIDCClientID)
	}
	if in.OIDCClientSecret != nil {
		if err := checkSetting("oidc_client_secret", *in.OIDCClientSecret, maxSettingLen); err != nil {
			return err
		}
		m.OIDCClientSecret = ""
		if *in.OIDCClientSecret != "" {
			m.OIDCClientSecret = p.seal(*in.OIDCClientSecret, "oidc-client-secret:"+m.ID)
		}
	}
	if in.OIDCScopes != nil {
		scopes, err := checkScopes(*in.OIDCScopes)
		if err != nil {
			return err
		}
		m.OIDCScopes = scopes
	}
	if in.Mapping != nil {
		mp := *in.Mapping
		field := "saml_field_mapping"
		if !isSAML {
			field = "oidc_claim_mapping"
		}
		for _, v := range []string{mp.Email, mp.FirstName, mp.LastName, mp.RealName, mp.Identity, mp.Groups} {
			if err := checkSetting(field, v, 256); err != nil {
				return err
			}
		}
		m.Mapping = mp
	}
	setBool(&m.SCIMEnabled, in.SCIMEnabled)
	if in.AuthTokenMaxAgeSeconds != nil {
		v := *in.AuthTokenMaxAgeSeconds
		if v < minTokenMaxAge || v > maxTokenMaxAge {
			return fail(ErrInvalid, "auth_token_max_age_seconds must be between %d and %d", minTokenMaxAge, maxTokenMaxAge)
		}
		m.AuthTokenMaxAgeSeconds = &v
	}
	setBool(&m.AuthTokenExtendWhenUsed, in.AuthTokenExtendWhenUsed)

	m.State = identity.AuthMethodPending
	if authMethodConfigured(*m) {
		m.State = identity.AuthMethodActive
	}
	return nil
}

// authMethodConfigured reports whether m has what a sign-in needs.
func authMethodConfigured(m identity.AuthMethod) bool {
	if m.Type == identity.AuthMethodSAML {
		return m.SAMLEntityID != "" && m.SAMLIdPURL != "" && m.SAMLCertificate != ""
	}
	return m.OIDCIssuer != "" && m.OIDCClientID != ""
}

// checkSetting refuses text that is too long or holds control characters.
func checkSetting(field, v string, max int) error {
	if len(v) > max {
		return fail(ErrInvalid, "%s is longer than %d bytes", field, max)
	}
	if !utf8.ValidString(v) || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fail(ErrInvalid, "%s contains control characters", field)
	}
	return nil
}

// checkProviderURL accepts an absolute https URL, or http to a loopback
// host (a provider on the same machine, as in development).
func checkProviderURL(field, s string) error {
	if err := checkSetting(field, s, maxSettingLen); err != nil {
		return err
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" {
		return fail(ErrInvalid, "%s %q must be an absolute https URL without credentials or fragment", field, s)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); host == "localhost" || ip != nil && ip.IsLoopback() {
			return nil
		}
	}
	return fail(ErrInvalid, "%s %q must be an https URL (http only to a loopback address)", field, s)
}

// checkScopes validates OAuth scopes (RFC 6749 3.3) and puts openid first.
func checkScopes(in []string) ([]string, error) {
	if len(in) > maxOIDCScopes {
		return nil, fail(ErrInvalid, "oidc_scopes may hold at most %d scopes", maxOIDCScopes)
	}
	out := []string{"openid"}
	for _, s := range in {
		if s == "" || len(s) > 128 || strings.ContainsFunc(s, func(r rune) bool { return r <= 0x20 || r == '"' || r == '\\' || r >= 0x7f }) {
			return nil, fail(ErrInvalid, "oidc_scopes: %q is not a valid scope", s)
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

// authMethodChanges names the settings that differ, for the event; the
// client secret is named, never shown.
func authMethodChanges(a, b identity.AuthMethod) []string {
	var out []string
	add := func(name string, differ bool, v any) {
		if differ {
			out = append(out, fmt.Sprintf("%s=%v", name, v))
		}
	}
	add("authentication_method_name", a.Name != b.Name, fmt.Sprintf("%q", b.Name))
	add("authentication_method_enabled", a.Enabled != b.Enabled, b.Enabled)
	add("auto_join_user_group_id", a.AutoJoinGroupID != b.AutoJoinGroupID, b.AutoJoinGroupID)
	add("linked_domains", !slices.Equal(a.LinkedDomainIDs, b.LinkedDomainIDs), "["+strings.Join(b.LinkedDomainIDs, ", ")+"]")
	add("saml_entity_id", a.SAMLEntityID != b.SAMLEntityID, b.SAMLEntityID)
	add("saml_idp_url", a.SAMLIdPURL != b.SAMLIdPURL, b.SAMLIdPURL)
	add("saml_certificate", a.SAMLCertificate != b.SAMLCertificate, "(new certificate)")
	add("saml_assertion_signed_enabled", a.SAMLAssertionSigned != b.SAMLAssertionSigned, b.SAMLAssertionSigned)
	add("saml_authn_requests_signed_enabled", a.SAMLAuthnRequestsSigned != b.SAMLAuthnRequestsSigned, b.SAMLAuthnRequestsSigned)
	add("saml_signature_algorithm", a.SAMLSignatureAlgorithm != b.SAMLSignatureAlgorithm, b.SAMLSignatureAlgorithm)
	add("saml_digest_algorithm", a.SAMLDigestAlgorithm != b.SAMLDigestAlgorithm, b.SAMLDigestAlgorithm)
	add("saml_idp_login_allowed", a.SAMLIdPLoginAllowed != b.SAMLIdPLoginAllowed, b.SAMLIdPLoginAllowed)
	add("saml_join_groups", a.SAMLJoinGroups != b.SAMLJoinGroups, b.SAMLJoinGroups)
	add("saml_requested_authn_context_enabled", a.SAMLRequestedAuthnContextEnabled != b.SAMLRequestedAuthnContextEnabled, b.SAMLRequestedAuthnContextEnabled)
	add("saml_variant", a.SAMLVariant != b.SAMLVariant, b.SAMLVariant)
	add("oidc_issuer", a.OIDCIssuer != b.OIDCIssuer, b.OIDCIssuer)
	add("oidc_client_id", a.OIDCClientID != b.OIDCClientID, b.OIDCClientID)
	add("oidc_client_secret", a.OIDCClientSecret != b.OIDCClientSecret, "(changed)")
	add("oidc_scopes", !slices.Equal(a.OIDCScopes, b.OIDCScopes), strings.Join(b.OIDCScopes, " "))
	add("field_mapping", a.Mapping != b.Mapping, fmt.Sprintf("%+v", b.Mapping))
	add("scim_enabled", a.SCIMEnabled != b.SCIMEnabled, b.SCIMEnabled)
	add("auth_token_max_age_seconds", !equalPtr(a.AuthTokenMaxAgeSeconds, b.AuthTokenMaxAgeSeconds), derefOr(b.AuthTokenMaxAgeSeconds))
	add("auth_token_extend_when_used", a.AuthTokenExtendWhenUsed != b.AuthTokenExtendWhenUsed, b.AuthTokenExtendWhenUsed)
	return out
}

func equalPtr[T comparable](a, b *T) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

func derefOr[T any](v *T) any {
	if v == nil {
		return "null"
	}
	return *v
}

// newSPKey makes the service provider's RSA key and a self-signed
// certificate for one SAML method: the key signs authentication requests
// (when the method asks) and decrypts encrypted assertions.
func newSPKey(methodID string, now time.Time) (keyPEM, certPEM string, err error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", "", err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return "", "", err
	}
	tpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "Gatehouse SAML service provider " + methodID},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(spCertificateYears, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		return "", "", err
	}
	keyDER := x509.MarshalPKCS1PrivateKey(key)
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: keyDER})),
		string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), nil
}
