package control

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/store/sqlstore"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

// as returns a copy of a with a token of the given kind and sign-in method
// and a client address.
func as(a *Actor, kind token.Kind, method string, twoFactor bool, ip string) *Actor {
	b := *a
	b.Token = token.Token{Kind: kind, AuthMethod: method, TwoFactor: twoFactor, UserID: a.User.ID}
	b.ClientIP = ip
	return &b
}

func TestAuthenticationPolicyRules(t *testing.T) {
	t.Parallel()
	f := newPeopleFixture(t)
	ctx := t.Context()
	m := f.member(t, "member@example.com")
	pw := token.AuthMethodPassword
	admin2FA := as(f.admin, token.KindSession, pw, true, "192.0.2.10")
	get := func(a *Actor) error { _, err := f.p.GetOrganization(ctx, a, f.org.ID); return err }

	tr, fl := ptr(true), ptr(false)
	steps := []struct {
		name    string
		update  PolicyUpdate
		refused *Actor // refused after the update, naming rule
		rule    string
		allowed []*Actor
	}{
		{"two factor required", PolicyUpdate{TwoFactorRequired: tr},
			as(m, token.KindSession, pw, false, "192.0.2.20"), "two-factor",
			[]*Actor{as(m, token.KindSession, pw, true, "192.0.2.20")}},
		{"personal tokens off", PolicyUpdate{TwoFactorRequired: fl, PersonalTokensEnabled: fl},
			as(m, token.KindPersonal, pw, false, "192.0.2.20"), "personal tokens",
			[]*Actor{as(m, token.KindSession, pw, false, "192.0.2.20")}},
		{"personal tokens need an allowed method", PolicyUpdate{PersonalTokensEnabled: tr, PersonalTokensRequireAllowedAuthMethod: tr},
			as(m, token.KindPersonal, "", false, "192.0.2.20"), "unknown",
			[]*Actor{as(m, token.KindPersonal, pw, false, "192.0.2.20")}},
		{"IPv4 and IPv6 allow-list", PolicyUpdate{PersonalTokensRequireAllowedAuthMethod: fl, IPAllowlist: &[]string{"192.0.2.0/24", "2001:db8::/32"}},
			as(m, token.KindSession, pw, false, "198.51.100.1"), "IP allow-list",
			[]*Actor{as(m, token.KindSession, pw, false, "192.0.2.99"), as(m, token.KindSession, pw, false, "2001:db8::5"),
				as(m, token.KindSession, pw, false, "::ffff:192.0.2.7")}},
		{"IPv6 outside the list", PolicyUpdate{},
			as(m, token.KindSession, pw, false, "2001:db9::1"), "IP allow-list", nil},
		{"allow-list cleared", PolicyUpdate{IPAllowlist: &[]string{}}, nil, "",
			[]*Actor{as(m, token.KindSession, pw, false, "198.51.100.1")}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if _, err := f.p.UpdateAuthPolicy(ctx, admin2FA, f.org.ID, s.update); err != nil {
				t.Fatalf("UpdateAuthPolicy: %v", err)
			}
			if s.refused != nil {
				err := get(s.refused)
				wantErr(t, err, ErrForbidden)
				if !strings.Contains(err.Error(), s.rule) || !strings.Contains(err.Error(), "authentication policy") {
					t.Errorf("refusal %q does not name the rule %q", err, s.rule)
				}
			}
			for _, a := range s.allowed {
				if err := get(a); err != nil {
					t.Errorf("%s from %s refused: %v", a.Token.Kind, a.ClientIP, err)
				}
			}
		})
	}

	t.Run("application users are exempt", func(t *testing.T) {
		if _, err := f.p.UpdateAuthPolicy(ctx, admin2FA, f.org.ID, PolicyUpdate{TwoFactorRequired: tr, IPAllowlist: &[]string{"192.0.2.0/24"}}); err != nil {
			t.Fatal(err)
		}
		app := as(m, token.KindApplication, "", false, "198.51.100.1")
		app.User.IsApplication = true
		if err := get(app); err != nil {
			t.Fatalf("application user refused: %v", err)
		}
	})
	t.Run("other organizations are unaffected", func(t *testing.T) {
		o, err := f.p.CreateOrganization(ctx, f.admin, "Other", "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.p.GetOrganization(ctx, as(f.admin, token.KindSession, pw, false, "198.51.100.1"), o.ID); err != nil {
			t.Fatalf("policy leaked to another organization: %v", err)
		}
	})
	f.wantEvent(t, "organization_auth_policy_update")
}

func TestAuthenticationPolicyGuards(t *testing.T) {
	t.Parallel()
	f := newPeopleFixture(t)
	ctx := t.Context()
	m := f.member(t, "member@example.com")
	pw := token.AuthMethodPassword
	admin := as(f.admin, token.KindSession, pw, false, "192.0.2.10")
	tr, fl := ptr(true), ptr(false)
	cases := []struct {
		name string
		who  *Actor
		in   PolicyUpdate
		want error
	}{
		{"not an admin", as(m, token.KindSession, pw, true, "192.0.2.10"), PolicyUpdate{TwoFactorRequired: tr}, ErrForbidden},
		{"2FA required while signed in without", admin, PolicyUpdate{TwoFactorRequired: tr}, ErrInvalid},
		{"password off while signed in with one", admin, PolicyUpdate{PasswordAuthEnabled: fl}, ErrInvalid},
		{"allow-list without own address", admin, PolicyUpdate{IPAllowlist: &[]string{"10.0.0.0/8"}}, ErrInvalid},
		{"malformed CIDR", admin, PolicyUpdate{IPAllowlist: &[]string{"10.0.0.0/33"}}, ErrInvalid},
		{"not an address", admin, PolicyUpdate{IPAllowlist: &[]string{"example.com"}}, ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.p.UpdateAuthPolicy(ctx, c.who, f.org.ID, c.in)
			wantErr(t, err, c.want)
		})
	}
	pol, err := f.p.GetAuthPolicy(ctx, admin, f.org.ID)
	if err != nil || !reflect.DeepEqual(pol, identity.DefaultAuthPolicy(f.org.ID)) {
		t.Fatalf("policy changed by refused updates: %+v, %v", pol, err)
	}
	_, err = f.p.GetAuthPolicy(ctx, as(m, token.KindSession, pw, false, "192.0.2.10"), f.org.ID)
	wantErr(t, err, ErrForbidden)
}

func TestParseAllowlist(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   []string
		want []string
		ok   bool
	}{
		{"IPv4 CIDR", []string{"10.1.2.3/8"}, []string{"10.0.0.0/8"}, true},
		{"single IPv4", []string{"192.0.2.1"}, []string{"192.0.2.1/32"}, true},
		{"IPv6 CIDR", []string{"2001:DB8::1/32"}, []string{"2001:db8::/32"}, true},
		{"single IPv6", []string{"2001:db8::1"}, []string{"2001:db8::1/128"}, true},
		{"IPv4-mapped", []string{"::ffff:192.0.2.0/120"}, []string{"192.0.2.0/24"}, true},
		{"empty list", []string{}, []string{}, true},
		{"bad prefix length", []string{"10.0.0.0/40"}, nil, false},
		{"hostname", []string{"localhost"}, nil, false},
		{"empty entry", []string{""}, nil, false},
		{"too many", make([]string, maxAllowlist+1), nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseAllowlist(c.in)
			if (err == nil) != c.ok {
				t.Fatalf("err = %v, want ok=%v", err, c.ok)
			}
			if c.ok && strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func FuzzParseAllowlist(f *testing.F) {
	for _, s := range []string{"10.0.0.0/8", "2001:db8::/32", "::ffff:1.2.3.4/128", "1.2.3.4", "", "/", "1.2.3.4/-1"} {
		f.Add(s, "10.1.2.3")
	}
	f.Fuzz(func(t *testing.T, entry, ip string) {
		out, err := ParseAllowlist([]string{entry})
		if err != nil {
			return
		}
		// Canonical output parses to itself and is usable for matching.
		again, err := ParseAllowlist(out)
		if err != nil || again[0] != out[0] {
			t.Fatalf("%q canonicalised to %q, which re-parses to %v, %v", entry, out[0], again, err)
		}
		_ = compilePolicy(identity.AuthPolicy{IPAllowlist: out}).inAllowlist(ip)
	})
}

func FuzzValidCode(f *testing.F) {
	code, _ := newCode()
	for _, s := range []string{code, "", "../x", strings.Repeat("A", 43), strings.Repeat("=", 43)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if validCode(s) && len(codeHash(s)) != 64 {
			t.Fatal("bad hash")
		}
	})
}

// BenchmarkEnforcePolicy measures what the policy adds to every
// authorized request: finding the resource's organization in the engine
// and checking the cached policy.
func BenchmarkEnforcePolicy(b *testing.B) {
	st, err := sqlstore.Open(b.Context(), filepath.Join(b.TempDir(), "g.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	p, err := New(b.Context(), st)
	if err != nil {
		b.Fatal(err)
	}
	boot, err := p.Bootstrap(b.Context(), "admin@example.com", "admin password 1", "Acme")
	if err != nil {
		b.Fatal(err)
	}
	var u identity.User
	_ = st.Read(b.Context(), func(tx store.Reader) error { u, err = tx.GetUserByEmail("admin@example.com"); return err })
	a := &Actor{User: u, Token: token.Token{Kind: token.KindSession, AuthMethod: token.AuthMethodPassword, TwoFactor: true}, ClientIP: "192.0.2.1"}
	if _, err := p.UpdateAuthPolicy(b.Context(), a, boot.Organization.ID, PolicyUpdate{TwoFactorRequired: ptr(true), IPAllowlist: &[]string{"10.0.0.0/8", "192.0.2.0/24", "2001:db8::/32"}}); err != nil {
		b.Fatal(err)
	}
	pr, err := p.CreateProject(b.Context(), a, boot.Organization.ID, ProjectInput{Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	res := projectRes(pr.Name)
	err = st.Read(b.Context(), func(tx store.Reader) error {
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := p.enforcePolicy(tx, a, res); err != nil {
					b.Error(err)
					return
				}
			}
		})
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// TestPolicyHidesListings: listing every project of the caller's
// organizations leaves out those whose policy refuses how they signed in,
// as acting on them would be refused.
func TestPolicyHidesListings(t *testing.T) {
	t.Parallel()
	f := newPeopleFixture(t)
	ctx := t.Context()
	pw := token.AuthMethodPassword
	admin2FA := as(f.admin, token.KindSession, pw, true, "192.0.2.10")
	if _, err := f.p.CreateProject(ctx, admin2FA, f.org.ID, ProjectInput{Name: "guarded"}); err != nil {
		t.Fatal(err)
	}
	m := f.member(t, "member@example.com")
	if err := f.p.UpdatePermissions(ctx, admin2FA, f.org.ID, grant.ResourceProject, "guarded", "grant",
		[]PrincipalPermissions{{grant.PrincipalUser, m.User.ID, []string{"read_only"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.UpdateAuthPolicy(ctx, admin2FA, f.org.ID, PolicyUpdate{TwoFactorRequired: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		actor *Actor
		want  int
	}{
		{"signed in without two-factor", as(m, token.KindSession, pw, false, "192.0.2.20"), 0},
		{"signed in with two-factor", as(m, token.KindSession, pw, true, "192.0.2.20"), 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ps, err := f.p.ListProjects(ctx, c.actor, "")
			if err != nil || len(ps) != c.want {
				t.Fatalf("ListProjects = %d projects, %v; want %d", len(ps), err, c.want)
			}
		})
	}
}
