package control

import (
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
)

func sp(s string) *string { return &s }

// testCertificate is a PEM certificate as an identity provider shows it.
func testCertificate(t *testing.T) string {
	t.Helper()
	_, cert, err := newSPKey("test", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// verifiedDomain adds and verifies a domain of the fixture's organization.
func (f *domainFixture) verifiedDomain(t *testing.T, name string) org.Domain {
	t.Helper()
	d, err := f.p.AddDomain(t.Context(), f.admin, f.org.ID, name, "")
	if err != nil {
		t.Fatal(err)
	}
	f.publish(d)
	if d, err = f.p.VerifyDomain(t.Context(), f.admin, f.org.ID, d.ID); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestAuthMethodLifecycle(t *testing.T) {
	t.Parallel()
	f := newDomainFixture(t)
	f.p.cfg.publicURL = "https://gatehouse.example.com/"
	ctx := t.Context()
	cert := testCertificate(t)
	dom := f.verifiedDomain(t, "example.com")
	g, err := f.p.CreateGroup(ctx, f.admin, f.org.ID, "engineers", "")
	if err != nil {
		t.Fatal(err)
	}

	m, err := f.p.CreateAuthMethod(ctx, f.admin, f.org.AccountID, AuthMethodInput{Name: sp("Okta"), Type: identity.AuthMethodSAML})
	if err != nil {
		t.Fatal(err)
	}
	if m.State != identity.AuthMethodPending || !m.Enabled || !m.SAMLAssertionSigned || m.SPCertificate == "" || !strings.HasPrefix(m.SPKey, "plain:") && !strings.HasPrefix(m.SPKey, "v2:") {
		t.Fatalf("new SAML method: %+v", m)
	}
	e := f.p.SSOEndpoints(m)
	if want := "https://gatehouse.example.com/v1/sso/saml/account/" + f.org.AccountID + "/method/" + m.ID + "/acs"; e.ACS != want {
		t.Errorf("ACS = %q, want %q", e.ACS, want)
	}
	// Configured: active, linked, joining a group.
	m, err = f.p.UpdateAuthMethod(ctx, f.admin, f.org.AccountID, m.ID, AuthMethodInput{
		SAMLEntityID: sp("https://idp.example.com/entity"), SAMLIdPURL: sp("https://idp.example.com/sso"), SAMLCertificate: sp(cert),
		LinkedDomainIDs: &[]string{dom.ID, dom.ID}, AutoJoinGroupID: sp(g.ID),
	})
	if err != nil {
		t.Fatal(err)
	}
	if m.State != identity.AuthMethodActive || len(m.LinkedDomainIDs) != 1 || m.AutoJoinGroupID != g.ID {
		t.Fatalf("configured method: %+v", m)
	}
	// The organization ID names the same account.
	got, err := f.p.GetAuthMethod(ctx, f.admin, f.org.ID, m.ID)
	if err != nil || got.ID != m.ID {
		t.Fatalf("get by organization ID: %v %v", got, err)
	}

	oidc, err := f.p.CreateAuthMethod(ctx, f.admin, f.org.AccountID, AuthMethodInput{Name: sp("Keycloak"), Type: identity.AuthMethodOIDC,
		OIDCIssuer: sp("https://sso.example.com/realms/acme/"), OIDCClientID: sp("gatehouse"), OIDCClientSecret: sp("s3cret"), OIDCScopes: &[]string{"email", "groups"}})
	if err != nil {
		t.Fatal(err)
	}
	if oidc.State != identity.AuthMethodActive || oidc.OIDCIssuer != "https://sso.example.com/realms/acme" ||
		strings.Join(oidc.OIDCScopes, " ") != "openid email groups" || strings.Contains(oidc.OIDCClientSecret, "s3cret") && !strings.HasPrefix(oidc.OIDCClientSecret, "plain:") {
		t.Fatalf("OIDC method: %+v", oidc)
	}
	if s, err := f.p.unseal(oidc.OIDCClientSecret, "oidc-client-secret:"+oidc.ID); err != nil || s != "s3cret" {
		t.Fatalf("client secret opens to %q, %v", s, err)
	}
	list, err := f.p.ListAuthMethods(ctx, f.admin, f.org.AccountID)
	if err != nil || len(list) != 2 || list[0].ID != m.ID {
		t.Fatalf("list: %v %v", list, err)
	}
	if err := f.p.DeleteAuthMethod(ctx, f.admin, f.org.AccountID, m.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.p.GetAuthMethod(ctx, f.admin, f.org.AccountID, m.ID)
	wantErr(t, err, ErrNotFound)
	for action, n := range map[string]int{"authentication_method_create": 2, "authentication_method_update": 1, "authentication_method_delete": 1} {
		if got := len(f.events(t, f.org.ID, action)); got != n {
			t.Errorf("%s events: %d, want %d", action, got, n)
		}
	}
	for _, ev := range f.events(t, f.org.ID, "authentication_method_create") {
		if strings.Contains(ev.Description, "s3cret") {
			t.Errorf("event shows the client secret: %s", ev.Description)
		}
	}
}

func TestAuthMethodRefused(t *testing.T) {
	t.Parallel()
	f := newDomainFixture(t)
	ctx := t.Context()
	unverified, err := f.p.AddDomain(ctx, f.admin, f.org.ID, "unverified.example", "")
	if err != nil {
		t.Fatal(err)
	}
	verified := f.verifiedDomain(t, "corp.example")
	other, err := f.p.CreateOrganization(ctx, f.admin, "Other", "business")
	if err != nil {
		t.Fatal(err)
	}
	otherGroup, err := f.p.CreateGroup(ctx, f.admin, other.ID, "theirs", "")
	if err != nil {
		t.Fatal(err)
	}
	unit, err := f.p.CreateUnit(ctx, f.admin, "Unit", f.org.ID)
	if err != nil {
		t.Fatal(err)
	}
	taken, err := f.p.CreateAuthMethod(ctx, f.admin, f.org.AccountID, AuthMethodInput{Name: sp("first"), Type: "saml", LinkedDomainIDs: &[]string{verified.ID}})
	if err != nil {
		t.Fatal(err)
	}
	member := f.member(t, "member@example.org")
	saml := func(in AuthMethodInput) AuthMethodInput {
		if in.Name == nil {
			in.Name = sp("IdP")
		}
		if in.Type == "" {
			in.Type = "saml"
		}
		return in
	}
	cases := []struct {
		name    string
		actor   *Actor
		account string
		in      AuthMethodInput
		kind    error
		says    string
	}{
		{"no type", f.admin, "", AuthMethodInput{Name: sp("x")}, ErrInvalid, "authentication_method_type is required"},
		{"internal type", f.admin, "", AuthMethodInput{Name: sp("x"), Type: "internal"}, ErrInvalid, "must be saml or oidc"},
		{"no name", f.admin, "", AuthMethodInput{Type: "saml"}, ErrInvalid, "authentication_method_name is required"},
		{"blank name", f.admin, "", saml(AuthMethodInput{Name: sp("  ")}), org.ErrInvalid, "authentication_method_name"},
		{"unverified domain", f.admin, "", saml(AuthMethodInput{LinkedDomainIDs: &[]string{unverified.ID}}), ErrInvalid, "not verified"},
		{"unknown domain", f.admin, "", saml(AuthMethodInput{LinkedDomainIDs: &[]string{"dom0123456789abcd"}}), ErrInvalid, "not a domain of this organization"},
		{"malformed domain", f.admin, "", saml(AuthMethodInput{LinkedDomainIDs: &[]string{"x"}}), org.ErrInvalid, "not a valid identifier"},
		{"domain linked elsewhere", f.admin, "", saml(AuthMethodInput{LinkedDomainIDs: &[]string{verified.ID}}), ErrConflict, taken.ID},
		{"other organization's group", f.admin, "", saml(AuthMethodInput{AutoJoinGroupID: sp(otherGroup.ID)}), ErrInvalid, "not a user group of this organization"},
		{"bad certificate", f.admin, "", saml(AuthMethodInput{SAMLCertificate: sp("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----")}), ErrInvalid, "saml_certificate"},
		{"not a certificate", f.admin, "", saml(AuthMethodInput{SAMLCertificate: sp("hello world")}), ErrInvalid, "neither PEM nor base64"},
		{"plain http IdP", f.admin, "", saml(AuthMethodInput{SAMLIdPURL: sp("http://idp.example.com/sso")}), ErrInvalid, "https"},
		{"javascript IdP", f.admin, "", saml(AuthMethodInput{SAMLIdPURL: sp("javascript:alert(1)")}), ErrInvalid, "saml_idp_url"},
		{"credentials in issuer", f.admin, "", AuthMethodInput{Name: sp("o"), Type: "oidc", OIDCIssuer: sp("https://u:p@idp.example.com")}, ErrInvalid, "without credentials"},
		{"OIDC field on SAML", f.admin, "", saml(AuthMethodInput{OIDCIssuer: sp("https://idp.example.com")}), ErrInvalid, "OIDC methods only"},
		{"SAML field on OIDC", f.admin, "", AuthMethodInput{Name: sp("o"), Type: "oidc", SAMLIdPURL: sp("https://idp.example.com")}, ErrInvalid, "SAML methods only"},
		{"bad scope", f.admin, "", AuthMethodInput{Name: sp("o"), Type: "oidc", OIDCScopes: &[]string{"a b"}}, ErrInvalid, "not a valid scope"},
		{"bad signature algorithm", f.admin, "", saml(AuthMethodInput{SAMLSignatureAlgorithm: sp("md5")}), ErrInvalid, "saml_signature_algorithm"},
		{"bad digest", f.admin, "", saml(AuthMethodInput{SAMLDigestAlgorithm: sp("md5")}), ErrInvalid, "saml_digest_algorithm"},
		{"token age too short", f.admin, "", saml(AuthMethodInput{AuthTokenMaxAgeSeconds: ptr(int64(1))}), ErrInvalid, "auth_token_max_age_seconds"},
		{"control characters", f.admin, "", saml(AuthMethodInput{SAMLEntityID: sp("a\nb")}), ErrInvalid, "control characters"},
		{"nested unit", f.admin, unit.ID, saml(AuthMethodInput{}), ErrNotFound, "root account"},
		{"unknown account", f.admin, "a0123456789abcd", saml(AuthMethodInput{}), ErrNotFound, "Account does not exist"},
		{"member is not admin", member, "", saml(AuthMethodInput{}), ErrForbidden, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			acct := c.account
			if acct == "" {
				acct = f.org.AccountID
			}
			_, err := f.p.CreateAuthMethod(ctx, c.actor, acct, c.in)
			wantMessage(t, err, c.kind, c.says)
		})
	}
	// The type never changes; another organization's method is unknown.
	_, err = f.p.UpdateAuthMethod(ctx, f.admin, f.org.AccountID, taken.ID, AuthMethodInput{Type: "oidc"})
	wantMessage(t, err, ErrInvalid, "cannot change")
	_, err = f.p.GetAuthMethod(ctx, f.admin, other.AccountID, taken.ID)
	wantErr(t, err, ErrNotFound)
	_, err = f.p.GetAuthMethod(ctx, member, f.org.AccountID, taken.ID)
	wantErr(t, err, ErrForbidden)
	// Nothing refused was stored.
	list, err := f.p.ListAuthMethods(ctx, f.admin, f.org.AccountID)
	if err != nil || len(list) != 1 {
		t.Fatalf("after refusals: %v %v", list, err)
	}
}
