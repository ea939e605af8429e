package server_test

import (
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// joinOrg has a person who already has an account join orgID: an admin
// invites them, and they accept with their own session.
func joinOrg(t *testing.T, base, adminTok, orgID, email, memberTok string) {
	t.Helper()
	if st := callJSON(t, "POST", base+"/v1/organization/"+orgID+"/invitation", adminTok, map[string]any{"user_email": email}, nil); st != http.StatusOK {
		t.Fatalf("invite %s: %d", email, st)
	}
	if st := callJSON(t, "POST", base+"/v1/organization/"+orgID+"/invitation/"+url.PathEscape(email), memberTok, map[string]any{"action": "accept"}, nil); st != http.StatusOK {
		t.Fatalf("%s accepting: %d", email, st)
	}
}

// createOrg makes an organization owned by the token's user and returns
// its ID.
func createOrg(t *testing.T, base, tok, name string) string {
	t.Helper()
	var out struct {
		OrganizationID string `json:"organization_id"`
	}
	if st := callJSON(t, "POST", base+"/v1/organizations", tok, map[string]any{"organization_name": name, "tier": "business"}, &out); st != http.StatusOK && st != http.StatusCreated {
		t.Fatalf("create organization %s: %d", name, st)
	}
	return out.OrganizationID
}

// TestAccessQuestionsNeedMembershipAndPolicy is issue 13's hole 6 and the
// /v1/me item: every access question, even about oneself, first requires
// membership of the organization and a sign-in its authentication policy
// accepts; /v1/me leaves out projects of organizations whose policy
// refuses the calling token.
func TestAccessQuestionsNeedMembershipAndPolicy(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		const email = "member@example.com"
		srv := startWithPeople(t, db, nil, email)
		adminTok := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
		orgs, err := client(t, srv.URL, adminTok).UserOrganizationsList(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		orgA := orgs[0].OrganizationId
		orgB := createOrg(t, srv.URL, adminTok, "other")
		for org, project := range map[string]string{orgA: "a-project", orgB: "b-project"} {
			if st := callJSON(t, "POST", srv.URL+"/v1/organization/"+org+"/projects", adminTok, map[string]any{"project_id": project}, nil); st != http.StatusOK && st != http.StatusCreated {
				t.Fatalf("project %s: %d", project, st)
			}
		}
		memberTok := login(t, srv.URL, email, servertest.AdminPassword)
		joinOrg(t, srv.URL, adminTok, orgA, email, memberTok)
		var me struct {
			User struct {
				UserID   string   `json:"user_id"`
				Projects []string `json:"projects"`
			} `json:"user"`
		}
		if st := callJSON(t, "GET", srv.URL+"/v1/me", memberTok, nil, &me); st != http.StatusOK {
			t.Fatalf("me: %d", st)
		}
		self := me.User.UserID
		grant := map[string]any{"operation": "grant", "permissions": []map[string]any{
			{"principal_type": "user", "principal_id": self, "permissions": []string{"developer"}}}}
		if st := callJSON(t, "PATCH", srv.URL+"/v1/organization/"+orgA+"/permissions/project/a-project", adminTok, grant, nil); st != http.StatusOK {
			t.Fatalf("grant: %d", st)
		}
		var personal struct {
			FullToken string `json:"full_token"`
		}
		if st := callJSON(t, "POST", srv.URL+"/v1/access_token", memberTok, map[string]any{"description": "cli"}, &personal); st != http.StatusOK && st != http.StatusCreated {
			t.Fatalf("personal token: %d", st)
		}

		questions := func(org, project string) map[string]func(tok string) int {
			base := srv.URL + "/v1/organization/" + org + "/access/"
			about := map[string]any{"principal_type": "user", "principal_id": self, "permission": "project:services:read", "resource_type": "project", "resource_id": project}
			return map[string]func(string) int{
				"check":   func(tok string) int { st, _ := rawCallJSON(t, "POST", base+"check", tok, about); return st },
				"explain": func(tok string) int { st, _ := rawCallJSON(t, "POST", base+"explain", tok, about); return st },
				"resources": func(tok string) int {
					st, _ := rawCall(t, "GET", base+"resources?permission=project:services:read&resource_type=project", tok, nil)
					return st
				},
				"principals": func(tok string) int {
					st, _ := rawCall(t, "GET", base+"principals?permission=project:services:read&resource_type=project&resource_id="+project, tok, nil)
					return st
				},
			}
		}
		// An outsider asking about itself on another organization's
		// project learns nothing.
		for name, ask := range questions(orgB, "b-project") {
			if st := ask(memberTok); st != http.StatusForbidden {
				t.Errorf("non-member asking %s about itself in another organization: %d, want 403", name, st)
			}
		}
		// Inside its own organization it may ask about itself...
		for name, ask := range questions(orgA, "a-project") {
			if name == "principals" {
				continue // asks about others: needs the right to read grants
			}
			if st := ask(memberTok); st != http.StatusOK {
				t.Errorf("member asking %s about itself: %d, want 200", name, st)
			}
		}
		if !slices.Contains(meProjects(t, srv.URL, personal.FullToken), "a-project") {
			t.Fatal("/v1/me with an accepted personal token lacks the member's project")
		}
		// ... until the organization stops accepting personal tokens.
		if st := callJSON(t, "PATCH", srv.URL+"/v1/organization/"+orgA+"/config/authentication", adminTok, map[string]any{"personal_tokens_enabled": false}, nil); st != http.StatusOK {
			t.Fatalf("policy: %d", st)
		}
		for name, ask := range questions(orgA, "a-project") {
			if st := ask(personal.FullToken); st != http.StatusForbidden {
				t.Errorf("personal token refused by the policy asking %s: %d, want 403", name, st)
			}
		}
		if ps := meProjects(t, srv.URL, personal.FullToken); slices.Contains(ps, "a-project") {
			t.Errorf("/v1/me lists %v for a token the organization's policy refuses", ps)
		}
		if ps := meProjects(t, srv.URL, memberTok); !slices.Contains(ps, "a-project") {
			t.Errorf("/v1/me with an accepted session lists %v", ps)
		}
	})
}

func meProjects(t *testing.T, base, tok string) []string {
	t.Helper()
	var me struct {
		User struct {
			Projects []string `json:"projects"`
		} `json:"user"`
	}
	if st := callJSON(t, "GET", base+"/v1/me", tok, nil, &me); st != http.StatusOK {
		t.Fatalf("me: %d", st)
	}
	return me.User.Projects
}
