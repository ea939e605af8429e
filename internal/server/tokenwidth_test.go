package server_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// TestTokenCannotMintWider is issue 13's hole 4: a token limited by IP,
// expiry or scopes asks every minting path (application tokens, personal
// tokens, sessions from a password change) for something wider, and is
// refused; within its limits it succeeds, and what it mints keeps them.
func TestTokenCannotMintWider(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		srv := servertest.Start(t, db)
		adminTok := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
		orgs, err := client(t, srv.URL, adminTok).UserOrganizationsList(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		orgID := orgs[0].OrganizationId
		base := srv.URL + "/v1/organization/" + orgID

		// An application user allowed to mint its own tokens.
		var app struct {
			UserID string `json:"user_id"`
		}
		if st := callJSON(t, "POST", base+"/application-users", adminTok, map[string]any{"name": "ci"}, &app); st != http.StatusCreated && st != http.StatusOK {
			t.Fatalf("create application user: %d", st)
		}
		grant := map[string]any{"operation": "grant", "permissions": []map[string]any{
			{"principal_type": "user", "principal_id": app.UserID, "permissions": []string{"organization:app_users:write"}}}}
		if st := callJSON(t, "PATCH", base+"/permissions/organization/"+orgID, adminTok, grant, nil); st != http.StatusOK {
			t.Fatalf("grant: %d", st)
		}
		appTokens := base + "/application-users/" + app.UserID + "/access-tokens"
		var narrow struct {
			FullToken string `json:"full_token"`
		}
		if st := callJSON(t, "POST", appTokens, adminTok, map[string]any{"max_age_seconds": 3600, "ip_allowlist": []string{"127.0.0.1/32"}, "scopes": []string{"deploy"}}, &narrow); st != http.StatusOK && st != http.StatusCreated {
			t.Fatalf("narrow application token: %d", st)
		}

		// A personal token of the admin, limited the same way.
		var personal struct {
			FullToken string `json:"full_token"`
		}
		if st := callJSON(t, "POST", srv.URL+"/v1/access_token", adminTok, map[string]any{"max_age_seconds": 3600, "ip_allowlist": []string{"127.0.0.1/32"}, "scopes": []string{"deploy"}}, &personal); st != http.StatusOK && st != http.StatusCreated {
			t.Fatalf("narrow personal token: %d", st)
		}

		ok := map[string]any{"max_age_seconds": 1800, "ip_allowlist": []string{"127.0.0.1/32"}, "scopes": []string{"deploy"}}
		wider := map[string]map[string]any{
			"no ip limit":           {"max_age_seconds": 1800, "scopes": []string{"deploy"}},
			"wider ip range":        {"max_age_seconds": 1800, "ip_allowlist": []string{"127.0.0.0/8"}, "scopes": []string{"deploy"}},
			"no expiry":             {"ip_allowlist": []string{"127.0.0.1/32"}, "scopes": []string{"deploy"}},
			"later expiry":          {"max_age_seconds": 7200, "ip_allowlist": []string{"127.0.0.1/32"}, "scopes": []string{"deploy"}},
			"extended when used":    {"max_age_seconds": 1800, "extend_when_used": true, "ip_allowlist": []string{"127.0.0.1/32"}, "scopes": []string{"deploy"}},
			"no scopes":             {"max_age_seconds": 1800, "ip_allowlist": []string{"127.0.0.1/32"}},
			"another scope":         {"max_age_seconds": 1800, "ip_allowlist": []string{"127.0.0.1/32"}, "scopes": []string{"deploy", "admin"}},
			"issue's exact exploit": {},
		}
		for _, path := range []struct{ name, url, caller string }{
			{"application token by application token", appTokens, narrow.FullToken},
			{"application token by personal token", appTokens, personal.FullToken},
			{"personal token by personal token", srv.URL + "/v1/access_token", personal.FullToken},
		} {
			for name, in := range wider {
				st, body := rawCallJSON(t, "POST", path.url, path.caller, in)
				if st != http.StatusForbidden || body["message"] == "" {
					t.Errorf("%s, %s: status %d %v, want 403 with a message", path.name, name, st, body)
				}
			}
			if st, body := rawCallJSON(t, "POST", path.url, path.caller, ok); st != http.StatusOK && st != http.StatusCreated {
				t.Errorf("%s within the caller's limits: %d %v", path.name, st, body)
			}
		}

		// A session minted from the restricted personal token (password
		// change) keeps its limits: unusable from another address.
		var changed struct {
			Token string `json:"token"`
		}
		if st := callJSON(t, "PUT", srv.URL+"/v1/me/password", personal.FullToken,
			map[string]any{"password": servertest.AdminPassword, "new_password": "another long passphrase 42"}, &changed); st != http.StatusOK {
			t.Fatalf("password change with the personal token: %d", st)
		}
		if _, err := clientFrom(t, srv.URL, changed.Token, "127.0.0.2").UserOrganizationsList(t.Context()); err == nil {
			t.Fatal("the session minted from a 127.0.0.1/32 token works from 127.0.0.2")
		} else {
			wantStatus(t, err, http.StatusForbidden)
		}
		var listed struct {
			Tokens []struct {
				CurrentlyActive bool     `json:"currently_active"`
				IPAllowlist     []string `json:"ip_allowlist"`
				ExpiryTime      string   `json:"expiry_time"`
				ExtendWhenUsed  bool     `json:"extend_when_used"`
				Scopes          []string `json:"scopes"`
			} `json:"tokens"`
		}
		if st := callJSON(t, "GET", srv.URL+"/v1/access_token", changed.Token, nil, &listed); st != http.StatusOK {
			t.Fatalf("listing with the new session: %d", st)
		}
		found := false
		for _, tk := range listed.Tokens {
			if tk.CurrentlyActive {
				found = true
				if len(tk.IPAllowlist) != 1 || tk.ExpiryTime == "" || tk.ExtendWhenUsed || len(tk.Scopes) != 1 {
					t.Errorf("session minted from a restricted token: %+v", tk)
				}
			}
		}
		if !found {
			t.Error("the new session is not in the listing")
		}
	})
}

// rawCallJSON is rawCall with a body marshalled from in.
func rawCallJSON(t *testing.T, method, url, token string, in any) (int, map[string]any) {
	t.Helper()
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	return rawCall(t, method, url, token, b)
}
