package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aiven/go-client-codegen/handler/project"
	"github.com/aiven/go-client-codegen/handler/user"

	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// TestInvisibleCharactersInIdentities: addresses holding invisible
// characters (soft hyphen, zero-width joiners, bidi controls ...) were
// accepted as separate accounts that look identical to existing ones.
// Every path where an email or a display name enters refuses them with a
// 400 naming the field, and emails are compared in Unicode NFC.
func TestInvisibleCharactersInIdentities(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		w := newManagedOrg(t, db)
		if _, err := w.admin.ProjectCreate(t.Context(), &project.ProjectCreateIn{Project: "web", AccountId: ptr(w.accountID)}); err != nil {
			t.Fatal(err)
		}
		// A pending invitation whose link is accepted below.
		if st := callJSON(t, "POST", w.srv.URL+"/v1/organization/"+w.orgID+"/invitation", w.adminToken, map[string]string{"user_email": "newcomer@example.com"}, nil); st != http.StatusOK {
			t.Fatalf("invite: %d", st)
		}
		var list struct {
			Invitations []struct {
				AcceptLink string `json:"accept_link"`
			} `json:"invitations"`
		}
		getJSON(t, w.srv.URL+"/v1/organization/"+w.orgID+"/invitation", w.adminToken, &list)
		link := list.Invitations[0].AcceptLink
		adminUser := w.srv.URL + "/v1/organization/" + w.orgID + "/user/" + w.adminID
		for _, tc := range []struct {
			name, method, url, token string
			body                     map[string]any
			field                    string
		}{
			{"invitation, soft hyphen", "POST", w.srv.URL + "/v1/organization/" + w.orgID + "/invitation", w.adminToken,
				map[string]any{"user_email": "ad\u00admin@example.com"}, "user_email"},
			{"invitation, zero-width space", "POST", w.srv.URL + "/v1/organization/" + w.orgID + "/invitation", w.adminToken,
				map[string]any{"user_email": "admin\u200b@example.com"}, "user_email"},
			{"project invitation, word joiner", "POST", w.srv.URL + "/v1/project/web/invite", w.adminToken,
				map[string]any{"user_email": "ad\u2060min@example.com"}, "user_email"},
			{"project invitation, byte-order mark", "POST", w.srv.URL + "/v1/project/web/invite", w.adminToken,
				map[string]any{"user_email": "\ufeffadmin@example.com"}, "user_email"},
			{"password reset request, zero-width joiner", "POST", w.srv.URL + "/v1/user/password_reset_request", "",
				map[string]any{"email": "ad\u200dmin@example.com"}, "email"},
			{"sign-up through a link, right-to-left override", "POST", link, "",
				map[string]any{"real_name": "Eve\u202e", "password": "a long new password"}, "real_name"},
			{"sign-up through a link, zero-width non-joiner", "POST", link, "",
				map[string]any{"real_name": "Ad\u200cmin", "password": "a long new password"}, "real_name"},
			{"own profile, soft hyphen", "PATCH", w.srv.URL + "/v1/me", w.adminToken,
				map[string]any{"real_name": "Admin\u00ad"}, "real_name"},
			{"member profile, control character", "PATCH", adminUser, w.adminToken,
				map[string]any{"real_name": "Ad\u0007min"}, "real_name"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				st, out := rawCallJSON(t, tc.method, tc.url, tc.token, tc.body)
				msg, _ := out["message"].(string)
				if st != http.StatusBadRequest || !strings.Contains(strings.ToLower(msg), tc.field) {
					t.Fatalf("%s %s = %d %q, want 400 naming %s", tc.method, tc.url, st, msg, tc.field)
				}
			})
		}

		// NFC: a decomposed é is the same address as a precomposed one.
		invite := func(email string) int {
			return callJSON(t, "POST", w.srv.URL+"/v1/organization/"+w.orgID+"/invitation", w.adminToken, map[string]string{"user_email": email}, nil)
		}
		if st := invite("jose\u0301@example.com"); st != http.StatusOK {
			t.Fatalf("decomposed invite: %d", st)
		}
		var inv struct {
			Invitations []struct {
				UserEmail string `json:"user_email"`
			} `json:"invitations"`
		}
		getJSON(t, w.srv.URL+"/v1/organization/"+w.orgID+"/invitation", w.adminToken, &inv)
		n := 0
		for _, i := range inv.Invitations {
			if strings.HasPrefix(i.UserEmail, "jos") {
				n++
				if i.UserEmail != "jos\u00e9@example.com" {
					t.Errorf("stored as %q, want NFC", i.UserEmail)
				}
			}
		}
		if st := invite("JOS\u00c9@example.com"); st != http.StatusOK {
			t.Fatalf("precomposed invite: %d", st)
		}
		getJSON(t, w.srv.URL+"/v1/organization/"+w.orgID+"/invitation", w.adminToken, &inv)
		n = 0
		for _, i := range inv.Invitations {
			if strings.HasPrefix(i.UserEmail, "jos") {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d invitations for one address in two spellings, want 1 (the second replaces the first)", n)
		}
	})
}

// TestEnablingTwoFactorEndsPasswordOnlySessions: a person who turns
// two-factor on (because a password may be known) ends their other
// sessions signed in with the password alone; the session used and the
// new two-factor session keep working.
func TestEnablingTwoFactorEndsPasswordOnlySessions(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		srv := servertest.Start(t, db)
		ctx := t.Context()
		used := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
		other := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
		c := client(t, srv.URL, used)
		setup, err := c.TwoFactorAuthConfigure(ctx, &user.TwoFactorAuthConfigureIn{Method: "otp", Password: servertest.AdminPassword})
		if err != nil {
			t.Fatal(err)
		}
		done, err := c.TwoFactorAuthConfigureOTP(ctx, &user.TwoFactorAuthConfigureOtpIn{Otp: totpCode(t, *setup.Uri, time.Now()), Password: servertest.AdminPassword, Uri: *setup.Uri})
		if err != nil {
			t.Fatal(err)
		}
		_, err = client(t, srv.URL, other).UserOrganizationsList(ctx)
		wantStatus(t, err, http.StatusUnauthorized)
		for _, tok := range []string{used, done.Token} {
			if _, err := client(t, srv.URL, tok).UserOrganizationsList(ctx); err != nil {
				t.Fatalf("session kept: %v", err)
			}
		}
	})
}

// TestPasswordChangeEndsSessionsAndCanRevokeTokens: personal tokens
// survived a password change. A change ends the person's other sessions,
// and with revoke_tokens (Gatehouse's field; the CLI's --revoke-tokens)
// their personal tokens too.
func TestPasswordChangeEndsSessionsAndCanRevokeTokens(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		srv := servertest.Start(t, db)
		ctx := t.Context()
		used := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
		other := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
		personal, err := client(t, srv.URL, used).AccessTokenCreate(ctx, &user.AccessTokenCreateIn{Description: "laptop"})
		if err != nil {
			t.Fatal(err)
		}
		works := func(tok string) error {
			_, err := client(t, srv.URL, tok).UserOrganizationsList(ctx)
			return err
		}
		change := func(tok, from, to string, revoke bool) string {
			var out struct {
				Token string `json:"token"`
			}
			if st := callJSON(t, "PUT", srv.URL+"/v1/me/password", tok, map[string]any{"password": from, "new_password": to, "revoke_tokens": revoke}, &out); st != http.StatusOK {
				t.Fatalf("password change: %d", st)
			}
			return out.Token
		}
		next := change(used, servertest.AdminPassword, "a second long password", false)
		wantStatus(t, works(other), http.StatusUnauthorized)
		if err := works(personal.FullToken); err != nil {
			t.Fatalf("personal token after a plain change: %v", err)
		}
		last := change(next, "a second long password", "a third long password", true)
		wantStatus(t, works(personal.FullToken), http.StatusUnauthorized)
		if err := works(last); err != nil {
			t.Fatalf("the new session: %v", err)
		}
	})
}
