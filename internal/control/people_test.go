package control

import (
	"context"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/audit"
	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/mail"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// mailbox is a mail.Sender that keeps what it is given.
type mailbox struct {
	mu   sync.Mutex
	msgs []mail.Message
	err  error // when set, Send fails with it (a relay that is down)
}

func (m *mailbox) Send(_ context.Context, msg mail.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return m.err
	}
	m.msgs = append(m.msgs, msg)
	return nil
}

func (m *mailbox) last(t *testing.T) mail.Message {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.msgs) == 0 {
		t.Fatal("no mail sent")
	}
	return m.msgs[len(m.msgs)-1]
}

type peopleFixture struct {
	*fixture
	mail  *mailbox
	clock *fakeClock
}

// newPeopleFixture is newFixture with a mailbox, a settable clock and any
// further options.
func newPeopleFixture(t *testing.T, opts ...Option) *peopleFixture {
	t.Helper()
	mb := &mailbox{}
	c := &fakeClock{t: time.Now().UTC()}
	opts = append([]Option{WithMailer(mb), WithClock(c.Now), WithPublicURL("https://gatehouse.example.com/")}, opts...)
	return &peopleFixture{fixture: newFixture(t, opts...), mail: mb, clock: c}
}

var inviteLinkInMail = regexp.MustCompile(`/v1/invitation/([A-Za-z0-9_-]{43})`)

func (f *peopleFixture) inviteCode(t *testing.T, email string) string {
	t.Helper()
	if err := f.p.Invite(t.Context(), f.admin, f.org.ID, email); err != nil {
		t.Fatalf("Invite(%s): %v", email, err)
	}
	msg := f.mail.last(t)
	if msg.To != email {
		t.Fatalf("mail to %q, want %q", msg.To, email)
	}
	m := inviteLinkInMail.FindStringSubmatch(msg.Text)
	if m == nil {
		t.Fatalf("no accept link in mail:\n%s", msg.Text)
	}
	return m[1]
}

func (f *peopleFixture) events(t *testing.T) []audit.Event {
	t.Helper()
	var evs []audit.Event
	err := f.p.store.Read(t.Context(), func(tx store.Reader) error {
		var err error
		evs, err = tx.ListEvents(store.EventFilter{OrganizationID: f.org.ID, Limit: 1000})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func (f *peopleFixture) wantEvent(t *testing.T, action string) {
	t.Helper()
	for _, e := range f.events(t) {
		if e.ActionType == action {
			return
		}
	}
	t.Errorf("no %s event in the organization's log", action)
}

func TestInvitationRoundTrip(t *testing.T) {
	t.Parallel()
	f := newPeopleFixture(t)
	ctx := t.Context()
	code := f.inviteCode(t, "new@example.com")

	invs, err := f.p.ListInvitations(ctx, f.admin, f.org.ID)
	if err != nil || len(invs) != 1 || invs[0].Email != "new@example.com" || invs[0].AcceptLink != "" {
		t.Fatalf("ListInvitations = %+v, %v", invs, err)
	}
	if got := invs[0].ExpiryTime.Sub(invs[0].CreateTime); got != 7*24*time.Hour {
		t.Errorf("default lifetime %v, want 7 days", got)
	}
	info, err := f.p.InvitationByCode(ctx, code)
	if err != nil || info.HasAccount || info.OrganizationName != "Acme" {
		t.Fatalf("InvitationByCode = %+v, %v", info, err)
	}
	res, err := f.p.AcceptByCode(ctx, code, "New Person", "a fine new password", "", "192.0.2.1", "test")
	if err != nil {
		t.Fatalf("AcceptByCode: %v", err)
	}
	a, err := f.p.Authenticate(ctx, res.Token, "192.0.2.1", "test")
	if err != nil || a.User.Email != "new@example.com" || a.User.RealName != "New Person" {
		t.Fatalf("session of the newcomer: %+v, %v", a, err)
	}
	if _, err := f.p.GetOrganization(ctx, a, f.org.ID); err != nil {
		t.Fatalf("newcomer is not a member: %v", err)
	}
	if _, err := f.p.Login(ctx, "new@example.com", "a fine new password", "", "192.0.2.1", "test"); err != nil {
		t.Fatalf("newcomer logs in: %v", err)
	}
	f.wantEvent(t, "user_invite")
	f.wantEvent(t, "user_invitation_accept")

	_, err = f.p.AcceptByCode(ctx, code, "Again", "a fine new password", "", "192.0.2.1", "test")
	wantErr(t, err, ErrGone)
	wantErr(t, f.p.Invite(ctx, f.admin, f.org.ID, "new@example.com"), ErrConflict)
}

func TestInvitationRefusals(t *testing.T) {
	t.Parallel()
	f := newPeopleFixture(t)
	ctx := t.Context()
	outsider := f.member(t, "plain@example.com")

	cancelled := f.inviteCode(t, "c@example.com")
	if err := f.p.CancelInvitation(ctx, f.admin, f.org.ID, "c@example.com"); err != nil {
		t.Fatal(err)
	}
	expired := f.inviteCode(t, "e@example.com")
	replaced := f.inviteCode(t, "r@example.com")
	current := f.inviteCode(t, "r@example.com")
	f.clock.Add(7*24*time.Hour - time.Minute)
	if _, err := f.p.InvitationByCode(ctx, current); err != nil {
		t.Fatalf("an invitation works until its expiry: %v", err)
	}
	f.clock.Add(2 * time.Minute)

	cases := []struct {
		name string
		err  error
		want error
	}{
		{"cancelled", func() error { _, err := f.p.InvitationByCode(ctx, cancelled); return err }(), ErrGone},
		{"expired", func() error { _, err := f.p.InvitationByCode(ctx, expired); return err }(), ErrGone},
		{"replaced by a new invitation", func() error { _, err := f.p.InvitationByCode(ctx, replaced); return err }(), ErrGone},
		{"unknown code", func() error {
			_, err := f.p.InvitationByCode(ctx, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
			return err
		}(), ErrNotFound},
		{"malformed code", func() error { _, err := f.p.InvitationByCode(ctx, "../../etc"); return err }(), ErrNotFound},
		{"invite without users:write", f.p.Invite(ctx, outsider, f.org.ID, "x@example.com"), ErrForbidden},
		{"list without users:write", func() error { _, err := f.p.ListInvitations(ctx, outsider, f.org.ID); return err }(), ErrForbidden},
		{"bad email", f.p.Invite(ctx, f.admin, f.org.ID, "not an email"), org.ErrInvalid},
		{"invite a member", f.p.Invite(ctx, f.admin, f.org.ID, "plain@example.com"), ErrConflict},
		{"cancel unknown", f.p.CancelInvitation(ctx, f.admin, f.org.ID, "nobody@example.com"), ErrNotFound},
		{"accept someone else's", f.p.AcceptInvitation(ctx, outsider, f.org.ID, "e@example.com"), ErrForbidden},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantErr(t, c.err, c.want) })
	}
	if invs, err := f.p.ListInvitations(ctx, f.admin, f.org.ID); err != nil || len(invs) != 0 {
		t.Errorf("expired invitations listed: %+v, %v", invs, err)
	}
}

func TestExistingPersonAcceptsWithLogin(t *testing.T) {
	t.Parallel()
	f := newPeopleFixture(t)
	ctx := t.Context()
	// A person with an account in another organization.
	other, err := f.p.CreateOrganization(ctx, f.admin, "Other", "")
	if err != nil {
		t.Fatal(err)
	}
	hash, _ := f.p.passwords.Hash("existing password")
	now := f.clock.Now()
	u := identity.User{ID: org.NewID(org.PrefixUser), Email: "old@example.com", RealName: "Old", PasswordHash: hash, State: identity.StateActive, CreateTime: now, UpdateTime: now}
	if err := f.p.write(ctx, func(tx store.Tx) error {
		if err := tx.CreateUser(u); err != nil {
			return err
		}
		if err := tx.AddMember(identity.Membership{OrganizationID: other.ID, UserID: u.ID, JoinTime: now}); err != nil {
			return err
		}
		return f.p.record(tx, userChange(u.ID, true))
	}); err != nil {
		t.Fatal(err)
	}

	code := f.inviteCode(t, "old@example.com")
	info, err := f.p.InvitationByCode(ctx, code)
	if err != nil || !info.HasAccount {
		t.Fatalf("InvitationByCode = %+v, %v", info, err)
	}
	_, err = f.p.AcceptByCode(ctx, code, "", "wrong password", "", "192.0.2.1", "test")
	wantErr(t, err, identity.ErrBadCredentials)
	if _, err := f.p.AcceptByCode(ctx, code, "", "existing password", "", "192.0.2.1", "test"); err != nil {
		t.Fatalf("accept with the existing login: %v", err)
	}

	// Aiven's accept: signed in with the invited email.
	code2 := f.inviteCode(t, "old2@example.com")
	_ = code2
	f.member(t, "old2@example.com") // joined another way meanwhile
	a := f.actor(t, "old2@example.com")
	wantErr(t, f.p.AcceptInvitation(ctx, a, f.org.ID, "old2@example.com"), ErrConflict)
}

func TestAivenAcceptSignedIn(t *testing.T) {
	t.Parallel()
	f := newPeopleFixture(t)
	ctx := t.Context()
	other, err := f.p.CreateOrganization(ctx, f.admin, "Other", "")
	if err != nil {
		t.Fatal(err)
	}
	m := f.member(t, "joiner@example.com")
	// Move the person out of Acme: they are a member of Other only.
	if err := f.p.RemoveMember(ctx, f.admin, f.org.ID, m.User.ID); err != nil {
		t.Fatal(err)
	}
	_ = other
	f.inviteCode(t, "joiner@example.com")
	a := f.actor(t, "joiner@example.com")
	if err := f.p.AcceptInvitation(ctx, a, f.org.ID, "Joiner@Example.com"); err != nil {
		t.Fatalf("AcceptInvitation: %v", err)
	}
	wantErr(t, f.p.AcceptInvitation(ctx, a, f.org.ID, "joiner@example.com"), ErrGone)
}

func TestInvitationWithoutMail(t *testing.T) {
	t.Parallel()
	f := newPeopleFixture(t, WithMailer(mail.Disabled{}))
	ctx := t.Context()
	if err := f.p.Invite(ctx, f.admin, f.org.ID, "nomail@example.com"); err != nil {
		t.Fatal(err)
	}
	invs, err := f.p.ListInvitations(ctx, f.admin, f.org.ID)
	if err != nil || len(invs) != 1 {
		t.Fatalf("ListInvitations = %+v, %v", invs, err)
	}
	m := inviteLinkInMail.FindStringSubmatch(invs[0].AcceptLink)
	if m == nil || invs[0].AcceptLink[:len("https://gatehouse.example.com/v1/")] != "https://gatehouse.example.com/v1/" {
		t.Fatalf("accept link %q", invs[0].AcceptLink)
	}
	if _, err := f.p.AcceptByCode(ctx, m[1], "No Mail", "a fine new password", "", "", ""); err != nil {
		t.Fatalf("accept through the listed link: %v", err)
	}
	var inv identity.Invitation
	_ = f.p.store.Read(ctx, func(tx store.Reader) error {
		var err error
		inv, err = tx.GetInvitation(codeHash(m[1]))
		return err
	})
	if inv.AcceptLink != "" {
		t.Errorf("accept link kept after use")
	}
}

func TestRemoveMemberEndsAccessAtOnce(t *testing.T) {
	t.Parallel()
	f := newPeopleFixture(t)
	ctx := t.Context()
	m := f.member(t, "leaver@example.com")
	pr, err := f.p.CreateProject(ctx, f.admin, f.org.ID, ProjectInput{Name: "leaver-proj"})
	if err != nil {
		t.Fatal(err)
	}
	g, err := f.p.CreateGroup(ctx, f.admin, f.org.ID, "team", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.p.UpdateGroupMembers(ctx, f.admin, f.org.ID, g.ID, "add_members", []string{m.User.ID}); err != nil {
		t.Fatal(err)
	}
	if err := f.p.SetPermissions(ctx, f.admin, f.org.ID, grant.ResourceProject, pr.Name, []PrincipalPermissions{
		{PrincipalType: grant.PrincipalUser, PrincipalID: m.User.ID, Permissions: []string{"developer"}},
	}); err != nil {
		t.Fatal(err)
	}
	if !f.p.engine.Check(m.User.ID, authz.MustParse("developer"), projectRes(pr.Name)) {
		t.Fatal("setup: no access before removal")
	}
	if err := f.p.RemoveMember(ctx, f.admin, f.org.ID, m.User.ID); err != nil {
		t.Fatalf("RemoveMember: %v", err)
	}
	if f.p.engine.Check(m.User.ID, authz.MustParse("developer"), projectRes(pr.Name)) {
		t.Error("access survived removal")
	}
	_, err = f.p.GetOrganization(ctx, m, f.org.ID)
	wantErr(t, err, ErrForbidden)
	var grants []grant.Grant
	var groups []identity.Group
	_ = f.p.store.Read(ctx, func(tx store.Reader) error {
		grants, _ = tx.ListPrincipalGrants(grant.PrincipalUser, m.User.ID)
		groups, _ = tx.ListUserGroups(f.org.ID, m.User.ID)
		return nil
	})
	if len(grants) != 0 || len(groups) != 0 {
		t.Errorf("left behind: grants %+v, groups %+v", grants, groups)
	}
	f.wantEvent(t, "user_remove")
	wantErr(t, f.p.RemoveMember(ctx, f.admin, f.org.ID, m.User.ID), ErrNotFound)
}

func TestSuperAdminToggle(t *testing.T) {
	t.Parallel()
	f := newPeopleFixture(t)
	ctx := t.Context()
	m := f.member(t, "second@example.com")
	writer := f.member(t, "writer@example.com")
	if err := f.p.SetPermissions(ctx, f.admin, f.org.ID, grant.ResourceOrganization, f.org.ID, []PrincipalPermissions{
		{PrincipalType: grant.PrincipalUser, PrincipalID: writer.User.ID, Permissions: []string{"organization:users:write"}},
	}); err != nil {
		t.Fatal(err)
	}
	on, off := ptr(true), ptr(false)

	_, err := f.p.UpdateMember(ctx, writer, f.org.ID, m.User.ID, MemberUpdate{IsSuperAdmin: on})
	wantErr(t, err, ErrForbidden) // users:write is not super admin
	_, err = f.p.UpdateMember(ctx, f.admin, f.org.ID, f.admin.User.ID, MemberUpdate{IsSuperAdmin: off})
	wantErr(t, err, ErrConflict) // the last super admin

	got, err := f.p.UpdateMember(ctx, f.admin, f.org.ID, m.User.ID, MemberUpdate{IsSuperAdmin: on})
	if err != nil || !got.IsSuperAdmin || !f.p.engine.IsSuperAdmin(f.org.ID, m.User.ID) {
		t.Fatalf("promote: %+v, %v", got, err)
	}
	if _, err := f.p.UpdateMember(ctx, f.admin, f.org.ID, f.admin.User.ID, MemberUpdate{IsSuperAdmin: off}); err != nil {
		t.Fatalf("demote self with another super admin left: %v", err)
	}
	_, err = f.p.UpdateMember(ctx, m, f.org.ID, m.User.ID, MemberUpdate{IsSuperAdmin: off})
	wantErr(t, err, ErrConflict)
	wantErr(t, f.p.RemoveMember(ctx, m, f.org.ID, m.User.ID), ErrConflict)
	f.wantEvent(t, "user_super_admin_grant")
	f.wantEvent(t, "user_super_admin_revoke")

}

func TestDeactivationStopsTokensAtOnce(t *testing.T) {
	t.Parallel()
	f := newPeopleFixture(t)
	ctx := t.Context()
	hash, _ := f.p.passwords.Hash("managed password")
	now := f.clock.Now()
	managed := identity.User{ID: org.NewID(org.PrefixUser), Email: "m@acme.example", RealName: "Managed", PasswordHash: hash,
		State: identity.StateActive, CreateTime: now, UpdateTime: now, ManagingOrgID: f.org.ID}
	if err := f.p.write(ctx, func(tx store.Tx) error {
		if err := tx.CreateUser(managed); err != nil {
			return err
		}
		if err := tx.AddMember(identity.Membership{OrganizationID: f.org.ID, UserID: managed.ID, JoinTime: now}); err != nil {
			return err
		}
		return f.p.record(tx, userChange(managed.ID, true))
	}); err != nil {
		t.Fatal(err)
	}
	plain := f.member(t, "plain@example.com")
	res, err := f.p.Login(ctx, "m@acme.example", "managed password", "", "192.0.2.1", "t")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.Authenticate(ctx, res.Token, "192.0.2.1", "t"); err != nil {
		t.Fatal(err) // now cached
	}

	cases := []struct {
		name string
		who  *Actor
		user string
		in   MemberUpdate
		want error
	}{
		{"not managed by this org", f.admin, plain.User.ID, MemberUpdate{State: identity.StateDeactivated}, ErrForbidden},
		{"edit unmanaged profile", f.admin, plain.User.ID, MemberUpdate{ProfileUpdate: ProfileUpdate{RealName: ptr("X")}}, ErrForbidden},
		{"unknown state", f.admin, managed.ID, MemberUpdate{State: "paused"}, ErrInvalid},
		{"deleted state", f.admin, managed.ID, MemberUpdate{State: "deleted"}, ErrInvalid},
		{"without users:write", plain, managed.ID, MemberUpdate{State: identity.StateDeactivated}, ErrForbidden},
		{"bad country", f.admin, managed.ID, MemberUpdate{ProfileUpdate: ProfileUpdate{Country: ptr("Finland")}}, ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.p.UpdateMember(ctx, c.who, f.org.ID, c.user, c.in)
			wantErr(t, err, c.want)
		})
	}

	got, err := f.p.UpdateMember(ctx, f.admin, f.org.ID, managed.ID, MemberUpdate{State: identity.StateDeactivated,
		ProfileUpdate: ProfileUpdate{RealName: ptr("Managed Person"), JobTitle: ptr("Engineer"), Country: ptr("FI")}})
	if err != nil || got.User.State != identity.StateDeactivated || got.User.RealName != "Managed Person" || got.Profile.JobTitle != "Engineer" {
		t.Fatalf("deactivate: %+v, %v", got, err)
	}
	_, err = f.p.Authenticate(ctx, res.Token, "192.0.2.1", "t")
	wantErr(t, err, ErrUnauthenticated)
	_, err = f.p.Login(ctx, "m@acme.example", "managed password", "", "192.0.2.2", "t")
	wantErr(t, err, identity.ErrBadCredentials)
	f.wantEvent(t, "user_deactivate")

	if _, err := f.p.UpdateMember(ctx, f.admin, f.org.ID, managed.ID, MemberUpdate{State: identity.StateActive}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.Authenticate(ctx, res.Token, "192.0.2.1", "t"); err != nil {
		t.Fatalf("token after reactivation: %v", err)
	}
	_, err = f.p.UpdateMe(ctx, &Actor{User: got.User}, ProfileUpdate{RealName: ptr("Me")})
	wantErr(t, err, ErrForbidden)
}

func TestListMembers(t *testing.T) {
	t.Parallel()
	f := newPeopleFixture(t)
	ctx := t.Context()
	f.member(t, "b@example.com")
	app := identity.User{ID: org.NewID(org.PrefixUser), Email: "bot@example.com", RealName: "Bot", State: identity.StateActive,
		IsApplication: true, CreateTime: f.clock.Now(), UpdateTime: f.clock.Now()}
	if err := f.p.write(ctx, func(tx store.Tx) error {
		if err := tx.CreateUser(app); err != nil {
			return err
		}
		return tx.AddMember(identity.Membership{OrganizationID: f.org.ID, UserID: app.ID, JoinTime: f.clock.Now()})
	}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		apps bool
		want int
	}{{"with application users", true, 3}, {"people only", false, 2}} {
		t.Run(c.name, func(t *testing.T) {
			ms, err := f.p.ListMembers(ctx, f.admin, f.org.ID, c.apps)
			if err != nil || len(ms) != c.want {
				t.Fatalf("ListMembers = %d members, %v; want %d", len(ms), err, c.want)
			}
		})
	}
	_, err := f.p.UpdateMember(ctx, f.admin, f.org.ID, app.ID, MemberUpdate{IsSuperAdmin: ptr(true)})
	wantErr(t, err, ErrInvalid)
	_, err = f.p.GetMember(ctx, f.admin, f.org.ID, "u00")
	wantErr(t, err, ErrNotFound)
	_, err = f.p.GetMember(ctx, f.admin, f.org.ID, "not-an-id")
	wantErr(t, err, org.ErrInvalid)
}

// managed adds a member managed by the fixture's organization.
func (f *peopleFixture) managed(t *testing.T, email string) *Actor {
	t.Helper()
	a := f.member(t, email)
	if err := f.p.write(t.Context(), func(tx store.Tx) error {
		a.User.ManagingOrgID = f.org.ID
		return tx.UpdateUser(a.User)
	}); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestOnlySuperAdminsDeactivateSuperAdmins(t *testing.T) {
	t.Parallel()
	f := newPeopleFixture(t)
	ctx := t.Context()
	boss := f.managed(t, "boss@acme.example")
	writer := f.member(t, "writer@example.com")
	if err := f.p.SetPermissions(ctx, f.admin, f.org.ID, grant.ResourceOrganization, f.org.ID, []PrincipalPermissions{
		{PrincipalType: grant.PrincipalUser, PrincipalID: writer.User.ID, Permissions: []string{"organization:users:write"}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.UpdateMember(ctx, f.admin, f.org.ID, boss.User.ID, MemberUpdate{IsSuperAdmin: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	_, err := f.p.UpdateMember(ctx, writer, f.org.ID, boss.User.ID, MemberUpdate{State: identity.StateDeactivated})
	wantErr(t, err, ErrForbidden)
	wantErr(t, f.p.RemoveMember(ctx, writer, f.org.ID, boss.User.ID), ErrForbidden)
	if _, err := f.p.UpdateMember(ctx, f.admin, f.org.ID, boss.User.ID, MemberUpdate{State: identity.StateDeactivated}); err != nil {
		t.Fatalf("a super admin deactivates another while one stays active: %v", err)
	}
	_, err = f.p.UpdateMember(ctx, f.admin, f.org.ID, f.admin.User.ID, MemberUpdate{IsSuperAdmin: ptr(false)})
	wantErr(t, err, ErrConflict) // the other super admin is deactivated
}

func TestNewcomerOnVerifiedDomainIsManaged(t *testing.T) {
	t.Parallel()
	f := newPeopleFixture(t)
	ctx := t.Context()
	now := f.clock.Now()
	if err := f.p.write(ctx, func(tx store.Tx) error {
		return tx.CreateDomain(org.Domain{ID: "dom1", OrganizationID: f.org.ID, Name: "acme.example", ChallengeToken: "t",
			VerificationType: "dns", State: org.DomainVerified, CreateTime: now, VerifyTime: &now})
	}); err != nil {
		t.Fatal(err)
	}
	res, err := f.p.AcceptByCode(ctx, f.inviteCode(t, "new@acme.example"), "New", "a fine new password", "", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if res.User.ManagingOrgID != f.org.ID {
		t.Fatalf("newcomer on a verified domain not managed: %+v", res.User)
	}
	_, err = f.p.UpdateMe(ctx, &Actor{User: res.User}, ProfileUpdate{RealName: ptr("Renamed")})
	wantErr(t, err, ErrForbidden)
}
