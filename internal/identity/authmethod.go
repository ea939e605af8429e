package identity

import "time"

// Authentication method types: Aiven's SAML and Gatehouse's own OpenID
// Connect. (Aiven's "internal", password sign-in, is the policy's
// password_auth_enabled switch here, not a method.)
const (
	AuthMethodSAML = "saml"
	AuthMethodOIDC = "oidc"
)

// Authentication method states, as in Aiven's API: a method missing what
// it needs to sign anyone in (an IdP URL and certificate, an issuer and
// client) is pending_configuration.
const (
	AuthMethodActive  = "active"
	AuthMethodPending = "pending_configuration"
)

// PrefixAuthMethod is the identifier prefix of authentication methods.
const PrefixAuthMethod = "am"

// FieldMapping names the attributes (SAML) or claims (OIDC) an identity
// provider's answer carries each of the person's details in; "" means the
// default.
type FieldMapping struct {
	Email     string
	FirstName string
	LastName  string
	RealName  string
	Identity  string
	Groups    string
}

// AuthMethod is an organization's identity provider: how its people sign
// in through SAML 2.0 or OpenID Connect, which verified domains send
// people to it, and where people signing up through it land.
type AuthMethod struct {
	ID             string
	OrganizationID string
	// AccountID is the organization's root account, Aiven's owner of
	// the method.
	AccountID string
	Name      string
	Type      string
	Enabled   bool
	State     string
	// AutoJoinGroupID is the group people join when they first sign in
	// through the method ("" for none).
	AutoJoinGroupID string
	// LinkedDomainIDs are verified domains of the organization whose
	// people sign in through this method, ordered.
	LinkedDomainIDs []string

	SAMLEntityID                     string
	SAMLIdPURL                       string
	SAMLCertificate                  string
	SAMLAssertionSigned              bool
	SAMLAuthnRequestsSigned          bool
	SAMLSignatureAlgorithm           string
	SAMLDigestAlgorithm              string
	SAMLIdPLoginAllowed              bool
	SAMLJoinGroups                   bool
	SAMLRequestedAuthnContextEnabled bool
	SAMLVariant                      string
	// SPKey is the service provider's private key (sealed) signing
	// authentication requests, and SPCertificate its PEM certificate,
	// generated with the method.
	SPKey         string
	SPCertificate string

	OIDCIssuer   string
	OIDCClientID string
	// OIDCClientSecret is sealed; it never leaves the server.
	OIDCClientSecret string
	OIDCScopes       []string

	// Mapping applies to both types: SAML attribute names or OIDC claim
	// names.
	Mapping FieldMapping

	SCIMEnabled bool
	SCIMURL     string
	// SCIMToken is the SCIM bearer token in the answer of the call that
	// generated it (enabling SCIM, or rotating); never stored (its hash
	// is) and empty otherwise.
	SCIMToken string

	AuthTokenMaxAgeSeconds  *int64
	AuthTokenExtendWhenUsed bool

	CreateTime time.Time
	UpdateTime time.Time
}
