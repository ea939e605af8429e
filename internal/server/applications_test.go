package server_test

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	aiven "github.com/aiven/go-client-codegen"
	"github.com/aiven/go-client-codegen/handler/applicationuser"
	"github.com/aiven/go-client-codegen/handler/organization"
	"github.com/aiven/go-client-codegen/handler/organizationprojects"
	"github.com/aiven/go-client-codegen/handler/user"

	"github.com/gatehouse-dev/gatehouse/internal/server"
	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// TestApplicationUserWalkthrough is the seed's walkthrough through Aiven's
// client: create an application user, give it a token with a maximum age
// and allowed ranges, grant it project admin, use the token, revoke it, and
// see it refused.
func TestApplicationUserWalkthrough(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		srv := servertest.Start(t, db)
		ctx := t.Context()
		admin := client(t, srv.URL, login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword))
		orgs, err := admin.UserOrganizationsList(ctx)
		if err != nil {
			t.Fatal(err)
		}
		orgID := orgs[0].OrganizationId
		if _, err := admin.OrganizationProjectsCreate(ctx, orgID, &organizationprojects.OrganizationProjectsCreateIn{ProjectId: "deploy-target"}); err != nil {
			t.Fatal(err)
		}

		// The client sends is_super_admin; true is refused.
		_, err = admin.ApplicationUserCreate(ctx, orgID, &applicationuser.ApplicationUserCreateIn{Name: "boss", IsSuperAdmin: ptr(true)})
		wantStatus(t, err, http.StatusBadRequest)
		app, err := admin.ApplicationUserCreate(ctx, orgID, &applicationuser.ApplicationUserCreateIn{Name: "terraform"})
		if err != nil {
			t.Fatal(err)
		}
		if app.UserId == "" || !strings.Contains(app.UserEmail, "@") || app.IsSuperAdmin || app.CreateTime.IsZero() {
			t.Fatalf("created %+v", app)
		}
		renamed, err := admin.ApplicationUserUpdate(ctx, orgID, app.UserId, &applicationuser.ApplicationUserUpdateIn{Name: "terraform-ci"})
		if err != nil || renamed.Name != "terraform-ci" {
			t.Fatalf("rename: %+v %v", renamed, err)
		}
		got, err := admin.ApplicationUserGet(ctx, orgID, app.UserId)
		if err != nil || got.Name != "terraform-ci" || got.UserEmail != app.UserEmail {
			t.Fatalf("get: %+v %v", got, err)
		}
		apps, err := admin.ApplicationUsersList(ctx, orgID)
		if err != nil || len(apps) != 1 || apps[0].UserId != app.UserId {
			t.Fatalf("list: %+v %v", apps, err)
		}

		tok, err := admin.ApplicationUserAccessTokenCreate(ctx, orgID, app.UserId, &applicationuser.ApplicationUserAccessTokenCreateIn{
			Description:    "deploys",
			MaxAgeSeconds:  ptr(3600),
			ExtendWhenUsed: ptr(true),
			IPAllowlist:    &[]string{"127.0.0.0/8", "::1"},
			Scopes:         &[]string{"read", "write"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(tok.FullToken, "gtha_") || !strings.HasPrefix(tok.FullToken, tok.TokenPrefix) {
			t.Fatalf("token %q prefix %q", tok.FullToken, tok.TokenPrefix)
		}
		// Bad requests are 400s in the error shape.
		for name, in := range map[string]*applicationuser.ApplicationUserAccessTokenCreateIn{
			"max age too short":       {MaxAgeSeconds: ptr(60)},
			"extend without max age":  {ExtendWhenUsed: ptr(true)},
			"hostname in allow-list":  {IPAllowlist: &[]string{"ci.example.com"}},
			"description over limits": {Description: strings.Repeat("x", 1001)},
		} {
			_, err := admin.ApplicationUserAccessTokenCreate(ctx, orgID, app.UserId, in)
			if err == nil {
				t.Fatalf("%s: accepted", name)
			}
			wantStatus(t, err, http.StatusBadRequest)
		}

		bot := client(t, srv.URL, tok.FullToken)
		_, err = bot.ProjectGet(ctx, "deploy-target")
		wantStatus(t, err, http.StatusForbidden) // no grant yet

		err = admin.PermissionsUpdate(ctx, orgID, organization.ResourceTypeProject, "deploy-target", &organization.PermissionsUpdateIn{
			Operation:   organization.OperationTypeGrant,
			Permissions: []organization.PermissionIn{{PrincipalType: organization.PrincipalTypeUser, PrincipalId: app.UserId, Permissions: []string{"admin"}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bot.ProjectGet(ctx, "deploy-target"); err != nil {
			t.Fatalf("token with project admin: %v", err)
		}
		_, err = bot.OrganizationProjectsCreate(ctx, orgID, &organizationprojects.OrganizationProjectsCreateIn{ProjectId: "not-allowed"})
		wantStatus(t, err, http.StatusForbidden)

		tokens, err := admin.ApplicationUserAccessTokensList(ctx, orgID, app.UserId)
		if err != nil || len(tokens) != 1 {
			t.Fatalf("tokens: %+v %v", tokens, err)
		}
		lt := tokens[0]
		if lt.TokenPrefix != tok.TokenPrefix || lt.Description == nil || *lt.Description != "deploys" || lt.ExpiryTime == nil ||
			lt.MaxAgeSeconds == nil || *lt.MaxAgeSeconds != 3600 || lt.ExtendWhenUsed == nil || !*lt.ExtendWhenUsed ||
			len(lt.IPAllowlist) != 2 || len(lt.Scopes) != 2 || !lt.CreatedManually || lt.CurrentlyActive ||
			lt.LastUsedTime == nil || lt.LastIP == nil || *lt.LastIP != "127.0.0.1" || lt.LastUserAgent == nil {
			t.Fatalf("listed token: %+v", lt)
		}

		// A token whose allow-list excludes loopback is refused with 403.
		far, err := admin.ApplicationUserAccessTokenCreate(ctx, orgID, app.UserId, &applicationuser.ApplicationUserAccessTokenCreateIn{
			IPAllowlist: &[]string{"10.0.0.0/8", "2001:db8::/32"},
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = client(t, srv.URL, far.FullToken).ProjectGet(ctx, "deploy-target")
		wantStatus(t, err, http.StatusForbidden)

		// Rotation: a second token works before the first is revoked.
		second, err := admin.ApplicationUserAccessTokenCreate(ctx, orgID, app.UserId, &applicationuser.ApplicationUserAccessTokenCreateIn{Description: "rotated"})
		if err != nil {
			t.Fatal(err)
		}
		if err := admin.ApplicationUserAccessTokenDelete(ctx, orgID, app.UserId, tok.TokenPrefix); err != nil {
			t.Fatal(err)
		}
		_, err = bot.ProjectGet(ctx, "deploy-target")
		wantStatus(t, err, http.StatusUnauthorized)
		if _, err := client(t, srv.URL, second.FullToken).ProjectGet(ctx, "deploy-target"); err != nil {
			t.Fatalf("rotated token: %v", err)
		}
		err = admin.ApplicationUserAccessTokenDelete(ctx, orgID, app.UserId, tok.TokenPrefix)
		wantStatus(t, err, http.StatusNotFound)

		// The refusal is in the organization's event log, without secrets.
		events, err := admin.AccountEventList(ctx, orgs[0].AccountId)
		if err != nil {
			t.Fatal(err)
		}
		var refused, created int
		for _, e := range events {
			if strings.Contains(e.ActionDescription, tok.FullToken) || strings.Contains(e.ActionDescription, second.FullToken) {
				t.Fatalf("event leaks a token: %+v", e)
			}
			switch e.ActionType {
			case "token_refused":
				refused++
			case "application_user_token_create":
				created++
			}
		}
		if refused < 2 || created != 3 {
			t.Fatalf("events: %d refusals, %d creations", refused, created)
		}

		// Deleting the user ends all its tokens.
		if err := admin.ApplicationUserDelete(ctx, orgID, app.UserId); err != nil {
			t.Fatal(err)
		}
		_, err = client(t, srv.URL, second.FullToken).ProjectGet(ctx, "deploy-target")
		wantStatus(t, err, http.StatusUnauthorized)
		_, err = admin.ApplicationUserGet(ctx, orgID, app.UserId)
		wantStatus(t, err, http.StatusNotFound)
	})
}

// TestPersonalTokensThroughClient: /v1/access_token through Aiven's client.
func TestPersonalTokensThroughClient(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, servertest.SQLite(t))
	ctx := t.Context()
	session := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
	me := client(t, srv.URL, session)
	created, err := me.AccessTokenCreate(ctx, &user.AccessTokenCreateIn{Description: "laptop", MaxAgeSeconds: ptr(86400.0), ExtendWhenUsed: ptr(true), IPAllowlist: &[]string{"127.0.0.1", "::1"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(created.FullToken, "gthp_") || created.MaxAgeSeconds != 86400 || !created.ExtendWhenUsed || created.ExpiryTime == nil || !created.CreatedManually {
		t.Fatalf("created %+v", created)
	}
	_, err = me.AccessTokenCreate(ctx, &user.AccessTokenCreateIn{MaxAgeSeconds: ptr(600.5)})
	wantStatus(t, err, http.StatusBadRequest)

	personal := client(t, srv.URL, created.FullToken)
	list, err := personal.AccessTokenList(ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("list: %+v %v", list, err)
	}
	for _, tk := range list {
		active := tk.CurrentlyActive != nil && *tk.CurrentlyActive
		if active != (tk.TokenPrefix == created.TokenPrefix) {
			t.Fatalf("currently_active wrong: %+v", tk)
		}
		if tk.TokenPrefix != created.TokenPrefix && tk.CreatedManually {
			t.Fatalf("login session listed as created manually: %+v", tk)
		}
	}
	upd, err := me.AccessTokenUpdate(ctx, created.TokenPrefix, &user.AccessTokenUpdateIn{Description: "old laptop"})
	if err != nil || upd.Description == nil || *upd.Description != "old laptop" {
		t.Fatalf("update: %+v %v", upd, err)
	}
	if err := me.AccessTokenRevoke(ctx, created.TokenPrefix); err != nil {
		t.Fatal(err)
	}
	_, err = personal.AccessTokenList(ctx)
	wantStatus(t, err, http.StatusUnauthorized)

	// Expire all: every token, the one in use included.
	other, err := me.AccessTokenCreate(ctx, &user.AccessTokenCreateIn{Description: "ci"})
	if err != nil {
		t.Fatal(err)
	}
	if err := me.UserExpireTokens(ctx); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{session, other.FullToken} {
		_, err := client(t, srv.URL, s).AccessTokenList(ctx)
		wantStatus(t, err, http.StatusUnauthorized)
	}
}

// TestTokenRevocationReachesReplicas: two servers on one PostgreSQL
// database; a token revoked (or whose user is deleted) through one is
// refused by the other within a second.
func TestTokenRevocationReachesReplicas(t *testing.T) {
	t.Parallel()
	db := servertest.Postgres(t)
	a := servertest.Start(t, db)
	b := servertest.Start(t, db)
	ctx := t.Context()
	admin := client(t, a.URL, login(t, a.URL, servertest.AdminEmail, servertest.AdminPassword))
	orgs, err := admin.UserOrganizationsList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	orgID := orgs[0].OrganizationId
	app, err := admin.ApplicationUserCreate(ctx, orgID, &applicationuser.ApplicationUserCreateIn{Name: "replicated"})
	if err != nil {
		t.Fatal(err)
	}
	newToken := func() string {
		tk, err := admin.ApplicationUserAccessTokenCreate(ctx, orgID, app.UserId, &applicationuser.ApplicationUserAccessTokenCreateIn{})
		if err != nil {
			t.Fatal(err)
		}
		return tk.FullToken
	}
	// refusedWithin uses the token on server b until it is refused.
	refusedWithin := func(c aiven.Client, what string) time.Duration {
		t.Helper()
		start := time.Now()
		for {
			_, err := c.ApplicationUsersList(ctx, orgID)
			if err != nil {
				// 401 once the token cache refreshes, or 403 if the
				// change log removed the user's access first.
				var e aiven.Error
				if !errors.As(err, &e) || (e.Status != http.StatusUnauthorized && e.Status != http.StatusForbidden) {
					t.Fatalf("%s: unexpected error %v", what, err)
				}
				d := time.Since(start)
				if d > time.Second {
					t.Fatalf("%s: second server refused only after %v", what, d)
				}
				t.Logf("%s: second server refused after %v", what, d)
				return d
			}
			if time.Since(start) > 3*time.Second {
				t.Fatalf("%s: second server still accepts after %v", what, time.Since(start))
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	// The application user needs app_users:write to list application
	// users; grant it so requests succeed until revocation.
	err = admin.PermissionsUpdate(ctx, orgID, organization.ResourceTypeOrganization, orgID, &organization.PermissionsUpdateIn{
		Operation:   organization.OperationTypeGrant,
		Permissions: []organization.PermissionIn{{PrincipalType: organization.PrincipalTypeUser, PrincipalId: app.UserId, Permissions: []string{"organization:app_users:write"}}},
	})
	if err != nil {
		t.Fatal(err)
	}

	// acceptedWithin waits until server b accepts the token (it follows
	// the grant above through the change log).
	acceptedWithin := func(c aiven.Client) {
		t.Helper()
		start := time.Now()
		for {
			_, err := c.ApplicationUsersList(ctx, orgID)
			if err == nil {
				return
			}
			if time.Since(start) > 2*time.Second {
				t.Fatalf("second server still refuses the token: %v", err)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	t1 := newToken()
	c1 := client(t, b.URL, t1)
	acceptedWithin(c1)
	prefix := t1[:15]
	if err := admin.ApplicationUserAccessTokenDelete(ctx, orgID, app.UserId, prefix); err != nil {
		t.Fatal(err)
	}
	refusedWithin(c1, "revocation")

	t2 := newToken()
	c2 := client(t, b.URL, t2)
	acceptedWithin(c2)
	if err := admin.ApplicationUserDelete(ctx, orgID, app.UserId); err != nil {
		t.Fatal(err)
	}
	refusedWithin(c2, "user deletion")
}

// TestTrustedProxyDecidesClientAddress: with --trusted-proxies, a token's
// allow-list is checked against the address the proxy forwarded; without
// it, X-Forwarded-For is ignored.
func TestTrustedProxyDecidesClientAddress(t *testing.T) {
	t.Parallel()
	start := func(t *testing.T, proxies string) string {
		return servertest.Start(t, servertest.SQLite(t), func(c *server.Config) { c.TrustedProxies = proxies }).URL
	}
	status := func(t *testing.T, url, tok, xff string) int {
		req, err := http.NewRequestWithContext(t.Context(), "GET", url+"/v1/access_token", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "aivenv1 "+tok)
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	cases := []struct {
		name    string
		proxies string
		xff     string
		want    int
	}{
		{"trusted proxy, allowed client", "127.0.0.1", "192.0.2.10", http.StatusOK},
		{"trusted proxy, other client", "127.0.0.1", "198.51.100.1", http.StatusForbidden},
		{"trusted proxy, spoofed left entry", "127.0.0.0/8", "192.0.2.10, 198.51.100.1", http.StatusForbidden},
		{"no trusted proxy: header ignored", "", "192.0.2.10", http.StatusForbidden},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			url := start(t, c.proxies)
			me := client(t, url, login(t, url, servertest.AdminEmail, servertest.AdminPassword))
			tok, err := me.AccessTokenCreate(t.Context(), &user.AccessTokenCreateIn{IPAllowlist: &[]string{"192.0.2.0/24"}})
			if err != nil {
				t.Fatal(err)
			}
			if got := status(t, url, tok.FullToken, c.xff); got != c.want {
				t.Fatalf("status %d, want %d", got, c.want)
			}
		})
	}
	t.Run("bad setting refuses to start", func(t *testing.T) {
		cfg := server.Config{Listen: "127.0.0.1:0", Database: servertest.SQLite(t), TrustedProxies: "proxy.example.com"}
		if err := server.Run(t.Context(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard, nil); err == nil || !strings.Contains(err.Error(), "trusted prox") {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestTokenAllowlistOverIPv6: a server on the IPv6 loopback checks token
// allow-lists against the IPv6 client address.
func TestTokenAllowlistOverIPv6(t *testing.T) {
	t.Parallel()
	if ln, err := net.Listen("tcp", "[::1]:0"); err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	} else {
		ln.Close()
	}
	url := servertest.Start(t, servertest.SQLite(t), func(c *server.Config) { c.Listen = "[::1]:0" }).URL
	ctx := t.Context()
	me := client(t, url, login(t, url, servertest.AdminEmail, servertest.AdminPassword))
	cases := []struct {
		name      string
		allowlist []string
		want      int
	}{
		{"loopback address", []string{"::1"}, http.StatusOK},
		{"loopback range", []string{"10.0.0.0/8", "::/64"}, http.StatusOK},
		{"other IPv6 range", []string{"2001:db8::/32"}, http.StatusForbidden},
		{"IPv4 loopback only", []string{"127.0.0.0/8"}, http.StatusForbidden},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tok, err := me.AccessTokenCreate(ctx, &user.AccessTokenCreateIn{IPAllowlist: &c.allowlist})
			if err != nil {
				t.Fatal(err)
			}
			_, err = client(t, url, tok.FullToken).AccessTokenList(ctx)
			if c.want == http.StatusOK {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantStatus(t, err, c.want)
		})
	}
	// The listing records the IPv6 address of the last use.
	list, err := me.AccessTokenList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seen := false
	for _, tk := range list {
		if tk.LastIP != nil && *tk.LastIP == "::1" && tk.CreatedManually {
			seen = true
		}
	}
	if !seen {
		t.Fatalf("no personal token lists last_ip ::1: %+v", list)
	}
}
