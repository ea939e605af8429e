// Package ssotest runs fake identity providers on loopback for tests of
// the sign-in flows: an OpenID Connect provider (mockoidc) whose ID token
// claims a test controls, and a SAML 2.0 identity provider assembled from
// crewjam/saml's pieces that signs in whoever the test names. Only tests
// import it.
package ssotest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/crewjam/saml"
	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"
)

// NewOIDC starts a mockoidc provider on loopback, stopped when t ends.
// Queue the person each sign-in authenticates with QueueUser(User{...}).
func NewOIDC(t testing.TB) *mockoidc.MockOIDC {
	t.Helper()
	op, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = op.Shutdown() })
	return op
}

// User is a mockoidc user whose ID token claims a test controls,
// including the ones mockoidc sets itself (nonce, audience, expiry)
// through Tamper.
type User struct {
	Subject, Email string
	// Verified is the email_verified claim, left out when nil.
	Verified *bool
	Groups   []string
	Tamper   func(*mockoidc.IDTokenClaims)
}

// ID is the subject.
func (u User) ID() string { return u.Subject }

// Userinfo answers the userinfo endpoint.
func (u User) Userinfo([]string) ([]byte, error) {
	return json.Marshal(map[string]any{"sub": u.Subject, "email": u.Email})
}

// Claims are the ID token's claims: email, email_verified, name ("Test
// <subject>") and groups beside mockoidc's own.
func (u User) Claims(_ []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	if u.Tamper != nil {
		u.Tamper(base)
	}
	return &struct {
		*mockoidc.IDTokenClaims
		Email         string   `json:"email"`
		EmailVerified *bool    `json:"email_verified,omitempty"`
		Name          string   `json:"name"`
		Groups        []string `json:"groups,omitempty"`
	}{base, u.Email, u.Verified, "Test " + u.Subject, u.Groups}, nil
}

// SAMLIdP is a SAML identity provider on loopback: it signs in whoever
// the test names (As), lets a test change the assertion before it is
// signed (Tamper), and knows one service provider (TrustSP).
type SAMLIdP struct {
	// URL is the provider's base address; /start?sp=<SP entity ID>
	// begins an IdP-initiated sign-in.
	URL string
	// EntityID (the metadata address) and SSOURL are what the service
	// provider is configured with, with CertPEM, the signing certificate.
	EntityID, SSOURL, CertPEM string

	idp     *saml.IdentityProvider
	mu      sync.Mutex
	session *saml.Session
	tamper  func(*saml.Assertion)
	spMeta  *saml.EntityDescriptor
}

// NewSAMLIdP starts a SAML identity provider, stopped when t ends.
func NewSAMLIdP(t testing.TB) *SAMLIdP {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "test idp"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	p := &SAMLIdP{CertPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	base, _ := url.Parse(srv.URL)
	p.idp = &saml.IdentityProvider{Key: key, Certificate: cert,
		MetadataURL: *base.JoinPath("metadata"), SSOURL: *base.JoinPath("sso"),
		ServiceProviderProvider: p, SessionProvider: p, AssertionMaker: p}
	p.URL, p.EntityID, p.SSOURL = srv.URL, p.idp.MetadataURL.String(), p.idp.SSOURL.String()
	mux.HandleFunc("/sso", p.idp.ServeSSO)
	mux.HandleFunc("/metadata", p.idp.ServeMetadata)
	mux.HandleFunc("/start", func(w http.ResponseWriter, r *http.Request) {
		p.idp.ServeIDPInitiated(w, r, r.URL.Query().Get("sp"), "")
	})
	return p
}

// As makes the next sign-ins those of email (NameID nameID, in groups),
// with no tampering.
func (p *SAMLIdP) As(email, nameID string, groups ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.session = &saml.Session{NameID: nameID, UserEmail: email, UserCommonName: "SAML " + nameID, Groups: groups}
	p.tamper = nil
}

// Tamper changes every assertion before it is signed (nil: none).
func (p *SAMLIdP) Tamper(f func(*saml.Assertion)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tamper = f
}

// TrustSP makes ed the service provider the IdP answers. The IdP would
// encrypt assertions to the SP's key; tests that edit the XML need them
// in the clear (decryption is crewjam's, tested there), so the
// encryption keys are dropped.
func (p *SAMLIdP) TrustSP(ed saml.EntityDescriptor) {
	for i := range ed.SPSSODescriptors {
		var keep []saml.KeyDescriptor
		for _, k := range ed.SPSSODescriptors[i].KeyDescriptors {
			if k.Use != "encryption" && k.Use != "" {
				keep = append(keep, k)
			}
		}
		ed.SPSSODescriptors[i].KeyDescriptors = keep
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.spMeta = &ed
}

// TrustSPAt fetches the service provider's metadata from metadataURL and
// trusts it (TrustSP).
func (p *SAMLIdP) TrustSPAt(t testing.TB, metadataURL string) {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(metadataURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("SP metadata %s: %d %v", metadataURL, resp.StatusCode, err)
	}
	var ed saml.EntityDescriptor
	if err := xml.Unmarshal(body, &ed); err != nil {
		t.Fatalf("SP metadata %s: %v", metadataURL, err)
	}
	p.TrustSP(ed)
}

// GetSession signs in the person As named.
func (p *SAMLIdP) GetSession(http.ResponseWriter, *http.Request, *saml.IdpAuthnRequest) *saml.Session {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := *p.session
	s.ID, s.CreateTime, s.ExpireTime, s.Index = "s1", time.Now(), time.Now().Add(time.Hour), "1"
	return &s
}

// GetServiceProvider answers the trusted service provider's metadata.
func (p *SAMLIdP) GetServiceProvider(*http.Request, string) (*saml.EntityDescriptor, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.spMeta == nil {
		return nil, os.ErrNotExist
	}
	return p.spMeta, nil
}

// MakeAssertion makes crewjam's default assertion, then tampers with it.
func (p *SAMLIdP) MakeAssertion(req *saml.IdpAuthnRequest, s *saml.Session) error {
	if err := (saml.DefaultAssertionMaker{}).MakeAssertion(req, s); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tamper != nil {
		p.tamper(req.Assertion)
	}
	return nil
}
