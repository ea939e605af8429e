package server_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aiven/go-client-codegen/handler/organization"
	"github.com/aiven/go-client-codegen/handler/project"
	"github.com/aiven/go-client-codegen/handler/service"
	"github.com/aiven/go-client-codegen/handler/usergroup"
	"github.com/emersion/go-smtp"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/server"
	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/store/sqlstore"
)

// smtpSink is a real SMTP server on loopback that keeps every message.
type smtpSink struct {
	addr string
	mu   sync.Mutex
	msgs []sunkMail
}

type sunkMail struct {
	to   string
	data string
}

func startSMTP(t *testing.T) *smtpSink {
	t.Helper()
	sink := &smtpSink{}
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{sink: sink}, nil }))
	s.Domain = "localhost"
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sink.addr = ln.Addr().String()
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(func() { s.Close() })
	return sink
}

// code returns the invitation code of the last message to email.
func (s *smtpSink) code(t *testing.T, email string) string {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	re := regexp.MustCompile(`/v1/invitation/([A-Za-z0-9_-]{43})\r?\n`)
	for i := len(s.msgs) - 1; i >= 0; i-- {
		if s.msgs[i].to == email {
			m := re.FindStringSubmatch(s.msgs[i].data)
			if m == nil {
				t.Fatalf("no code in %q", s.msgs[i].data)
			}
			return m[1]
		}
	}
	t.Fatalf("no mail to %s", email)
	return ""
}

type sinkSession struct {
	sink *smtpSink
	to   string
}

func (s *sinkSession) Reset()        {}
func (s *sinkSession) Logout() error { return nil }
func (s *sinkSession) Mail(string, *smtp.MailOptions) error {
	return nil
}
func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error { s.to = to; return nil }
func (s *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.sink.mu.Lock()
	defer s.sink.mu.Unlock()
	s.sink.msgs = append(s.sink.msgs, sunkMail{to: s.to, data: string(b)})
	return nil
}

// startWithPeople starts a server on database whose store also holds
// people with passwords (AdminPassword) who belong to no organization:
// signing up is another feature. The server is started once to bootstrap,
// stopped, given the people, and started again so it loads them.
func startWithPeople(t *testing.T, database string, configure func(*server.Config), emails ...string) *servertest.Instance {
	t.Helper()
	servertest.Start(t, database).Stop()
	seedUsers(t, database, emails...)
	if configure == nil {
		return servertest.Start(t, database)
	}
	return servertest.Start(t, database, configure)
}

func seedUsers(t *testing.T, database string, emails ...string) {
	t.Helper()
	st, err := sqlstore.Open(t.Context(), database)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	hash := servertest.HashPassword(t, servertest.AdminPassword)
	now := time.Now().UTC()
	if err := st.Write(t.Context(), func(tx store.Tx) error {
		for _, e := range emails {
			u := identity.User{ID: org.NewID(org.PrefixUser), Email: e, RealName: "Person " + e, PasswordHash: hash,
				State: identity.StateActive, CreateTime: now, UpdateTime: now}
			if err := tx.CreateUser(u); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestProjectMembershipThroughAivenClient(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		sink := startSMTP(t)
		srv := startWithPeople(t, db, func(c *server.Config) {
			c.SMTPURL = "smtp://" + sink.addr
			c.MailFrom = "gatehouse@example.com"
			c.PublicURL = "https://gatehouse.example.com"
		}, "dev@example.com", "eve@example.com")
		ctx := t.Context()
		adminToken := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
		admin := client(t, srv.URL, adminToken)
		orgs, err := admin.UserOrganizationsList(ctx)
		if err != nil || len(orgs) != 1 {
			t.Fatalf("organizations %v %v", orgs, err)
		}
		orgID := orgs[0].OrganizationId
		if _, err := admin.ProjectCreate(ctx, &project.ProjectCreateIn{Project: "web", AccountId: ptr(orgs[0].AccountId)}); err != nil {
			t.Fatal(err)
		}
		if _, err := admin.ServiceCreate(ctx, "web", &service.ServiceCreateIn{ServiceName: "pg-1", ServiceType: "pg", Plan: "startup-4"}); err != nil {
			t.Fatal(err)
		}

		// The current official client sends ProjectInvite without a body:
		// refused with a clear 400, not a 500.
		wantStatus(t, admin.ProjectInvite(ctx, "web"), http.StatusBadRequest)
		st, body := rawCall(t, "POST", srv.URL+"/v1/project/web/invite", adminToken, []byte(`{"user_email":"dev@example.com","member_type":"superuser"}`))
		if st != http.StatusBadRequest || !strings.Contains(body["message"].(string), `"superuser"`) {
			t.Fatalf("unknown member_type: %d %v", st, body)
		}
		st, body = rawCall(t, "POST", srv.URL+"/v1/project/web/invite", adminToken, []byte(`{"user_email":"dev@example.com","member_type":"developer"}`))
		if st != http.StatusOK || body["mailed"] != true || body["invite_code"] != nil {
			t.Fatalf("invite: %d %v", st, body)
		}
		code := sink.code(t, "dev@example.com")

		st, body = rawCall(t, "GET", srv.URL+"/v1/project/web/users", adminToken, nil)
		if invs, _ := body["invitations"].([]any); st != http.StatusOK || len(invs) != 1 || invs[0].(map[string]any)["mailed"] != true {
			t.Fatalf("listing must show the invitation as mailed: %d %v", st, body)
		}
		users, err := admin.ProjectUserList(ctx, "web")
		if err != nil || len(users.Users) != 1 || len(users.Invitations) != 1 || users.Invitations[0].InvitedUserEmail != "dev@example.com" ||
			users.Invitations[0].MemberType != "developer" || users.Invitations[0].InvitingUserEmail != servertest.AdminEmail || users.Invitations[0].InviteTime.IsZero() {
			t.Fatalf("users = %+v, %v", users, err)
		}

		devToken := login(t, srv.URL, "dev@example.com", servertest.AdminPassword)
		dev := client(t, srv.URL, devToken)
		eve := client(t, srv.URL, login(t, srv.URL, "eve@example.com", servertest.AdminPassword))
		_, err = eve.ProjectInviteAccept(ctx, "web", code)
		wantStatus(t, err, http.StatusForbidden)
		_, err = dev.ProjectInviteAccept(ctx, "web", strings.Repeat("A", 43))
		wantStatus(t, err, http.StatusNotFound)
		_, err = dev.ServiceGet(ctx, "web", "pg-1")
		wantStatus(t, err, http.StatusForbidden)

		acc, err := dev.ProjectInviteAccept(ctx, "web", code)
		if err != nil || acc.UserEmail != "dev@example.com" {
			t.Fatalf("accept = %+v, %v", acc, err)
		}
		// The developer acts per role, and not beyond.
		if _, err := dev.ServiceGet(ctx, "web", "pg-1"); err != nil {
			t.Fatalf("developer reads services: %v", err)
		}
		wantStatus(t, dev.ServiceDelete(ctx, "web", "pg-1"), http.StatusForbidden)
		st, _ = rawCall(t, "POST", srv.URL+"/v1/project/web/invite", devToken, []byte(`{"user_email":"eve@example.com"}`))
		if st != http.StatusForbidden {
			t.Fatalf("developer invites: %d", st)
		}

		users, err = dev.ProjectUserList(ctx, "web")
		if err != nil || len(users.Users) != 2 || len(users.Invitations) != 0 {
			t.Fatalf("users = %+v, %v", users, err)
		}
		var devID string
		for _, u := range users.Users {
			if u.UserEmail == "dev@example.com" {
				devID = u.UserId
				if u.MemberType != "developer" || u.RealName == nil || *u.RealName != "Person dev@example.com" || u.CreateTime.IsZero() {
					t.Fatalf("member shape: %+v", u)
				}
			}
		}
		// Membership is not listed by the permissions API (Aiven keeps
		// the two lists apart).
		perms, err := admin.PermissionsGet(ctx, orgID, organization.ResourceTypeProject, "web")
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range perms {
			if p.PrincipalId == devID {
				t.Fatalf("membership listed among permissions: %+v", perms)
			}
		}

		// Change role: the official client's bodiless PUT is a clear 400.
		wantStatus(t, admin.ProjectUserUpdate(ctx, "web", "dev@example.com"), http.StatusBadRequest)
		if st, body := rawCall(t, "PUT", srv.URL+"/v1/project/web/user/dev@example.com", adminToken, []byte(`{"member_type":"operator"}`)); st != http.StatusOK {
			t.Fatalf("update: %d %v", st, body)
		}
		if err := dev.ServiceDelete(ctx, "web", "pg-1"); err != nil {
			t.Fatalf("operator deletes services: %v", err)
		}
		if _, err := admin.ServiceCreate(ctx, "web", &service.ServiceCreateIn{ServiceName: "pg-1", ServiceType: "pg", Plan: "startup-4"}); err != nil {
			t.Fatal(err)
		}

		// Remove: 403 at once.
		if err := admin.ProjectUserRemove(ctx, "web", "dev@example.com"); err != nil {
			t.Fatal(err)
		}
		_, err = dev.ServiceGet(ctx, "web", "pg-1")
		wantStatus(t, err, http.StatusForbidden)
		wantStatus(t, admin.ProjectUserRemove(ctx, "web", "dev@example.com"), http.StatusNotFound)

		// Cancel an invitation.
		if st, _ := rawCall(t, "POST", srv.URL+"/v1/project/web/invite", adminToken, []byte(`{"user_email":"eve@example.com","member_type":"read_only"}`)); st != http.StatusOK {
			t.Fatalf("invite eve: %d", st)
		}
		eveCode := sink.code(t, "eve@example.com")
		if err := admin.ProjectInviteDelete(ctx, "web", "eve@example.com"); err != nil {
			t.Fatal(err)
		}
		_, err = eve.ProjectInviteAccept(ctx, "web", eveCode)
		wantStatus(t, err, http.StatusGone)

		// Group access: a group gets a project role.
		g, err := admin.UserGroupCreate(ctx, orgID, &usergroup.UserGroupCreateIn{UserGroupName: "Backend"})
		if err != nil {
			t.Fatal(err)
		}
		if err := admin.UserGroupMembersUpdate(ctx, orgID, g.UserGroupId, &usergroup.UserGroupMembersUpdateIn{MemberIds: []string{devID}, Operation: usergroup.OperationTypeAddMembers}); err != nil {
			t.Fatal(err)
		}
		groupPath := srv.URL + "/v1/project/web/access/groups/" + g.UserGroupId
		if st, body := rawCall(t, "PUT", groupPath, adminToken, []byte(`{"role":"developer"}`)); st != http.StatusOK {
			t.Fatalf("group access: %d %v", st, body)
		}
		if _, err := dev.ServiceGet(ctx, "web", "pg-1"); err != nil {
			t.Fatalf("group member reads services: %v", err)
		}
		wantStatus(t, dev.ServiceDelete(ctx, "web", "pg-1"), http.StatusForbidden)
		users, err = admin.ProjectUserList(ctx, "web")
		if err != nil || len(users.GroupUsers) != 1 || users.GroupUsers[0].UserGroupId != g.UserGroupId ||
			users.GroupUsers[0].UserEmail != "dev@example.com" || users.GroupUsers[0].MemberType != "developer" {
			t.Fatalf("group users = %+v, %v", users.GroupUsers, err)
		}
		st, body = rawCall(t, "GET", srv.URL+"/v1/project/web/access", adminToken, nil)
		if list, _ := body["resource_access_list"].([]any); st != http.StatusOK || len(list) != 1 {
			t.Fatalf("access list: %d %v", st, body)
		}
		// Escalation refused: the developer holds no admin to hand out.
		if st, _ := rawCall(t, "PUT", groupPath, devToken, []byte(`{"role":"admin"}`)); st != http.StatusForbidden {
			t.Fatalf("developer sets group access: %d", st)
		}
		if st, _ := rawCall(t, "DELETE", groupPath, adminToken, nil); st != http.StatusOK {
			t.Fatalf("delete group access: %d", st)
		}
		_, err = dev.ServiceGet(ctx, "web", "pg-1")
		wantStatus(t, err, http.StatusForbidden)

		// Every change is in the project's event log, without codes.
		events, err := admin.ProjectGetEventLogs(ctx, "web")
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, e := range events {
			seen[e.EventType]++
			if strings.Contains(e.EventDesc, code) || strings.Contains(e.EventDesc, eveCode) {
				t.Fatalf("event holds a code: %+v", e)
			}
		}
		for _, want := range []string{"project_user_invite", "project_user_invite_accept", "project_user_update", "project_user_remove",
			"project_user_invite_delete", "project_group_access_update", "project_group_access_delete"} {
			if seen[want] == 0 {
				t.Errorf("no %s event: %v", want, seen)
			}
		}
	})
}

// Without a mail relay the inviter gets the accept link once.
func TestProjectInviteWithoutMail(t *testing.T) {
	t.Parallel()
	db := servertest.SQLite(t)
	srv := startWithPeople(t, db, nil, "dev@example.com")
	adminToken := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
	admin := client(t, srv.URL, adminToken)
	orgs, err := admin.UserOrganizationsList(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.ProjectCreate(t.Context(), &project.ProjectCreateIn{Project: "web", AccountId: ptr(orgs[0].AccountId)}); err != nil {
		t.Fatal(err)
	}
	st, body := rawCall(t, "POST", srv.URL+"/v1/project/web/invite", adminToken, []byte(`{"user_email":"dev@example.com","member_type":"developer"}`))
	code, _ := body["invite_code"].(string)
	if st != http.StatusOK || body["mailed"] != false || len(code) != 43 || !strings.HasSuffix(body["accept_url"].(string), "/v1/invitation/"+code) {
		t.Fatalf("invite: %d %v", st, body)
	}
	st, body = rawCall(t, "GET", srv.URL+"/v1/project/web/users", adminToken, nil)
	if invs, _ := body["invitations"].([]any); st != http.StatusOK || len(invs) != 1 || invs[0].(map[string]any)["mailed"] != false {
		t.Fatalf("listing must show the invitation as not mailed: %d %v", st, body)
	}
	dev := client(t, srv.URL, login(t, srv.URL, "dev@example.com", servertest.AdminPassword))
	if _, err := dev.ProjectInviteAccept(t.Context(), "web", code); err != nil {
		t.Fatal(err)
	}
	// The listing never shows codes.
	st, body = rawCall(t, "GET", srv.URL+"/v1/project/web/users", adminToken, nil)
	b, _ := json.Marshal(body)
	if st != http.StatusOK || strings.Contains(string(b), code) {
		t.Fatalf("listing: %d %s", st, b)
	}
}
