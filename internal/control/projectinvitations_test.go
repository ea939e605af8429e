package control

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// A person without an account accepts a project invitation at the public
// link: they get an account, join the project's organization and hold the
// member type on the project, in one transaction.
func TestProjectInvitationNewcomer(t *testing.T) {
	t.Parallel()
	f := newMemberFixture(t)
	ctx := t.Context()
	if _, err := f.p.CreateService(ctx, f.admin, ServiceInput{Project: "web", Name: "pg-1", Type: "pg", Plan: "startup-4"}); err != nil {
		t.Fatal(err)
	}
	code := f.invite(t, f.admin, "new@example.com", "developer")

	info, err := f.p.InvitationByCode(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	want := InvitationInfo{OrganizationID: f.org.ID, OrganizationName: "Acme", Project: "web", MemberType: "developer",
		Email: "new@example.com", InvitedByEmail: "admin@example.com", ExpiryTime: info.ExpiryTime, Mailed: true}
	if info != want || info.ExpiryTime == "" {
		t.Fatalf("InvitationByCode = %+v, want %+v", info, want)
	}

	// Refused account details leave the invitation usable.
	for _, c := range []struct {
		name, realName, password string
		want                     error
	}{
		{"no name", "", "a fine new password", org.ErrInvalid},
		{"blank name", "   ", "a fine new password", org.ErrInvalid},
		{"short password", "New Person", "short", identity.ErrWeakPassword},
		{"no password", "New Person", "", identity.ErrWeakPassword},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.p.AcceptByCode(ctx, code, c.realName, c.password, "", "192.0.2.1", "test")
			wantErr(t, err, c.want)
		})
	}

	res, err := f.p.AcceptByCode(ctx, code, "New Person", "a fine new password", "", "192.0.2.1", "test")
	if err != nil {
		t.Fatalf("AcceptByCode: %v", err)
	}
	a, err := f.p.Authenticate(ctx, res.Token, "192.0.2.1", "test")
	if err != nil || a.User.Email != "new@example.com" || a.User.RealName != "New Person" {
		t.Fatalf("session of the newcomer: %+v, %v", a, err)
	}
	if roles := f.p.ProjectRoles(a, "web"); !slices.Contains(roles, "developer") || slices.Contains(roles, "operator") {
		t.Fatalf("roles on web: %v", roles)
	}
	if _, err := f.p.GetService(ctx, a, "web", "pg-1"); err != nil {
		t.Fatalf("developer reads services: %v", err)
	}
	wantErr(t, f.p.DeleteService(ctx, a, "web", "pg-1"), ErrForbidden)
	if err := f.p.store.Read(ctx, func(tx store.Reader) error { _, err := tx.GetMember(f.org.ID, a.User.ID); return err }); err != nil {
		t.Fatalf("not an organization member: %v", err)
	}
	if _, err := f.p.Login(ctx, "new@example.com", "a fine new password", "", "192.0.2.1", "test"); err != nil {
		t.Fatalf("newcomer logs in: %v", err)
	}
	accepts := f.events(t, "project_user_invite_accept")
	if len(accepts) != 1 || !strings.Contains(accepts[0].Description, "joining organization") || strings.Contains(accepts[0].Description, code) {
		t.Fatalf("accept events: %+v", accepts)
	}

	// The code is spent, on either path.
	_, err = f.p.AcceptByCode(ctx, code, "Again", "a fine new password", "", "192.0.2.1", "test")
	wantErr(t, err, ErrGone)
	_, err = f.p.InvitationByCode(ctx, code)
	wantErr(t, err, ErrGone)
	_, err = f.p.AcceptProjectInvitation(ctx, a, "web", code)
	wantErr(t, err, ErrGone)
}

// A person with an account proves it with their login; the password of a
// newcomer's account is not theirs to choose.
func TestProjectInvitationExistingPerson(t *testing.T) {
	t.Parallel()
	f := newMemberFixture(t)
	ctx := t.Context()
	hash, err := f.p.passwords.Hash("existing password")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	u := identity.User{ID: org.NewID(org.PrefixUser), Email: "old@example.com", RealName: "Old", PasswordHash: hash,
		State: identity.StateActive, CreateTime: now, UpdateTime: now}
	if err := f.p.write(ctx, func(tx store.Tx) error {
		if err := tx.CreateUser(u); err != nil {
			return err
		}
		return f.p.record(tx, userChange(u.ID, true))
	}); err != nil {
		t.Fatal(err)
	}
	code := f.invite(t, f.admin, "old@example.com", "operator")
	info, err := f.p.InvitationByCode(ctx, code)
	if err != nil || !info.HasAccount {
		t.Fatalf("InvitationByCode = %+v, %v", info, err)
	}
	for _, c := range []struct {
		name, realName, password string
		want                     error
	}{
		{"wrong password", "", "wrong password", identity.ErrBadCredentials},
		{"a new account's details", "Impostor", "a fine new password", identity.ErrBadCredentials},
		{"no password", "", "", ErrInvalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.p.AcceptByCode(ctx, code, c.realName, c.password, "", "192.0.2.1", "test")
			wantErr(t, err, c.want)
		})
	}
	res, err := f.p.AcceptByCode(ctx, code, "", "existing password", "", "192.0.2.1", "test")
	if err != nil {
		t.Fatalf("accept with the existing login: %v", err)
	}
	if res.User.ID != u.ID {
		t.Fatalf("accepted as %+v, want the existing account", res.User)
	}
	if roles := f.p.ProjectRoles(&Actor{User: u}, "web"); !slices.Contains(roles, "operator") || slices.Contains(roles, "admin") {
		t.Fatalf("roles on web: %v", roles)
	}
}

// Unusable codes are refused as organization invitations refuse them: 410
// saying why for used, cancelled, replaced and expired ones, 404 for
// unknown ones; and a refusal inside the transaction creates no account.
func TestProjectInvitationByCodeRefusals(t *testing.T) {
	t.Parallel()
	f := newMemberFixture(t)
	ctx := t.Context()
	lead := f.member(t, "lead@example.com")
	if err := f.p.UpdatePermissions(ctx, f.admin, f.org.ID, grant.ResourceProject, "web", "grant",
		[]PrincipalPermissions{{grant.PrincipalUser, lead.User.ID, []string{"admin"}}}); err != nil {
		t.Fatal(err)
	}
	cancelled := f.invite(t, f.admin, "c@example.com", "developer")
	if err := f.p.CancelProjectInvitation(ctx, f.admin, "web", "c@example.com"); err != nil {
		t.Fatal(err)
	}
	replaced := f.invite(t, f.admin, "r@example.com", "developer")
	f.invite(t, f.admin, "r@example.com", "read_only")
	expired := f.invite(t, f.admin, "e@example.com", "developer")
	f.clock.Add(7*24*time.Hour - time.Minute)
	if _, err := f.p.InvitationByCode(ctx, expired); err != nil {
		t.Fatalf("an invitation works until its expiry: %v", err)
	}
	f.clock.Add(2 * time.Minute)
	orphaned := f.invite(t, lead, "o@example.com", "operator")
	if err := f.p.UpdatePermissions(ctx, f.admin, f.org.ID, grant.ResourceProject, "web", "revoke",
		[]PrincipalPermissions{{grant.PrincipalUser, lead.User.ID, []string{"admin"}}}); err != nil {
		t.Fatal(err)
	}
	// An organization invitation's code works at the same link.
	if err := f.p.Invite(ctx, f.admin, f.org.ID, "orgnew@example.com"); err != nil {
		t.Fatal(err)
	}
	orgCode := f.mail.lastCode(t, "orgnew@example.com")

	for _, c := range []struct {
		name, code, says string
		want             error
	}{
		{"cancelled", cancelled, "cancelled", ErrGone},
		{"replaced", replaced, "replaced", ErrGone},
		{"expired", expired, "expired", ErrGone},
		{"unknown", strings.Repeat("A", 43), "not found", ErrNotFound},
		{"malformed", "../../etc/passwd", "not found", ErrNotFound},
		{"empty", "", "not found", ErrNotFound},
		{"huge", strings.Repeat("A", 10000), "not found", ErrNotFound},
		{"inviter lost the role", orphaned, "no longer valid", ErrForbidden},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.p.AcceptByCode(ctx, c.code, "Someone", "a fine new password", "", "192.0.2.1", "test")
			wantErr(t, err, c.want)
			if !strings.Contains(err.Error(), c.says) {
				t.Fatalf("error %q does not say %q", err, c.says)
			}
		})
	}
	// The refused newcomer of the orphaned invitation got no account.
	if err := f.p.store.Read(ctx, func(tx store.Reader) error { _, err := tx.GetUserByEmail("o@example.com"); return err }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("account created despite the refusal: %v", err)
	}
	info, err := f.p.InvitationByCode(ctx, orgCode)
	if err != nil || info.Project != "" || info.MemberType != "" {
		t.Fatalf("organization invitation at the shared link: %+v, %v", info, err)
	}
}

// Two newcomers racing with one code: one account, one membership; the
// other is refused cleanly.
func TestProjectInvitationAcceptRace(t *testing.T) {
	t.Parallel()
	f := newMemberFixture(t)
	code := f.invite(t, f.admin, "race@example.com", "developer")
	errs := make(chan error, 2)
	for i := range 2 {
		go func() {
			_, err := f.p.AcceptByCode(t.Context(), code, "Racer", "a fine new password "+string(rune('a'+i)), "", "192.0.2.1", "test")
			errs <- err
		}()
	}
	ok := 0
	for range 2 {
		err := <-errs
		switch {
		case err == nil:
			ok++
		case errors.Is(err, ErrGone), errors.Is(err, ErrConflict):
		default:
			t.Fatalf("loser: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d accepts succeeded, want 1", ok)
	}
	if n := len(f.events(t, "project_user_invite_accept")); n != 1 {
		t.Fatalf("%d accept events, want 1", n)
	}
}
