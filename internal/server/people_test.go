package server_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	aiven "github.com/aiven/go-client-codegen"
	"github.com/aiven/go-client-codegen/handler/organization"
	"github.com/aiven/go-client-codegen/handler/organizationuser"
	"github.com/aiven/go-client-codegen/handler/user"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/gatehouse-dev/gatehouse/internal/mail/mailtest"
	"github.com/gatehouse-dev/gatehouse/internal/server"
	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/store/sqlstore"
)

// callJSON makes a plain HTTP call (for endpoints Aiven's client lacks)
// and decodes the answer into out when it is not nil.
func callJSON(t *testing.T, method, url, token string, in, out any) int {
	t.Helper()
	var body []byte
	if in != nil {
		body, _ = json.Marshal(in)
	}
	resp, b := send(t, method, url, token, string(body))
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, url, err, b)
		}
	}
	return resp.StatusCode
}

var linkInMail = regexp.MustCompile(`(http://\S+/v1/invitation/[A-Za-z0-9_-]{43})`)

func TestInvitationRoundTripOverSMTP(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		smtpd := mailtest.Start(t, "relay", "relay-pass")
		srv := servertest.Start(t, db, func(c *server.Config) {
			c.SMTPURL, c.MailFrom = smtpd.URL(), "gatehouse@example.com"
		})
		ctx := t.Context()
		c := client(t, srv.URL, login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword))
		orgs, err := c.UserOrganizationsList(ctx)
		if err != nil {
			t.Fatal(err)
		}
		orgID := orgs[0].OrganizationId

		if err := c.OrganizationUserInvite(ctx, orgID, &organizationuser.OrganizationUserInviteIn{UserEmail: "newcomer@example.com"}); err != nil {
			t.Fatalf("invite: %v", err)
		}
		msg := smtpd.Next(t, 10*time.Second)
		if len(msg.To) != 1 || msg.To[0] != "newcomer@example.com" || msg.From != "gatehouse@example.com" {
			t.Fatalf("envelope %s -> %v", msg.From, msg.To)
		}
		m := linkInMail.FindStringSubmatch(msg.Data)
		if m == nil || !strings.HasPrefix(m[1], srv.URL) {
			t.Fatalf("no link to this server in the mail:\n%s", msg.Data)
		}
		link := m[1]

		invs, err := c.OrganizationUserInvitationsList(ctx, orgID)
		if err != nil || len(invs) != 1 || invs[0].UserEmail != "newcomer@example.com" || invs[0].InvitedBy != servertest.AdminEmail {
			t.Fatalf("invitations = %+v, %v", invs, err)
		}
		if d := invs[0].ExpiryTime.Sub(invs[0].CreateTime); d != 7*24*time.Hour {
			t.Errorf("invitation lifetime %v", d)
		}

		var info struct {
			Invitation struct {
				OrganizationName string `json:"organization_name"`
				HasAccount       bool   `json:"has_account"`
			} `json:"invitation"`
		}
		if st := callJSON(t, "GET", link, "", nil, &info); st != 200 || info.Invitation.HasAccount || info.Invitation.OrganizationName == "" {
			t.Fatalf("GET link: %d %+v", st, info)
		}
		if st := callJSON(t, "POST", link, "", map[string]string{"real_name": "New Comer", "password": "short"}, nil); st != 400 {
			t.Fatalf("weak password: %d", st)
		}
		var accepted struct {
			Token string `json:"token"`
		}
		if st := callJSON(t, "POST", link, "", map[string]string{"real_name": "New Comer", "password": "a long new password"}, &accepted); st != 200 {
			t.Fatalf("accept: %d", st)
		}
		nc := client(t, srv.URL, accepted.Token)
		me, err := nc.UserInfo(ctx)
		if err != nil || me.User != "newcomer@example.com" || me.RealName != "New Comer" {
			t.Fatalf("UserInfo = %+v, %v", me, err)
		}
		if _, err := nc.OrganizationGet(ctx, orgID); err != nil {
			t.Fatalf("newcomer cannot see the organization: %v", err)
		}
		if st := callJSON(t, "POST", link, "", map[string]string{"real_name": "Again", "password": "a long new password"}, nil); st != 410 {
			t.Fatalf("accepting again: %d, want 410", st)
		}

		users, err := c.OrganizationUserList(ctx, orgID, organizationuser.OrganizationUserListIncludeApplicationUsers(false))
		if err != nil || len(users) != 2 {
			t.Fatalf("members = %+v, %v", users, err)
		}
		err = c.OrganizationUserInvite(ctx, orgID, &organizationuser.OrganizationUserInviteIn{UserEmail: "newcomer@example.com"})
		wantStatus(t, err, 409)
		if !aiven.IsAlreadyExists(err) {
			t.Errorf("409 not recognised by the client: %v", err)
		}
		err = nc.OrganizationUserInvite(ctx, orgID, &organizationuser.OrganizationUserInviteIn{UserEmail: "x@example.com"})
		wantStatus(t, err, 403)

		// Cancel, then the mailed link is gone.
		if err := c.OrganizationUserInvite(ctx, orgID, &organizationuser.OrganizationUserInviteIn{UserEmail: "later@example.com"}); err != nil {
			t.Fatal(err)
		}
		later := linkInMail.FindStringSubmatch(smtpd.Next(t, 10*time.Second).Data)[1]
		if err := c.OrganizationUserInvitationDelete(ctx, orgID, "later@example.com"); err != nil {
			t.Fatalf("cancel: %v", err)
		}
		if st := callJSON(t, "GET", later, "", nil, nil); st != 410 {
			t.Fatalf("cancelled invitation: %d, want 410", st)
		}
		if invs, err := c.OrganizationUserInvitationsList(ctx, orgID); err != nil || len(invs) != 0 {
			t.Fatalf("invitations after cancel = %+v, %v", invs, err)
		}

		// Members: get, update, remove.
		var newcomer string
		for _, u := range users {
			if u.UserInfo.UserEmail == "newcomer@example.com" {
				newcomer = u.UserId
			}
		}
		got, err := c.OrganizationUserGet(ctx, orgID, newcomer)
		if err != nil || got.UserInfo.RealName != "New Comer" || got.IsSuperAdmin {
			t.Fatalf("OrganizationUserGet = %+v, %v", got, err)
		}
		up, err := c.OrganizationUserUpdate(ctx, orgID, newcomer, &organizationuser.OrganizationUserUpdateIn{IsSuperAdmin: ptr(true)})
		if err != nil || !up.IsSuperAdmin {
			t.Fatalf("promote: %+v, %v", up, err)
		}
		_, err = c.OrganizationUserUpdate(ctx, orgID, newcomer, &organizationuser.OrganizationUserUpdateIn{State: organizationuser.OrganizationUserStateTypeDeactivated})
		wantStatus(t, err, 403) // not a managed user
		if err := c.OrganizationUserDelete(ctx, orgID, newcomer); err != nil {
			t.Fatalf("remove: %v", err)
		}
		_, err = nc.OrganizationGet(ctx, orgID)
		wantStatus(t, err, 403)
	})
}

func TestInvitationLinkWithoutSMTP(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, servertest.SQLite(t))
	ctx := t.Context()
	tok := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
	c := client(t, srv.URL, tok)
	orgs, _ := c.UserOrganizationsList(ctx)
	if err := c.OrganizationUserInvite(ctx, orgs[0].OrganizationId, &organizationuser.OrganizationUserInviteIn{UserEmail: "nomail@example.com"}); err != nil {
		t.Fatal(err)
	}
	var out struct {
		Invitations []struct {
			AcceptLink string `json:"accept_link"`
		} `json:"invitations"`
	}
	if st := callJSON(t, "GET", srv.URL+"/v1/organization/"+orgs[0].OrganizationId+"/invitation", tok, nil, &out); st != 200 ||
		len(out.Invitations) != 1 || !strings.HasPrefix(out.Invitations[0].AcceptLink, srv.URL+"/v1/invitation/") {
		t.Fatalf("listing without SMTP: %d %+v", st, out)
	}
	if st := callJSON(t, "POST", out.Invitations[0].AcceptLink, "", map[string]string{"real_name": "No Mail", "password": "a long new password"}, nil); st != 200 {
		t.Fatalf("accept through the listed link: %d", st)
	}
}

func totpCode(t *testing.T, uri string, at time.Time) string {
	t.Helper()
	key, err := otp.NewKeyFromURL(uri)
	if err != nil {
		t.Fatal(err)
	}
	code, err := totp.GenerateCode(key.Secret(), at)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// clientFrom is client whose connections come from local address ip (any
// address of 127.0.0.0/8 is loopback on Linux).
func clientFrom(t *testing.T, url, token, ip string) aiven.Client {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	hc := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	c, err := aiven.NewClient(aiven.HostOpt(url), aiven.TokenOpt(token), aiven.RetryMaxOpt(0), aiven.DoerOpt(hc))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTwoFactorAndPolicyThroughAivenClient(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		srv := servertest.Start(t, db)
		ctx := t.Context()
		pwToken := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
		c := client(t, srv.URL, pwToken)
		orgs, _ := c.UserOrganizationsList(ctx)
		orgID := orgs[0].OrganizationId

		setup, err := c.TwoFactorAuthConfigure(ctx, &user.TwoFactorAuthConfigureIn{Method: "otp", Password: servertest.AdminPassword})
		if err != nil || setup.Uri == nil || setup.Method != "otp" {
			t.Fatalf("TwoFactorAuthConfigure = %+v, %v", setup, err)
		}
		now := time.Now()
		done, err := c.TwoFactorAuthConfigureOTP(ctx, &user.TwoFactorAuthConfigureOtpIn{Otp: totpCode(t, *setup.Uri, now), Password: servertest.AdminPassword, Uri: *setup.Uri})
		if err != nil || done.Token == "" {
			t.Fatalf("TwoFactorAuthConfigureOTP = %+v, %v", done, err)
		}
		me, err := client(t, srv.URL, done.Token).UserInfo(ctx)
		if err != nil || len(me.Auth) != 2 {
			t.Fatalf("UserInfo after enrolment = %+v, %v", me, err)
		}

		anon := client(t, srv.URL, "unused")
		_, err = anon.UserAuth(ctx, &user.UserAuthIn{Email: servertest.AdminEmail, Password: servertest.AdminPassword})
		wantStatus(t, err, 401) // the code is now required
		// The next time step: the confirmation used the current one.
		out, err := anon.UserAuth(ctx, &user.UserAuthIn{Email: servertest.AdminEmail, Password: servertest.AdminPassword, Otp: ptr(totpCode(t, *setup.Uri, now.Add(30*time.Second)))})
		if err != nil {
			t.Fatalf("login with a computed code: %v", err)
		}
		tf := client(t, srv.URL, out.Token)

		// two_factor_required refuses the password-only session, then the
		// 2FA session is allowed.
		_, err = c.OrganizationAuthenticationConfigUpdate(ctx, orgID, &organization.OrganizationAuthenticationConfigUpdateIn{TwoFactorRequired: ptr(true)})
		wantStatus(t, err, 400) // would lock its maker out
		pol, err := tf.OrganizationAuthenticationConfigUpdate(ctx, orgID, &organization.OrganizationAuthenticationConfigUpdateIn{TwoFactorRequired: ptr(true)})
		if err != nil || pol.TwoFactorRequired == nil || !*pol.TwoFactorRequired {
			t.Fatalf("policy update = %+v, %v", pol, err)
		}
		_, err = c.OrganizationGet(ctx, orgID)
		wantStatus(t, err, 403)
		if !strings.Contains(err.Error(), "two-factor") {
			t.Errorf("refusal does not name the rule: %v", err)
		}
		if _, err := tf.OrganizationGet(ctx, orgID); err != nil {
			t.Fatalf("2FA session refused: %v", err)
		}

		// The IP allow-list: 127.0.0.1 allowed, 127.0.0.2 refused.
		allow := []string{"127.0.0.1/32", "2001:db8::/32"}
		if st := callJSON(t, "PATCH", srv.URL+"/v1/organization/"+orgID+"/config/authentication", out.Token,
			map[string]any{"ip_allowlist": []string{"10.0.0.0/8"}}, nil); st != 400 {
			t.Fatalf("allow-list without the maker's address: %d, want 400", st)
		}
		if st := callJSON(t, "PATCH", srv.URL+"/v1/organization/"+orgID+"/config/authentication", out.Token,
			map[string]any{"ip_allowlist": allow}, nil); st != 200 {
			t.Fatalf("allow-list: %d", st)
		}
		elsewhere := clientFrom(t, srv.URL, out.Token, "127.0.0.2")
		_, err = elsewhere.OrganizationGet(ctx, orgID)
		wantStatus(t, err, 403)
		if !strings.Contains(err.Error(), "IP allow-list") {
			t.Errorf("refusal does not name the rule: %v", err)
		}
		if _, err := clientFrom(t, srv.URL, out.Token, "127.0.0.1").OrganizationGet(ctx, orgID); err != nil {
			t.Fatalf("allowed address refused: %v", err)
		}
		var got struct {
			IPAllowlist []string `json:"ip_allowlist"`
		}
		if st := callJSON(t, "GET", srv.URL+"/v1/organization/"+orgID+"/config/authentication", out.Token, nil, &got); st != 200 || fmt.Sprint(got.IPAllowlist) != fmt.Sprint(allow) {
			t.Fatalf("GET policy: %d %+v", st, got)
		}
		if _, err := tf.OrganizationAuthenticationConfigUpdate(ctx, orgID, &organization.OrganizationAuthenticationConfigUpdateIn{}); err != nil {
			t.Fatalf("empty update: %v", err)
		}
		// Widen the list to 127.0.0.0/8: the other address is allowed again.
		if st := callJSON(t, "PATCH", srv.URL+"/v1/organization/"+orgID+"/config/authentication", out.Token,
			map[string]any{"ip_allowlist": []string{"127.0.0.0/8"}}, nil); st != 200 {
			t.Fatalf("widen: %d", st)
		}
		if _, err := elsewhere.OrganizationGet(ctx, orgID); err != nil {
			t.Fatalf("widened list still refuses: %v", err)
		}
	})
}

func TestIPv6AllowList(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skip("no IPv6 loopback:", err)
	}
	ln.Close()
	srv := servertest.Start(t, servertest.SQLite(t), func(c *server.Config) { c.Listen = "[::1]:0" })
	ctx := t.Context()
	tok := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
	c := client(t, srv.URL, tok)
	orgs, _ := c.UserOrganizationsList(ctx)
	orgID := orgs[0].OrganizationId
	path := srv.URL + "/v1/organization/" + orgID + "/config/authentication"
	if st := callJSON(t, "PATCH", path, tok, map[string]any{"ip_allowlist": []string{"2001:db8::/32"}}, nil); st != 400 {
		t.Fatalf("list without ::1: %d, want 400", st)
	}
	if st := callJSON(t, "PATCH", path, tok, map[string]any{"ip_allowlist": []string{"::1/128", "192.0.2.0/24"}}, nil); st != 200 {
		t.Fatalf("list with ::1: %d", st)
	}
	if _, err := c.OrganizationGet(ctx, orgID); err != nil {
		t.Fatalf("::1 refused: %v", err)
	}
}

func TestPasswordFlowsThroughAivenClient(t *testing.T) {
	t.Parallel()
	smtpd := mailtest.Start(t, "", "")
	srv := servertest.Start(t, servertest.SQLite(t), func(c *server.Config) { c.SMTPURL = smtpd.URL() })
	ctx := t.Context()
	first := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
	c := client(t, srv.URL, first)
	_, err := c.UserPasswordChange(ctx, &user.UserPasswordChangeIn{Password: "wrong", NewPassword: "another long password"})
	wantStatus(t, err, 403)
	tok, err := c.UserPasswordChange(ctx, &user.UserPasswordChangeIn{Password: servertest.AdminPassword, NewPassword: "another long password"})
	if err != nil || tok == "" {
		t.Fatalf("UserPasswordChange = %q, %v", tok, err)
	}
	_, err = c.UserInfo(ctx)
	wantStatus(t, err, 401) // the old session ended
	if _, err := client(t, srv.URL, tok).UserInfo(ctx); err != nil {
		t.Fatalf("new session: %v", err)
	}

	anon := client(t, srv.URL, "unused")
	if err := anon.UserPasswordResetRequest(ctx, &user.UserPasswordResetRequestIn{Email: "nobody@example.com"}); err != nil {
		t.Fatalf("unknown email: %v", err)
	}
	if err := anon.UserPasswordResetRequest(ctx, &user.UserPasswordResetRequestIn{Email: servertest.AdminEmail}); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`/v1/user/password_reset/([A-Za-z0-9_-]{43})`).FindStringSubmatch(smtpd.Next(t, 10*time.Second).Data)
	if m == nil {
		t.Fatal("no reset code mailed")
	}
	if err := anon.UserPasswordReset(ctx, m[1], &user.UserPasswordResetIn{NewPassword: "a reset long password"}); err != nil {
		t.Fatalf("UserPasswordReset: %v", err)
	}
	err = anon.UserPasswordReset(ctx, m[1], &user.UserPasswordResetIn{NewPassword: "a reset long password"})
	wantStatus(t, err, 404)
	login(t, srv.URL, servertest.AdminEmail, "a reset long password")

	// Profile through PATCH /v1/me.
	nc := client(t, srv.URL, login(t, srv.URL, servertest.AdminEmail, "a reset long password"))
	up, err := nc.UserUpdate(ctx, &user.UserUpdateIn{RealName: "Ada Admin", City: ptr("Helsinki"), Country: ptr("FI")})
	if err != nil || up.RealName != "Ada Admin" || up.City == nil || *up.City != "Helsinki" {
		t.Fatalf("UserUpdate = %+v, %v", up, err)
	}
	_, err = nc.UserUpdate(ctx, &user.UserUpdateIn{Country: ptr("Finland")})
	wantStatus(t, err, 400)
	var ae aiven.Error
	if !errors.As(err, &ae) || !strings.Contains(strings.ToLower(ae.Message), "country") {
		t.Errorf("error does not name the field: %v", err)
	}
}

func TestPeopleBadInputIs4xx(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, servertest.SQLite(t))
	tok := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
	orgs, _ := client(t, srv.URL, tok).UserOrganizationsList(t.Context())
	o := srv.URL + "/v1/organization/" + orgs[0].OrganizationId
	cases := []struct {
		name   string
		method string
		url    string
		token  string
		body   any
		want   int
	}{
		{"invite without email", "POST", o + "/invitation", tok, nil, 400},
		{"invite with a number", "POST", o + "/invitation", tok, map[string]any{"user_email": 5}, 400},
		{"cancel unknown", "DELETE", o + "/invitation/nobody@example.com", tok, nil, 404},
		{"accept with another action", "POST", o + "/invitation/admin@example.com", tok, map[string]any{"action": "reject"}, 400},
		{"accept without invitation", "POST", o + "/invitation/admin@example.com", tok, map[string]any{"action": "accept"}, 404},
		{"malformed code", "GET", srv.URL + "/v1/invitation/%2e%2e", "", nil, 404},
		{"unknown code", "POST", srv.URL + "/v1/invitation/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "", map[string]any{"password": "x"}, 404},
		{"member id malformed", "GET", o + "/user/nope", tok, nil, 400},
		{"member unknown", "GET", o + "/user/u0123456789abcdef", tok, nil, 404},
		{"member state unknown", "PATCH", o + "/user/u0123456789abcdef", tok, map[string]any{"state": "paused"}, 400},
		{"include_application_users not a bool", "GET", o + "/user?include_application_users=maybe", tok, nil, 400},
		{"allow-list not a list", "PATCH", o + "/config/authentication", tok, map[string]any{"ip_allowlist": "10.0.0.0/8"}, 400},
		{"allow-list entry bad", "PATCH", o + "/config/authentication", tok, map[string]any{"ip_allowlist": []string{"10.0.0.0/99"}}, 400},
		{"policy of unknown org", "GET", srv.URL + "/v1/organization/org0123456789abcdef/config/authentication", tok, nil, 404},
		{"2fa unknown method", "PUT", srv.URL + "/v1/me/2fa", tok, map[string]any{"method": "sms", "password": servertest.AdminPassword}, 400},
		{"2fa confirm with garbage uri", "PUT", srv.URL + "/v1/me/2fa/otp", tok, map[string]any{"otp": "123456", "password": servertest.AdminPassword, "uri": "::"}, 400},
		{"2fa disable when off", "PUT", srv.URL + "/v1/me/2fa", tok, map[string]any{"method": "", "password": servertest.AdminPassword}, 404},
		{"password change weak", "PUT", srv.URL + "/v1/me/password", tok, map[string]any{"password": servertest.AdminPassword, "new_password": "x"}, 400},
		{"reset request bad email", "POST", srv.URL + "/v1/user/password_reset_request", "", map[string]any{"email": "nope"}, 400},
		{"reset with unknown code", "POST", srv.URL + "/v1/user/password_reset/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "", map[string]any{"new_password": "a long new password"}, 404},
		{"profile with bad country", "PATCH", srv.URL + "/v1/me", tok, map[string]any{"real_name": "", "country": "Finland"}, 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var body io.Reader
			if c.body != nil {
				b, _ := json.Marshal(c.body)
				body = bytes.NewReader(b)
			}
			req, _ := http.NewRequestWithContext(t.Context(), c.method, c.url, body)
			if c.token != "" {
				req.Header.Set("Authorization", "aivenv1 "+c.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var e struct {
				Message string `json:"message"`
				Errors  []struct {
					Status int `json:"status"`
				} `json:"errors"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&e)
			if resp.StatusCode != c.want || e.Message == "" || len(e.Errors) != 1 || e.Errors[0].Status != c.want {
				t.Fatalf("%s %s: %d %+v, want %d in the error shape", c.method, c.url, resp.StatusCode, e, c.want)
			}
		})
	}
}

// TestDeactivationReachesOtherServer deactivates a managed user through
// one server while their session is warm in the other server's cache: the
// other server refuses it within a second, and accepts it again within a
// second of reactivation.
func TestDeactivationReachesOtherServer(t *testing.T) {
	t.Parallel()
	db := servertest.Postgres(t)
	a := servertest.Start(t, db)
	b := servertest.Start(t, db)
	ctx := t.Context()
	tok := login(t, a.URL, servertest.AdminEmail, servertest.AdminPassword)
	ca := client(t, a.URL, tok)
	orgs, _ := ca.UserOrganizationsList(ctx)
	orgID := orgs[0].OrganizationId
	if err := ca.OrganizationUserInvite(ctx, orgID, &organizationuser.OrganizationUserInviteIn{UserEmail: "worker@acme.example"}); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Invitations []struct {
			AcceptLink string `json:"accept_link"`
		} `json:"invitations"`
	}
	callJSON(t, "GET", a.URL+"/v1/organization/"+orgID+"/invitation", tok, nil, &list)
	var acc struct {
		Token string `json:"token"`
	}
	if st := callJSON(t, "POST", list.Invitations[0].AcceptLink, "", map[string]string{"real_name": "Worker", "password": "a long new password"}, &acc); st != 200 {
		t.Fatalf("accept: %d", st)
	}
	// Make the worker managed by the organization, as a verified domain
	// would, straight in the shared store.
	st, err := sqlstore.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	var workerID string
	err = st.Write(ctx, func(tx store.Tx) error {
		u, err := tx.GetUserByEmail("worker@acme.example")
		if err != nil {
			return err
		}
		u.ManagingOrgID, workerID = orgID, u.ID
		return tx.UpdateUser(u)
	})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	wb := client(t, b.URL, acc.Token)
	if _, err := wb.UserInfo(ctx); err != nil {
		t.Fatalf("worker on the second server: %v", err)
	}
	within := func(what string, ok func() bool) {
		t.Helper()
		start := time.Now()
		for !ok() {
			if time.Since(start) > time.Second {
				t.Fatalf("%s: not within 1s", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Logf("%s after %v", what, time.Since(start).Round(time.Millisecond))
	}
	for _, step := range []struct {
		state   organizationuser.OrganizationUserStateType
		works   bool
		message string
	}{
		{organizationuser.OrganizationUserStateTypeDeactivated, false, "second server refuses the deactivated session"},
		{organizationuser.OrganizationUserStateTypeActive, true, "second server accepts the reactivated session"},
	} {
		if _, err := ca.OrganizationUserUpdate(ctx, orgID, workerID, &organizationuser.OrganizationUserUpdateIn{State: step.state}); err != nil {
			t.Fatalf("%s: %v", step.state, err)
		}
		within(step.message, func() bool { _, err := wb.UserInfo(ctx); return (err == nil) == step.works })
	}
}
