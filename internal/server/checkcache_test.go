package server_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aiven/go-client-codegen/handler/applicationuser"
	"github.com/aiven/go-client-codegen/handler/organization"
	"github.com/aiven/go-client-codegen/handler/organizationprojects"

	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// checkCaller is an application user allowed what it asks about itself on
// project p0, so its checks take the in-memory path once warm.
type checkCaller struct {
	orgID, userID string
	newToken      func() string
	deleteToken   func(tok string)
	deleteUser    func()
}

func newCheckCaller(t *testing.T, url string) checkCaller {
	t.Helper()
	ctx := t.Context()
	admin := client(t, url, login(t, url, servertest.AdminEmail, servertest.AdminPassword))
	orgs, err := admin.UserOrganizationsList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	orgID := orgs[0].OrganizationId
	if _, err := admin.OrganizationProjectsCreate(ctx, orgID, &organizationprojects.OrganizationProjectsCreateIn{ProjectId: "p0"}); err != nil {
		t.Fatal(err)
	}
	app, err := admin.ApplicationUserCreate(ctx, orgID, &applicationuser.ApplicationUserCreateIn{Name: "checker"})
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.PermissionsUpdate(ctx, orgID, organization.ResourceTypeProject, "p0", &organization.PermissionsUpdateIn{
		Operation:   organization.OperationTypeGrant,
		Permissions: []organization.PermissionIn{{PrincipalType: organization.PrincipalTypeUser, PrincipalId: app.UserId, Permissions: []string{"read_only"}}},
	}); err != nil {
		t.Fatal(err)
	}
	return checkCaller{
		orgID: orgID, userID: app.UserId,
		newToken: func() string {
			tk, err := admin.ApplicationUserAccessTokenCreate(ctx, orgID, app.UserId, &applicationuser.ApplicationUserAccessTokenCreateIn{})
			if err != nil {
				t.Fatal(err)
			}
			return tk.FullToken
		},
		deleteToken: func(tok string) {
			if err := admin.ApplicationUserAccessTokenDelete(ctx, orgID, app.UserId, tok[:15]); err != nil {
				t.Fatal(err)
			}
		},
		deleteUser: func() {
			if err := admin.ApplicationUserDelete(ctx, orgID, app.UserId); err != nil {
				t.Fatal(err)
			}
		},
	}
}

// check asks url whether the caller may read p0's services, as a batch of
// two; it returns the status.
func (c checkCaller) check(t *testing.T, url, tok string) int {
	t.Helper()
	one := `{"principal_id":"` + c.userID + `","permission":"project:services:read","resource_type":"project","resource_id":"p0"}`
	status, out := rawCall(t, http.MethodPost, url+"/v1/organization/"+c.orgID+"/access/check", tok, []byte(`{"checks":[`+one+`,`+one+`]}`))
	if status == http.StatusOK {
		if res, _ := out["results"].([]any); len(res) != 2 || res[0].(map[string]any)["allowed"] != true {
			t.Fatalf("answer %v", out)
		}
	}
	return status
}

// TestAccessCheckRefusesAtOnce: checks answered from memory (no store
// transaction) still stop with the very next request after the caller's
// token is revoked or its user deleted on the same server.
func TestAccessCheckRefusesAtOnce(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		srv := servertest.Start(t, db)
		c := newCheckCaller(t, srv.URL)
		for _, tc := range []struct {
			name   string
			revoke func(tok string)
		}{
			{"token revoked", c.deleteToken},
			{"user deleted", func(string) { c.deleteUser() }},
		} {
			tok := c.newToken()
			for range 3 { // the first fills the caches; the others use them
				if got := c.check(t, srv.URL, tok); got != http.StatusOK {
					t.Fatalf("%s: status %d before", tc.name, got)
				}
			}
			tc.revoke(tok)
			if got := c.check(t, srv.URL, tok); got != http.StatusUnauthorized {
				t.Fatalf("%s: status %d after, want 401", tc.name, got)
			}
		}
	})
}

// TestAccessCheckRefusalReachesReplicas: two servers on one PostgreSQL
// database; a revocation or deletion made on one stops the caller's
// in-memory checks on the other within the documented second (the change
// log and its push; the token cache's half second at worst).
func TestAccessCheckRefusalReachesReplicas(t *testing.T) {
	t.Parallel()
	db := servertest.Postgres(t)
	a := servertest.Start(t, db)
	b := servertest.Start(t, db)
	c := newCheckCaller(t, a.URL)
	for _, tc := range []struct {
		name   string
		revoke func(tok string)
	}{
		{"token revoked", c.deleteToken},
		{"user deleted", func(string) { c.deleteUser() }},
	} {
		tok := c.newToken()
		start := time.Now()
		for c.check(t, b.URL, tok) != http.StatusOK { // b follows the grant
			if time.Since(start) > 2*time.Second {
				t.Fatalf("%s: b never accepted the caller", tc.name)
			}
			time.Sleep(10 * time.Millisecond)
		}
		c.check(t, b.URL, tok)
		tc.revoke(tok)
		start = time.Now()
		for {
			got := c.check(t, b.URL, tok)
			if got == http.StatusUnauthorized || got == http.StatusForbidden {
				t.Logf("%s: refused on the other server after %v", tc.name, time.Since(start))
				break
			}
			if got != http.StatusOK {
				t.Fatalf("%s: status %d", tc.name, got)
			}
			if time.Since(start) > time.Second {
				t.Fatalf("%s: the other server still answers after %v", tc.name, time.Since(start))
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// TestAccessCheckConcurrentBodies: concurrent batches whose answers differ
// (allowed from memory, denied through the store, refused with an error
// quoting the body) each get their own answer, though check bodies are
// read into buffers reused across requests.
func TestAccessCheckConcurrentBodies(t *testing.T) {
	srv := servertest.Start(t, servertest.SQLite(t))
	c := newCheckCaller(t, srv.URL)
	tok := c.newToken()
	batch := func(perm, rid string, n int) string {
		one := `{"principal_id":"` + c.userID + `","permission":"` + perm + `","resource_type":"project","resource_id":"` + rid + `"}`
		return `{"checks":[` + strings.Repeat(one+",", n-1) + one + `]}`
	}
	kinds := []struct {
		body   string
		status int
		want   string // every result's "allowed", or the error message's start
	}{
		{batch("project:services:read", "p0", 100), http.StatusOK, "true"},
		{batch("admin", "p0", 37), http.StatusOK, "false"},
		{batch("no:such-permission-with-a-long-name", "p0", 3), http.StatusBadRequest, ""},
	}
	url := srv.URL + "/v1/organization/" + c.orgID + "/access/check"
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 60 {
				k := kinds[(w+i)%len(kinds)]
				req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(k.body))
				req.Header.Set("Authorization", "aivenv1 "+tok)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				var out struct {
					Message string `json:"message"`
					Results []struct {
						Allowed bool `json:"allowed"`
					} `json:"results"`
				}
				err = json.NewDecoder(resp.Body).Decode(&out)
				resp.Body.Close()
				if err != nil || resp.StatusCode != k.status {
					t.Errorf("status %d, %v, want %d", resp.StatusCode, err, k.status)
					return
				}
				if k.status != http.StatusOK {
					if !strings.Contains(out.Message, "no:such-permission-with-a-long-name") {
						t.Errorf("error message %q does not name the permission", out.Message)
					}
					continue
				}
				if want := strings.Count(k.body, "principal_id"); len(out.Results) != want {
					t.Errorf("%d results, want %d", len(out.Results), want)
				}
				for _, r := range out.Results {
					if strconv.FormatBool(r.Allowed) != k.want {
						t.Errorf("a result is %t, want %s", r.Allowed, k.want)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}
