package sso_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/sso"
	"github.com/gatehouse-dev/gatehouse/internal/sso/ssotest"
)

// TestFetchIdPMetadata: an identity provider's own metadata gives the
// settings an administrator would copy by hand.
func TestFetchIdPMetadata(t *testing.T) {
	idp := ssotest.NewSAMLIdP(t)
	m, err := sso.FetchIdPMetadata(t.Context(), nil, idp.EntityID)
	if err != nil {
		t.Fatal(err)
	}
	if m.EntityID != idp.EntityID || m.SSOURL != idp.SSOURL {
		t.Errorf("entity %q, SSO URL %q; want %q, %q", m.EntityID, m.SSOURL, idp.EntityID, idp.SSOURL)
	}
	got, err := control.ParseCertificate(m.Certificate)
	if err != nil {
		t.Fatalf("certificate %q: %v", m.Certificate, err)
	}
	want, _ := control.ParseCertificate(idp.CertPEM)
	if !got.Equal(want) {
		t.Error("the certificate read is not the provider's")
	}
}

func TestIdPMetadataRefused(t *testing.T) {
	const ed = `<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="%s"><IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">%s<SingleSignOnService Binding="%s" Location="https://idp.example/sso"/></IDPSSODescriptor></EntityDescriptor>`
	const key = `<KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>MIIB</X509Certificate></X509Data></KeyInfo></KeyDescriptor>`
	const redirect = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
	doc := func(entity, keys, binding string) []byte {
		s := strings.Replace(ed, "%s", entity, 1)
		s = strings.Replace(s, "%s", keys, 1)
		return []byte(strings.Replace(s, "%s", binding, 1))
	}
	for _, c := range []struct {
		name string
		raw  []byte
		want string
	}{
		{"not XML", []byte("hello"), "not SAML metadata"},
		{"a service provider", []byte(`<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="sp"><SPSSODescriptor/></EntityDescriptor>`), "no identity provider"},
		{"no entity ID", doc("", key, redirect), "no entityID"},
		{"POST binding only", doc("https://idp.example", key, "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"), "HTTP-Redirect"},
		{"no certificate", doc("https://idp.example", "", redirect), "no signing certificate"},
		{"too long", make([]byte, 1<<20+1), "longer than"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := sso.ParseIdPMetadata(c.raw)
			if !errors.Is(err, sso.ErrMetadata) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an ErrMetadata saying %q", err, c.want)
			}
		})
	}
	if m, err := sso.ParseIdPMetadata(doc("https://idp.example", key, redirect)); err != nil || m.SSOURL != "https://idp.example/sso" || !strings.Contains(m.Certificate, "MIIB") {
		t.Errorf("a complete document: %+v, %v", m, err)
	}
	for _, u := range []string{"http://idp.example/metadata", "ftp://127.0.0.1/x", "https://user:pw@idp.example/m", "not a url"} {
		if _, err := sso.FetchIdPMetadata(t.Context(), nil, u); !errors.Is(err, sso.ErrMetadata) {
			t.Errorf("fetching %s: %v, want refused", u, err)
		}
	}
}
