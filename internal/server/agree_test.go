package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aiven/go-client-codegen/handler/applicationuser"

	"github.com/gatehouse-dev/gatehouse/internal/server"
	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// answer is one raw HTTP exchange.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// exchange sends a JSON request with extra headers and returns the answer.
func exchange(t *testing.T, method, url, token string, header map[string]string, in any) answer {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "aivenv1 "+token)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, b}
}

// revision is the Gatehouse-Revision an answer carries.
func (a answer) revision(t *testing.T) int64 {
	t.Helper()
	rev, err := strconv.ParseInt(a.header.Get("Gatehouse-Revision"), 10, 64)
	if err != nil {
		t.Fatalf("answer %d without a Gatehouse-Revision header: %q", a.status, a.header.Get("Gatehouse-Revision"))
	}
	return rev
}

// allowed decodes an access check's answer.
func (a answer) allowed(t *testing.T) bool {
	t.Helper()
	if a.status != http.StatusOK {
		t.Fatalf("check answered %d: %s", a.status, a.body)
	}
	var out struct {
		Allowed bool `json:"allowed"`
	}
	if err := json.Unmarshal(a.body, &out); err != nil {
		t.Fatal(err)
	}
	return out.Allowed
}

func percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s)-1) * p)
	return s[i]
}

// TestReplicasAgree runs three servers on one PostgreSQL database (and a
// fourth that never follows the change log on its own):
//   - a project created through A is readable through B and C at once;
//   - every write answers with its revision, and a request carrying it
//     (Gatehouse-At-Least-Revision) is decided at least that new on a server
//     that had not caught up; past the bounded wait it is a 409;
//   - how long a revocation and a token revocation on A take to be refused
//     on B and C is logged (p50/p99), not asserted.
func TestReplicasAgree(t *testing.T) {
	t.Parallel()
	db := servertest.Postgres(t)
	production := func(c *server.Config) { c.FollowInterval = 250 * time.Millisecond }
	a := servertest.Start(t, db, production)
	b := servertest.Start(t, db, production)
	c := servertest.Start(t, db, production)
	lazy := servertest.Start(t, db, func(c *server.Config) { c.FollowInterval = -1 })
	tok := login(t, a.URL, servertest.AdminEmail, servertest.AdminPassword)
	ctx := t.Context()
	admin := client(t, a.URL, tok)
	orgs, err := admin.UserOrganizationsList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	orgID := orgs[0].OrganizationId
	me := meID(t, a.URL, tok)

	t.Run("create on A, read on B and C at once", func(t *testing.T) {
		for i := range 20 {
			name := fmt.Sprintf("fresh%d", i)
			created := exchange(t, http.MethodPost, a.URL+"/v1/organization/"+orgID+"/projects", tok, nil, map[string]string{"project_id": name})
			if created.status != http.StatusOK && created.status != http.StatusCreated {
				t.Fatalf("create: %d %s", created.status, created.body)
			}
			var wg sync.WaitGroup
			for _, s := range []*servertest.Instance{b, c, lazy} {
				wg.Add(2)
				go func() {
					defer wg.Done()
					if got := exchange(t, http.MethodGet, s.URL+"/v1/organization/"+orgID+"/project/"+name, tok, nil, nil); got.status != http.StatusOK {
						t.Errorf("%s: read of a project just created elsewhere: %d %s", s.URL, got.status, got.body)
					}
				}()
				go func() {
					defer wg.Done()
					check := map[string]string{"principal_type": "user", "principal_id": me, "permission": "project:services:read", "resource_type": "project", "resource_id": name}
					if !exchange(t, http.MethodPost, s.URL+"/v1/organization/"+orgID+"/access/check", tok, nil, check).allowed(t) {
						t.Errorf("%s: the super admin is denied on a project just created elsewhere", s.URL)
					}
				}()
			}
			wg.Wait()
		}
	})

	app, err := admin.ApplicationUserCreate(ctx, orgID, &applicationuser.ApplicationUserCreateIn{Name: "subject"})
	if err != nil {
		t.Fatal(err)
	}
	permissions := a.URL + "/v1/organization/" + orgID + "/permissions/project/fresh0"
	change := func(op string) int64 {
		t.Helper()
		got := exchange(t, http.MethodPatch, permissions, tok, nil, map[string]any{"operation": op,
			"permissions": []map[string]any{{"principal_type": "user", "principal_id": app.UserId, "permissions": []string{"project:services:read"}}}})
		if got.status != http.StatusOK {
			t.Fatalf("%s: %d %s", op, got.status, got.body)
		}
		return got.revision(t)
	}
	check := map[string]string{"principal_type": "user", "principal_id": app.UserId, "permission": "project:services:read", "resource_type": "project", "resource_id": "fresh0"}
	checkOn := func(s *servertest.Instance, header map[string]string) answer {
		return exchange(t, http.MethodPost, s.URL+"/v1/organization/"+orgID+"/access/check", tok, header, check)
	}

	t.Run("a write's revision is honoured on another server", func(t *testing.T) {
		granted := change("grant")
		if !checkOn(lazy, nil).allowed(t) {
			t.Fatal("grant not seen (denials are re-decided)")
		}
		revoked := change("revoke")
		if revoked <= granted {
			t.Fatalf("revoke's revision %d is not after the grant's %d", revoked, granted)
		}
		if checkOn(lazy, nil).allowed(t) {
			t.Logf("without the header the lagging server still allows (expected: it has not followed)")
		}
		got := checkOn(lazy, map[string]string{"Gatehouse-At-Least-Revision": strconv.FormatInt(revoked, 10)})
		if got.allowed(t) {
			t.Fatal("a check at least as new as the revocation still allowed")
		}
		if got.revision(t) < revoked {
			t.Fatalf("decided at revision %d, asked for %d", got.revision(t), revoked)
		}
		// The body's at_least_revision keeps working.
		change("grant")
		regranted := change("grant")
		body := map[string]any{"principal_type": "user", "principal_id": app.UserId, "permission": "project:services:read", "resource_type": "project", "resource_id": "fresh0", "at_least_revision": regranted}
		if !exchange(t, http.MethodPost, lazy.URL+"/v1/organization/"+orgID+"/access/check", tok, nil, body).allowed(t) {
			t.Fatal("at_least_revision in the body was not honoured")
		}
		change("revoke")

		for _, tc := range []struct {
			name   string
			header string
			status int
			says   string
		}{
			{"revision nobody reached", strconv.FormatInt(revoked+1_000_000, 10), http.StatusConflict, "is not known to this server"},
			{"not a number", "soon", http.StatusBadRequest, "Gatehouse-At-Least-Revision must be"},
			{"negative", "-1", http.StatusBadRequest, "Gatehouse-At-Least-Revision must be"},
		} {
			got := exchange(t, http.MethodGet, lazy.URL+"/v1/organization/"+orgID+"/project/fresh0", tok, map[string]string{"Gatehouse-At-Least-Revision": tc.header}, nil)
			if got.status != tc.status || !strings.Contains(string(got.body), tc.says) {
				t.Errorf("%s: %d %s, want %d saying %q", tc.name, got.status, got.body, tc.status, tc.says)
			}
		}
	})

	t.Run("propagation", func(t *testing.T) {
		var lags []time.Duration
		for range 30 {
			change("grant")
			for _, s := range []*servertest.Instance{b, c} {
				for !checkOn(s, nil).allowed(t) {
					time.Sleep(time.Millisecond)
				}
			}
			change("revoke")
			start := time.Now()
			var wg sync.WaitGroup
			var mu sync.Mutex
			for _, s := range []*servertest.Instance{b, c} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for checkOn(s, nil).allowed(t) {
						if time.Since(start) > 5*time.Second {
							t.Errorf("%s still allows 5s after a revocation", s.URL)
							return
						}
						time.Sleep(time.Millisecond)
					}
					mu.Lock()
					lags = append(lags, time.Since(start))
					mu.Unlock()
				}()
			}
			wg.Wait()
		}
		t.Logf("revocation refused on the other servers after p50 %v, p99 %v, max %v (%d samples)",
			percentile(lags, 0.5), percentile(lags, 0.99), percentile(lags, 1), len(lags))
	})

	t.Run("token revocation propagation", func(t *testing.T) {
		var lags []time.Duration
		for range 20 {
			tk, err := admin.ApplicationUserAccessTokenCreate(ctx, orgID, app.UserId, &applicationuser.ApplicationUserAccessTokenCreateIn{})
			if err != nil {
				t.Fatal(err)
			}
			// Used on B and C first, so that both have it cached.
			for _, s := range []*servertest.Instance{b, c} {
				if got := exchange(t, http.MethodGet, s.URL+"/v1/me", tk.FullToken, nil, nil); got.status != http.StatusOK {
					t.Fatalf("new token refused on %s: %d %s", s.URL, got.status, got.body)
				}
			}
			if err := admin.ApplicationUserAccessTokenDelete(ctx, orgID, app.UserId, tk.TokenPrefix); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			var wg sync.WaitGroup
			var mu sync.Mutex
			for _, s := range []*servertest.Instance{b, c} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for exchange(t, http.MethodGet, s.URL+"/v1/me", tk.FullToken, nil, nil).status == http.StatusOK {
						if time.Since(start) > 5*time.Second {
							t.Errorf("%s still accepts a token revoked 5s ago", s.URL)
							return
						}
						time.Sleep(time.Millisecond)
					}
					mu.Lock()
					lags = append(lags, time.Since(start))
					mu.Unlock()
				}()
			}
			wg.Wait()
		}
		t.Logf("token revocation refused on the other servers after p50 %v, p99 %v, max %v (%d samples)",
			percentile(lags, 0.5), percentile(lags, 0.99), percentile(lags, 1), len(lags))
	})
}

// meID is the user ID behind a token.
func meID(t *testing.T, url, token string) string {
	t.Helper()
	got := exchange(t, http.MethodGet, url+"/v1/me", token, nil, nil)
	var out struct {
		User struct {
			UserID string `json:"user_id"`
		} `json:"user"`
	}
	if err := json.Unmarshal(got.body, &out); err != nil || out.User.UserID == "" {
		t.Fatalf("/v1/me: %d %s", got.status, got.body)
	}
	return out.User.UserID
}
