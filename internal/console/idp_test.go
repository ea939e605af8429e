package console

import (
	"net/url"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
)

// TestIDPInput: what the Identity providers form sends the use case.
// Every shown setting is sent, so the page's state is what is stored; an
// empty client secret keeps the stored one on update.
func TestIDPInput(t *testing.T) {
	form := func(kv ...string) *Form {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return &Form{Values: v, Errors: map[string]string{}}
	}
	for _, c := range []struct {
		name     string
		f        *Form
		typ      string
		creating bool
		check    func(t *testing.T, f *Form, typ string, creating bool)
	}{
		{"update keeps an empty secret", form("authentication_method_name", "Keycloak", "oidc_issuer", " https://sso.example "), identity.AuthMethodOIDC, false,
			func(t *testing.T, f *Form, typ string, creating bool) {
				in := idpInput(f, typ, creating)
				if in.OIDCClientSecret != nil || in.Type != "" || in.Enabled != nil {
					t.Errorf("secret %v, type %q, enabled %v: want none sent", in.OIDCClientSecret, in.Type, in.Enabled)
				}
				if *in.OIDCIssuer != "https://sso.example" || in.SAMLEntityID != nil {
					t.Errorf("issuer %q, SAML entity %v", *in.OIDCIssuer, in.SAMLEntityID)
				}
			}},
		{"update sends a typed secret", form("oidc_client_secret", "s3cret"), identity.AuthMethodOIDC, false,
			func(t *testing.T, f *Form, typ string, creating bool) {
				if in := idpInput(f, typ, creating); in.OIDCClientSecret == nil || *in.OIDCClientSecret != "s3cret" {
					t.Errorf("secret %v", in.OIDCClientSecret)
				}
			}},
		{"create SAML with boxes ticked", form("linked_domains", "dom1", "linked_domains", "", "saml_assertion_signed_enabled", "1", "authentication_method_enabled", "1", "saml_map_email", " mail "), identity.AuthMethodSAML, true,
			func(t *testing.T, f *Form, typ string, creating bool) {
				in := idpInput(f, typ, creating)
				if in.Type != identity.AuthMethodSAML || !*in.Enabled || !*in.SAMLAssertionSigned || *in.SAMLAuthnRequestsSigned || *in.SAMLIdPLoginAllowed {
					t.Errorf("type %q, enabled %v, signed %v, requests %v, idp login %v", in.Type, *in.Enabled, *in.SAMLAssertionSigned, *in.SAMLAuthnRequestsSigned, *in.SAMLIdPLoginAllowed)
				}
				if d := *in.LinkedDomainIDs; len(d) != 1 || d[0] != "dom1" {
					t.Errorf("linked domains %v", d)
				}
				if in.Mapping.Email != "mail" || in.OIDCIssuer != nil || in.OIDCScopes != nil {
					t.Errorf("mapping %+v, issuer %v, scopes %v", *in.Mapping, in.OIDCIssuer, in.OIDCScopes)
				}
			}},
		{"no domain ticked unlinks all", form(), identity.AuthMethodOIDC, false,
			func(t *testing.T, f *Form, typ string, creating bool) {
				if in := idpInput(f, typ, creating); in.LinkedDomainIDs == nil || len(*in.LinkedDomainIDs) != 0 || in.OIDCScopes == nil {
					t.Errorf("linked domains %v, scopes %v: want both sent empty", in.LinkedDomainIDs, in.OIDCScopes)
				}
			}},
	} {
		t.Run(c.name, func(t *testing.T) { c.check(t, c.f, c.typ, c.creating) })
	}
}

// TestIDPFormRoundTrip: a stored method's form, sent back unchanged,
// asks for no change of what it shows.
func TestIDPFormRoundTrip(t *testing.T) {
	m := identity.AuthMethod{Type: identity.AuthMethodSAML, Name: "Okta", Enabled: true, LinkedDomainIDs: []string{"d1", "d2"},
		SAMLEntityID: "https://idp.example", SAMLIdPURL: "https://idp.example/sso", SAMLCertificate: "PEM", SAMLAssertionSigned: true,
		SAMLJoinGroups: true, Mapping: identity.FieldMapping{Email: "mail", Groups: "memberOf"}}
	in := idpInput(idpForm(m), m.Type, false)
	if *in.Name != m.Name || *in.SAMLEntityID != m.SAMLEntityID || *in.SAMLIdPURL != m.SAMLIdPURL || *in.SAMLCertificate != m.SAMLCertificate ||
		!*in.SAMLAssertionSigned || !*in.SAMLJoinGroups || *in.SAMLIdPLoginAllowed || len(*in.LinkedDomainIDs) != 2 || *in.Mapping != m.Mapping {
		t.Errorf("round trip of %+v gave %+v", m, in)
	}
}
