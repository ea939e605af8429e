package consoletest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/console/consoletest"
	"github.com/gatehouse-dev/gatehouse/internal/ownership/ownershiptest"
	"github.com/gatehouse-dev/gatehouse/internal/server"
	"github.com/gatehouse-dev/gatehouse/internal/sso/ssotest"
)

// ssoDomain is the domain whose people sign in through the identity
// provider of the tests below.
const ssoDomain = "corp.example"

// verifyDomain adds ssoDomain to org through the API and verifies it
// against the loopback DNS server.
func verifyDomain(t *testing.T, b *consoletest.Browser, dns *ownershiptest.DNS, org string) {
	t.Helper()
	admin := b.Login(consoletest.AdminEmail, consoletest.AdminPassword)
	var d struct {
		ID     string `json:"domain_id"`
		Record struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"verification_record"`
	}
	if st := consoletest.API(t, b.Server.URL, "POST", "/v1/organization/"+org+"/domains", admin, map[string]string{"domain_name": ssoDomain}, &d); st != http.StatusOK {
		t.Fatalf("adding %s: %d", ssoDomain, st)
	}
	dns.SetTXT(d.Record.Name, d.Record.Value)
	if st := consoletest.API(t, b.Server.URL, "POST", "/v1/organization/"+org+"/domains/"+d.ID+"/verify", admin, nil, nil); st != http.StatusOK {
		t.Fatalf("verifying %s: %d", ssoDomain, st)
	}
}

// signInWithSSO opens the sign-in page in a fresh browser, asks for
// email's identity provider and returns the browser showing the answer.
func signInWithSSO(b *consoletest.Browser, email string) *consoletest.Browser {
	b.T.Helper()
	p := b.Another()
	p.Visit("/signin")
	p.Fill("#f-sso", email)
	p.Click("#sso-find")
	return p
}

// landOnOrg follows the identity provider's sign-in and checks the
// person lands signed in on org's page.
func landOnOrg(t *testing.T, p *consoletest.Browser, org, email string) {
	t.Helper()
	p.WaitFor("the organization page after the identity provider", `location.pathname === "/orgs/`+org+`" && document.readyState === "complete"`)
	p.Shot("signed-in-through-idp")
	if got := p.Text("header .who"); got != email {
		t.Fatalf("signed in as %q, want %s", got, email)
	}
}

// TestSSOOIDC: an admin adds an OpenID Connect provider on the Identity
// providers page and links the verified domain → a person types their
// email on the sign-in page → "Sign in with Keycloak" → the provider →
// the organization page, signed in. A disabled provider is not offered;
// once the policy forbids passwords, the password form says so.
func TestSSOOIDC(t *testing.T) {
	dns := ownershiptest.NewDNS(t)
	op := ssotest.NewOIDC(t)
	consoletest.Run(t, func(t *testing.T, b *consoletest.Browser) {
		const alice = "alice@" + ssoDomain
		b.SignIn(consoletest.AdminEmail, consoletest.AdminPassword, "")
		org := b.OrgID()
		verifyDomain(t, b, dns, org)

		b.Visit("/orgs/" + org + "/identity-providers")
		b.Contains("No identity providers yet")
		b.Click("a[href$='/identity-providers/new?type=oidc']")
		cfg := op.Config()
		b.Fill("#f-authentication_method_name", "Keycloak")
		b.Fill("#f-oidc_issuer", "not a url")
		b.Fill("#f-oidc_client_id", cfg.ClientID)
		b.Fill("#f-oidc_client_secret", cfg.ClientSecret)
		b.Tick("input[name=linked_domains]")
		b.Click("form.idpform button[type=submit]")
		if got := b.Text("#e-oidc_issuer"); !strings.Contains(strings.ToLower(got), "oidc_issuer") {
			t.Errorf("a bad issuer says %q next to the field", got)
		}
		b.Fill("#f-oidc_issuer", cfg.Issuer)
		b.Fill("#f-oidc_client_secret", cfg.ClientSecret)
		b.Click("form.idpform button[type=submit]")
		b.Contains("Identity provider added")
		if got := b.Text("#ep-callback"); !strings.HasPrefix(got, b.Server.URL+"/v1/sso/oidc/account/") || !strings.HasSuffix(got, "/callback") {
			t.Errorf("the redirect URL to register is %q", got)
		}
		if strings.Contains(b.Page(), cfg.ClientSecret) || b.Value("#f-oidc_client_secret") != "" {
			t.Error("the client secret is shown after saving")
		}
		b.Shot("idp-oidc")

		yes := true
		op.QueueUser(ssotest.User{Subject: "kc-alice", Email: alice, Verified: &yes})
		p := signInWithSSO(b, alice)
		if got := p.Text("#sso-start"); got != "Sign in with Keycloak" {
			t.Fatalf("the sign-in page offers %q", got)
		}
		p.Shot("signin-sso-offered")
		p.Click("#sso-start")
		landOnOrg(t, p, org, alice)

		// Disabled: the sign-in page offers it no more.
		b.Visit("/orgs/" + org + "/identity-providers")
		b.Click("button[aria-label='Disable Keycloak']")
		b.Contains("Identity provider disabled")
		q := signInWithSSO(b, alice)
		if q.Has("#sso-start") {
			t.Fatal("a disabled identity provider is offered at sign-in")
		}
		if got := q.Text("#e-sso"); !strings.Contains(got, "No identity provider") {
			t.Errorf("the sign-in page says %q for a disabled provider", got)
		}
		b.Visit("/orgs/" + org + "/identity-providers")
		b.Click("button[aria-label='Enable Keycloak']")
		b.Contains("Identity provider enabled")

		// Passwords off, by an admin signed in through the provider (one
		// signed in with a password would lock themselves out).
		admin := b.Login(consoletest.AdminEmail, consoletest.AdminPassword)
		var users struct {
			Users []struct {
				UserID string `json:"user_id"`
				Info   struct {
					Email string `json:"user_email"`
				} `json:"user_info"`
			} `json:"users"`
		}
		consoletest.API(t, b.Server.URL, "GET", "/v1/organization/"+org+"/user", admin, nil, &users)
		id := ""
		for _, u := range users.Users {
			if u.Info.Email == alice {
				id = u.UserID
			}
		}
		if st := consoletest.API(t, b.Server.URL, "PATCH", "/v1/organization/"+org+"/permissions/organization/"+org, admin,
			map[string]any{"operation": "grant", "permissions": []map[string]any{{"principal_type": "user", "principal_id": id, "permissions": []string{"role:organization:admin"}}}}, nil); st != http.StatusOK && st != http.StatusNoContent {
			t.Fatalf("making %s (%q) an admin: %d", alice, id, st)
		}
		p.Visit("/orgs/" + org + "/authentication")
		p.Tick("#f-password_auth_enabled")
		p.Click("form[action$='/authentication'] button[type=submit]")
		p.Contains("Authentication policy saved")

		r := signInWithSSO(b, alice)
		if got := r.Text("#password-not-allowed"); !strings.Contains(got, "does not allow password sign-in for "+alice) {
			t.Errorf("the sign-in page says %q", got)
		}
		if r.Has("input[name=password]") {
			t.Error("the password form is offered though passwords are not allowed")
		}
		r.Visit("/signin")
		r.Fill("#f-email", alice)
		r.Fill("#f-password", "a password she never had")
		r.Click("form[action='/signin'] button[type=submit]")
		if got := r.Text("#password-not-allowed"); !strings.Contains(got, "does not allow password sign-in") {
			t.Errorf("a refused password sign-in says %q", got)
		}
		if got := r.Text("#sso-start"); got != "Sign in with Keycloak" {
			t.Errorf("a refused password sign-in offers %q", got)
		}
		r.Shot("password-not-allowed")
	}, func(c *server.Config) { c.DNSResolver = dns.Addr() })
}

// TestSSOSAML: an admin adds a SAML provider on the Identity providers
// page, registers Gatehouse at the provider with what the page shows →
// a person signs in through it from the sign-in page and lands on the
// organization page. SCIM: turning it on shows the token once with the
// base URL; rotating shows a new one.
func TestSSOSAML(t *testing.T) {
	dns := ownershiptest.NewDNS(t)
	consoletest.Run(t, func(t *testing.T, b *consoletest.Browser) {
		const sam = "sam@" + ssoDomain
		idp := ssotest.NewSAMLIdP(t)
		b.SignIn(consoletest.AdminEmail, consoletest.AdminPassword, "")
		org := b.OrgID()
		verifyDomain(t, b, dns, org)

		b.Visit("/orgs/" + org + "/identity-providers")
		b.Click("a[href$='/identity-providers/new?type=saml']")
		b.Fill("#f-authentication_method_name", "Okta")
		b.Fill("#f-saml_entity_id", idp.EntityID)
		b.Fill("#f-saml_idp_url", idp.SSOURL)
		b.SetValue("#f-saml_certificate", "not a certificate")
		b.Tick("input[name=linked_domains]")
		b.Click("form.idpform button[type=submit].primary")
		if got := b.Text("#e-saml_certificate"); !strings.Contains(got, "not an X.509 certificate") {
			t.Errorf("a bad certificate says %q next to the field", got)
		}
		// The provider's metadata fills in the entity ID, single sign-on
		// URL and certificate for review.
		b.Fill("#f-saml_metadata_url", idp.EntityID)
		b.Click("#import-metadata")
		b.Contains("Filled in from the identity provider's metadata")
		if got := b.Value("#f-saml_certificate"); !strings.Contains(got, "BEGIN CERTIFICATE") || b.Value("#f-saml_idp_url") != idp.SSOURL {
			t.Fatalf("after the metadata: certificate %q, SSO URL %q", got, b.Value("#f-saml_idp_url"))
		}
		b.Click("form.idpform button[type=submit].primary")
		b.Contains("Identity provider added")
		acs := b.Copy("button[data-copy='#ep-acs']")
		if !strings.HasPrefix(acs, b.Server.URL+"/v1/sso/saml/account/") || !strings.HasSuffix(acs, "/acs") {
			t.Errorf("the ACS URL copied is %q", acs)
		}
		idp.TrustSPAt(t, b.Text("#ep-metadata"))

		idp.As(sam, "okta-sam")
		p := signInWithSSO(b, sam)
		if got := p.Text("#sso-start"); got != "Sign in with Okta" {
			t.Fatalf("the sign-in page offers %q", got)
		}
		p.Click("#sso-start")
		landOnOrg(t, p, org, sam)

		// SCIM on: the token once, with the base URL; rotating replaces it.
		b.Visit("/orgs/" + org + "/identity-providers")
		if got := b.Text("table.idps tbody"); !strings.Contains(got, "Okta") || !strings.Contains(got, "SAML 2.0") {
			t.Errorf("the list shows %q", got)
		}
		b.Click("a[aria-label='Edit Okta']")
		b.Tick("#f-scim_enabled")
		b.Click("form.idpform button[type=submit].primary")
		b.Contains("Copy the token immediately")
		first := b.Text("#scim-token")
		if !strings.HasPrefix(first, "gthscim_") || !strings.Contains(b.Text("#scim-url"), "/scim/v2/") {
			t.Fatalf("SCIM token %q, base URL %q", first, b.Text("#scim-url"))
		}
		if strings.Contains(b.Path(), first) {
			t.Fatal("the SCIM token is in the URL")
		}
		b.Click("form[action$='/scim-token'] button[type=submit]")
		if second := b.Text("#scim-token"); second == first || !strings.HasPrefix(second, "gthscim_") {
			t.Errorf("rotating answered %q after %q", second, first)
		}
		b.Shot("idp-scim-rotated")

		// Delete, confirmed.
		b.Click("a[href$='/delete']")
		b.Click("#confirm")
		b.Contains("Identity provider deleted")
		b.Contains("No identity providers yet")
	}, func(c *server.Config) { c.DNSResolver = dns.Addr() })
}

// TestIdentityProvidersNotOffered: a member who is not an organization
// admin sees the Identity providers page with its actions disabled and
// the reason, and cannot open a provider's page.
func TestIdentityProvidersNotOffered(t *testing.T) {
	consoletest.Run(t, func(t *testing.T, b *consoletest.Browser) {
		const email, password = "ivy@example.com", "ivy's long passphrase"
		b.SignIn(consoletest.AdminEmail, consoletest.AdminPassword, "")
		org := b.OrgID()
		b.Person(org, email, password)
		m := b.Another()
		m.SignIn(email, password, "")
		m.Visit("/orgs/" + org + "/identity-providers")
		if got := m.Text(".disabled-reason"); !strings.Contains(got, "requires role:organization:admin") {
			t.Errorf("the list's refusal says %q", got)
		}
		if m.Has("a[href$='/identity-providers/new?type=oidc']") {
			t.Error("a member is offered to add an identity provider")
		}
		if got, _ := m.Attr("[aria-disabled=true]", "title"); !strings.Contains(got, "requires role:organization:admin") {
			t.Errorf("the disabled action's reason is %q", got)
		}
		m.Shot("idps-not-allowed")
	})
}
