package control

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/audit"
	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/mail"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/ownership"
	"github.com/gatehouse-dev/gatehouse/internal/ownership/ownershiptest"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/store/sqlstore"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

// domainFixture is a fixture whose domain checks ask a loopback DNS server.
type domainFixture struct {
	*fixture
	dns *ownershiptest.DNS
}

func newDomainFixture(t *testing.T) *domainFixture {
	t.Helper()
	f := newFixture(t)
	srv := ownershiptest.NewDNS(t)
	f.p.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	f.p.cfg.proof = &ownership.Checker{Resolver: srv.Addr(), Record: "_gatehouse-challenge", Timeout: 300 * time.Millisecond}
	return &domainFixture{fixture: f, dns: srv}
}

// publish puts d's proof in DNS.
func (f *domainFixture) publish(d org.Domain) {
	pr := f.p.DomainProof(d)
	f.dns.SetTXT(pr.RecordName, pr.RecordValue)
}

func (f *domainFixture) user(t *testing.T, email string) identity.User {
	t.Helper()
	return f.actor(t, email).User
}

// outsider creates a user who is not a member of any organization, the
// way user-creating paths do: marked managed before it is stored.
func (f *domainFixture) outsider(t *testing.T, email string, app bool) identity.User {
	t.Helper()
	now := time.Now().UTC()
	u := identity.User{ID: org.NewID(org.PrefixUser), Email: email, RealName: email, State: identity.StateActive,
		IsApplication: app, CreateTime: now, UpdateTime: now}
	err := f.p.write(t.Context(), func(tx store.Tx) error {
		if err := f.p.markManaged(tx, &u); err != nil {
			return err
		}
		if err := tx.CreateUser(u); err != nil {
			return err
		}
		return f.p.record(tx, userChange(u.ID, true))
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (f *domainFixture) events(t *testing.T, orgID, action string) []audit.Event {
	t.Helper()
	var out []audit.Event
	err := f.p.store.Read(t.Context(), func(tx store.Reader) error {
		all, err := tx.ListEvents(store.EventFilter{OrganizationID: orgID, Limit: 1000})
		for _, e := range all {
			if e.ActionType == action {
				out = append(out, e)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func wantMessage(t *testing.T, err, kind error, parts ...string) {
	t.Helper()
	wantErr(t, err, kind)
	for _, s := range parts {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("message %q does not mention %q", err, s)
		}
	}
}

func TestAddDomainValidates(t *testing.T) {
	t.Parallel()
	f := newDomainFixture(t)
	ctx := t.Context()
	cases := []struct {
		name, domain, vtype string
		want                error
		wantName            string
	}{
		{"plain", "example.com", "", nil, "example.com"},
		{"IDN stored as punycode", "Bücher.Example", "http", nil, "xn--bcher-kva.example"},
		{"duplicate", "EXAMPLE.com.", "", ErrConflict, ""},
		{"single label", "localhost", "", org.ErrInvalid, ""},
		{"IP address", "10.0.0.1", "", org.ErrInvalid, ""},
		{"wildcard", "*.example.com", "", org.ErrInvalid, ""},
		{"bad verification type", "example.net", "txt", org.ErrInvalid, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := f.p.AddDomain(ctx, f.admin, f.org.ID, c.domain, c.vtype)
			if c.want != nil {
				wantErr(t, err, c.want)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.Name != c.wantName || d.State != org.DomainUnverified || len(d.ChallengeToken) < 32 || !strings.HasPrefix(d.ID, "dom") {
				t.Fatalf("domain = %+v", d)
			}
			got, err := f.p.GetDomain(ctx, f.admin, f.org.ID, d.ID)
			if err != nil || got.ChallengeToken != d.ChallengeToken {
				t.Fatalf("GetDomain = %+v, %v", got, err)
			}
		})
	}
	list, err := f.p.ListDomains(ctx, f.admin, f.org.ID)
	if err != nil || len(list) != 2 || list[0].Name != "example.com" {
		t.Fatalf("ListDomains = %+v, %v", list, err)
	}
	if len(f.events(t, f.org.ID, "domain_add")) != 2 {
		t.Fatal("no domain_add events")
	}
}

func TestDomainsNeedDomainsWrite(t *testing.T) {
	t.Parallel()
	f := newDomainFixture(t)
	ctx := t.Context()
	d, err := f.p.AddDomain(ctx, f.admin, f.org.ID, "example.com", "")
	if err != nil {
		t.Fatal(err)
	}
	dev := f.member(t, "dev@example.org")
	calls := map[string]func(a *Actor) error{
		"add":    func(a *Actor) error { _, err := f.p.AddDomain(ctx, a, f.org.ID, "example.net", ""); return err },
		"get":    func(a *Actor) error { _, err := f.p.GetDomain(ctx, a, f.org.ID, d.ID); return err },
		"list":   func(a *Actor) error { _, err := f.p.ListDomains(ctx, a, f.org.ID); return err },
		"update": func(a *Actor) error { _, err := f.p.UpdateDomain(ctx, a, f.org.ID, d.ID, "http"); return err },
		"verify": func(a *Actor) error { _, err := f.p.VerifyDomain(ctx, a, f.org.ID, d.ID); return err },
		"remove": func(a *Actor) error { return f.p.RemoveDomain(ctx, a, f.org.ID, d.ID) },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) { wantErr(t, call(dev), ErrForbidden) })
	}
	// organization:domains:write is enough, and role:organization:admin
	// includes it.
	if err := f.p.UpdatePermissions(ctx, f.admin, f.org.ID, grant.ResourceOrganization, f.org.ID, "grant",
		[]PrincipalPermissions{{grant.PrincipalUser, dev.User.ID, []string{"organization:domains:write"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.ListDomains(ctx, dev, f.org.ID); err != nil {
		t.Fatal(err)
	}
	// Another organization's domain is not found through this one.
	other, err := f.p.CreateOrganization(ctx, f.admin, "Other", "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.p.GetDomain(ctx, f.admin, other.ID, d.ID)
	wantErr(t, err, ErrNotFound)
}

func TestVerifyDomainOverDNS(t *testing.T) {
	t.Parallel()
	f := newDomainFixture(t)
	ctx := t.Context()
	d, err := f.p.AddDomain(ctx, f.admin, f.org.ID, "example.com", "dns")
	if err != nil {
		t.Fatal(err)
	}
	pr := f.p.DomainProof(d)
	if pr.RecordName != "_gatehouse-challenge.example.com" || pr.RecordValue != "token="+d.ChallengeToken+",expiry=never" {
		t.Fatalf("proof = %+v", pr)
	}
	// Each failure says what was looked up and what was found, and
	// leaves the domain unverified.
	failures := []struct {
		name    string
		setup   func()
		mention []string
	}{
		{"no record", func() {}, []string{pr.RecordName, "NXDOMAIN", pr.RecordValue}},
		{"no TXT record", func() { f.dns.SetTXT(pr.RecordName) }, []string{pr.RecordName, "no TXT record"}},
		{"wrong token", func() { f.dns.SetTXT(pr.RecordName, "token=stale,expiry=never") }, []string{`found "token=stale,expiry=never"`, pr.RecordValue}},
		{"timeout", func() { f.dns.SetMode(pr.RecordName, ownershiptest.Silent) }, []string{pr.RecordName, "no answer within"}},
		{"server failure", func() { f.dns.SetMode(pr.RecordName, ownershiptest.ServFail) }, []string{"SERVFAIL"}},
	}
	for _, c := range failures {
		t.Run(c.name, func(t *testing.T) {
			c.setup()
			t.Cleanup(func() { f.dns.SetMode(pr.RecordName, ownershiptest.Normal); f.dns.Remove(pr.RecordName) })
			_, err := f.p.VerifyDomain(ctx, f.admin, f.org.ID, d.ID)
			wantMessage(t, err, ErrInvalid, c.mention...)
			got, _ := f.p.GetDomain(ctx, f.admin, f.org.ID, d.ID)
			if got.Verified() {
				t.Fatal("verified after a failed check")
			}
		})
	}

	member := f.member(t, "alice@example.com")
	f.outsider(t, "bob@example.com", false)
	f.outsider(t, "ci@example.com", true)
	f.outsider(t, "carol@eng.example.com", false)
	f.publish(d)
	v, err := f.p.VerifyDomain(ctx, f.admin, f.org.ID, d.ID)
	if err != nil || !v.Verified() || v.VerifyTime == nil {
		t.Fatalf("verify = %+v, %v", v, err)
	}
	// Everyone on the domain is managed, members or not: the bootstrap
	// admin (admin@example.com) too. Application users and subdomains
	// are not.
	for email, want := range map[string]string{"alice@example.com": f.org.ID, "bob@example.com": f.org.ID,
		"admin@example.com": f.org.ID, "ci@example.com": "", "carol@eng.example.com": ""} {
		if got := f.user(t, email).ManagingOrgID; got != want {
			t.Errorf("%s managed by %q, want %q", email, got, want)
		}
	}
	if ev := f.events(t, f.org.ID, "domain_verify"); len(ev) != 1 || !strings.Contains(ev[0].Description, "3 users") {
		t.Fatalf("domain_verify events = %+v", ev)
	}
	// A person created later on the domain is managed from the start.
	later := f.outsider(t, "dave@example.com", false)
	if later.ManagingOrgID != f.org.ID {
		t.Fatalf("later user managed by %q", later.ManagingOrgID)
	}
	managed, err := f.p.ListManagedUsers(ctx, f.admin, f.org.ID)
	if err != nil || len(managed) != 4 {
		t.Fatalf("ListManagedUsers = %+v, %v", managed, err)
	}
	for _, m := range managed {
		if want := m.User.ID == member.User.ID || m.User.Email == "admin@example.com"; m.IsMember != want {
			t.Errorf("%s IsMember = %v", m.User.Email, m.IsMember)
		}
	}

	// One organization per verified domain.
	_, err = f.p.CreateOrganization(ctx, f.admin, "Rival", "")
	wantErr(t, err, ErrForbidden) // the admin is managed now
	other, err := f.p.CreateOrganization(ctx, &Actor{User: f.outsider(t, "rival@example.org", false)}, "Rival", "")
	if err != nil {
		t.Fatal(err)
	}
	rival := &Actor{User: f.user(t, "rival@example.org")}
	rd, err := f.p.AddDomain(ctx, rival, other.ID, "example.com", "")
	if err != nil {
		t.Fatal(err)
	}
	f.publish(rd)
	_, err = f.p.VerifyDomain(ctx, rival, other.ID, rd.ID)
	wantMessage(t, err, ErrConflict, "already verified by another organization")

	// Removing the domain releases its users; the rival may then verify.
	if err := f.p.RemoveDomain(ctx, f.admin, f.org.ID, d.ID); err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"alice@example.com", "bob@example.com", "dave@example.com"} {
		if got := f.user(t, email).ManagingOrgID; got != "" {
			t.Errorf("%s still managed by %q", email, got)
		}
	}
	if _, err := f.p.VerifyDomain(ctx, rival, other.ID, rd.ID); err != nil {
		t.Fatal(err)
	}
	if got := f.user(t, "bob@example.com").ManagingOrgID; got != other.ID {
		t.Errorf("bob managed by %q, want the rival", got)
	}
	// An internationalized domain manages emails spelled either way.
	idn, err := f.p.AddDomain(ctx, rival, other.ID, "Bücher.example", "")
	if err != nil {
		t.Fatal(err)
	}
	f.outsider(t, "u1@bücher.example", false)
	f.outsider(t, "u2@xn--bcher-kva.example", false)
	f.publish(idn)
	if _, err := f.p.VerifyDomain(ctx, rival, other.ID, idn.ID); err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"u1@bücher.example", "u2@xn--bcher-kva.example"} {
		if got := f.user(t, email).ManagingOrgID; got != other.ID {
			t.Errorf("%s managed by %q", email, got)
		}
	}
	if u := f.outsider(t, "u3@BÜCHER.example", false); u.ManagingOrgID != other.ID {
		t.Errorf("later IDN user managed by %q", u.ManagingOrgID)
	}
	// Removing it releases every spelling.
	if err := f.p.RemoveDomain(ctx, rival, other.ID, idn.ID); err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"u1@bücher.example", "u2@xn--bcher-kva.example", "u3@BÜCHER.example"} {
		if got := f.user(t, email).ManagingOrgID; got != "" {
			t.Errorf("%s still managed by %q", email, got)
		}
	}
	// Deleting the organization releases its users too.
	if err := f.p.DeleteOrganization(ctx, rival, other.ID, true); err != nil {
		t.Fatal(err)
	}
	if got := f.user(t, "bob@example.com").ManagingOrgID; got != "" {
		t.Errorf("bob managed by deleted organization %q", got)
	}
}

func TestManagedUserRestrictions(t *testing.T) {
	t.Parallel()
	f := newDomainFixture(t)
	ctx := t.Context()
	d, err := f.p.AddDomain(ctx, f.admin, f.org.ID, "corp.example", "")
	if err != nil {
		t.Fatal(err)
	}
	f.publish(d)
	if _, err := f.p.VerifyDomain(ctx, f.admin, f.org.ID, d.ID); err != nil {
		t.Fatal(err)
	}
	// The fixture's member helper stores the user directly, unmarked;
	// verifying again marks whoever is on the domain.
	alice := f.member(t, "alice@corp.example")
	if _, err := f.p.VerifyDomain(ctx, f.admin, f.org.ID, d.ID); err != nil {
		t.Fatal(err)
	}
	alice.User = f.user(t, "alice@corp.example")
	if alice.User.ManagingOrgID != f.org.ID {
		t.Fatalf("alice managed by %q", alice.User.ManagingOrgID)
	}
	unmanaged := f.member(t, "eve@example.org")

	// Managed users cannot create organizations, even with a stale copy
	// of themselves in the actor.
	stale := &Actor{User: alice.User}
	stale.User.ManagingOrgID = ""
	_, err = f.p.CreateOrganization(ctx, stale, "Shadow IT", "")
	wantMessage(t, err, ErrForbidden, "Managed users cannot create organizations", f.org.ID)
	if _, err := f.p.CreateOrganization(ctx, unmanaged, "Eve's", ""); err != nil {
		t.Fatalf("an unmanaged user may create an organization: %v", err)
	}

	// Tokens of the managed user: listed and revoked by the admin.
	secret, hash, prefix := token.New(token.KindPersonal)
	if err := f.p.write(ctx, func(tx store.Tx) error {
		return tx.CreateToken(token.Token{Hash: hash, Prefix: prefix, Kind: token.KindPersonal, UserID: alice.User.ID,
			Description: "laptop", CreateTime: time.Now().UTC()})
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.Authenticate(ctx, secret, "127.0.0.1", "test"); err != nil {
		t.Fatal(err)
	}
	toks, err := f.p.ManagedUserTokens(ctx, f.admin, f.org.ID, alice.User.ID)
	if err != nil || len(toks) != 1 || toks[0].Prefix != prefix || toks[0].Description != "laptop" {
		t.Fatalf("ManagedUserTokens = %+v, %v", toks, err)
	}
	wantErr(t, f.p.RevokeManagedUserToken(ctx, f.admin, f.org.ID, alice.User.ID, "gthp_nope"), ErrNotFound)
	if err := f.p.RevokeManagedUserToken(ctx, f.admin, f.org.ID, alice.User.ID, prefix); err != nil {
		t.Fatal(err)
	}
	_, err = f.p.Authenticate(ctx, secret, "127.0.0.1", "test")
	wantErr(t, err, ErrUnauthenticated)

	// Password reset without SMTP: the admin gets the new password.
	res, err := f.p.ResetManagedUserPassword(ctx, f.admin, f.org.ID, alice.User.ID)
	if err != nil || res.Emailed || res.TemporaryPassword == "" {
		t.Fatalf("reset = %+v, %v", res, err)
	}
	if !f.p.passwords.Verify(f.user(t, "alice@corp.example").PasswordHash, res.TemporaryPassword) {
		t.Fatal("the new password does not verify")
	}
	// With SMTP: emailed to the user, not shown to the admin.
	mailer := &recordingMailer{}
	f.p.cfg.mailer = mailer
	res, err = f.p.ResetManagedUserPassword(ctx, f.admin, f.org.ID, alice.User.ID)
	if err != nil || !res.Emailed || res.TemporaryPassword != "" || len(mailer.sent) != 1 || mailer.sent[0].To != "alice@corp.example" {
		t.Fatalf("reset = %+v, %v, sent %+v", res, err, mailer.sent)
	}

	// Refusals: users the organization does not manage, and admins
	// without organization:users:write.
	for name, call := range map[string]func(a *Actor, userID string) error{
		"tokens": func(a *Actor, id string) error { _, err := f.p.ManagedUserTokens(ctx, a, f.org.ID, id); return err },
		"revoke": func(a *Actor, id string) error { return f.p.RevokeManagedUserToken(ctx, a, f.org.ID, id, prefix) },
		"reset": func(a *Actor, id string) error {
			_, err := f.p.ResetManagedUserPassword(ctx, a, f.org.ID, id)
			return err
		},
		"list": func(a *Actor, _ string) error { _, err := f.p.ListManagedUsers(ctx, a, f.org.ID); return err },
	} {
		t.Run(name+" unmanaged", func(t *testing.T) {
			if name == "list" {
				return
			}
			wantMessage(t, call(f.admin, unmanaged.User.ID), ErrForbidden, "not managed by organization")
		})
		t.Run(name+" without users:write", func(t *testing.T) {
			wantErr(t, call(unmanaged, alice.User.ID), ErrForbidden)
		})
	}
}

type recordingMailer struct {
	mu   sync.Mutex
	sent []mail.Message
}

func (m *recordingMailer) Send(_ context.Context, msg mail.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, msg)
	return nil
}

func TestDomainRecheckUnverifiesAfterGrace(t *testing.T) {
	t.Parallel()
	f := newDomainFixture(t)
	ctx := t.Context()
	clock := &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	f.p.now = clock.Now
	f.p.cfg.domainRecheck, f.p.cfg.domainGrace = time.Hour, 24*time.Hour
	d, err := f.p.AddDomain(ctx, f.admin, f.org.ID, "example.com", "")
	if err != nil {
		t.Fatal(err)
	}
	f.publish(d)
	if _, err := f.p.VerifyDomain(ctx, f.admin, f.org.ID, d.ID); err != nil {
		t.Fatal(err)
	}
	pr := f.p.DomainProof(d)
	state := func() org.Domain {
		t.Helper()
		got, err := f.p.GetDomain(ctx, f.admin, f.org.ID, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	pass := func(advance time.Duration) {
		t.Helper()
		clock.Add(advance)
		if err := f.p.RecheckDomains(ctx); err != nil {
			t.Fatal(err)
		}
	}

	pass(time.Hour)
	if got := state(); !got.Verified() || got.MissingSince != nil || !got.CheckTime.Equal(clock.Now()) {
		t.Fatalf("after a good check: %+v", got)
	}
	// A lookup that cannot be answered is not a missing record.
	f.dns.SetMode(pr.RecordName, ownershiptest.Silent)
	pass(time.Hour)
	if got := state(); got.MissingSince != nil {
		t.Fatalf("a timeout started the grace period: %+v", got)
	}
	f.dns.SetMode(pr.RecordName, ownershiptest.Normal)

	// The record vanishes: reported, still verified.
	f.dns.Remove(pr.RecordName)
	pass(time.Hour)
	missingAt := clock.Now()
	if got := state(); !got.Verified() || got.MissingSince == nil || !got.MissingSince.Equal(missingAt) {
		t.Fatalf("after the record vanished: %+v", got)
	}
	if ev := f.events(t, f.org.ID, "domain_proof_missing"); len(ev) != 1 || !strings.Contains(ev[0].Description, "NXDOMAIN") {
		t.Fatalf("missing events = %+v", ev)
	}
	// Within the grace period: still verified, reported once.
	pass(23 * time.Hour)
	if got := state(); !got.Verified() || len(f.events(t, f.org.ID, "domain_proof_missing")) != 1 {
		t.Fatalf("within grace: %+v", got)
	}
	// Restored: the grace period ends.
	f.publish(d)
	pass(time.Hour)
	if got := state(); got.MissingSince != nil || len(f.events(t, f.org.ID, "domain_proof_restored")) != 1 {
		t.Fatalf("after restoring: %+v", got)
	}
	// Gone again, for longer than the grace period: unverified, users
	// released, with an event.
	f.dns.Remove(pr.RecordName)
	pass(time.Hour)
	pass(12 * time.Hour)
	if got := state(); !got.Verified() {
		t.Fatal("unverified before the grace period ended")
	}
	pass(12 * time.Hour)
	got := state()
	if got.Verified() || got.VerifyTime != nil || got.MissingSince != nil {
		t.Fatalf("after grace: %+v", got)
	}
	if m := f.user(t, "admin@example.com").ManagingOrgID; m != "" {
		t.Fatalf("admin still managed by %q", m)
	}
	if ev := f.events(t, f.org.ID, "domain_unverify"); len(ev) != 1 || !strings.Contains(ev[0].Description, "1 users") {
		t.Fatalf("unverify events = %+v", ev)
	}
	// Unverified domains are not re-checked.
	before := len(f.dns.Queries())
	pass(time.Hour)
	if len(f.dns.Queries()) != before {
		t.Fatal("an unverified domain was re-checked")
	}
}

func TestWatchDomainsRunsAndStops(t *testing.T) {
	t.Parallel()
	f := newDomainFixture(t)
	ctx, cancel := context.WithCancel(t.Context())
	f.p.cfg.domainRecheck, f.p.cfg.domainGrace = 20*time.Millisecond, time.Nanosecond
	d, err := f.p.AddDomain(ctx, f.admin, f.org.ID, "example.com", "")
	if err != nil {
		t.Fatal(err)
	}
	f.publish(d)
	if _, err := f.p.VerifyDomain(ctx, f.admin, f.org.ID, d.ID); err != nil {
		t.Fatal(err)
	}
	f.dns.Remove(f.p.DomainProof(d).RecordName)
	done := make(chan struct{})
	go func() { f.p.WatchDomains(ctx); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := f.p.GetDomain(t.Context(), f.admin, f.org.ID, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Verified() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the watch loop did not unverify the domain")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("WatchDomains did not stop")
	}
	// Off when no interval is set.
	f.p.cfg.domainRecheck = 0
	f.p.WatchDomains(t.Context())
}

func TestVerifyDomainErrorsAreNotInternal(t *testing.T) {
	t.Parallel()
	f := newDomainFixture(t)
	ctx := t.Context()
	for name, id := range map[string]string{"malformed": "nope", "missing": "dom00112233445566"} {
		t.Run(name, func(t *testing.T) {
			_, err := f.p.VerifyDomain(ctx, f.admin, f.org.ID, id)
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrNotFound) && !errors.Is(err, org.ErrInvalid) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	_, err := f.p.UpdateDomain(ctx, f.admin, f.org.ID, "dom00112233445566", "")
	wantErr(t, err, ErrInvalid)
}

func TestVerifyDomainOverHTTPS(t *testing.T) {
	t.Parallel()
	f := newDomainFixture(t)
	ctx := t.Context()
	var body atomicString
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/gatehouse-challenge" || !strings.HasPrefix(r.Host, "example.com:") {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, body.Load())
	}))
	defer srv.Close()
	// The test server's certificate is for example.com; its client is
	// pointed at the server whatever the host name.
	client := srv.Client()
	tr := client.Transport.(*http.Transport).Clone()
	addr := srv.Listener.Addr().String()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	client.Transport = tr
	_, port, _ := net.SplitHostPort(addr)
	f.p.cfg.proof.HTTPClient, f.p.cfg.proof.HTTPPort = client, port

	d, err := f.p.AddDomain(ctx, f.admin, f.org.ID, "example.com", "http")
	if err != nil {
		t.Fatal(err)
	}
	pr := f.p.DomainProof(d)
	if want := "https://example.com:" + port + "/.well-known/gatehouse-challenge"; pr.FileURL != want {
		t.Fatalf("FileURL = %q, want %q", pr.FileURL, want)
	}
	body.Store("not it")
	_, err = f.p.VerifyDomain(ctx, f.admin, f.org.ID, d.ID)
	wantMessage(t, err, ErrInvalid, pr.FileURL, `"not it"`)
	// The DNS record alone does not verify an HTTP domain.
	f.publish(d)
	_, err = f.p.VerifyDomain(ctx, f.admin, f.org.ID, d.ID)
	wantErr(t, err, ErrInvalid)

	body.Store(d.ChallengeToken + "\n")
	v, err := f.p.VerifyDomain(ctx, f.admin, f.org.ID, d.ID)
	if err != nil || !v.Verified() || v.VerificationType != "http" {
		t.Fatalf("verify = %+v, %v", v, err)
	}
	// Switching to DNS keeps it verified; the DNS record is there.
	if v, err = f.p.UpdateDomain(ctx, f.admin, f.org.ID, d.ID, "dns"); err != nil || !v.Verified() || v.VerificationType != "dns" {
		t.Fatalf("update = %+v, %v", v, err)
	}
}

type atomicString struct{ v atomic.Value }

func (a *atomicString) Store(s string) { a.v.Store(s) }
func (a *atomicString) Load() string {
	s, _ := a.v.Load().(string)
	return s
}

// BenchmarkRecheckDomains measures one re-check pass over 100 verified
// domains whose records are in place (loopback DNS, SQLite).
func BenchmarkRecheckDomains(b *testing.B) {
	ctx := b.Context()
	st, err := sqlstore.Open(ctx, filepath.Join(b.TempDir(), "g.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	clock := &fakeClock{t: time.Now()}
	srv := ownershiptest.NewDNS(b)
	p, err := New(ctx, st, WithClock(clock.Now), WithDNSResolver(srv.Addr()), WithDomainRecheck(time.Hour, time.Hour),
		WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		b.Fatal(err)
	}
	boot, err := p.Bootstrap(ctx, "admin@localhost", "admin password 1", "Acme")
	if err != nil {
		b.Fatal(err)
	}
	var admin Actor
	if err := st.Read(ctx, func(tx store.Reader) error {
		admin.User, err = tx.GetUserByEmail("admin@localhost")
		return err
	}); err != nil {
		b.Fatal(err)
	}
	for i := range maxDomains {
		d, err := p.AddDomain(ctx, &admin, boot.Organization.ID, fmt.Sprintf("d%03d.example", i), "")
		if err != nil {
			b.Fatal(err)
		}
		pr := p.DomainProof(d)
		srv.SetTXT(pr.RecordName, pr.RecordValue)
		if _, err := p.VerifyDomain(ctx, &admin, boot.Organization.ID, d.ID); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		clock.Add(time.Hour)
		if err := p.RecheckDomains(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRecheckOnSeveralServersReportsOnce runs the re-check on two planes
// over one store, as every replica does: the vanished record is reported
// once and the domain unverified once.
func TestRecheckOnSeveralServersReportsOnce(t *testing.T) {
	t.Parallel()
	f := newDomainFixture(t)
	ctx := t.Context()
	clock := &fakeClock{t: time.Now()}
	second, err := New(ctx, f.p.store, WithClock(clock.Now), WithLogger(f.p.log))
	if err != nil {
		t.Fatal(err)
	}
	second.cfg.proof = f.p.cfg.proof
	for _, p := range []*Plane{f.p, second} {
		p.now = clock.Now
		p.cfg.domainRecheck, p.cfg.domainGrace = time.Hour, 2*time.Hour
	}
	d, err := f.p.AddDomain(ctx, f.admin, f.org.ID, "example.com", "")
	if err != nil {
		t.Fatal(err)
	}
	f.publish(d)
	if _, err := f.p.VerifyDomain(ctx, f.admin, f.org.ID, d.ID); err != nil {
		t.Fatal(err)
	}
	f.dns.Remove(f.p.DomainProof(d).RecordName)
	for range 4 {
		clock.Add(time.Hour)
		var wg sync.WaitGroup
		for _, p := range []*Plane{f.p, second} {
			wg.Go(func() {
				if err := p.RecheckDomains(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	if n := len(f.events(t, f.org.ID, "domain_proof_missing")); n != 1 {
		t.Errorf("%d missing reports, want 1", n)
	}
	if n := len(f.events(t, f.org.ID, "domain_unverify")); n != 1 {
		t.Errorf("%d unverify events, want 1", n)
	}
}
