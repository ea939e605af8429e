package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	aiven "github.com/aiven/go-client-codegen"
	"github.com/aiven/go-client-codegen/handler/domain"
	"github.com/aiven/go-client-codegen/handler/organization"
	"github.com/aiven/go-client-codegen/handler/organizationuser"
	"github.com/aiven/go-client-codegen/handler/project"
	"github.com/aiven/go-client-codegen/handler/user"

	"github.com/gatehouse-dev/gatehouse/internal/ownership/ownershiptest"
	"github.com/gatehouse-dev/gatehouse/internal/server"
	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

// managedOrg is a server whose bootstrap organization has verified
// example.com, so its admin and everyone invited on example.com are
// managed users of it. No mail relay is configured: invitation links and
// temporary passwords are handed to the caller.
type managedOrg struct {
	srv        *servertest.Instance
	dns        *ownershiptest.DNS
	orgID      string
	accountID  string
	adminToken string
	adminID    string
	admin      aiven.Client
}

func newManagedOrg(t *testing.T, db string) managedOrg {
	t.Helper()
	dns := ownershiptest.NewDNS(t)
	srv := servertest.Start(t, db, func(c *server.Config) {
		c.DNSResolver = dns.Addr()
		c.ChallengeRecord = "_aiven-challenge"
	})
	w := managedOrg{srv: srv, dns: dns, adminToken: login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)}
	w.admin = client(t, srv.URL, w.adminToken)
	orgs, err := w.admin.UserOrganizationsList(t.Context())
	if err != nil || len(orgs) != 1 {
		t.Fatalf("organizations = %v, %v", orgs, err)
	}
	w.orgID, w.accountID = orgs[0].OrganizationId, orgs[0].AccountId
	w.verifyDomain(t, w.admin, w.orgID, "example.com")
	w.adminID = w.userID(t, servertest.AdminEmail)
	return w
}

// verifyDomain adds name to orgID and verifies it through the test DNS.
func (w managedOrg) verifyDomain(t *testing.T, c aiven.Client, orgID, name string) {
	t.Helper()
	added, err := c.OrganizationDomainAdd(t.Context(), orgID, &domain.OrganizationDomainAddIn{DomainName: name})
	if err != nil {
		t.Fatal(err)
	}
	w.dns.SetTXT("_aiven-challenge."+name, "token="+added.ChallengeToken+",expiry=never")
	if v, err := c.OrganizationDomainVerify(t.Context(), orgID, added.DomainId); err != nil || v.State != domain.OrganizationDomainStateTypeVerified {
		t.Fatalf("verify %s = %+v, %v", name, v, err)
	}
}

// userID finds a member of the organization by email.
func (w managedOrg) userID(t *testing.T, email string) string {
	t.Helper()
	members, err := w.admin.OrganizationUserList(t.Context(), w.orgID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		if m.UserInfo.UserEmail == email {
			return m.UserId
		}
	}
	t.Fatalf("%s is not a member of %s", email, w.orgID)
	return ""
}

// person invites email into the organization, accepts the listed link
// with AdminPassword, grants perms on the organization and returns the
// person's user ID and a session token.
func (w managedOrg) person(t *testing.T, email string, perms ...string) (string, string) {
	t.Helper()
	ctx := t.Context()
	if err := w.admin.OrganizationUserInvite(ctx, w.orgID, &organizationuser.OrganizationUserInviteIn{UserEmail: email}); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Invitations []struct {
			UserEmail  string `json:"user_email"`
			AcceptLink string `json:"accept_link"`
		} `json:"invitations"`
	}
	getJSON(t, w.srv.URL+"/v1/organization/"+w.orgID+"/invitation", w.adminToken, &list)
	link := ""
	for _, inv := range list.Invitations {
		if inv.UserEmail == email {
			link = inv.AcceptLink
		}
	}
	if st := callJSON(t, "POST", link, "", map[string]string{"real_name": "Person", "password": servertest.AdminPassword}, nil); st != http.StatusOK {
		t.Fatalf("accepting %s's invitation (%q): %d", email, link, st)
	}
	id := w.userID(t, email)
	if len(perms) > 0 {
		w.grant(t, organization.ResourceTypeOrganization, w.orgID, id, perms...)
	}
	return id, login(t, w.srv.URL, email, servertest.AdminPassword)
}

func (w managedOrg) grant(t *testing.T, typ organization.ResourceType, id, userID string, perms ...string) {
	t.Helper()
	err := w.admin.PermissionsUpdate(t.Context(), w.orgID, typ, id, &organization.PermissionsUpdateIn{
		Operation:   organization.OperationTypeGrant,
		Permissions: []organization.PermissionIn{{PrincipalType: organization.PrincipalTypeUser, PrincipalId: userID, Permissions: perms}},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestManagedUserActionsNeedTheTargetsAccess is issue 13's first hole: a
// holder of organization:users:write (or an organization admin) reset a
// super admin's password, got the temporary password, signed in as the
// super admin. Every managed-user action on someone holding more than the
// caller is refused, and the target keeps working.
func TestManagedUserActionsNeedTheTargetsAccess(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		w := newManagedOrg(t, db)
		_, writerToken := w.person(t, "writer@example.com", "organization:users:write")
		_, orgAdminToken := w.person(t, "orgadmin@example.com", "role:organization:admin")
		bossID, bossToken := w.person(t, "boss@example.com", "role:organization:admin")
		if _, err := w.admin.ProjectCreate(t.Context(), &project.ProjectCreateIn{Project: "crown", AccountId: ptr(w.accountID)}); err != nil {
			t.Fatal(err)
		}
		devID, devToken := w.person(t, "dev@example.com")
		w.grant(t, organization.ResourceTypeProject, "crown", devID, "admin")

		org := w.srv.URL + "/v1/organization/" + w.orgID + "/user/"
		actions := []struct {
			name   string
			method string
			path   string // after …/user/{target}
			body   any
		}{
			{"reset password", "POST", "/reset_password", nil},
			{"list tokens", "GET", "/access-tokens", nil},
			{"revoke a token", "DELETE", "/access-token/", nil}, // prefix appended per target
			{"edit profile", "PATCH", "", map[string]any{"real_name": "Owned"}},
			{"deactivate", "PATCH", "", map[string]any{"state": "deactivated"}},
			{"remove", "DELETE", "", nil},
		}
		attacks := []struct {
			name        string
			callerToken string
			targetID    string
			targetToken string
		}{
			{"users:write on the super admin", writerToken, w.adminID, w.adminToken},
			{"organization admin on the super admin", orgAdminToken, w.adminID, w.adminToken},
			{"users:write on an organization admin", writerToken, bossID, bossToken},
			{"users:write on a project admin", writerToken, devID, devToken},
		}
		for _, at := range attacks {
			for _, ac := range actions {
				t.Run(at.name+"/"+ac.name, func(t *testing.T) {
					path := org + at.targetID + ac.path
					if ac.name == "revoke a token" {
						path += token.PrefixOf(at.targetToken)
					}
					var out map[string]any
					if st := callJSON(t, ac.method, path, at.callerToken, ac.body, &out); st != http.StatusForbidden {
						t.Fatalf("%s %s = %d %v, want 403", ac.method, path, st, out)
					}
					// The target still signs in with its token.
					if _, err := client(t, w.srv.URL, at.targetToken).UserOrganizationsList(t.Context()); err != nil {
						t.Fatalf("target's token after the refused attack: %v", err)
					}
				})
			}
		}

		// An organization admin acts on someone with no more access
		// than itself, and a super admin on the organization admin.
		var reset struct {
			TemporaryPassword string `json:"temporary_password"`
		}
		if st := callJSON(t, "POST", org+devID+"/reset_password", orgAdminToken, nil, &reset); st != http.StatusOK || reset.TemporaryPassword == "" {
			t.Fatalf("organization admin resetting a project admin: %d %+v", st, reset)
		}
		if st := callJSON(t, "POST", org+bossID+"/reset_password", w.adminToken, nil, &reset); st != http.StatusOK || reset.TemporaryPassword == "" {
			t.Fatalf("super admin resetting an organization admin: %d %+v", st, reset)
		}
	})
}

// TestManagedResetEndsEverySessionAndToken: after a managed reset the
// user's sessions and personal tokens no longer work (a squatter's or an
// intruder's token must not outlive the reset).
func TestManagedResetEndsEverySessionAndToken(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		w := newManagedOrg(t, db)
		userID, session := w.person(t, "user@example.com")
		personal, err := client(t, w.srv.URL, session).AccessTokenCreate(t.Context(), &user.AccessTokenCreateIn{Description: "kept by an intruder"})
		if err != nil {
			t.Fatal(err)
		}
		// Aiven's client sees success.
		if err := w.admin.OrganizationUserPasswordReset(t.Context(), w.orgID, userID); err != nil {
			t.Fatal(err)
		}
		for _, tok := range []string{session, personal.FullToken} {
			_, err := client(t, w.srv.URL, tok).UserOrganizationsList(t.Context())
			wantStatus(t, err, http.StatusUnauthorized)
		}
		var reset struct {
			TemporaryPassword string `json:"temporary_password"`
		}
		if st := callJSON(t, "POST", w.srv.URL+"/v1/organization/"+w.orgID+"/user/"+userID+"/reset_password", w.adminToken, nil, &reset); st != http.StatusOK {
			t.Fatalf("reset: %d", st)
		}
		login(t, w.srv.URL, "user@example.com", reset.TemporaryPassword)
	})
}

// outsider makes a person on a domain nobody verified who owns an
// organization of their own and belongs to no other: the attacker from
// outside. It returns the session token and the organization's IDs.
func (w managedOrg) outsider(t *testing.T, email string) (tok, orgID, accountID string) {
	t.Helper()
	id, tok := w.person(t, email)
	o, err := client(t, w.srv.URL, tok).UserOrganizationCreate(t.Context(), &organization.UserOrganizationCreateIn{OrganizationName: "Outside", Tier: organization.TierTypeBusiness})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.admin.OrganizationUserDelete(t.Context(), w.orgID, id); err != nil {
		t.Fatal(err)
	}
	return tok, o.OrganizationId, o.AccountId
}

// TestUnmailedLinkCannotSquatAVerifiedDomain is issue 13's third hole:
// without a mail relay the inviter sees the accept link, so an outsider
// invited ceo@example.com (example.com verified by another organization)
// and accepted it themselves, holding an account that organization
// manages. A link that was not emailed creates no account on another
// organization's verified domain, for organization and project
// invitations alike; elsewhere it still works.
func TestUnmailedLinkCannotSquatAVerifiedDomain(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		w := newManagedOrg(t, db)
		tok, orgID, accountID := w.outsider(t, "mallory@outside.test")
		mallory := client(t, w.srv.URL, tok)
		if _, err := mallory.ProjectCreate(t.Context(), &project.ProjectCreateIn{Project: "lure", AccountId: ptr(accountID)}); err != nil {
			t.Fatal(err)
		}
		orgLink := func(t *testing.T, email string) string {
			if err := mallory.OrganizationUserInvite(t.Context(), orgID, &organizationuser.OrganizationUserInviteIn{UserEmail: email}); err != nil {
				t.Fatal(err)
			}
			var list struct {
				Invitations []struct {
					UserEmail  string `json:"user_email"`
					AcceptLink string `json:"accept_link"`
				} `json:"invitations"`
			}
			getJSON(t, w.srv.URL+"/v1/organization/"+orgID+"/invitation", tok, &list)
			for _, inv := range list.Invitations {
				if inv.UserEmail == email && inv.AcceptLink != "" {
					return inv.AcceptLink
				}
			}
			t.Fatalf("no link for %s in %+v", email, list)
			return ""
		}
		projectLink := func(t *testing.T, email string) string {
			var out struct {
				AcceptURL string `json:"accept_url"`
			}
			if st := callJSON(t, "POST", w.srv.URL+"/v1/project/lure/invite", tok, map[string]string{"user_email": email}, &out); st != http.StatusOK || out.AcceptURL == "" {
				t.Fatalf("project invite: %d %+v", st, out)
			}
			return out.AcceptURL
		}
		for _, tc := range []struct {
			name   string
			email  string
			link   func(*testing.T, string) string
			status int
		}{
			{"organization invitation on the victim's domain", "ceo@example.com", orgLink, http.StatusForbidden},
			{"project invitation on the victim's domain", "cfo@example.com", projectLink, http.StatusForbidden},
			{"organization invitation on an unverified domain", "friend@outside.test", orgLink, http.StatusOK},
			{"project invitation on an unverified domain", "pal@outside.test", projectLink, http.StatusOK},
		} {
			t.Run(tc.name, func(t *testing.T) {
				link := tc.link(t, tc.email)
				body := map[string]string{"real_name": "Squatter", "password": "chosen by the squatter"}
				var msg struct {
					Message string `json:"message"`
				}
				st := rawStatus(t, "POST", link, body, &msg)
				if st != tc.status {
					t.Fatalf("accept = %d %q, want %d", st, msg.Message, tc.status)
				}
				_, err := client(t, w.srv.URL, "unused").UserAuth(t.Context(), &user.UserAuthIn{Email: tc.email, Password: body["password"]})
				if tc.status != http.StatusOK {
					if !strings.Contains(msg.Message, "must be emailed") {
						t.Fatalf("refusal message = %q", msg.Message)
					}
					wantStatus(t, err, http.StatusUnauthorized) // no account was made
				} else if err != nil {
					t.Fatal(err)
				}
			})
		}
	})
}

// TestInvitationLinksOnlyForTheirInviter: the accept link of an invitation
// that was not emailed is the invitee's secret; another holder of
// organization:users:write listing invitations must not see it (and so
// cannot accept as the invitee).
func TestInvitationLinksOnlyForTheirInviter(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		w := newManagedOrg(t, db)
		_, writerToken := w.person(t, "writer@example.com", "organization:users:write")
		if err := w.admin.OrganizationUserInvite(t.Context(), w.orgID, &organizationuser.OrganizationUserInviteIn{UserEmail: "newhire@example.com"}); err != nil {
			t.Fatal(err)
		}
		links := func(tok string) map[string]string {
			var list struct {
				Invitations []struct {
					UserEmail  string `json:"user_email"`
					AcceptLink string `json:"accept_link"`
				} `json:"invitations"`
			}
			getJSON(t, w.srv.URL+"/v1/organization/"+w.orgID+"/invitation", tok, &list)
			out := map[string]string{}
			for _, inv := range list.Invitations {
				out[inv.UserEmail] = inv.AcceptLink
			}
			return out
		}
		seen := links(writerToken)
		if l, ok := seen["newhire@example.com"]; !ok || l != "" {
			t.Fatalf("another users:write holder sees the invitation as %q (listed: %v)", l, ok)
		}
		if links(w.adminToken)["newhire@example.com"] == "" {
			t.Fatal("the inviter lost the link")
		}
	})
}

// rawStatus posts in without a token and decodes any answer into out.
func rawStatus(t *testing.T, method, url string, in, out any) int {
	t.Helper()
	b, _ := json.Marshal(in)
	req, err := http.NewRequestWithContext(t.Context(), method, url, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode
}
