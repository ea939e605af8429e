package server_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/gatehouse-dev/gatehouse/internal/ownership/ownershiptest"
	"github.com/gatehouse-dev/gatehouse/internal/server"
	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
	"github.com/gatehouse-dev/gatehouse/internal/sso/ssotest"
	"github.com/gatehouse-dev/gatehouse/internal/websession"
)

// ssoWorld is a server with an organization whose domain corp.example is
// verified, an admin token, and two groups.
type ssoWorld struct {
	srv                                   *servertest.Instance
	token, org, account, domain           string
	engineers, auditors, autoJoin, method string
}

func newSSOWorld(t *testing.T, db string) *ssoWorld {
	t.Helper()
	dns := ownershiptest.NewDNS(t)
	w := &ssoWorld{srv: servertest.Start(t, db, func(c *server.Config) { c.DNSResolver = dns.Addr() })}
	w.token = login(t, w.srv.URL, servertest.AdminEmail, servertest.AdminPassword)
	orgs := w.call(t, "GET", "/v1/organizations", "", 200)["organizations"].([]any)
	o := orgs[0].(map[string]any)
	w.org, w.account = o["organization_id"].(string), o["account_id"].(string)
	d := w.call(t, "POST", "/v1/organization/"+w.org+"/domains", `{"domain_name":"corp.example"}`, 200)
	w.domain = d["domain_id"].(string)
	rec := d["verification_record"].(map[string]any)
	dns.SetTXT(rec["name"].(string), rec["value"].(string))
	w.call(t, "POST", "/v1/organization/"+w.org+"/domains/"+w.domain+"/verify", "", 200)
	for name, dst := range map[string]*string{"engineers": &w.engineers, "auditors": &w.auditors, "everyone": &w.autoJoin} {
		*dst = w.call(t, "POST", "/v1/organization/"+w.org+"/user-groups", `{"user_group_name":"`+name+`","description":""}`, 200)["user_group_id"].(string)
	}
	return w
}

func (w *ssoWorld) call(t *testing.T, method, path, body string, want int) map[string]any {
	t.Helper()
	st, out := rawCall(t, method, w.srv.URL+path, w.token, []byte(body))
	if st != want {
		t.Fatalf("%s %s: %d %v, want %d", method, path, st, out, want)
	}
	return out
}

// browser is a cookie-keeping client following redirects, as a browser.
func browser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 20 * time.Second}
}

// session returns the session cookie the browser holds for the server.
func session(t *testing.T, c *http.Client, base string) string {
	t.Helper()
	u, _ := url.Parse(base)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == websession.CookieName {
			return ck.Value
		}
	}
	return ""
}

// browse fetches u and returns the final status and body.
func browse(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestOIDCSignIn(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		w := newSSOWorld(t, db)
		op := ssotest.NewOIDC(t)
		cfg := op.Config()
		m := w.call(t, "POST", "/v1/account/"+w.account+"/authentication", jsonBody(map[string]any{
			"authentication_method_name": "Keycloak", "authentication_method_type": "oidc",
			"oidc_issuer": cfg.Issuer, "oidc_client_id": cfg.ClientID, "oidc_client_secret": cfg.ClientSecret,
			"oidc_scopes": []string{"email", "profile", "groups"}, "saml_join_groups": true,
			"auto_join_user_group_id": w.autoJoin, "linked_domains": []any{map[string]string{"domain_id": w.domain}},
		}), 200)["authentication_method"].(map[string]any)
		w.method = m["authentication_method_id"].(string)
		loginURL := m["login_url"].(string)
		if m["state"] != "active" || m["oidc_client_secret_set"] != true || strings.Contains(jsonBody(m), cfg.ClientSecret) {
			t.Fatalf("method: %v", m)
		}

		// Home realm discovery sends corp.example people to it.
		st, d := rawCall(t, "POST", w.srv.URL+"/v1/sso/discover", "", []byte(`{"email":"Alice@Corp.Example"}`))
		if st != 200 || d["sso"] != true || d["login_url"] != loginURL || d["password_allowed"] != true {
			t.Fatalf("discover: %d %v", st, d)
		}
		if st, d := rawCall(t, "POST", w.srv.URL+"/v1/sso/discover", "", []byte(`{"email":"bob@elsewhere.example"}`)); st != 200 || d["sso"] != false || d["login_url"] != nil {
			t.Fatalf("discover elsewhere: %d %v", st, d)
		}

		yes, no := true, false
		// First sign-in: the account is created, managed, joins the
		// organization, the auto-join group and the groups it lists.
		op.QueueUser(ssotest.User{Subject: "kc-alice", Email: "alice@corp.example", Verified: &yes, Groups: []string{"engineers", "unknown"}})
		b := browser(t)
		if st, body := browse(t, b, loginURL); st != 200 {
			t.Fatalf("sign-in: %d %s", st, body)
		}
		tok := session(t, b, w.srv.URL)
		if tok == "" {
			t.Fatal("no session cookie after sign-in")
		}
		st, me := rawCall(t, "GET", w.srv.URL+"/v1/me", tok, nil)
		if st != 200 || me["user"].(map[string]any)["user"] != "alice@corp.example" {
			t.Fatalf("me: %d %v", st, me)
		}
		alice := me["user"].(map[string]any)["user_id"].(string)
		groupsOf := func() []string {
			var names []string
			for _, g := range w.call(t, "GET", "/v1/organization/"+w.org+"/user/"+alice+"/user-groups", "", 200)["user_groups"].([]any) {
				names = append(names, g.(map[string]any)["user_group_name"].(string))
			}
			return names
		}
		if g := strings.Join(groupsOf(), ","); g != "engineers,everyone" {
			t.Errorf("groups after sign-up: %s", g)
		}
		// The session works like any other: the organization's resources.
		if st, _ := rawCall(t, "GET", w.srv.URL+"/v1/organization/"+w.org, tok, nil); st != 200 {
			t.Errorf("organization with SSO session: %d", st)
		}

		// Second sign-in: found by subject though the email changed;
		// groups follow the provider (engineers removed, auditors added,
		// the auto-join group kept).
		op.QueueUser(ssotest.User{Subject: "kc-alice", Email: "alice.renamed@corp.example", Verified: &yes, Groups: []string{"auditors"}})
		b2 := browser(t)
		if st, body := browse(t, b2, loginURL); st != 200 {
			t.Fatalf("second sign-in: %d %s", st, body)
		}
		_, me2 := rawCall(t, "GET", w.srv.URL+"/v1/me", session(t, b2, w.srv.URL), nil)
		if me2["user"].(map[string]any)["user_id"] != alice {
			t.Errorf("second sign-in made another account: %v", me2)
		}
		if g := strings.Join(groupsOf(), ","); g != "auditors,everyone" {
			t.Errorf("groups after sync: %s", g)
		}

		// Refused: unverified email, wrong nonce, wrong audience, expired
		// token, an email off the organization's verified domains.
		for _, c := range []struct {
			name string
			user ssotest.User
			says string
		}{
			{"email not verified", ssotest.User{Subject: "kc-eve", Email: "eve@corp.example", Verified: &no}, "not verified"},
			{"wrong nonce", ssotest.User{Subject: "kc-eve", Email: "eve@corp.example", Tamper: func(c *mockoidc.IDTokenClaims) { c.Nonce = "forged" }}, "nonce"},
			{"wrong audience", ssotest.User{Subject: "kc-eve", Email: "eve@corp.example", Tamper: func(c *mockoidc.IDTokenClaims) { c.Audience = jwt.ClaimStrings{"someone-else"} }}, "ID token is not valid"},
			{"expired", ssotest.User{Subject: "kc-eve", Email: "eve@corp.example", Tamper: func(c *mockoidc.IDTokenClaims) {
				c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Hour))
				c.IssuedAt = jwt.NewNumericDate(time.Now().Add(-2 * time.Hour))
			}}, "ID token is not valid"},
			{"unverified domain", ssotest.User{Subject: "kc-mallory", Email: "ceo@elsewhere.example"}, "not on a domain"},
		} {
			t.Run(c.name, func(t *testing.T) {
				op.QueueUser(c.user)
				b := browser(t)
				st, body := browse(t, b, loginURL)
				if st != http.StatusForbidden || !strings.Contains(body, c.says) || session(t, b, w.srv.URL) != "" {
					t.Fatalf("got %d %q, want 403 saying %q and no session", st, body, c.says)
				}
			})
		}
		if st, out := rawCall(t, "POST", w.srv.URL+"/v1/userauth", "", []byte(`{"email":"eve@corp.example","password":"x"}`)); st == 200 {
			t.Fatalf("eve exists: %v", out)
		}

		// A callback replayed, or from another browser (no state cookie),
		// is refused.
		op.QueueUser(ssotest.User{Subject: "kc-alice", Email: "alice@corp.example", Verified: &yes})
		nb := &http.Client{Jar: b.Jar, Timeout: 10 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if strings.HasSuffix(req.URL.Path, "/callback") {
				return http.ErrUseLastResponse
			}
			return nil
		}}
		nb.Jar, _ = cookiejar.New(nil)
		resp, err := nb.Get(loginURL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		cb := resp.Header.Get("Location")
		if st, body := browse(t, browser(t), cb); st != http.StatusBadRequest || !strings.Contains(body, "state mismatch") {
			t.Errorf("callback in another browser: %d %s", st, body)
		}
		if st, _ := browse(t, nb, cb); st != 200 {
			t.Errorf("callback in the right browser: %d", st)
		}
		if st, body := browse(t, nb, cb); st == 200 {
			t.Errorf("replayed callback: %d %s", st, body)
		}

		// The command line: the code comes to its loopback port; only the
		// verifier's holder can exchange it, once.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		codes := make(chan string, 1)
		go func() {
			_ = http.Serve(ln, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
				codes <- r.URL.Query().Get("code")
				_, _ = io.WriteString(rw, "signed in")
			}))
		}()
		t.Cleanup(func() { ln.Close() })
		verifier := "a-verifier-the-command-line-generated-0123456789"
		sum := sha256.Sum256([]byte(verifier))
		challenge := base64.RawURLEncoding.EncodeToString(sum[:])
		port := ln.Addr().(*net.TCPAddr).Port
		op.QueueUser(ssotest.User{Subject: "kc-alice", Email: "alice@corp.example", Verified: &yes})
		if st, body := browse(t, browser(t), loginURL+"?cli_challenge="+challenge+"&cli_port="+itoa(port)); st != 200 || body != "signed in" {
			t.Fatalf("cli sign-in: %d %s", st, body)
		}
		code := <-codes
		if st, out := rawCall(t, "POST", w.srv.URL+"/v1/sso/token", "", []byte(jsonBody(map[string]string{"code": code, "code_verifier": "wrong"}))); st != http.StatusForbidden {
			t.Fatalf("wrong verifier: %d %v", st, out)
		}
		// The wrong verifier used the code up.
		op.QueueUser(ssotest.User{Subject: "kc-alice", Email: "alice@corp.example", Verified: &yes})
		browse(t, browser(t), loginURL+"?cli_challenge="+challenge+"&cli_port="+itoa(port))
		code = <-codes
		st, out := rawCall(t, "POST", w.srv.URL+"/v1/sso/token", "", []byte(jsonBody(map[string]string{"code": code, "code_verifier": verifier})))
		if st != 200 || out["user_email"] != "alice@corp.example" {
			t.Fatalf("exchange: %d %v", st, out)
		}
		if st, _ := rawCall(t, "GET", w.srv.URL+"/v1/me", out["token"].(string), nil); st != 200 {
			t.Errorf("exchanged token: %d", st)
		}
		if st, _ := rawCall(t, "POST", w.srv.URL+"/v1/sso/token", "", []byte(jsonBody(map[string]string{"code": code, "code_verifier": verifier}))); st != http.StatusGone {
			t.Errorf("second exchange: %d", st)
		}

		// Policy: with OIDC sign-in off, the SSO session stops working and
		// new sign-ins are refused; with passwords off, corp.example
		// people cannot use a password.
		w.call(t, "PATCH", "/v1/organization/"+w.org+"/config/authentication", `{"oauth_enabled":false}`, 200)
		time.Sleep(1100 * time.Millisecond) // the policy cache's second
		if st, _ := rawCall(t, "GET", w.srv.URL+"/v1/organization/"+w.org, tok, nil); st != http.StatusForbidden {
			t.Errorf("OIDC session with OIDC off: %d", st)
		}
		op.QueueUser(ssotest.User{Subject: "kc-alice", Email: "alice@corp.example", Verified: &yes})
		if st, body := browse(t, browser(t), loginURL); st != http.StatusForbidden || !strings.Contains(body, "does not allow OpenID Connect") {
			t.Errorf("sign-in with OIDC off: %d %s", st, body)
		}
	})
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
