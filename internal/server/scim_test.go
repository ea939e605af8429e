package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aiven/go-client-codegen/handler/organization"
	"github.com/aiven/go-client-codegen/handler/organizationuser"
	"github.com/aiven/go-client-codegen/handler/user"
	"github.com/aiven/go-client-codegen/handler/usergroup"

	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// scimOrg is a managed organization (example.com verified) with a SAML
// method whose SCIM is enabled.
type scimOrg struct {
	managedOrg
	methodID string
	base     string // the SCIM base URL the method answers
	token    string
}

func newSCIMOrg(t *testing.T, db string) scimOrg {
	t.Helper()
	w := newManagedOrg(t, db)
	var out struct {
		Method struct {
			ID        string  `json:"authentication_method_id"`
			SCIMURL   *string `json:"scim_url"`
			SCIMToken *string `json:"scim_token"`
		} `json:"authentication_method"`
	}
	st := callJSON(t, "POST", w.srv.URL+"/v1/account/"+w.accountID+"/authentication", w.adminToken,
		map[string]any{"authentication_method_name": "Okta", "authentication_method_type": "saml", "scim_enabled": true}, &out)
	if st != http.StatusOK || out.Method.SCIMURL == nil || out.Method.SCIMToken == nil {
		t.Fatalf("creating a SCIM method: %d %+v", st, out)
	}
	if want := w.srv.URL + "/scim/v2/" + out.Method.ID; *out.Method.SCIMURL != want {
		t.Fatalf("scim_url = %q, want %q", *out.Method.SCIMURL, want)
	}
	return scimOrg{managedOrg: w, methodID: out.Method.ID, base: *out.Method.SCIMURL, token: *out.Method.SCIMToken}
}

// scimResp is a SCIM answer.
type scimResp struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (r scimResp) str(key string) string {
	s, _ := r.body[key].(string)
	return s
}

// scimDo sends a SCIM request with a bearer token (none when empty).
func scimDo(t *testing.T, method, url, token, body string, header ...string) scimResp {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/scim+json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := scimResp{status: resp.StatusCode, header: resp.Header, raw: string(b)}
	if len(bytes.TrimSpace(b)) > 0 {
		if err := json.Unmarshal(b, &out.body); err != nil {
			t.Fatalf("%s %s: answer is not JSON: %s", method, url, b)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/scim+json" {
			t.Fatalf("%s %s: Content-Type %q", method, url, ct)
		}
	}
	return out
}

func (s scimOrg) do(t *testing.T, method, path, body string, header ...string) scimResp {
	t.Helper()
	return scimDo(t, method, s.base+path, s.token, body, header...)
}

// wantSCIMError checks a SCIM error answer.
func wantSCIMError(t *testing.T, what string, r scimResp, status int, scimType string) {
	t.Helper()
	schemas, _ := r.body["schemas"].([]any)
	if r.status != status || len(schemas) != 1 || schemas[0] != "urn:ietf:params:scim:api:messages:2.0:Error" ||
		r.str("status") != strconv.Itoa(status) || r.str("scimType") != scimType || r.str("detail") == "" {
		t.Fatalf("%s: %d %s; want %d SCIM error with scimType %q", what, r.status, r.raw, status, scimType)
	}
}

func (s scimOrg) member(t *testing.T, email string) (organizationuser.UserOut, bool) {
	t.Helper()
	ms, err := s.admin.OrganizationUserList(t.Context(), s.orgID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.UserInfo.UserEmail == email {
			return m, true
		}
	}
	return organizationuser.UserOut{}, false
}

// TestSCIMProvisioning walks what an identity provider does: a user
// created is a managed member marked managed_by_scim; a group with that
// member grants its permissions, loses them when the member is removed or
// the group deleted; hand edits are refused for organization admins and
// allowed for super admins; a wrong or rotated token is a 401 SCIM error.
func TestSCIMProvisioning(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		s := newSCIMOrg(t, db)
		ctx := t.Context()

		for _, c := range []struct{ name, token string }{{"none", ""}, {"wrong", "gthscim_wrong"}, {"session token", s.adminToken}} {
			wantSCIMError(t, "token "+c.name, scimDo(t, "GET", s.base+"/Users", c.token, ""), http.StatusUnauthorized, "")
		}
		wantSCIMError(t, "another method's path", scimDo(t, "GET", s.srv.URL+"/scim/v2/am0123/Users", s.token, ""), http.StatusUnauthorized, "")

		// The method's answers never show the token again.
		var got map[string]map[string]any
		callJSON(t, "GET", s.srv.URL+"/v1/account/"+s.accountID+"/authentication/"+s.methodID, s.adminToken, nil, &got)
		if got["authentication_method"]["scim_token"] != nil || got["authentication_method"]["scim_url"] != s.base {
			t.Fatalf("GET method: %v", got["authentication_method"])
		}

		created := s.do(t, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"new.hire@example.com",
			"name":{"givenName":"New","familyName":"Hire"},"emails":[{"primary":true,"value":"new.hire@example.com","type":"work"}],"active":true,"externalId":"00u1"}`)
		if created.status != http.StatusCreated || created.str("id") == "" || created.header.Get("Location") != s.base+"/Users/"+created.str("id") {
			t.Fatalf("create user: %d %s %v", created.status, created.raw, created.header)
		}
		m, ok := s.member(t, "new.hire@example.com")
		if !ok || !m.UserInfo.ManagedByScim || m.UserInfo.ManagingOrganizationId == nil || *m.UserInfo.ManagingOrganizationId != s.orgID || m.UserInfo.RealName != "New Hire" {
			t.Fatalf("provisioned member = %+v (found %v)", m, ok)
		}
		if again := s.do(t, "POST", "/Users", `{"userName":"new.hire@example.com"}`); again.status != http.StatusConflict {
			t.Fatalf("creating twice: %d %s", again.status, again.raw)
		} else {
			wantSCIMError(t, "creating twice", again, http.StatusConflict, "uniqueness")
		}

		// A person already signed in gets linked, then joins a group
		// holding organization admin.
		personID, session := s.person(t, "person@example.com")
		linked := s.do(t, "POST", "/Users", `{"userName":"person@example.com","active":true}`)
		if linked.status != http.StatusCreated || linked.str("id") != personID {
			t.Fatalf("linking an existing managed account: %d %s", linked.status, linked.raw)
		}
		authURL := s.srv.URL + "/v1/account/" + s.accountID + "/authentication"
		if st := callJSON(t, "GET", authURL, session, nil, nil); st != http.StatusForbidden {
			t.Fatalf("before the group, a member lists methods: %d", st)
		}
		grp := s.do(t, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Admins","members":[{"value":"`+personID+`"}]}`)
		if grp.status != http.StatusCreated {
			t.Fatalf("create group: %d %s", grp.status, grp.raw)
		}
		gid := grp.str("id")
		if err := s.admin.PermissionsUpdate(ctx, s.orgID, organization.ResourceTypeOrganization, s.orgID, &organization.PermissionsUpdateIn{
			Operation: organization.OperationTypeGrant,
			Permissions: []organization.PermissionIn{{PrincipalType: organization.PrincipalTypeUserGroup, PrincipalId: gid,
				Permissions: []string{"role:organization:admin"}}},
		}); err != nil {
			t.Fatal(err)
		}
		if st := callJSON(t, "GET", authURL, session, nil, nil); st != http.StatusOK {
			t.Fatalf("in the SCIM group holding admin, a member lists methods: %d", st)
		}
		groups, err := s.admin.UserGroupsList(ctx, s.orgID)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, g := range groups {
			if g.UserGroupId == gid {
				found = g.ManagedByScim && g.MemberCount == 1 && g.UserGroupName == "Admins"
			}
		}
		if !found {
			t.Fatalf("the SCIM group in the organization's groups: %+v", groups)
		}

		// Hand edits: an organization admin is refused, a super admin not.
		_, orgAdminToken := s.person(t, "orgadmin@example.com", "role:organization:admin")
		orgAdmin := client(t, s.srv.URL, orgAdminToken)
		_, err = orgAdmin.UserGroupUpdate(ctx, s.orgID, gid, &usergroup.UserGroupUpdateIn{Description: ptr("by hand")})
		if err == nil || !strings.Contains(err.Error(), "SCIM") || !strings.Contains(err.Error(), "403") {
			t.Fatalf("an organization admin edits a SCIM group: %v", err)
		}
		_, err = orgAdmin.OrganizationUserUpdate(ctx, s.orgID, created.str("id"), &organizationuser.OrganizationUserUpdateIn{RealName: ptr("Renamed")})
		if err == nil || !strings.Contains(err.Error(), "SCIM") {
			t.Fatalf("an organization admin edits a SCIM user: %v", err)
		}
		if err := orgAdmin.OrganizationUserDelete(ctx, s.orgID, created.str("id")); err == nil || !strings.Contains(err.Error(), "SCIM") {
			t.Fatalf("an organization admin removes a SCIM user: %v", err)
		}
		if _, err := s.admin.UserGroupUpdate(ctx, s.orgID, gid, &usergroup.UserGroupUpdateIn{Description: ptr("by a super admin")}); err != nil {
			t.Fatalf("a super admin edits a SCIM group: %v", err)
		}
		if _, err := s.admin.OrganizationUserUpdate(ctx, s.orgID, created.str("id"), &organizationuser.OrganizationUserUpdateIn{RealName: ptr("Renamed")}); err != nil {
			t.Fatalf("a super admin edits a SCIM user: %v", err)
		}

		// Removing the member (Okta's filter path) ends the access.
		if r := s.do(t, "PATCH", "/Groups/"+gid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
			"Operations":[{"op":"remove","path":"members[value eq \"`+personID+`\"]"}]}`); r.status != http.StatusOK {
			t.Fatalf("remove member: %d %s", r.status, r.raw)
		}
		if st := callJSON(t, "GET", authURL, session, nil, nil); st != http.StatusForbidden {
			t.Fatalf("removed from the group, a member lists methods: %d", st)
		}
		if r := s.do(t, "PATCH", "/Groups/"+gid, `{"Operations":[{"op":"Add","path":"members","value":[{"value":"`+personID+`"}]}]}`); r.status != http.StatusOK {
			t.Fatalf("add member: %d %s", r.status, r.raw)
		}
		if st := callJSON(t, "GET", authURL, session, nil, nil); st != http.StatusOK {
			t.Fatalf("added back, a member lists methods: %d", st)
		}
		if r := s.do(t, "DELETE", "/Groups/"+gid, ""); r.status != http.StatusNoContent {
			t.Fatalf("delete group: %d %s", r.status, r.raw)
		}
		if st := callJSON(t, "GET", authURL, session, nil, nil); st != http.StatusForbidden {
			t.Fatalf("the group deleted, a member lists methods: %d", st)
		}
		if _, err := s.admin.UserGroupGet(ctx, s.orgID, gid); err == nil {
			t.Fatal("the deleted SCIM group is still an organization group")
		}

		// Rotation: the old token stops, the new one works.
		var rot struct {
			Token string `json:"scim_token"`
		}
		if st := callJSON(t, "POST", authURL+"/"+s.methodID+"/scim-token", orgAdminToken, nil, &rot); st != http.StatusOK || !strings.HasPrefix(rot.Token, "gthscim_") {
			t.Fatalf("rotate: %d %+v", st, rot)
		}
		wantSCIMError(t, "the rotated-out token", s.do(t, "GET", "/Users", ""), http.StatusUnauthorized, "")
		if r := scimDo(t, "GET", s.base+"/Users", rot.Token, ""); r.status != http.StatusOK {
			t.Fatalf("the new token: %d %s", r.status, r.raw)
		}
		s.token = rot.Token

		// DELETE deactivates and removes.
		if r := s.do(t, "DELETE", "/Users/"+created.str("id"), ""); r.status != http.StatusNoContent {
			t.Fatalf("delete user: %d %s", r.status, r.raw)
		}
		if _, ok := s.member(t, "new.hire@example.com"); ok {
			t.Fatal("a deleted SCIM user is still a member")
		}
		if r := s.do(t, "GET", "/Users/"+created.str("id"), ""); r.status != http.StatusNotFound {
			t.Fatalf("GET a deleted SCIM user: %d %s", r.status, r.raw)
		}

		// Events name the SCIM token as the actor.
		var events struct {
			Events []struct {
				Actor      string `json:"actor"`
				ActionType string `json:"action_type"`
			} `json:"events"`
		}
		getJSON(t, s.srv.URL+"/v1/account/"+s.accountID+"/events", s.adminToken, &events)
		scimEvents := 0
		for _, e := range events.Events {
			if strings.Contains(e.Actor, "SCIM token") {
				scimEvents++
			}
		}
		if scimEvents < 5 {
			t.Fatalf("%d events by the SCIM token in %+v", scimEvents, events.Events)
		}
	})
}

// TestSCIMDeactivationStopsEveryServer: Entra ID's active:"False" ends a
// person's session and personal token within a second on both servers of
// one PostgreSQL database, and active:true brings them back.
func TestSCIMDeactivationStopsEveryServer(t *testing.T) {
	t.Parallel()
	s := newSCIMOrg(t, servertest.Postgres(t))
	other := servertest.Start(t, s.srv.Database)
	personID, session := s.person(t, "leaver@example.com")
	tok, err := client(t, s.srv.URL, session).AccessTokenCreate(t.Context(), &user.AccessTokenCreateIn{Description: "laptop"})
	if err != nil {
		t.Fatal(err)
	}
	if r := s.do(t, "POST", "/Users", `{"userName":"leaver@example.com","externalId":"x1"}`); r.status != http.StatusCreated {
		t.Fatalf("link: %d %s", r.status, r.raw)
	}
	servers := []string{s.srv.URL, other.URL}
	works := func(url, token string) bool {
		return callJSON(t, "GET", url+"/v1/me", token, nil, nil) == http.StatusOK
	}
	for _, u := range servers {
		for _, tk := range []string{session, tok.FullToken} {
			if !works(u, tk) {
				t.Fatalf("before deactivation a token fails on %s", u)
			}
		}
	}
	if r := s.do(t, "PATCH", "/Users/"+personID, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`); r.status != http.StatusOK || r.body["active"] != false {
		t.Fatalf("deactivate: %d %s", r.status, r.raw)
	}
	start := time.Now()
	for _, u := range servers {
		for _, tk := range []string{session, tok.FullToken} {
			for works(u, tk) {
				if time.Since(start) > time.Second {
					t.Fatalf("a token still works on %s %v after SCIM deactivation", u, time.Since(start))
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	}
	t.Logf("every token stopped on both servers within %v", time.Since(start))
	if r := s.do(t, "PATCH", "/Users/"+personID, `{"Operations":[{"op":"replace","value":{"active":true}}]}`); r.status != http.StatusOK || r.body["active"] != true {
		t.Fatalf("reactivate: %d %s", r.status, r.raw)
	}
	if !works(s.srv.URL, session) {
		t.Fatal("reactivated through SCIM, the session does not work")
	}
}
