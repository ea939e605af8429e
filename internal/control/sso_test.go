package control

import (
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

// TestSSOPolicy: the policy switches decide on sessions made through an
// identity provider, a linked domain's people lose passwords when the
// policy says so, and the lock-out guard counts SSO sessions.
func TestSSOPolicy(t *testing.T) {
	t.Parallel()
	f := newDomainFixture(t)
	ctx := t.Context()
	dom := f.verifiedDomain(t, "corp.example")
	m, err := f.p.CreateAuthMethod(ctx, f.admin, f.org.AccountID, AuthMethodInput{Name: sp("Corp"), Type: identity.AuthMethodOIDC,
		OIDCIssuer: sp("https://sso.corp.example"), OIDCClientID: sp("gh"), LinkedDomainIDs: &[]string{dom.ID}})
	if err != nil {
		t.Fatal(err)
	}
	// A corp.example person with a password, and the same person's SSO
	// session.
	hash, _ := f.p.passwords.Hash("a long password 1")
	now := time.Now().UTC()
	pw := identity.User{ID: org.NewID(org.PrefixUser), Email: "pat@corp.example", RealName: "Pat", PasswordHash: hash,
		State: identity.StateActive, CreateTime: now, UpdateTime: now, ManagingOrgID: f.org.ID}
	if err := f.p.write(ctx, func(tx store.Tx) error {
		if err := tx.CreateUser(pw); err != nil {
			return err
		}
		return f.p.record(tx, userChange(pw.ID, true))
	}); err != nil {
		t.Fatal(err)
	}
	res, err := f.p.SSOSignIn(ctx, SSOProfile{MethodID: m.ID, Subject: "pat-1", Email: "PAT@corp.example", EmailVerified: true}, SignInOptions{ClientIP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Created || res.User.ID != pw.ID {
		t.Fatalf("first SSO sign-in of an existing managed account: %+v", res)
	}
	ssoActor, err := f.p.Authenticate(ctx, res.Token, "127.0.0.1", "")
	if err != nil {
		t.Fatal(err)
	}
	if ssoActor.Token.AuthMethod != "oidc:"+f.org.ID+":"+m.ID || ssoActor.Token.Kind != token.KindSession {
		t.Fatalf("session recorded as %q", ssoActor.Token.AuthMethod)
	}
	// The SSO session opens the organization.
	if _, err := f.p.GetOrganization(ctx, ssoActor, f.org.ID); err != nil {
		t.Fatalf("SSO session: %v", err)
	}
	// Passwords on: pat may use one. Off: pat is sent to the provider,
	// on the API and the console alike (both call Login).
	if _, err := f.p.Login(ctx, "pat@corp.example", "a long password 1", "", "127.0.0.1", ""); err != nil {
		t.Fatalf("password with passwords allowed: %v", err)
	}
	// The admin's own session is a password one: the guard refuses a
	// policy that would lock the admin out.
	_, err = f.p.UpdateAuthPolicy(ctx, f.admin, f.org.ID, PolicyUpdate{PasswordAuthEnabled: ptr(false)})
	wantMessage(t, err, ErrInvalid, "lock you out")
	// Made an admin, pat (signed in through the provider) may turn
	// passwords off, but not OIDC, the way pat signed in.
	if err := f.p.write(ctx, func(tx store.Tx) error {
		mem, err := tx.GetMember(f.org.ID, pw.ID)
		if err != nil {
			return err
		}
		mem.IsSuperAdmin = true
		if err := tx.UpdateMember(mem); err != nil {
			return err
		}
		return f.p.record(tx, superAdminChange(f.org.ID, pw.ID, true))
	}); err != nil {
		t.Fatal(err)
	}
	_, err = f.p.UpdateAuthPolicy(ctx, ssoActor, f.org.ID, PolicyUpdate{OAuthEnabled: ptr(false)})
	wantMessage(t, err, ErrInvalid, "lock you out", "OpenID Connect")
	if _, err := f.p.UpdateAuthPolicy(ctx, ssoActor, f.org.ID, PolicyUpdate{PasswordAuthEnabled: ptr(false)}); err != nil {
		t.Fatalf("passwords off by an SSO admin: %v", err)
	}
	_, err = f.p.Login(ctx, "pat@corp.example", "a long password 1", "", "127.0.0.1", "")
	wantMessage(t, err, ErrForbidden, "Password sign-in is disabled for corp.example", "Corp")
	d, err := f.p.DiscoverSSO(ctx, "pat@corp.example", "")
	if err != nil || !d.Found || d.PasswordAllowed || d.MethodID != m.ID {
		t.Fatalf("discovery: %+v %v", d, err)
	}
	// The admin's old password session is refused on the organization.
	if _, err := f.p.GetOrganization(ctx, &Actor{User: f.admin.User, ClientIP: "127.0.0.1",
		Token: token.Token{Kind: token.KindSession, AuthMethod: token.AuthMethodPassword}}, f.org.ID); err == nil {
		t.Error("password session accepted with passwords off")
	}
	// Another organization's identity provider counts only with
	// saml_allow_external.
	other, err := f.p.CreateOrganization(ctx, f.admin, "Other", "")
	if err != nil {
		t.Fatal(err)
	}
	ext := &Actor{User: f.admin.User, ClientIP: "127.0.0.1", Token: token.Token{Kind: token.KindSession, AuthMethod: "saml:" + f.org.ID + ":" + m.ID}}
	pol := compilePolicy(identity.DefaultAuthPolicy(other.ID))
	if why := pol.refusal(ext); !strings.Contains(why, "other organizations' identity providers") {
		t.Errorf("external IdP session: %q", why)
	}
	pol.SAMLAllowExternal = true
	if why := pol.refusal(ext); why != "" {
		t.Errorf("external IdP session allowed: %q", why)
	}
	pol.SAMLEnabled = false
	if why := pol.refusal(ext); !strings.Contains(why, "SAML") {
		t.Errorf("SAML off: %q", why)
	}
}

// TestSSOSignInRefusals: what control refuses whatever the protocol said.
func TestSSOSignInRefusals(t *testing.T) {
	t.Parallel()
	f := newDomainFixture(t)
	ctx := t.Context()
	f.verifiedDomain(t, "corp.example")
	m, err := f.p.CreateAuthMethod(ctx, f.admin, f.org.AccountID, AuthMethodInput{Name: sp("Corp"), Type: identity.AuthMethodOIDC,
		OIDCIssuer: sp("https://sso.corp.example"), OIDCClientID: sp("gh")})
	if err != nil {
		t.Fatal(err)
	}
	pending, err := f.p.CreateAuthMethod(ctx, f.admin, f.org.AccountID, AuthMethodInput{Name: sp("Pending"), Type: identity.AuthMethodOIDC})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		prof SSOProfile
		says string
	}{
		{"no subject", SSOProfile{MethodID: m.ID, Email: "a@corp.example", EmailVerified: true}, "no usable subject"},
		{"no email", SSOProfile{MethodID: m.ID, Subject: "s"}, "no valid email"},
		{"unverified email", SSOProfile{MethodID: m.ID, Subject: "s", Email: "a@corp.example"}, "not verified"},
		{"foreign domain", SSOProfile{MethodID: m.ID, Subject: "s", Email: "a@gmail.example", EmailVerified: true}, "not on a domain"},
		{"pending method", SSOProfile{MethodID: pending.ID, Subject: "s", Email: "a@corp.example", EmailVerified: true}, "not available"},
		{"too many groups", SSOProfile{MethodID: m.ID, Subject: "s", Email: "a@corp.example", EmailVerified: true, Groups: make([]string, 1001), GroupsGiven: true}, "more than"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.p.SSOSignIn(ctx, c.prof, SignInOptions{})
			wantMessage(t, err, ErrForbidden, c.says)
		})
	}
	// A deactivated person found by subject is refused.
	res, err := f.p.SSOSignIn(ctx, SSOProfile{MethodID: m.ID, Subject: "s", Email: "a@corp.example", EmailVerified: true}, SignInOptions{})
	if err != nil || !res.Created || res.User.ManagingOrgID != f.org.ID {
		t.Fatalf("sign-up: %+v %v", res, err)
	}
	if err := f.p.write(ctx, func(tx store.Tx) error {
		u := res.User
		u.State = identity.StateDeactivated
		return tx.UpdateUser(u)
	}); err != nil {
		t.Fatal(err)
	}
	_, err = f.p.SSOSignIn(ctx, SSOProfile{MethodID: m.ID, Subject: "s", Email: "a@corp.example", EmailVerified: true}, SignInOptions{})
	wantMessage(t, err, ErrForbidden, "deactivated")
}
