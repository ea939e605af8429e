package cli

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/ownership/ownershiptest"
	"github.com/gatehouse-dev/gatehouse/internal/server"
)

// testCertPEM writes a self-signed certificate, as an identity provider's
// console offers for download.
func testCertPEM(t *testing.T) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "idp.example"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "idp.pem")
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestIdPCommands creates a SAML and an OIDC identity provider, links a
// verified domain, updates and deletes them, and checks the client
// secret never comes back.
func TestIdPCommands(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		resolver := ownershiptest.NewDNS(t)
		h := newHarness(t, db, func(c *server.Config) { c.DNSResolver = resolver.Addr() })
		h.needRoute(http.MethodGet, "/v1/account/a/authentication")
		h.login()
		org := strings.TrimSpace(h.ok("organization", "list", "--format", "{{.organization_id}}"))
		h.ok("organization", "domain-add", "--domain", "corp.invalid")
		var d []map[string]any
		if err := json.Unmarshal([]byte(h.ok("organization", "domain-list", "--json")), &d); err != nil || len(d) != 1 {
			t.Fatalf("domains: %v", err)
		}
		resolver.SetTXT("_gatehouse-challenge.corp.invalid", "token="+d[0]["challenge_token"].(string)+",expiry=never")
		h.ok("organization", "domain-verify", "--domain", "corp.invalid")

		cert := testCertPEM(t)
		out := h.ok("organization", "idp-create", "--organization-id", org, "--name", "Okta", "--type", "saml",
			"--saml-entity-id", "http://www.okta.com/exk1", "--saml-idp-url", "https://acme.okta.com/app/x/sso/saml",
			"--saml-certificate-file", cert, "--linked-domain", "corp.invalid", "--map-email", "mail")
		for _, want := range []string{"Okta", "saml", "active", "/v1/sso/saml/account/", "/acs", "/metadata"} {
			if !strings.Contains(out, want) {
				t.Errorf("idp-create does not show %q:\n%s", want, out)
			}
		}
		secret := filepath.Join(t.TempDir(), "secret")
		if err := os.WriteFile(secret, []byte("very-secret-value\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		out = h.ok("organization", "idp-create", "--name", "Keycloak", "--type", "oidc", "--oidc-issuer", "https://sso.corp.invalid/realms/corp",
			"--oidc-client-id", "gatehouse", "--oidc-client-secret-file", secret, "--oidc-scopes", "email,groups", "--map-groups", "roles")
		if !strings.Contains(out, "/callback") || strings.Contains(out, "very-secret-value") {
			t.Errorf("idp-create oidc:\n%s", out)
		}
		list := h.ok("organization", "idp-list", "--json")
		var ms []map[string]any
		if err := json.Unmarshal([]byte(list), &ms); err != nil || len(ms) != 2 {
			t.Fatalf("idp-list: %v\n%s", err, list)
		}
		if strings.Contains(list, "very-secret-value") || ms[1]["oidc_client_secret_set"] != true || ms[0]["linked_domains"].([]any)[0].(map[string]any)["domain_id"] != d[0]["domain_id"] {
			t.Errorf("idp-list:\n%s", list)
		}
		if m := ms[1]["oidc_claim_mapping"].(map[string]any); m["groups"] != "roles" {
			t.Errorf("claim mapping: %v", m)
		}
		if out := h.ok("organization", "idp-get", "--idp", "Keycloak"); !strings.Contains(out, "Redirect URI:") || !strings.Contains(out, "/v1/sso/oidc/account/") {
			t.Errorf("idp-get:\n%s", out)
		}
		out = h.ok("organization", "idp-update", "--idp", "Okta", "--name", "Okta SSO", "--enabled=false", "--saml-join-groups")
		if !strings.Contains(out, "Okta SSO") || !strings.Contains(out, "false") {
			t.Errorf("idp-update:\n%s", out)
		}
		if msg := h.fails("organization", "idp-update", "--idp", "Okta SSO"); !strings.Contains(msg, "nothing to change") {
			t.Errorf("empty update: %q", msg)
		}
		if msg := h.fails("organization", "idp-update", "--idp", "Keycloak", "--saml-idp-url", "https://x.invalid"); !strings.Contains(msg, "HTTP 400") || !strings.Contains(msg, "SAML methods only") {
			t.Errorf("SAML setting on OIDC: %q", msg)
		}
		if msg := h.fails("organization", "idp-create", "--name", "x", "--type", "saml", "--linked-domain", "other.invalid"); !strings.Contains(msg, "no domain other.invalid") {
			t.Errorf("unknown domain: %q", msg)
		}
		if msg := h.fails("organization", "idp-delete", "--idp", "nope", "--force"); !strings.Contains(msg, `no identity provider "nope"`) {
			t.Errorf("unknown idp: %q", msg)
		}
		h.ok("organization", "idp-delete", "--idp", "Okta SSO", "--force")
		h.ok("organization", "idp-delete", "--idp", "Keycloak", "--force")
		if out := h.ok("organization", "idp-list", "--json"); strings.TrimSpace(out) != "[]" {
			t.Errorf("after delete: %s", out)
		}
	})
}
