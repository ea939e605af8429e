package control

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/mail"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

var codeInMail = regexp.MustCompile(`/v1/invitation/([A-Za-z0-9_-]{43})\n`)

// lastCode returns the invitation code of the last message to email.
func (o *mailbox) lastCode(t *testing.T, email string) string {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := len(o.msgs) - 1; i >= 0; i-- {
		if o.msgs[i].To == email {
			m := codeInMail.FindStringSubmatch(o.msgs[i].Text)
			if m == nil {
				t.Fatalf("no code in mail: %q", o.msgs[i].Text)
			}
			return m[1]
		}
	}
	t.Fatalf("no mail to %s", email)
	return ""
}

type memberFixture struct {
	*fixture
	mail  *mailbox
	clock *fakeClock
}

// newMemberFixture is newFixture with a recording mailer, a settable clock
// and a project "web" the bootstrap admin administers.
func newMemberFixture(t testing.TB, opts ...Option) *memberFixture {
	t.Helper()
	mf := &memberFixture{mail: &mailbox{}, clock: &fakeClock{t: time.Now().UTC()}}
	opts = append([]Option{WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))), WithMailer(mf.mail), WithClock(mf.clock.Now), WithPublicURL("https://gatehouse.example.com/")}, opts...)
	mf.fixture = newFixture(t, opts...)
	if _, err := mf.p.CreateProject(t.Context(), mf.admin, mf.org.ID, ProjectInput{Name: "web"}); err != nil {
		t.Fatal(err)
	}
	return mf
}

// outsider creates a user who belongs to no organization.
func (f *memberFixture) outsider(t *testing.T, email string) *Actor {
	t.Helper()
	now := time.Now().UTC()
	u := identity.User{ID: org.NewID(org.PrefixUser), Email: email, RealName: "Outside " + email, State: identity.StateActive, CreateTime: now, UpdateTime: now}
	if err := f.p.write(t.Context(), func(tx store.Tx) error {
		if err := tx.CreateUser(u); err != nil {
			return err
		}
		return f.p.record(tx, userChange(u.ID, true))
	}); err != nil {
		t.Fatal(err)
	}
	return &Actor{User: u}
}

// invite invites email to web and returns the mailed code.
func (f *memberFixture) invite(t *testing.T, a *Actor, email, memberType string) string {
	t.Helper()
	res, err := f.p.InviteProjectMember(t.Context(), a, "web", email, memberType)
	if err != nil {
		t.Fatalf("invite %s as %s: %v", email, memberType, err)
	}
	if !res.Mailed || res.Code != "" {
		t.Fatalf("mailed invitation must not return its code: %+v", res)
	}
	return f.mail.lastCode(t, strings.ToLower(email))
}

func TestProjectMembershipLifecycle(t *testing.T) {
	t.Parallel()
	f := newMemberFixture(t)
	ctx := t.Context()
	if _, err := f.p.CreateService(ctx, f.admin, ServiceInput{Project: "web", Name: "pg-1", Type: "pg", Plan: "startup-4"}); err != nil {
		t.Fatal(err)
	}
	dev := f.outsider(t, "dev@example.com")
	other := f.outsider(t, "other@example.com")
	// A grant elsewhere that removal must leave alone.
	if _, err := f.p.CreateProject(ctx, f.admin, f.org.ID, ProjectInput{Name: "docs"}); err != nil {
		t.Fatal(err)
	}

	code := f.invite(t, f.admin, "Dev@Example.com", "developer")
	msg := f.mail.msgs[len(f.mail.msgs)-1]
	if msg.To != "dev@example.com" || !strings.Contains(msg.Text, "https://gatehouse.example.com/v1/invitation/"+code+"\n") {
		t.Fatalf("mail: %+v", msg)
	}

	// Only the code's hash is stored.
	var inv store.ProjectInvitation
	if err := f.p.store.Read(ctx, func(tx store.Reader) (err error) {
		inv, err = tx.GetProjectInvitation("web", "dev@example.com")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if inv.CodeHash == code || strings.Contains(inv.CodeHash, code) || inv.MemberType != "developer" || !inv.Mailed {
		t.Fatalf("stored invitation: %+v", inv)
	}
	if got := inv.ExpiryTime.Sub(inv.CreateTime); got != 7*24*time.Hour {
		t.Fatalf("default expiry %v", got)
	}
	list, err := f.p.ListProjectMembers(ctx, f.admin, "web")
	if err != nil || len(list.Invitations) != 1 || list.Invitations[0].Email != "dev@example.com" || len(list.Users) != 1 {
		t.Fatalf("listing = %+v, %v", list, err)
	}

	// Accepting needs the code, the right project and the invitee's login.
	for _, c := range []struct {
		name    string
		a       *Actor
		project string
		code    string
		want    error
	}{
		{"wrong code", dev, "web", strings.Repeat("x", 43), ErrNotFound},
		{"empty code", dev, "web", "", ErrNotFound},
		{"huge code", dev, "web", strings.Repeat("x", 10000), ErrNotFound},
		{"wrong project", dev, "docs", code, ErrNotFound},
		{"someone else", other, "web", code, ErrForbidden},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.p.AcceptProjectInvitation(ctx, c.a, c.project, c.code)
			wantErr(t, err, c.want)
		})
	}
	// Not a member yet.
	_, err = f.p.GetProject(ctx, dev, "", "web")
	wantErr(t, err, ErrForbidden)

	email, err := f.p.AcceptProjectInvitation(ctx, dev, "web", code)
	if err != nil || email != "dev@example.com" {
		t.Fatalf("accept = %q, %v", email, err)
	}
	// The code is spent, and says so.
	_, err = f.p.AcceptProjectInvitation(ctx, dev, "web", code)
	wantErr(t, err, ErrGone)
	if !strings.Contains(err.Error(), "already been used") {
		t.Fatalf("spent code: %v", err)
	}

	// The invitee joined the organization and acts as developer, not beyond.
	if err := f.p.store.Read(ctx, func(tx store.Reader) error { _, err := tx.GetMember(f.org.ID, dev.User.ID); return err }); err != nil {
		t.Fatalf("not an organization member after accepting: %v", err)
	}
	if _, err := f.p.GetService(ctx, dev, "web", "pg-1"); err != nil {
		t.Fatalf("developer reads services: %v", err)
	}
	wantErr(t, f.p.DeleteService(ctx, dev, "web", "pg-1"), ErrForbidden)
	_, err = f.p.CreateService(ctx, dev, ServiceInput{Project: "web", Name: "pg-2", Type: "pg", Plan: "startup-4"})
	wantErr(t, err, ErrForbidden)
	_, err = f.p.InviteProjectMember(ctx, dev, "web", "friend@example.com", "read_only")
	wantErr(t, err, ErrForbidden)

	// Membership is not a permission: the permissions listing leaves it
	// out (as Aiven does), explain names it as the source of access.
	gs, err := f.p.Permissions(ctx, f.admin, f.org.ID, grant.ResourceProject, "web")
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range gs {
		if g.PrincipalID == dev.User.ID {
			t.Fatalf("membership listed among permissions: %+v", gs)
		}
	}
	ex, _, err := f.p.Explain(ctx, f.admin, f.org.ID, AccessCheck{UserID: dev.User.ID, Permission: "service:data:write",
		Resource: AccessResource{Type: "project", ID: "web"}})
	if err != nil || !ex.Allowed || len(ex.Grants) != 1 || ex.Sources[0] != "membership" {
		t.Fatalf("explain = %+v, %v", ex, err)
	}
	list, err = f.p.ListProjectMembers(ctx, dev, "web")
	if err != nil || len(list.Users) != 2 || len(list.Invitations) != 0 {
		t.Fatalf("listing after accept = %+v, %v", list, err)
	}
	for _, m := range list.Users {
		if m.User.ID == dev.User.ID && m.MemberType != "developer" {
			t.Fatalf("member type %q", m.MemberType)
		}
	}

	// Change role: operator may delete services.
	if err := f.p.UpdateProjectMember(ctx, f.admin, "web", "DEV@example.com", "operator"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.CreateService(ctx, dev, ServiceInput{Project: "web", Name: "pg-2", Type: "pg", Plan: "startup-4"}); err != nil {
		t.Fatalf("operator creates services: %v", err)
	}
	// Unknown member types are refused, naming the string.
	err = f.p.UpdateProjectMember(ctx, f.admin, "web", "dev@example.com", "superuser")
	wantErr(t, err, ErrInvalid)
	if !strings.Contains(err.Error(), `"superuser"`) {
		t.Fatalf("error does not name the string: %v", err)
	}

	// Remove: access ends at once; the grant on the other project stays.
	if err := f.p.UpdatePermissions(ctx, f.admin, f.org.ID, grant.ResourceProject, "docs", "grant",
		[]PrincipalPermissions{{grant.PrincipalUser, dev.User.ID, []string{"read_only"}}}); err != nil {
		t.Fatal(err)
	}
	if err := f.p.RemoveProjectMember(ctx, f.admin, "web", "dev@example.com"); err != nil {
		t.Fatal(err)
	}
	_, err = f.p.GetService(ctx, dev, "web", "pg-1")
	wantErr(t, err, ErrForbidden)
	if _, err := f.p.GetProject(ctx, dev, "", "docs"); err != nil {
		t.Fatalf("other grant lost: %v", err)
	}
	wantErr(t, f.p.RemoveProjectMember(ctx, f.admin, "web", "dev@example.com"), ErrNotFound)
	wantErr(t, f.p.UpdateProjectMember(ctx, f.admin, "web", "nobody@example.com", "developer"), ErrNotFound)

	// Every change is in the project's event log, never with the code.
	evs, err := f.p.ProjectEvents(ctx, f.admin, "web", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range evs {
		seen[e.ActionType] = true
		if strings.Contains(e.Description, code) {
			t.Fatalf("event holds the code: %+v", e)
		}
	}
	for _, want := range []string{"project_user_invite", "project_user_invite_accept", "project_user_update", "project_user_remove"} {
		if !seen[want] {
			t.Errorf("no %s event in %v", want, seen)
		}
	}
}

func TestProjectInvitationRules(t *testing.T) {
	t.Parallel()
	f := newMemberFixture(t)
	ctx := t.Context()
	lead := f.member(t, "lead@example.com")
	if err := f.p.UpdatePermissions(ctx, f.admin, f.org.ID, grant.ResourceProject, "web", "grant",
		[]PrincipalPermissions{{grant.PrincipalUser, lead.User.ID, []string{"admin"}}}); err != nil {
		t.Fatal(err)
	}
	reader := f.member(t, "reader@example.com")
	if err := f.p.UpdatePermissions(ctx, f.admin, f.org.ID, grant.ResourceProject, "web", "grant",
		[]PrincipalPermissions{{grant.PrincipalUser, reader.User.ID, []string{"read_only"}}}); err != nil {
		t.Fatal(err)
	}
	bot, err := f.p.CreateApplicationUser(ctx, f.admin, f.org.ID, "deploy-bot", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name       string
		a          *Actor
		project    string
		email      string
		memberType string
		want       error
	}{
		{"application user", f.admin, "web", bot.Email, "developer", ErrInvalid},
		{"unknown member type", f.admin, "web", "x@example.com", "root", ErrInvalid},
		{"internal ability", f.admin, "web", "x@example.com", "internal:project:members:write", ErrInvalid},
		{"bad email", f.admin, "web", "not-an-email", "developer", org.ErrInvalid},
		{"email with header injection", f.admin, "web", "x@example.com\r\nBcc: y@example.com", "developer", org.ErrInvalid},
		{"unknown project", f.admin, "nope", "x@example.com", "developer", ErrNotFound},
		{"read_only cannot invite", reader, "web", "x@example.com", "read_only", ErrForbidden},
		{"project admin cannot give organization admin", lead, "web", "x@example.com", "role:organization:admin", ErrForbidden},
		{"project admin cannot give billing", lead, "web", "x@example.com", "organization:billing:write", ErrForbidden},
		{"already a member", f.admin, "web", "reader@example.com", "developer", ErrConflict},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.p.InviteProjectMember(ctx, c.a, c.project, c.email, c.memberType)
			wantErr(t, err, c.want)
		})
	}
	if len(f.mail.msgs) != 0 {
		t.Fatalf("refused invitations sent mail: %+v", f.mail.msgs)
	}

	t.Run("default member type is read_only", func(t *testing.T) {
		res, err := f.p.InviteProjectMember(ctx, lead, "web", "d@example.com", "")
		if err != nil || res.MemberType != "read_only" {
			t.Fatalf("%+v %v", res, err)
		}
	})

	t.Run("expired", func(t *testing.T) {
		u := f.outsider(t, "late@example.com")
		code := f.invite(t, f.admin, "late@example.com", "developer")
		f.clock.Add(7*24*time.Hour + time.Second)
		defer f.clock.Add(-(7*24*time.Hour + time.Second))
		_, err := f.p.AcceptProjectInvitation(ctx, u, "web", code)
		wantErr(t, err, ErrGone)
		if list, _ := f.p.ListProjectMembers(ctx, f.admin, "web"); len(list.Invitations) != 0 {
			t.Fatalf("expired invitations listed: %+v", list.Invitations)
		}
	})

	t.Run("re-invite replaces the code", func(t *testing.T) {
		u := f.outsider(t, "again@example.com")
		first := f.invite(t, f.admin, "again@example.com", "developer")
		second := f.invite(t, f.admin, "again@example.com", "read_only")
		_, err := f.p.AcceptProjectInvitation(ctx, u, "web", first)
		wantErr(t, err, ErrGone)
		if _, err := f.p.AcceptProjectInvitation(ctx, u, "web", second); err != nil {
			t.Fatal(err)
		}
		if roles := f.p.ProjectRoles(u, "web"); strings.Join(roles, ",") != "read_only" {
			t.Fatalf("roles %v", roles)
		}
	})

	t.Run("inviter lost the role", func(t *testing.T) {
		u := f.outsider(t, "orphan@example.com")
		code := f.invite(t, lead, "orphan@example.com", "operator")
		if err := f.p.UpdatePermissions(ctx, f.admin, f.org.ID, grant.ResourceProject, "web", "revoke",
			[]PrincipalPermissions{{grant.PrincipalUser, lead.User.ID, []string{"admin"}}}); err != nil {
			t.Fatal(err)
		}
		_, err := f.p.AcceptProjectInvitation(ctx, u, "web", code)
		wantErr(t, err, ErrForbidden)
		if roles := f.p.ProjectRoles(u, "web"); len(roles) != 0 {
			t.Fatalf("roles %v", roles)
		}
	})

	t.Run("cancel", func(t *testing.T) {
		u := f.outsider(t, "cancel@example.com")
		code := f.invite(t, f.admin, "cancel@example.com", "developer")
		wantErr(t, f.p.CancelProjectInvitation(ctx, reader, "web", "cancel@example.com"), ErrForbidden)
		if err := f.p.CancelProjectInvitation(ctx, f.admin, "web", "Cancel@example.com"); err != nil {
			t.Fatal(err)
		}
		_, err := f.p.AcceptProjectInvitation(ctx, u, "web", code)
		wantErr(t, err, ErrGone)
		wantErr(t, f.p.CancelProjectInvitation(ctx, f.admin, "web", "cancel@example.com"), ErrNotFound)
	})
}

func TestProjectInvitationWithoutMail(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		err  error
	}{
		{"not configured", mail.ErrNotConfigured},
		{"relay down", errors.New("connection refused")},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newMemberFixture(t)
			f.mail.err = c.err
			u := f.outsider(t, "nomail@example.com")
			res, err := f.p.InviteProjectMember(t.Context(), f.admin, "web", "nomail@example.com", "developer")
			if err != nil {
				t.Fatal(err)
			}
			if res.Mailed || len(res.Code) != 43 || res.AcceptURL != "https://gatehouse.example.com/v1/invitation/"+res.Code {
				t.Fatalf("result %+v", res)
			}
			list, err := f.p.ListProjectMembers(t.Context(), f.admin, "web")
			if err != nil || len(list.Invitations) != 1 || list.Invitations[0].Mailed {
				t.Fatalf("listing must show the invitation as not mailed: %+v, %v", list.Invitations, err)
			}
			if _, err := f.p.AcceptProjectInvitation(t.Context(), u, "web", res.Code); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestProjectGroupAccess(t *testing.T) {
	t.Parallel()
	f := newMemberFixture(t)
	ctx := t.Context()
	alice := f.member(t, "alice@example.com")
	lead := f.member(t, "lead@example.com")
	if err := f.p.UpdatePermissions(ctx, f.admin, f.org.ID, grant.ResourceProject, "web", "grant",
		[]PrincipalPermissions{{grant.PrincipalUser, lead.User.ID, []string{"admin"}}}); err != nil {
		t.Fatal(err)
	}
	g, err := f.p.CreateGroup(ctx, f.admin, f.org.ID, "Backend", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.p.UpdateGroupMembers(ctx, f.admin, f.org.ID, g.ID, "add_members", []string{alice.User.ID}); err != nil {
		t.Fatal(err)
	}
	otherOrg, err := f.p.CreateOrganization(ctx, f.admin, "Other", "business")
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := f.p.CreateGroup(ctx, f.admin, otherOrg.ID, "Foreign", "")
	if err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name  string
		a     *Actor
		group string
		role  string
		want  error
	}{
		{"unknown role", f.admin, g.ID, "boss", ErrInvalid},
		{"empty role", f.admin, g.ID, "", ErrInvalid},
		{"bad group id", f.admin, "nope", "developer", org.ErrInvalid},
		{"group of another organization", f.admin, foreign.ID, "developer", ErrNotFound},
		{"not an admin", alice, g.ID, "developer", ErrForbidden},
		{"escalation", lead, g.ID, "role:organization:admin", ErrForbidden},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantErr(t, f.p.SetProjectGroupAccess(ctx, c.a, "web", c.group, c.role), c.want)
		})
	}

	if err := f.p.SetProjectGroupAccess(ctx, lead, "web", g.ID, "operator"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.CreateService(ctx, alice, ServiceInput{Project: "web", Name: "kafka-1", Type: "kafka", Plan: "business-4"}); err != nil {
		t.Fatalf("group member acts as operator: %v", err)
	}
	list, err := f.p.ListProjectMembers(ctx, alice, "web")
	if err != nil || len(list.GroupUsers) != 1 || list.GroupUsers[0].User.ID != alice.User.ID ||
		list.GroupUsers[0].GroupID != g.ID || list.GroupUsers[0].MemberType != "operator" {
		t.Fatalf("group users = %+v, %v", list.GroupUsers, err)
	}
	acc, err := f.p.ListProjectAccess(ctx, alice, "web")
	if err != nil || len(acc) != 1 || acc[0].GroupID != g.ID || acc[0].Role != "operator" {
		t.Fatalf("access = %+v, %v", acc, err)
	}
	// Group members are not direct members.
	wantErr(t, f.p.RemoveProjectMember(ctx, f.admin, "web", "alice@example.com"), ErrNotFound)

	if err := f.p.SetProjectGroupAccess(ctx, f.admin, "web", g.ID, "read_only"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, f.p.DeleteService(ctx, alice, "web", "kafka-1"), ErrForbidden)
	if err := f.p.DeleteProjectGroupAccess(ctx, lead, "web", g.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.p.GetService(ctx, alice, "web", "kafka-1")
	wantErr(t, err, ErrForbidden)
	wantErr(t, f.p.DeleteProjectGroupAccess(ctx, lead, "web", g.ID), ErrNotFound)

	evs, err := f.p.ProjectEvents(ctx, f.admin, "web", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range evs {
		if strings.HasPrefix(e.ActionType, "project_group_access_") {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("%d group access events, want 3", n)
	}
}

func TestMemberTypeOf(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		perms []string
		want  string
	}{
		{"single", []string{"developer"}, "developer"},
		{"strongest classic role", []string{"read_only", "service:logs:read", "operator"}, "operator"},
		{"admin alias", []string{"role:project:admin"}, "role:project:admin"},
		{"granular only", []string{"service:logs:read", "project:services:read"}, "project:services:read"},
		{"empty", nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := memberTypeOf(c.perms); got != c.want {
				t.Fatalf("memberTypeOf(%v) = %q, want %q", c.perms, got, c.want)
			}
		})
	}
}

// FuzzProjectMembershipInput feeds arbitrary emails, member types, codes
// and group IDs to every membership operation and to the public link: each answers with a client
// error or success, never a panic or a backend failure.
func FuzzProjectMembershipInput(f *testing.F) {
	for _, s := range [][3]string{
		{"dev@example.com", "developer", "AAAA"},
		{"Dev@Example.COM", "", strings.Repeat("A", 43)},
		{"x@example.com\r\nBcc: y@example.com", "role:organization:admin", "/../"},
		{"", "internal:project:members:write", ""},
		{"a@b", "read_only\x00", "%2F"},
		{"ug0123456789abcdef", "operator", "ug0123456789abcdef"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	mf := newMemberFixture(f)
	f.Fuzz(func(t *testing.T, email, memberType, code string) {
		ctx := context.Background()
		clientErr := func(op string, err error, allowed ...error) {
			t.Helper()
			if err == nil {
				return
			}
			for _, k := range allowed {
				if errors.Is(err, k) {
					return
				}
			}
			t.Fatalf("%s(%q, %q, %q): unexpected error %v", op, email, memberType, code, err)
		}
		_, err := mf.p.InviteProjectMember(ctx, mf.admin, "web", email, memberType)
		clientErr("invite", err, ErrInvalid, org.ErrInvalid, ErrConflict)
		_, err = mf.p.AcceptProjectInvitation(ctx, mf.admin, "web", code)
		clientErr("accept", err, ErrNotFound)
		if err == nil {
			t.Fatalf("accepted a guessed code %q", code)
		}
		// The public link takes any code too, without a session.
		_, err = mf.p.InvitationByCode(ctx, code)
		clientErr("show by code", err, ErrNotFound)
		_, err = mf.p.AcceptByCode(ctx, code, email, memberType, "", "192.0.2.1", "fuzz")
		clientErr("accept by code", err, ErrNotFound)
		if err == nil {
			t.Fatalf("accepted a guessed code %q at the public link", code)
		}
		clientErr("update", mf.p.UpdateProjectMember(ctx, mf.admin, "web", email, memberType), ErrInvalid, ErrNotFound)
		clientErr("group", mf.p.SetProjectGroupAccess(ctx, mf.admin, "web", code, memberType), ErrInvalid, org.ErrInvalid, ErrNotFound)
		clientErr("cancel", mf.p.CancelProjectInvitation(ctx, mf.admin, "web", email), ErrNotFound)
		_, err = mf.p.ListProjectMembers(ctx, mf.admin, "web")
		clientErr("list", err)
	})
}
