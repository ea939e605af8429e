package control

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/audit"
	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/store/sqlstore"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

// newClockFixture is newFixture on a fake clock (fakeClock, domains_test.go).
func newClockFixture(t *testing.T) (*fixture, *fakeClock) {
	t.Helper()
	clock := &fakeClock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	return newFixture(t, WithClock(clock.Now)), clock
}

func (f *fixture) grant(t *testing.T, typ, id, principalType, principalID string, perms ...string) {
	t.Helper()
	if err := f.p.UpdatePermissions(t.Context(), f.admin, f.org.ID, typ, id, "grant",
		[]PrincipalPermissions{{principalType, principalID, perms}}); err != nil {
		t.Fatalf("grant %v: %v", perms, err)
	}
}

func (f *fixture) events(t *testing.T, action string) []audit.Event {
	t.Helper()
	var out []audit.Event
	err := f.p.store.Read(t.Context(), func(tx store.Reader) error {
		all, err := tx.ListEvents(store.EventFilter{OrganizationID: f.org.ID, Limit: 1000})
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

// storedToken writes pending token uses and reads the token back.
func (f *fixture) storedToken(t *testing.T, hash string) token.Token {
	t.Helper()
	if err := f.p.FlushTokenUse(t.Context()); err != nil {
		t.Fatal(err)
	}
	return f.unflushedToken(t, hash)
}

// unflushedToken reads a token as the store has it now.
func (f *fixture) unflushedToken(t *testing.T, hash string) token.Token {
	t.Helper()
	var tk token.Token
	if err := f.p.store.Read(t.Context(), func(tx store.Reader) (err error) { tk, err = tx.GetToken(hash); return err }); err != nil {
		t.Fatal(err)
	}
	return tk
}

func TestApplicationUserLifecycle(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	outsider := f.member(t, "outsider@example.com")
	manager := f.member(t, "manager@example.com")
	f.grant(t, grant.ResourceOrganization, f.org.ID, grant.PrincipalUser, manager.User.ID, permAppUsersWrite)

	_, err := f.p.CreateApplicationUser(ctx, outsider, f.org.ID, "ci", nil)
	wantErr(t, err, ErrForbidden)

	app, err := f.p.CreateApplicationUser(ctx, manager, f.org.ID, "ci-pipeline", ptr(false))
	if err != nil {
		t.Fatal(err)
	}
	if !app.IsApplication || app.PasswordHash != "" || !strings.HasSuffix(app.Email, "@"+applicationUserEmailDomain) || app.RealName != "ci-pipeline" {
		t.Fatalf("application user = %+v", app)
	}
	if _, err := f.p.Login(ctx, app.Email, "anything at all", "", "127.0.0.1", "t"); err == nil {
		t.Fatal("an application user logged in with a password")
	}

	bad := []struct {
		name       string
		userName   string
		superAdmin *bool
	}{
		{"empty name", "", nil},
		{"blank name", "   ", nil},
		{"long name", strings.Repeat("x", maxApplicationUserName+1), nil},
		{"control character", "ci\x1b[2J", nil},
		{"newline", "ci\nfake event", nil},
		{"invalid UTF-8", "ci\xff", nil},
		{"super admin", "boss", ptr(true)},
	}
	for _, c := range bad {
		t.Run("create/"+c.name, func(t *testing.T) {
			_, err := f.p.CreateApplicationUser(ctx, manager, f.org.ID, c.userName, c.superAdmin)
			wantErr(t, err, ErrInvalid)
		})
		t.Run("update/"+c.name, func(t *testing.T) {
			_, err := f.p.UpdateApplicationUser(ctx, manager, f.org.ID, app.ID, c.userName, c.superAdmin)
			wantErr(t, err, ErrInvalid)
		})
	}

	renamed, err := f.p.UpdateApplicationUser(ctx, manager, f.org.ID, app.ID, "ci-renamed", nil)
	if err != nil || renamed.RealName != "ci-renamed" {
		t.Fatalf("rename: %+v %v", renamed, err)
	}
	got, err := f.p.GetApplicationUser(ctx, manager, f.org.ID, app.ID)
	if err != nil || got.RealName != "ci-renamed" {
		t.Fatalf("get: %+v %v", got, err)
	}
	// A person is not an application user, whatever its ID.
	_, err = f.p.GetApplicationUser(ctx, manager, f.org.ID, outsider.User.ID)
	wantErr(t, err, ErrNotFound)
	_, err = f.p.GetApplicationUser(ctx, manager, f.org.ID, "not-an-id")
	wantErr(t, err, ErrNotFound)

	list, err := f.p.ListApplicationUsers(ctx, manager, f.org.ID)
	if err != nil || len(list) != 1 || list[0].ID != app.ID {
		t.Fatalf("list: %+v %v", list, err)
	}
	// Application users can be granted permissions and join groups like
	// any member.
	f.grant(t, grant.ResourceOrganization, f.org.ID, grant.PrincipalUser, app.ID, "organization:projects:write")
	g, err := f.p.CreateGroup(ctx, f.admin, f.org.ID, "bots", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.p.UpdateGroupMembers(ctx, f.admin, f.org.ID, g.ID, "add_members", []string{app.ID}); err != nil {
		t.Fatal(err)
	}

	if err := f.p.DeleteApplicationUser(ctx, outsider, f.org.ID, app.ID); !errors.Is(err, ErrForbidden) {
		t.Fatalf("outsider deleted: %v", err)
	}
	if err := f.p.DeleteApplicationUser(ctx, manager, f.org.ID, app.ID); err != nil {
		t.Fatal(err)
	}
	if f.p.engine.Check(app.ID, authz.MustParse("organization:projects:write"), orgRes(f.org.ID)) {
		t.Fatal("deleted application user still holds its grant")
	}
	_, err = f.p.GetApplicationUser(ctx, manager, f.org.ID, app.ID)
	wantErr(t, err, ErrNotFound)
	if n := len(f.events(t, "application_user_delete")); n != 1 {
		t.Fatalf("%d delete events", n)
	}
}

func TestApplicationTokenInputValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	app, err := f.p.CreateApplicationUser(t.Context(), f.admin, f.org.ID, "ci", nil)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		in   TokenInput
		msg  string
	}{
		{"description too long", TokenInput{Description: strings.Repeat("d", 1001)}, "description"},
		{"max age too short", TokenInput{MaxAgeSeconds: ptr(int64(599))}, "max_age_seconds"},
		{"max age too long", TokenInput{MaxAgeSeconds: ptr(int64(315_360_001))}, "max_age_seconds"},
		{"extend without max age", TokenInput{ExtendWhenUsed: true}, "extend_when_used"},
		{"hostname in allow-list", TokenInput{IPAllowlist: []string{"example.com"}}, "ip_allowlist"},
		{"host bits in allow-list", TokenInput{IPAllowlist: []string{"10.1.2.3/8"}}, "10.0.0.0/8"},
		{"empty scope", TokenInput{Scopes: []string{""}}, "scopes[0]"},
		{"scope with space", TokenInput{Scopes: []string{"read write"}}, "scopes[0]"},
		{"duplicate scope", TokenInput{Scopes: []string{"read", "read"}}, "twice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.p.CreateApplicationToken(t.Context(), f.admin, f.org.ID, app.ID, c.in)
			wantErr(t, err, ErrInvalid)
			if !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("message %q does not mention %q", err, c.msg)
			}
			_, err = f.p.CreateAccessToken(t.Context(), f.admin, c.in)
			wantErr(t, err, ErrInvalid)
		})
	}
	ok := []struct {
		name string
		in   TokenInput
	}{
		{"defaults", TokenInput{}},
		{"bounds", TokenInput{Description: strings.Repeat("é", 1000), MaxAgeSeconds: ptr(int64(600))}},
		{"longest", TokenInput{MaxAgeSeconds: ptr(int64(315_360_000)), ExtendWhenUsed: true}},
		{"mixed allow-list", TokenInput{IPAllowlist: []string{"10.0.0.0/8", "192.0.2.1", "2001:db8::/32", "::1"}, Scopes: []string{"read", "write"}}},
	}
	for _, c := range ok {
		t.Run(c.name, func(t *testing.T) {
			tk, err := f.p.CreateApplicationToken(t.Context(), f.admin, f.org.ID, app.ID, c.in)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := token.Parse(tk.Secret); err != nil || !strings.HasPrefix(tk.Secret, "gtha_") || tk.Token.Hash != token.Hash(tk.Secret) {
				t.Fatalf("issued %+v", tk)
			}
		})
	}
}

// TestApplicationTokenEscalationGuard: a token hands out its application
// user's permissions, so its creator must hold them.
func TestApplicationTokenEscalationGuard(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	if _, err := f.p.CreateProject(ctx, f.admin, f.org.ID, ProjectInput{Name: "p1"}); err != nil {
		t.Fatal(err)
	}
	writer := f.member(t, "writer@example.com") // organization:app_users:write only
	f.grant(t, grant.ResourceOrganization, f.org.ID, grant.PrincipalUser, writer.User.ID, permAppUsersWrite)
	projAdmin := f.member(t, "padmin@example.com") // app_users:write plus admin of p1
	f.grant(t, grant.ResourceOrganization, f.org.ID, grant.PrincipalUser, projAdmin.User.ID, permAppUsersWrite)
	f.grant(t, grant.ResourceProject, "p1", grant.PrincipalUser, projAdmin.User.ID, "admin")
	orgAdmin := f.member(t, "oadmin@example.com")
	f.grant(t, grant.ResourceOrganization, f.org.ID, grant.PrincipalUser, orgAdmin.User.ID, "role:organization:admin")

	newApp := func(name string) identity.User {
		u, err := f.p.CreateApplicationUser(ctx, f.admin, f.org.ID, name, nil)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	bare := newApp("bare")
	projectBot := newApp("project-bot")
	f.grant(t, grant.ResourceProject, "p1", grant.PrincipalUser, projectBot.ID, "admin")
	orgBot := newApp("org-bot")
	f.grant(t, grant.ResourceOrganization, f.org.ID, grant.PrincipalUser, orgBot.ID, "role:organization:admin")
	groupBot := newApp("group-bot")
	g, err := f.p.CreateGroup(ctx, f.admin, f.org.ID, "admins", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.p.UpdateGroupMembers(ctx, f.admin, f.org.ID, g.ID, "add_members", []string{groupBot.ID}); err != nil {
		t.Fatal(err)
	}
	f.grant(t, grant.ResourceOrganization, f.org.ID, grant.PrincipalGroup, g.ID, "role:organization:admin")

	cases := []struct {
		name  string
		actor *Actor
		app   identity.User
		want  error
	}{
		{"app_users:write, app without permissions", writer, bare, nil},
		{"app_users:write, app holding project admin", writer, projectBot, ErrForbidden},
		{"project admin, app holding project admin", projAdmin, projectBot, nil},
		{"project admin, app holding organization admin", projAdmin, orgBot, ErrForbidden},
		{"app_users:write, app holding organization admin", writer, orgBot, ErrForbidden},
		{"app_users:write, app admin through a group", writer, groupBot, ErrForbidden},
		{"organization admin, app holding organization admin", orgAdmin, orgBot, nil},
		{"organization admin, app admin through a group", orgAdmin, groupBot, nil},
		{"super admin", f.admin, orgBot, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.p.CreateApplicationToken(ctx, c.actor, f.org.ID, c.app.ID, TokenInput{Description: c.name})
			if c.want == nil && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if c.want != nil {
				wantErr(t, err, c.want)
			}
		})
	}
}

// TestApplicationTokenUse: a token acts with exactly its application
// user's permissions; revocation and the user's deletion end it, with an
// event each.
func TestApplicationTokenUse(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	if _, err := f.p.CreateProject(ctx, f.admin, f.org.ID, ProjectInput{Name: "p1"}); err != nil {
		t.Fatal(err)
	}
	app, err := f.p.CreateApplicationUser(ctx, f.admin, f.org.ID, "deployer", nil)
	if err != nil {
		t.Fatal(err)
	}
	f.grant(t, grant.ResourceProject, "p1", grant.PrincipalUser, app.ID, "admin")
	t1, err := f.p.CreateApplicationToken(ctx, f.admin, f.org.ID, app.ID, TokenInput{Description: "one"})
	if err != nil {
		t.Fatal(err)
	}
	t2, err := f.p.CreateApplicationToken(ctx, f.admin, f.org.ID, app.ID, TokenInput{Description: "two"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := f.p.Authenticate(ctx, t1.Secret, "192.0.2.1", "deploy/1")
	if err != nil {
		t.Fatal(err)
	}
	if a.User.ID != app.ID || a.Token.Hash != t1.Token.Hash {
		t.Fatalf("actor %+v", a)
	}
	if _, err := f.p.GetProject(ctx, a, "", "p1"); err != nil {
		t.Fatalf("token cannot use its user's grant: %v", err)
	}
	if _, err := f.p.CreateProject(ctx, a, f.org.ID, ProjectInput{Name: "p2"}); !errors.Is(err, ErrForbidden) {
		t.Fatalf("token went beyond its user's grants: %v", err)
	}
	if _, err := f.p.CreateAccessToken(ctx, a, TokenInput{}); !errors.Is(err, ErrForbidden) {
		t.Fatalf("application user made itself a personal token: %v", err)
	}

	list, err := f.p.ListApplicationTokens(ctx, f.admin, f.org.ID, app.ID)
	if err != nil || len(list) != 2 {
		t.Fatalf("list: %+v %v", list, err)
	}
	for _, ti := range list {
		if ti.Hash == t1.Token.Hash && (ti.LastIP != "192.0.2.1" || ti.LastUserAgent != "deploy/1" || ti.LastUsedTime == nil) {
			t.Fatalf("last use not recorded: %+v", ti)
		}
	}

	// Revocation takes effect on this server at once.
	if err := f.p.RevokeApplicationToken(ctx, f.admin, f.org.ID, app.ID, "gtha_nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("revoking an unknown prefix: %v", err)
	}
	if err := f.p.RevokeApplicationToken(ctx, f.admin, f.org.ID, app.ID, t1.Token.Prefix); err != nil {
		t.Fatal(err)
	}
	_, err = f.p.Authenticate(ctx, t1.Secret, "192.0.2.1", "deploy/1")
	wantErr(t, err, ErrUnauthenticated)
	if _, err := f.p.Authenticate(ctx, t2.Secret, "192.0.2.1", "deploy/1"); err != nil {
		t.Fatalf("the other token stopped working: %v", err)
	}
	// Deleting the user ends every token it had.
	if err := f.p.DeleteApplicationUser(ctx, f.admin, f.org.ID, app.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.p.Authenticate(ctx, t2.Secret, "192.0.2.1", "deploy/1")
	wantErr(t, err, ErrUnauthenticated)

	refused := f.events(t, "token_refused")
	if len(refused) != 2 {
		t.Fatalf("refusal events: %+v", refused)
	}
	for _, e := range refused {
		for _, s := range []string{t1.Secret, t2.Secret, t1.Token.Hash, t2.Token.Hash} {
			if strings.Contains(e.Description, s) {
				t.Fatalf("event leaks a secret or hash: %q", e.Description)
			}
		}
	}
	if !strings.Contains(refused[0].Description, "user deleted") || !strings.Contains(refused[1].Description, "revoked") {
		t.Fatalf("refusal reasons: %q, %q", refused[0].Description, refused[1].Description)
	}
	// Created and revoked tokens were logged, never with their secret.
	for _, action := range []string{"application_user_token_create", "application_user_token_revoke"} {
		es := f.events(t, action)
		if len(es) == 0 {
			t.Fatalf("no %s event", action)
		}
		for _, e := range es {
			if strings.Contains(e.Description, t1.Secret) || strings.Contains(e.Description, t2.Secret) {
				t.Fatalf("event leaks a secret: %q", e.Description)
			}
		}
	}
}

// TestTokenExpiry covers max_age_seconds with and without
// extend_when_used on a fake clock, and the near-expiry flag.
func TestTokenExpiry(t *testing.T) {
	t.Parallel()
	f, clock := newClockFixture(t)
	ctx := t.Context()
	app, err := f.p.CreateApplicationUser(ctx, f.admin, f.org.ID, "bot", nil)
	if err != nil {
		t.Fatal(err)
	}
	fixed, err := f.p.CreateApplicationToken(ctx, f.admin, f.org.ID, app.ID, TokenInput{MaxAgeSeconds: ptr(int64(600))})
	if err != nil {
		t.Fatal(err)
	}
	sliding, err := f.p.CreateApplicationToken(ctx, f.admin, f.org.ID, app.ID, TokenInput{MaxAgeSeconds: ptr(int64(600)), ExtendWhenUsed: true})
	if err != nil {
		t.Fatal(err)
	}
	use := func(secret string) error {
		_, err := f.p.Authenticate(ctx, secret, "127.0.0.1", "test")
		return err
	}
	steps := []struct {
		name                 string
		advance              time.Duration
		fixedOK, slidingOK   bool
		slidingExpiryFromNow time.Duration // 0: do not check
	}{
		{"fresh", 0, true, true, 600 * time.Second},
		{"after 500s", 500 * time.Second, true, true, 600 * time.Second},
		{"after 900s: the fixed token expired, the used one was extended", 400 * time.Second, false, true, 600 * time.Second},
		{"just before the extended expiry", 599 * time.Second, false, true, 600 * time.Second},
		{"unused for longer than max age", 601 * time.Second, false, false, 0},
	}
	for _, s := range steps {
		clock.Add(s.advance)
		if err := use(fixed.Secret); (err == nil) != s.fixedOK {
			t.Fatalf("%s: fixed token: err = %v, want ok=%v", s.name, err, s.fixedOK)
		}
		if err := use(sliding.Secret); (err == nil) != s.slidingOK {
			t.Fatalf("%s: sliding token: err = %v, want ok=%v", s.name, err, s.slidingOK)
		}
		if s.slidingExpiryFromNow > 0 {
			got := f.storedToken(t, sliding.Token.Hash).ExpiryTime
			if want := clock.Now().UTC().Add(s.slidingExpiryFromNow); got == nil || !got.Equal(want) {
				t.Fatalf("%s: stored expiry %v, want %v", s.name, got, want)
			}
		}
	}

	// Near expiry: a 30-day token is flagged within its last six days.
	month, err := f.p.CreateApplicationToken(ctx, f.admin, f.org.ID, app.ID, TokenInput{MaxAgeSeconds: ptr(int64(30 * 86400))})
	if err != nil {
		t.Fatal(err)
	}
	soon := func() bool {
		list, err := f.p.ListApplicationTokens(ctx, f.admin, f.org.ID, app.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, ti := range list {
			if ti.Hash == month.Token.Hash {
				return ti.ExpiringSoon
			}
		}
		t.Fatal("token not listed")
		return false
	}
	if soon() {
		t.Fatal("fresh token flagged as expiring soon")
	}
	clock.Add(25 * 24 * time.Hour)
	if !soon() {
		t.Fatal("token with five days left not flagged")
	}
	clock.Add(6 * 24 * time.Hour)
	list, err := f.p.ListApplicationTokens(ctx, f.admin, f.org.ID, app.ID)
	if err != nil || len(list) != 0 {
		t.Fatalf("expired tokens listed: %+v %v", list, err)
	}
	if n := len(f.events(t, "token_refused")); n == 0 {
		t.Fatal("expired token refusals were not recorded")
	}
}

// TestTokenIPAllowlist: IPv4 and IPv6 ranges, refusals as 403 with a
// rate-limited event.
func TestTokenIPAllowlist(t *testing.T) {
	t.Parallel()
	f, clock := newClockFixture(t)
	ctx := t.Context()
	app, err := f.p.CreateApplicationUser(ctx, f.admin, f.org.ID, "bot", nil)
	if err != nil {
		t.Fatal(err)
	}
	tk, err := f.p.CreateApplicationToken(ctx, f.admin, f.org.ID, app.ID,
		TokenInput{IPAllowlist: []string{"10.0.0.0/8", "192.0.2.7", "2001:db8::/32"}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		ip   string
		want error
	}{
		{"10.20.30.40", nil},
		{"192.0.2.7", nil},
		{"2001:db8:1::42", nil},
		{"::ffff:10.1.1.1", nil},
		{"192.0.2.8", ErrForbidden},
		{"11.0.0.1", ErrForbidden},
		{"2001:db9::1", ErrForbidden},
		{"not-an-ip", ErrForbidden},
	}
	for _, c := range cases {
		t.Run(c.ip, func(t *testing.T) {
			_, err := f.p.Authenticate(ctx, tk.Secret, c.ip, "test")
			if c.want == nil && err != nil {
				t.Fatal(err)
			}
			if c.want != nil {
				wantErr(t, err, c.want)
			}
		})
	}
	// One event for the refusals above (same token, different reasons
	// per address), then none for a flood of the same refusal.
	before := len(f.events(t, "token_refused"))
	if before != 4 {
		t.Fatalf("%d refusal events, want one per refused address", before)
	}
	for range 50 {
		_, _ = f.p.Authenticate(ctx, tk.Secret, "11.0.0.1", "test")
	}
	if n := len(f.events(t, "token_refused")); n != before {
		t.Fatalf("flood wrote %d more events", n-before)
	}
	clock.Add(refusalEvery)
	_, _ = f.p.Authenticate(ctx, tk.Secret, "11.0.0.1", "test")
	if n := len(f.events(t, "token_refused")); n != before+1 {
		t.Fatalf("after a minute: %d events, want %d", n, before+1)
	}
}

// TestTokenUseRecordedOncePerMinute: last-used data is written at most once
// a minute per token, not per request.
func TestTokenUseRecordedOncePerMinute(t *testing.T) {
	t.Parallel()
	f, clock := newClockFixture(t)
	ctx := t.Context()
	tk, err := f.p.CreateAccessToken(ctx, f.admin, TokenInput{Description: "laptop"})
	if err != nil {
		t.Fatal(err)
	}
	start := clock.Now().UTC()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.p.Authenticate(ctx, tk.Secret, "127.0.0.1", "ua-"+string(rune('a'+i))); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	// Authenticating wrote nothing: the use waits for the batch.
	if got := f.unflushedToken(t, tk.Token.Hash); got.LastUsedTime != nil {
		t.Fatalf("a request wrote its use: %+v", got)
	}
	first := f.storedToken(t, tk.Token.Hash)
	if first.LastUsedTime == nil || !first.LastUsedTime.Equal(start) {
		t.Fatalf("last used %v, want %v", first.LastUsedTime, start)
	}
	clock.Add(30 * time.Second)
	if _, err := f.p.Authenticate(ctx, tk.Secret, "127.0.0.2", "later"); err != nil {
		t.Fatal(err)
	}
	if got := f.storedToken(t, tk.Token.Hash); got.LastIP != first.LastIP || !got.LastUsedTime.Equal(start) {
		t.Fatalf("recorded again within a minute: %+v", got)
	}
	clock.Add(31 * time.Second)
	if _, err := f.p.Authenticate(ctx, tk.Secret, "127.0.0.3", "later"); err != nil {
		t.Fatal(err)
	}
	if got := f.storedToken(t, tk.Token.Hash); got.LastIP != "127.0.0.3" || !got.LastUsedTime.Equal(clock.Now().UTC()) {
		t.Fatalf("not recorded after a minute: %+v", got)
	}
}

func TestPersonalTokens(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	dev := f.member(t, "dev@example.com")
	session, err := f.p.CreateAccessToken(ctx, dev, TokenInput{Description: "first"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := f.p.Authenticate(ctx, session.Secret, "127.0.0.1", "cli")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(session.Secret, "gthp_") || !session.Token.CreatedManually {
		t.Fatalf("issued %+v", session.Token)
	}
	second, err := f.p.CreateAccessToken(ctx, a, TokenInput{Description: "second", MaxAgeSeconds: ptr(int64(3600)), IPAllowlist: []string{"::1"}})
	if err != nil {
		t.Fatal(err)
	}
	list, err := f.p.ListAccessTokens(ctx, a)
	if err != nil || len(list) != 2 {
		t.Fatalf("list: %+v %v", list, err)
	}
	for _, ti := range list {
		if ti.CurrentlyActive != (ti.Hash == session.Token.Hash) {
			t.Fatalf("currently_active wrong: %+v", ti)
		}
	}
	// Others' tokens are invisible and untouchable.
	other, err := f.p.ListAccessTokens(ctx, f.admin)
	if err != nil || len(other) != 0 {
		t.Fatalf("admin sees %+v %v", other, err)
	}
	if err := f.p.RevokeAccessToken(ctx, f.admin, second.Token.Prefix); !errors.Is(err, ErrNotFound) {
		t.Fatalf("revoking another's token: %v", err)
	}
	if err := f.p.RevokeAccessToken(ctx, f.admin, second.Secret); !errors.Is(err, ErrNotFound) {
		t.Fatalf("revoking another's token by value: %v", err)
	}

	// A token limited to an allow-list mints only tokens within it.
	limited, err := f.p.Authenticate(ctx, second.Secret, "::1", "cli")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.CreateAccessToken(ctx, limited, TokenInput{}); !errors.Is(err, ErrForbidden) {
		t.Fatalf("allow-listed token minted an unrestricted one: %v", err)
	}
	if _, err := f.p.CreateAccessToken(ctx, limited, TokenInput{IPAllowlist: []string{"10.0.0.1"}}); !errors.Is(err, ErrForbidden) {
		t.Fatalf("allow-listed token minted one for other addresses: %v", err)
	}
	if _, err := f.p.CreateAccessToken(ctx, limited, TokenInput{IPAllowlist: []string{"::1"}}); !errors.Is(err, ErrForbidden) {
		t.Fatalf("expiring token minted one without expiry: %v", err)
	}
	if _, err := f.p.CreateAccessToken(ctx, limited, TokenInput{IPAllowlist: []string{"::1"}, MaxAgeSeconds: ptr(int64(minTokenMaxAge))}); err != nil {
		t.Fatalf("allow-listed token could not mint one within its limits: %v", err)
	}

	upd, err := f.p.UpdateAccessToken(ctx, a, second.Token.Prefix, "renamed")
	if err != nil || upd.Description != "renamed" {
		t.Fatalf("update: %+v %v", upd, err)
	}
	if _, err := f.p.UpdateAccessToken(ctx, a, second.Token.Prefix, strings.Repeat("x", 1001)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("long description: %v", err)
	}
	// Revoking by the full token value, as Aiven allows.
	if err := f.p.RevokeAccessToken(ctx, a, second.Secret); err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.Authenticate(ctx, second.Secret, "::1", "cli"); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("revoked token works: %v", err)
	}
	third, err := f.p.CreateAccessToken(ctx, a, TokenInput{Description: "third"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.p.ExpireAllTokens(ctx, a); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{session.Secret, third.Secret} {
		if _, err := f.p.Authenticate(ctx, s, "127.0.0.1", "cli"); !errors.Is(err, ErrUnauthenticated) {
			t.Fatalf("token survived expire-all: %v", err)
		}
	}
	for _, action := range []string{"access_token_create", "access_token_update", "access_token_revoke", "access_tokens_expire"} {
		if len(f.events(t, action)) == 0 {
			t.Fatalf("no %s event", action)
		}
	}
}

// BenchmarkAuthenticateCached measures authenticating a request whose
// token is in the server's cache (the hot path: checksum, hash, cache,
// allow-list, state).
func BenchmarkAuthenticateCached(b *testing.B) {
	st, err := sqlstore.Open(b.Context(), filepath.Join(b.TempDir(), "g.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	p, err := New(b.Context(), st, WithClock(func() time.Time { return now }), WithPasswordParams(identity.FastPasswordParams))
	if err != nil {
		b.Fatal(err)
	}
	boot, err := p.Bootstrap(b.Context(), "admin@example.com", "admin password 1", "Acme")
	if err != nil {
		b.Fatal(err)
	}
	var admin identity.User
	if err := st.Read(b.Context(), func(tx store.Reader) (err error) { admin, err = tx.GetUserByEmail("admin@example.com"); return err }); err != nil {
		b.Fatal(err)
	}
	app, err := p.CreateApplicationUser(b.Context(), &Actor{User: admin}, boot.Organization.ID, "bench", nil)
	if err != nil {
		b.Fatal(err)
	}
	tk, err := p.CreateApplicationToken(b.Context(), &Actor{User: admin}, boot.Organization.ID, app.ID,
		TokenInput{MaxAgeSeconds: ptr(int64(86400)), ExtendWhenUsed: true, IPAllowlist: []string{"10.0.0.0/8", "2001:db8::/32"}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := p.Authenticate(ctx, tk.Secret, "10.1.2.3", "bench"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer() // setup hashes a password and migrates a database
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := p.Authenticate(ctx, tk.Secret, "10.1.2.3", "bench"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// TestPendingUseSurvivesCacheRefresh: an extension recorded in memory but
// not yet written still counts when the cache re-reads the token, and a
// failed flush keeps the uses for the next one.
func TestPendingUseSurvivesCacheRefresh(t *testing.T) {
	t.Parallel()
	f, clock := newClockFixture(t)
	ctx := t.Context()
	tk, err := f.p.CreateAccessToken(ctx, f.admin, TokenInput{MaxAgeSeconds: ptr(int64(600)), ExtendWhenUsed: true})
	if err != nil {
		t.Fatal(err)
	}
	clock.Add(500 * time.Second)
	if _, err := f.p.Authenticate(ctx, tk.Secret, "127.0.0.1", "t"); err != nil {
		t.Fatal(err)
	}
	clock.Add(400 * time.Second) // past the stored expiry, within the extended one
	if got := f.unflushedToken(t, tk.Token.Hash); !got.Expired(clock.Now()) {
		t.Fatalf("test setup: stored token not yet expired: %+v", got)
	}
	if _, err := f.p.Authenticate(ctx, tk.Secret, "127.0.0.1", "t"); err != nil {
		t.Fatalf("extension lost on cache refresh: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := f.p.FlushTokenUse(cancelled); err == nil {
		t.Fatal("flush on a cancelled context succeeded")
	}
	if got := f.storedToken(t, tk.Token.Hash); got.Expired(clock.Now()) || got.LastUsedTime == nil {
		t.Fatalf("failed flush lost the use: %+v", got)
	}
}

// TestPersonalTokenInheritsSignInMethod: under a policy accepting only
// personal tokens made from an allowed sign-in method, a token made from a
// password session works, and records that method.
func TestPersonalTokenInheritsSignInMethod(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	if _, err := f.p.UpdateAuthPolicy(ctx, f.admin, f.org.ID, PolicyUpdate{PersonalTokensRequireAllowedAuthMethod: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	res, err := f.p.Login(ctx, "admin@example.com", "admin password 1", "", "127.0.0.1", "t")
	if err != nil {
		t.Fatal(err)
	}
	session, err := f.p.Authenticate(ctx, res.Token, "127.0.0.1", "t")
	if err != nil {
		t.Fatal(err)
	}
	tk, err := f.p.CreateAccessToken(ctx, session, TokenInput{Description: "from a password session"})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.storedToken(t, tk.Token.Hash); got.AuthMethod != session.Token.AuthMethod || got.AuthMethod == "" || got.TwoFactor != session.Token.TwoFactor {
		t.Fatalf("stored %q/%v, session %q/%v", got.AuthMethod, got.TwoFactor, session.Token.AuthMethod, session.Token.TwoFactor)
	}
	personal, err := f.p.Authenticate(ctx, tk.Secret, "127.0.0.1", "t")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.GetOrganization(ctx, personal, f.org.ID); err != nil {
		t.Fatalf("policy refused a personal token made from a password session: %v", err)
	}
	// An application token is not subject to the policy at all.
	app, err := f.p.CreateApplicationUser(ctx, f.admin, f.org.ID, "bot", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.UpdateAuthPolicy(ctx, f.admin, f.org.ID, PolicyUpdate{PersonalTokensEnabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	at, err := f.p.CreateApplicationToken(ctx, f.admin, f.org.ID, app.ID, TokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	bot, err := f.p.Authenticate(ctx, at.Secret, "127.0.0.1", "t")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.GetOrganization(ctx, bot, f.org.ID); err != nil {
		t.Fatalf("policy refused an application token: %v", err)
	}
	if _, err := f.p.GetOrganization(ctx, personal, f.org.ID); !errors.Is(err, ErrForbidden) {
		t.Fatalf("personal tokens disabled, yet: %v", err)
	}
}

// countingStore counts the transactions a Plane opens.
type countingStore struct {
	store.Store
	mu            sync.Mutex
	reads, writes int
}

func (c *countingStore) Read(ctx context.Context, fn func(store.Reader) error) error {
	c.mu.Lock()
	c.reads++
	c.mu.Unlock()
	return c.Store.Read(ctx, fn)
}

func (c *countingStore) Write(ctx context.Context, fn func(store.Tx) error) error {
	c.mu.Lock()
	c.writes++
	c.mu.Unlock()
	return c.Store.Write(ctx, fn)
}

func (c *countingStore) counts() (int, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reads, c.writes
}

// TestAuthenticateCost: malformed tokens cost no I/O; a cached token costs
// none either; an unknown well-formed one a read and no event.
func TestAuthenticateCost(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	tk, err := f.p.CreateAccessToken(ctx, f.admin, TokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	cs := &countingStore{Store: f.p.store}
	p, err := New(ctx, cs)
	if err != nil {
		t.Fatal(err)
	}
	flipped := []byte(tk.Secret)
	flipped[10] = map[bool]byte{true: '1', false: '0'}[flipped[10] == '0'] // still base62, checksum now wrong
	unknown, _, _ := token.New(token.KindPersonal)
	cases := []struct {
		name          string
		secret        string
		reads, writes int
		wantErr       bool
	}{
		{"empty", "", 0, 0, true},
		{"wrong prefix", "ghp_" + tk.Secret[5:], 0, 0, true},
		{"checksum mismatch", string(flipped), 0, 0, true},
		{"truncated", tk.Secret[:len(tk.Secret)-1], 0, 0, true},
		{"never issued", unknown, 1, 0, true},
		{"first use reads", tk.Secret, 1, 0, false},
		{"cached use is free", tk.Secret, 0, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r0, w0 := cs.counts()
			_, err := p.Authenticate(ctx, c.secret, "127.0.0.1", "t")
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v", err)
			}
			r1, w1 := cs.counts()
			if r1-r0 != c.reads || w1-w0 != c.writes {
				t.Fatalf("%d reads, %d writes; want %d, %d", r1-r0, w1-w0, c.reads, c.writes)
			}
		})
	}
}

// FuzzTokenInput: validation never panics, and what it accepts keeps the
// documented limits.
func FuzzTokenInput(f *testing.F) {
	f.Add("ci", int64(600), true, "10.0.0.0/8", "read")
	f.Add("", int64(0), false, "", "")
	f.Add("x", int64(315_360_001), true, "::1", "a b")
	f.Fuzz(func(t *testing.T, desc string, maxAge int64, extend bool, allow, scope string) {
		in := TokenInput{Description: desc, ExtendWhenUsed: extend}
		if maxAge != 0 {
			in.MaxAgeSeconds = &maxAge
		}
		if allow != "" {
			in.IPAllowlist = []string{allow}
		}
		if scope != "" {
			in.Scopes = []string{scope}
		}
		if err := in.validate(); err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			return
		}
		if in.MaxAgeSeconds != nil && (*in.MaxAgeSeconds < minTokenMaxAge || *in.MaxAgeSeconds > maxTokenMaxAge) {
			t.Fatalf("accepted max age %d", *in.MaxAgeSeconds)
		}
		if in.ExtendWhenUsed && in.MaxAgeSeconds == nil {
			t.Fatal("accepted extend_when_used without max age")
		}
		if _, err := token.ParseAllowlist(in.IPAllowlist); err != nil {
			t.Fatalf("accepted allow-list %q: %v", allow, err)
		}
	})
}

func TestRemovingAnApplicationUserAsAMemberIsRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	app, err := f.p.CreateApplicationUser(ctx, f.admin, f.org.ID, "ci-bot", nil)
	if err != nil {
		t.Fatal(err)
	}
	err = f.p.RemoveMember(ctx, f.admin, f.org.ID, app.ID)
	wantErr(t, err, ErrInvalid)
	if _, err := f.p.GetApplicationUser(ctx, f.admin, f.org.ID, app.ID); err != nil {
		t.Fatalf("application user gone after a refused removal: %v", err)
	}
}
