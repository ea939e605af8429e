package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aiven/go-client-codegen/handler/project"
	"github.com/aiven/go-client-codegen/handler/service"

	"github.com/gatehouse-dev/gatehouse/internal/mail/mailtest"
	"github.com/gatehouse-dev/gatehouse/internal/server"
	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// A project invitation reaches a person without an account over real SMTP;
// they follow the mailed link, create their account there and act on the
// project with the new login. A person with an account accepts at the
// same kind of link with their password.
func TestProjectInvitationNewcomerOverSMTP(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		smtpd := mailtest.Start(t, "", "")
		srv := startWithPeople(t, db, func(c *server.Config) {
			c.SMTPURL, c.MailFrom = smtpd.URL(), "gatehouse@example.com"
		}, "old@example.com")
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

		invite := func(email, memberType string) string {
			t.Helper()
			st, body := rawCall(t, "POST", srv.URL+"/v1/project/web/invite", adminToken,
				[]byte(`{"user_email":"`+email+`","member_type":"`+memberType+`"}`))
			if st != http.StatusOK || body["mailed"] != true {
				t.Fatalf("invite %s: %d %v", email, st, body)
			}
			msg := smtpd.Next(t, 10*time.Second)
			if len(msg.To) != 1 || msg.To[0] != email || !strings.Contains(msg.Data, "project web as "+memberType) {
				t.Fatalf("mail to %v:\n%s", msg.To, msg.Data)
			}
			m := linkInMail.FindStringSubmatch(msg.Data)
			if m == nil || !strings.HasPrefix(m[1], srv.URL) {
				t.Fatalf("no link to this server in the mail:\n%s", msg.Data)
			}
			return m[1]
		}
		type invitationInfo struct {
			Invitation struct {
				OrganizationID string `json:"organization_id"`
				Project        string `json:"project"`
				MemberType     string `json:"member_type"`
				UserEmail      string `json:"user_email"`
				HasAccount     bool   `json:"has_account"`
			} `json:"invitation"`
		}
		var accepted struct {
			Token     string `json:"token"`
			UserEmail string `json:"user_email"`
		}

		// The newcomer.
		link := invite("new@example.com", "developer")
		var info invitationInfo
		if st := callJSON(t, "GET", link, "", nil, &info); st != http.StatusOK || info.Invitation.HasAccount ||
			info.Invitation.Project != "web" || info.Invitation.MemberType != "developer" ||
			info.Invitation.OrganizationID != orgID || info.Invitation.UserEmail != "new@example.com" {
			t.Fatalf("GET link: %d %+v", st, info)
		}
		for _, c := range []struct {
			name string
			body map[string]string
		}{
			{"weak password", map[string]string{"real_name": "New Comer", "password": "short"}},
			{"no name", map[string]string{"password": "a long new password"}},
		} {
			if st := callJSON(t, "POST", link, "", c.body, nil); st != http.StatusBadRequest {
				t.Fatalf("%s: %d, want 400", c.name, st)
			}
		}
		if st, body := rawCall(t, "POST", link, "", []byte(`{"real_name": 5, "password": "a long new password"}`)); st != http.StatusBadRequest ||
			!strings.Contains(body["message"].(string), "real_name") {
			t.Fatalf("real_name of the wrong type: %d %v", st, body)
		}
		if st := callJSON(t, "POST", link, "", map[string]string{"real_name": "New Comer", "password": "a long new password"}, &accepted); st != http.StatusOK ||
			accepted.UserEmail != "new@example.com" || accepted.Token == "" {
			t.Fatalf("accept: %d %+v", st, accepted)
		}
		nc := client(t, srv.URL, accepted.Token)
		if _, err := nc.ServiceGet(ctx, "web", "pg-1"); err != nil {
			t.Fatalf("the newcomer reads the project's service: %v", err)
		}
		if _, err := nc.ServiceCreate(ctx, "web", &service.ServiceCreateIn{ServiceName: "pg-2", ServiceType: "pg", Plan: "startup-4"}); err == nil {
			t.Fatal("a developer created a service")
		} else {
			wantStatus(t, err, http.StatusForbidden)
		}
		users, err := nc.ProjectUserList(ctx, "web")
		if err != nil || len(users.Users) != 2 || len(users.Invitations) != 0 {
			t.Fatalf("users = %+v, %v", users, err)
		}
		for _, u := range users.Users {
			if u.UserEmail == "new@example.com" && (u.MemberType != "developer" || u.RealName == nil || *u.RealName != "New Comer") {
				t.Fatalf("newcomer listed as %+v", u)
			}
		}
		if _, err := nc.OrganizationGet(ctx, orgID); err != nil {
			t.Fatalf("the newcomer is not in the project's organization: %v", err)
		}
		// A fresh login works too.
		login(t, srv.URL, "new@example.com", "a long new password")
		// The code is spent, at the link and on Aiven's path.
		if st := callJSON(t, "POST", link, "", map[string]string{"real_name": "Again", "password": "a long new password"}, nil); st != http.StatusGone {
			t.Fatalf("accepting again: %d, want 410", st)
		}
		code := link[strings.LastIndex(link, "/")+1:]
		_, err = nc.ProjectInviteAccept(ctx, "web", code)
		wantStatus(t, err, http.StatusGone)

		// A person with an account.
		link = invite("old@example.com", "read_only")
		info = invitationInfo{}
		if st := callJSON(t, "GET", link, "", nil, &info); st != http.StatusOK || !info.Invitation.HasAccount {
			t.Fatalf("GET link: %d %+v", st, info)
		}
		if st := callJSON(t, "POST", link, "", map[string]string{"real_name": "Impostor", "password": "a long new password"}, nil); st != http.StatusUnauthorized && st != http.StatusForbidden {
			t.Fatalf("a new password for an existing account: %d", st)
		}
		accepted.Token = ""
		if st := callJSON(t, "POST", link, "", map[string]string{"password": servertest.AdminPassword}, &accepted); st != http.StatusOK {
			t.Fatalf("accept with the login: %d", st)
		}
		oc := client(t, srv.URL, accepted.Token)
		if _, err := oc.ServiceGet(ctx, "web", "pg-1"); err != nil {
			t.Fatalf("read_only reads services: %v", err)
		}

		// Cancelled: the link says so.
		link = invite("later@example.com", "developer")
		if err := admin.ProjectInviteDelete(ctx, "web", "later@example.com"); err != nil {
			t.Fatal(err)
		}
		var gone struct {
			Message string `json:"message"`
		}
		st, body := rawCall(t, "GET", link, "", nil)
		if gone.Message, _ = body["message"].(string); st != http.StatusGone || !strings.Contains(gone.Message, "cancelled") {
			t.Fatalf("cancelled invitation: %d %v", st, body)
		}

		events, err := admin.ProjectGetEventLogs(ctx, "web")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range events {
			if e.EventType == "project_user_invite_accept" {
				n++
			}
			if strings.Contains(e.EventDesc, code) {
				t.Fatalf("event holds a code: %+v", e)
			}
		}
		if n != 2 {
			t.Fatalf("%d accept events, want 2", n)
		}
	})
}
