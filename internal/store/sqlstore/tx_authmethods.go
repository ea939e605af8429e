package sqlstore

import (
	"fmt"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

const authMethodCols = `id, organization_id, account_id, type, config, create_time, update_time`

var (
	qCreateAuthMethod = newQuery(`INSERT INTO auth_methods (` + authMethodCols + `)
VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	qGetAuthMethod      = newQuery(`SELECT ` + authMethodCols + ` FROM auth_methods WHERE id = ?`)
	qListAuthMethods    = newQuery(`SELECT ` + authMethodCols + ` FROM auth_methods WHERE organization_id = ? ORDER BY create_time, id`)
	qUpdateAuthMethod   = newQuery(`UPDATE auth_methods SET config = ?, update_time = ? WHERE id = ?`)
	qDeleteAuthMethod   = newQuery(`DELETE FROM auth_methods WHERE id = ?`)
	qAuthMethodDomains  = newQuery(`SELECT domain_id FROM auth_method_domains WHERE method_id = ? ORDER BY domain_id`)
	qAuthMethodOfDomain = newQuery(`SELECT method_id FROM auth_method_domains WHERE domain_id = ?`)
	qLinkDomain         = newQuery(`INSERT INTO auth_method_domains (domain_id, method_id) VALUES (?, ?) ON CONFLICT DO NOTHING`)
	qUnlinkDomains      = newQuery(`DELETE FROM auth_method_domains WHERE method_id = ?`)
	qDomainExists       = newQuery(`SELECT 1 FROM domains WHERE id = ?`)
)

// authMethodJSON is the stored form of a method's settings: everything
// but the columns of its own. Keys are stable names, not Go field names,
// so a renamed field keeps reading old rows.
type authMethodJSON struct {
	Name            string `json:"name"`
	Enabled         bool   `json:"enabled"`
	State           string `json:"state"`
	AutoJoinGroupID string `json:"auto_join_group_id,omitempty"`

	SAMLEntityID                     string `json:"saml_entity_id,omitempty"`
	SAMLIdPURL                       string `json:"saml_idp_url,omitempty"`
	SAMLCertificate                  string `json:"saml_certificate,omitempty"`
	SAMLAssertionSigned              bool   `json:"saml_assertion_signed"`
	SAMLAuthnRequestsSigned          bool   `json:"saml_authn_requests_signed"`
	SAMLSignatureAlgorithm           string `json:"saml_signature_algorithm,omitempty"`
	SAMLDigestAlgorithm              string `json:"saml_digest_algorithm,omitempty"`
	SAMLIdPLoginAllowed              bool   `json:"saml_idp_login_allowed"`
	SAMLJoinGroups                   bool   `json:"saml_join_groups"`
	SAMLRequestedAuthnContextEnabled bool   `json:"saml_requested_authn_context_enabled"`
	SAMLVariant                      string `json:"saml_variant,omitempty"`
	SPKey                            string `json:"sp_key,omitempty"`
	SPCertificate                    string `json:"sp_certificate,omitempty"`

	OIDCIssuer       string   `json:"oidc_issuer,omitempty"`
	OIDCClientID     string   `json:"oidc_client_id,omitempty"`
	OIDCClientSecret string   `json:"oidc_client_secret,omitempty"`
	OIDCScopes       []string `json:"oidc_scopes,omitempty"`

	Mapping struct {
		Email     string `json:"email,omitempty"`
		FirstName string `json:"first_name,omitempty"`
		LastName  string `json:"last_name,omitempty"`
		RealName  string `json:"real_name,omitempty"`
		Identity  string `json:"identity,omitempty"`
		Groups    string `json:"groups,omitempty"`
	} `json:"mapping"`

	SCIMEnabled bool   `json:"scim_enabled"`
	SCIMURL     string `json:"scim_url,omitempty"`

	AuthTokenMaxAgeSeconds  *int64 `json:"auth_token_max_age_seconds,omitempty"`
	AuthTokenExtendWhenUsed bool   `json:"auth_token_extend_when_used"`
}

func authMethodConfig(m identity.AuthMethod) (string, error) {
	j := authMethodJSON{
		Name: m.Name, Enabled: m.Enabled, State: m.State, AutoJoinGroupID: m.AutoJoinGroupID,
		SAMLEntityID: m.SAMLEntityID, SAMLIdPURL: m.SAMLIdPURL, SAMLCertificate: m.SAMLCertificate,
		SAMLAssertionSigned: m.SAMLAssertionSigned, SAMLAuthnRequestsSigned: m.SAMLAuthnRequestsSigned,
		SAMLSignatureAlgorithm: m.SAMLSignatureAlgorithm, SAMLDigestAlgorithm: m.SAMLDigestAlgorithm,
		SAMLIdPLoginAllowed: m.SAMLIdPLoginAllowed, SAMLJoinGroups: m.SAMLJoinGroups,
		SAMLRequestedAuthnContextEnabled: m.SAMLRequestedAuthnContextEnabled, SAMLVariant: m.SAMLVariant,
		SPKey: m.SPKey, SPCertificate: m.SPCertificate,
		OIDCIssuer: m.OIDCIssuer, OIDCClientID: m.OIDCClientID, OIDCClientSecret: m.OIDCClientSecret, OIDCScopes: m.OIDCScopes,
		SCIMEnabled: m.SCIMEnabled, SCIMURL: m.SCIMURL,
		AuthTokenMaxAgeSeconds: m.AuthTokenMaxAgeSeconds, AuthTokenExtendWhenUsed: m.AuthTokenExtendWhenUsed,
	}
	j.Mapping.Email, j.Mapping.FirstName, j.Mapping.LastName = m.Mapping.Email, m.Mapping.FirstName, m.Mapping.LastName
	j.Mapping.RealName, j.Mapping.Identity, j.Mapping.Groups = m.Mapping.RealName, m.Mapping.Identity, m.Mapping.Groups
	return toJSON(j)
}

func scanAuthMethod(r scanner) (identity.AuthMethod, error) {
	var (
		m      identity.AuthMethod
		text   string
		ct, ut int64
		j      authMethodJSON
	)
	if err := r.Scan(&m.ID, &m.OrganizationID, &m.AccountID, &m.Type, &text, &ct, &ut); err != nil {
		return m, err
	}
	if err := fromJSON(text, &j); err != nil {
		return m, err
	}
	m.CreateTime, m.UpdateTime = fromMicros(ct), fromMicros(ut)
	m.Name, m.Enabled, m.State, m.AutoJoinGroupID = j.Name, j.Enabled, j.State, j.AutoJoinGroupID
	m.SAMLEntityID, m.SAMLIdPURL, m.SAMLCertificate = j.SAMLEntityID, j.SAMLIdPURL, j.SAMLCertificate
	m.SAMLAssertionSigned, m.SAMLAuthnRequestsSigned = j.SAMLAssertionSigned, j.SAMLAuthnRequestsSigned
	m.SAMLSignatureAlgorithm, m.SAMLDigestAlgorithm = j.SAMLSignatureAlgorithm, j.SAMLDigestAlgorithm
	m.SAMLIdPLoginAllowed, m.SAMLJoinGroups = j.SAMLIdPLoginAllowed, j.SAMLJoinGroups
	m.SAMLRequestedAuthnContextEnabled, m.SAMLVariant = j.SAMLRequestedAuthnContextEnabled, j.SAMLVariant
	m.SPKey, m.SPCertificate = j.SPKey, j.SPCertificate
	m.OIDCIssuer, m.OIDCClientID, m.OIDCClientSecret, m.OIDCScopes = j.OIDCIssuer, j.OIDCClientID, j.OIDCClientSecret, j.OIDCScopes
	m.Mapping = identity.FieldMapping{Email: j.Mapping.Email, FirstName: j.Mapping.FirstName, LastName: j.Mapping.LastName,
		RealName: j.Mapping.RealName, Identity: j.Mapping.Identity, Groups: j.Mapping.Groups}
	m.SCIMEnabled, m.SCIMURL = j.SCIMEnabled, j.SCIMURL
	m.AuthTokenMaxAgeSeconds, m.AuthTokenExtendWhenUsed = j.AuthTokenMaxAgeSeconds, j.AuthTokenExtendWhenUsed
	return m, nil
}

func authMethodWhat(id string) string { return fmt.Sprintf("authentication method %q", id) }

func scanString(r scanner) (s string, err error) { return s, r.Scan(&s) }

// withDomains fills in a method's linked domains.
func (t *reader) withDomains(m identity.AuthMethod) (identity.AuthMethod, error) {
	ids, err := listQ(t, "domains of "+authMethodWhat(m.ID), qAuthMethodDomains, scanString, m.ID)
	m.LinkedDomainIDs = ids
	return m, err
}

func (t *reader) GetAuthMethod(id string) (identity.AuthMethod, error) {
	m, err := get(t, authMethodWhat(id), qGetAuthMethod, scanAuthMethod, id)
	if err != nil {
		return m, err
	}
	return t.withDomains(m)
}

func (t *reader) ListAuthMethods(orgID string) ([]identity.AuthMethod, error) {
	ms, err := listQ(t, "authentication methods", qListAuthMethods, scanAuthMethod, orgID)
	if err != nil {
		return nil, err
	}
	for i := range ms {
		if ms[i], err = t.withDomains(ms[i]); err != nil {
			return nil, err
		}
	}
	return ms, nil
}

func (t *reader) GetAuthMethodByDomain(domainID string) (identity.AuthMethod, error) {
	id, err := get(t, fmt.Sprintf("authentication method of domain %q", domainID), qAuthMethodOfDomain, scanString, domainID)
	if err != nil {
		return identity.AuthMethod{}, err
	}
	return t.GetAuthMethod(id)
}

// linkDomains replaces a method's domain links, refusing a domain linked
// to another method before writing anything.
func (t *tx) linkDomains(m identity.AuthMethod) error {
	what := authMethodWhat(m.ID)
	for _, d := range m.LinkedDomainIDs {
		if err := t.require(what, ref{"domain", qDomainExists, d}); err != nil {
			return err
		}
		owner, err := get(t.reader, "link of domain "+d, qAuthMethodOfDomain, scanString, d)
		if err == nil && owner != m.ID {
			return fmt.Errorf("%s: domain %q is linked to %s: %w", what, d, authMethodWhat(owner), store.ErrConflict)
		}
	}
	if _, err := t.exec(qUnlinkDomains, m.ID); err != nil {
		return writeErr(what, err)
	}
	for _, d := range m.LinkedDomainIDs {
		if _, err := t.exec(qLinkDomain, d, m.ID); err != nil {
			return writeErr(what, err)
		}
	}
	return nil
}

func (t *tx) CreateAuthMethod(m identity.AuthMethod) error {
	what := authMethodWhat(m.ID)
	if err := t.require(what, ref{"organization", qOrgExists, m.OrganizationID}); err != nil {
		return err
	}
	cfg, err := authMethodConfig(m)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	for _, d := range m.LinkedDomainIDs {
		if err := t.require(what, ref{"domain", qDomainExists, d}); err != nil {
			return err
		}
	}
	// The links are checked before the row is written, so a refused
	// domain leaves nothing behind even outside a rolled-back transaction.
	for _, d := range m.LinkedDomainIDs {
		if _, err := get(t.reader, "link of domain "+d, qAuthMethodOfDomain, scanString, d); err == nil {
			return fmt.Errorf("%s: domain %q is already linked: %w", what, d, store.ErrConflict)
		}
	}
	n, err := t.exec(qCreateAuthMethod, m.ID, m.OrganizationID, m.AccountID, m.Type, cfg, micros(m.CreateTime), micros(m.UpdateTime))
	if err := mustInsert(what, n, err); err != nil {
		return err
	}
	return t.linkDomains(m)
}

func (t *tx) UpdateAuthMethod(m identity.AuthMethod) error {
	what := authMethodWhat(m.ID)
	if ok, err := t.exists(qGetAuthMethodExists, m.ID); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	} else if !ok {
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	cfg, err := authMethodConfig(m)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := t.linkDomains(m); err != nil {
		return err
	}
	n, err := t.exec(qUpdateAuthMethod, cfg, micros(m.UpdateTime), m.ID)
	return mustAffect(what, n, err)
}

var qGetAuthMethodExists = newQuery(`SELECT 1 FROM auth_methods WHERE id = ?`)

func (t *tx) DeleteAuthMethod(id string) error {
	if _, err := t.exec(qUnlinkDomains, id); err != nil {
		return writeErr(authMethodWhat(id), err)
	}
	n, err := t.exec(qDeleteAuthMethod, id)
	return mustAffect(authMethodWhat(id), n, err)
}
