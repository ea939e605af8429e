package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/api"
	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/ownership/ownershiptest"
	"github.com/gatehouse-dev/gatehouse/internal/server"
	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// The adversarial suite: two organizations with every kind of principal,
// attacked through the real server. The attack rows are derived, not
// written: every route of api.RouteTable() × every principal the
// requirement table (control.RequirementOf, answered for each principal
// by the decision engine through access/check) says must not perform it;
// every organization-scoped route with the other organization's IDs;
// every token-minting route with a narrower caller; and issue 13's holes.
// A new operation adds rows, not code.

// secPrincipal is someone attacking.
type secPrincipal struct {
	name   string
	userID string
	token  string
	org    string // "A", "B", or "" for none
	// superAdmin: a super admin of A, whom no rule there refuses.
	superAdmin bool
	// status, when set, is the one answer every non-public route must
	// give this principal (401 for the deactivated, anonymous, forged).
	status int
}

// secWorld is the two organizations and their people.
type secWorld struct {
	srv   *servertest.Instance
	dns   *ownershiptest.DNS
	a, b  world
	admin string // super admin of A: the oracle and the builder
	bTok  string // super admin of B
	// people by name
	people map[string]*secPrincipal
	// narrow tokens for the minting rows
	narrowApp, narrowPersonal string
	appUserWithWrite          string // application user of A holding app_users:write
	msuperID                  string // a managed super admin of A
}

// secEmails are the people seeded before the server starts (password
// servertest.AdminPassword), with the organization they join and what
// they are granted there ("" = nothing; "@unit"/"@project" = on the
// world's unit or project, else on the organization).
var secPeople = []struct{ name, email, org, perm string }{
	{"org admin", "orgadmin@example.com", "A", "role:organization:admin"},
	{"unit admin", "unitadmin@example.com", "A", "role:organization:admin@unit"},
	{"project admin", "projadmin@example.com", "A", "admin@project"},
	{"project operator", "operator@example.com", "A", "operator@project"},
	{"project developer", "developer@example.com", "A", "developer@project"},
	{"project read_only", "readonly@example.com", "A", "read_only@project"},
	{"users:write only", "userswrite@example.com", "A", "organization:users:write"},
	{"groups:write only", "groupswrite@example.com", "A", "organization:groups:write"},
	{"app_users:write only", "appswrite@example.com", "A", "organization:app_users:write"},
	{"plain member", "member@example.com", "A", ""},
	{"managed member", "managed@corp.example", "A", ""},
	{"managed super admin", "msuper@corp.example", "A", ""},
	{"deactivated", "gone@corp.example", "A", ""},
	{"B super admin", "bsuper@example.com", "B", ""},
	{"B member", "bmember@example.com", "B", ""},
	{"nobody's", "loner@example.com", "", ""},
	// Not attackers: targets of the limiter rows.
	{"", "victim@example.com", "", ""},
	{"", "resetvictim@example.com", "", ""},
}

func newSecWorld(t *testing.T, db string) *secWorld {
	t.Helper()
	dns := ownershiptest.NewDNS(t)
	var emails []string
	for _, p := range secPeople {
		emails = append(emails, p.email)
	}
	srv := startWithPeople(t, db, func(c *server.Config) {
		c.DNSResolver, c.ChallengeRecord = dns.Addr(), "_aiven-challenge"
	}, emails...)
	s := &secWorld{srv: srv, dns: dns, people: map[string]*secPrincipal{}}
	s.admin = login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
	s.a = buildNamedWorld(t, srv.URL, s.admin, "alpha")
	tokens := map[string]string{}
	for _, p := range secPeople {
		if p.name != "" {
			tokens[p.email] = login(t, srv.URL, p.email, servertest.AdminPassword)
		}
	}
	s.bTok = tokens["bsuper@example.com"]
	createOrg(t, srv.URL, s.bTok, "Beta")
	s.b = buildNamedWorld(t, srv.URL, s.bTok, "beta")
	for _, p := range secPeople {
		if p.name == "" {
			continue
		}
		pr := &secPrincipal{name: p.name, token: tokens[p.email], org: p.org}
		switch p.org {
		case "A":
			joinOrg(t, srv.URL, s.admin, s.a.org, p.email, pr.token)
		case "B":
			if p.email != "bsuper@example.com" {
				joinOrg(t, srv.URL, s.bTok, s.b.org, p.email, pr.token)
			}
		}
		var me struct {
			User struct {
				UserID string `json:"user_id"`
			} `json:"user"`
		}
		if st := callJSON(t, "GET", srv.URL+"/v1/me", pr.token, nil, &me); st != http.StatusOK {
			t.Fatalf("me of %s: %d", p.email, st)
		}
		pr.userID = me.User.UserID
		if p.perm != "" {
			perm, where, _ := strings.Cut(p.perm, "@")
			rtype, rid := "organization", s.a.org
			switch where {
			case "unit":
				rtype, rid = "organization_unit", s.a.unit
			case "project":
				rtype, rid = "project", s.a.project
			}
			s.grant(t, rtype, rid, pr.userID, perm)
		}
		s.people[p.name] = pr
	}
	// corp.example becomes A's verified domain: its people are managed.
	var dom struct {
		DomainID       string `json:"domain_id"`
		ChallengeToken string `json:"challenge_token"`
	}
	if st := callJSON(t, "POST", srv.URL+"/v1/organization/"+s.a.org+"/domains", s.admin, map[string]any{"domain_name": "corp.example"}, &dom); st != http.StatusOK && st != http.StatusCreated {
		t.Fatalf("add domain: %d", st)
	}
	dns.SetTXT("_aiven-challenge.corp.example", "token="+dom.ChallengeToken+",expiry=never")
	if st := callJSON(t, "POST", srv.URL+"/v1/organization/"+s.a.org+"/domains/"+dom.DomainID+"/verify", s.admin, nil, nil); st != http.StatusOK {
		t.Fatalf("verify domain: %d", st)
	}
	s.msuperID = s.people["managed super admin"].userID
	if st := callJSON(t, "PATCH", srv.URL+"/v1/organization/"+s.a.org+"/user/"+s.msuperID, s.admin, map[string]any{"is_super_admin": true}, nil); st != http.StatusOK {
		t.Fatalf("make the managed super admin: %d", st)
	}
	s.people["managed super admin"].superAdmin = true
	gone := s.people["deactivated"]
	if st := callJSON(t, "PATCH", srv.URL+"/v1/organization/"+s.a.org+"/user/"+gone.userID, s.admin, map[string]any{"state": "deactivated"}, nil); st != http.StatusOK {
		t.Fatalf("deactivate: %d", st)
	}
	gone.status = http.StatusUnauthorized

	// An application user of A with a narrow token: read_only on the
	// project, from 127.0.0.1 only, for an hour, one scope. Another holds
	// app_users:write and mints with narrow tokens.
	narrow := s.appUser(t, "narrow-app", "read_only", "project", s.a.project)
	s.narrowApp = s.appToken(t, narrow, map[string]any{"max_age_seconds": 3600, "ip_allowlist": []string{"127.0.0.1/32"}, "scopes": []string{"deploy"}})
	s.people["narrow application token"] = &secPrincipal{name: "narrow application token", userID: narrow, token: s.narrowApp, org: "A"}
	s.appUserWithWrite = s.appUser(t, "minting-app", "organization:app_users:write", "organization", s.a.org)
	var personal struct {
		FullToken string `json:"full_token"`
	}
	// The plain member's: the minting rows change its password with it.
	if st := callJSON(t, "POST", srv.URL+"/v1/access_token", s.people["plain member"].token,
		map[string]any{"max_age_seconds": 3600, "ip_allowlist": []string{"127.0.0.1/32"}, "scopes": []string{"deploy"}}, &personal); st != http.StatusOK && st != http.StatusCreated {
		t.Fatalf("narrow personal token: %d", st)
	}
	s.narrowPersonal = personal.FullToken
	s.people["anonymous"] = &secPrincipal{name: "anonymous", status: http.StatusUnauthorized}
	s.people["forged token"] = &secPrincipal{name: "forged token", token: "gthp_" + strings.Repeat("A", 46), status: http.StatusUnauthorized}
	s.people["super admin A"] = &secPrincipal{name: "super admin A", token: s.admin, org: "A", superAdmin: true}
	return s
}

func (s *secWorld) grant(t *testing.T, rtype, rid, userID, perm string) {
	t.Helper()
	body := map[string]any{"operation": "grant", "permissions": []map[string]any{{"principal_type": "user", "principal_id": userID, "permissions": []string{perm}}}}
	if st := callJSON(t, "PATCH", s.srv.URL+"/v1/organization/"+s.a.org+"/permissions/"+rtype+"/"+rid, s.admin, body, nil); st != http.StatusOK {
		t.Fatalf("grant %s on %s %s: %d", perm, rtype, rid, st)
	}
}

func (s *secWorld) appUser(t *testing.T, name, perm, rtype, rid string) string {
	t.Helper()
	var app struct {
		UserID string `json:"user_id"`
	}
	if st := callJSON(t, "POST", s.srv.URL+"/v1/organization/"+s.a.org+"/application-users", s.admin, map[string]any{"name": name}, &app); st != http.StatusOK && st != http.StatusCreated {
		t.Fatalf("application user: %d", st)
	}
	s.grant(t, rtype, rid, app.UserID, perm)
	return app.UserID
}

func (s *secWorld) appToken(t *testing.T, userID string, in map[string]any) string {
	t.Helper()
	var out struct {
		FullToken string `json:"full_token"`
	}
	if st := callJSON(t, "POST", s.srv.URL+"/v1/organization/"+s.a.org+"/application-users/"+userID+"/access-tokens", s.admin, in, &out); st != http.StatusOK && st != http.StatusCreated {
		t.Fatalf("application token: %d", st)
	}
	return out.FullToken
}

// secAttacks counts and runs attacks.
type secAttacks struct {
	t    *testing.T
	base string
	hc   *http.Client
	n    atomic.Int64
	mu   sync.Mutex
	seen map[int]int // status -> count
}

// send performs one request and returns the status and body.
func (a *secAttacks) send(method, path, token string, body []byte) (int, []byte) {
	req, err := http.NewRequestWithContext(a.t.Context(), method, a.base+path, bytes.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "aivenv1 "+token)
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		a.t.Errorf("%s %s: %v", method, path, err)
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// refused runs one attack that must be refused: any 4xx but 429 passes
// (want, when non-zero, must match exactly); a 2xx, 3xx or 5xx is a
// breach. leaks, when set, are strings a 2xx of a GET may not contain:
// such a GET passes if it shows nothing of them.
func (a *secAttacks) refused(name, method, path, token string, body []byte, want int, leaks ...string) {
	a.n.Add(1)
	st, b := a.send(method, path, token, body)
	a.mu.Lock()
	a.seen[st]++
	a.mu.Unlock()
	if want != 0 {
		if st != want {
			a.t.Errorf("%s: %s %s answered %d, want %d: %.300s", name, method, path, st, want, b)
		}
		return
	}
	if st >= 400 && st < 500 && st != http.StatusTooManyRequests {
		return
	}
	if st >= 200 && st < 300 && method == http.MethodGet && len(leaks) > 0 {
		for _, l := range leaks {
			if l != "" && bytes.Contains(b, []byte(l)) {
				a.t.Errorf("%s: %s %s answered %d showing %q: %.300s", name, method, path, st, l, b)
				return
			}
		}
		return
	}
	a.t.Errorf("%s: %s %s was not refused: %d %.300s", name, method, path, st, b)
}

// parallel runs fn for each item on four workers.
func parallel[T any](items []T, fn func(T)) {
	ch := make(chan T)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range ch {
				fn(it)
			}
		}()
	}
	for _, it := range items {
		ch <- it
	}
	close(ch)
	wg.Wait()
}

// secRoute is a route split into method and path pattern.
type secRoute struct {
	api.Route
	method, path string
	params       []string
}

func secRoutes() []secRoute {
	var out []secRoute
	for _, r := range api.RouteTable() {
		if r.Public {
			continue
		}
		method, path, _ := strings.Cut(r.Pattern, " ")
		out = append(out, secRoute{Route: r, method: method, path: path, params: paramsOf(path)})
	}
	return out
}

// secBodies are requests for operations validBodies lacks whose empty
// request does something else (an empty account update reads the unit).
var secBodies = map[control.Op]string{
	"AccountUpdate":      `{"account_name":"renamed %N%"}`,
	"OrganizationUpdate": `{"organization_name":"renamed %N%"}`,
	"AccountMove":        `{"parent_account_id":"%ORG_ACCOUNT%"}`,
}

// body is a request the route would accept from someone allowed (or {}),
// with a unique number so names never clash.
func (s *secWorld) body(w world, op control.Op, n int) []byte {
	raw, ok := validBodies[op]
	if !ok {
		raw, ok = secBodies[op]
	}
	if !ok {
		return []byte("{}")
	}
	raw = strings.NewReplacer("%ORG_ACCOUNT%", w.orgAccount, "%UNIT%", w.unit, "%GROUP%", w.group, "%USER%", w.userID, "%PROJECT%", w.project,
		"%N%", "sec"+strconv.Itoa(n)).Replace(raw)
	return []byte(raw)
}

// resourceOf is the resource a route's rule is checked on, as the access
// API names it, from its path parameters; ok is false when the route names
// none (the rule is then not about a resource of the world).
func resourceOf(r secRoute, fill map[string]string, w world) (rtype, rid string, ok bool) {
	has := func(p string) bool { return slices.Contains(r.params, p) }
	switch {
	case r.Operation == "AccountCreate" || r.Operation == "ProjectCreate":
		// The parent is in the body: the organization's root account.
		return "organization", w.org, true
	case has("rtype"):
		switch fill["rtype"] {
		case "project":
			return "project", fill["rid"], true
		case "account":
			return "organization_unit", fill["rid"], true
		}
		return "organization", fill["rid"], true
	case has("service"):
		return "service", fill["project"] + "/" + fill["service"], true
	case has("project"):
		return "project", fill["project"], true
	case has("account"):
		// The root account is the organization itself to the access API
		// (identity providers and other organization-wide settings live
		// on it).
		if fill["account"] == w.orgAccount {
			return "organization", w.org, true
		}
		return "organization_unit", fill["account"], true
	case has("org"):
		return "organization", fill["org"], true
	}
	return "", "", false
}

// mayPerform asks the decision engine, through access/check as A's super
// admin, whether p holds any of perms on the resource: the requirement
// table's answer for this principal.
func (s *secWorld) mayPerform(t *testing.T, p *secPrincipal, perms []string, rtype, rid string) bool {
	var checks []map[string]any
	for _, perm := range perms {
		checks = append(checks, map[string]any{"principal_type": "user", "principal_id": p.userID, "permission": perm, "resource_type": rtype, "resource_id": rid})
	}
	var out struct {
		Results []struct {
			Allowed bool `json:"allowed"`
		} `json:"results"`
	}
	st, raw := rawCallJSON(t, "POST", s.srv.URL+"/v1/organization/"+s.a.org+"/access/check", s.admin, map[string]any{"checks": checks})
	b, _ := json.Marshal(raw)
	if st != http.StatusOK || json.Unmarshal(b, &out) != nil || len(out.Results) != len(perms) {
		t.Fatalf("oracle for %s on %s %s: %d %s", p.name, rtype, rid, st, b)
	}
	for _, r := range out.Results {
		if r.Allowed {
			return true
		}
	}
	return false
}

// operationMatrix: every operation × every principal that must not
// perform it, on organization A's world.
func (s *secWorld) operationMatrix(t *testing.T, at *secAttacks) {
	routes := secRoutes()
	type row struct {
		r    secRoute
		p    *secPrincipal
		n    int
		fill map[string]string
	}
	var rows []row
	var skipped []string
	n := 0
	for _, r := range routes {
		req, known := control.RequirementOf(r.Operation)
		if !known {
			t.Errorf("%s %s: operation %s has no requirement", r.method, r.path, r.Operation)
			continue
		}
		fill := s.a.fills(r.path, r.params)[0]
		for _, p := range s.people {
			if p.superAdmin {
				continue
			}
			n++
			if p.status != 0 {
				rows = append(rows, row{r, p, n, fill})
				continue
			}
			var mustRefuse bool
			switch {
			case req == "authenticated":
				// Acts on the caller's own data: attacked by the
				// cross-organization and minting rows instead.
				continue
			case req == "super admin":
				mustRefuse = true
			case req == "organization member":
				mustRefuse = p.org != "A"
			default:
				perms := strings.Split(strings.TrimPrefix(req, "any of "), ", ")
				rtype, rid, ok := resourceOf(r, fill, s.a)
				if !ok {
					skipped = append(skipped, string(r.Operation))
					continue
				}
				mustRefuse = p.org != "A" || !s.mayPerform(t, p, perms, rtype, rid)
			}
			if mustRefuse {
				rows = append(rows, row{r, p, n, fill})
			}
		}
	}
	parallel(rows, func(x row) {
		at.refused(fmt.Sprintf("%s by %s", x.r.Operation, x.p.name), x.r.method, fillPath(x.r.path, x.fill), x.p.token,
			s.body(s.a, x.r.Operation, x.n), x.p.status)
	})
	if len(skipped) > 0 {
		slices.Sort(skipped)
		t.Logf("operations whose rule names no resource of the world (not in the matrix): %v", slices.Compact(skipped))
	}
}

// crossOrganization: every route naming an organization's objects, sent
// by the other organization's super admin (and org admin of A the other
// way) with the victim's IDs, and with its own organization ID but the
// victim's objects.
func (s *secWorld) crossOrganization(t *testing.T, at *secAttacks) {
	idParams := []string{"org", "account", "project", "service", "group", "user_group_id", "user", "id", "domain", "rid", "prefix", "user_email", "username"}
	type row struct {
		name, method, path string
		token              string
		body               []byte
		leaks              []string
	}
	var rows []row
	n := 0
	for _, dir := range []struct {
		attacker        string
		token           string
		own, victim     world
		victimDisplayed []string
	}{
		{"B super admin", s.bTok, s.b, s.a, []string{s.a.project, s.a.unit, s.a.group, s.a.appUser, s.a.domain, s.a.userID, s.a.orgAccount}},
		{"A org admin", s.people["org admin"].token, s.a, s.b, []string{s.b.project, s.b.unit, s.b.group, s.b.appUser, s.b.domain, s.b.userID, s.b.orgAccount}},
	} {
		for _, r := range secRoutes() {
			names := false
			for _, p := range r.params {
				if slices.Contains(idParams, p) {
					names = true
				}
			}
			if !names || r.Operation == "UserLogout" {
				continue
			}
			for i, fill := range dir.victim.fills(r.path, r.params) {
				n++
				rows = append(rows, row{fmt.Sprintf("%s on %s with the other organization's IDs (%d)", dir.attacker, r.Operation, i), r.method,
					fillPath(r.path, fill), dir.token, s.body(dir.victim, r.Operation, n), dir.victimDisplayed})
				if !slices.Contains(r.params, "org") || len(r.params) < 2 {
					continue
				}
				// Its own organization, the victim's objects.
				mixed := maps.Clone(fill)
				mixed["org"] = dir.own.org
				if mixed["rtype"] == "organization" {
					continue // the rid is the victim's organization: covered above
				}
				victimObject := false
				for _, p := range r.params {
					if p != "org" && slices.Contains(idParams, p) && fill[p] != "" && fill[p] != "x" && p != "username" {
						victimObject = true
					}
				}
				if !victimObject {
					continue
				}
				n++
				rows = append(rows, row{fmt.Sprintf("%s on %s in its own organization with the other's objects (%d)", dir.attacker, r.Operation, i), r.method,
					fillPath(r.path, mixed), dir.token, s.body(dir.victim, r.Operation, n), dir.victimDisplayed})
			}
		}
	}
	parallel(rows, func(x row) { at.refused(x.name, x.method, x.path, x.token, x.body, 0, x.leaks...) })
}

// mintingMatrix: every token-minting route × a narrower caller × every way
// of asking for more.
func (s *secWorld) mintingMatrix(t *testing.T, at *secAttacks) {
	wider := map[string]map[string]any{
		"no ip limit":        {"max_age_seconds": 1800, "scopes": []string{"deploy"}},
		"wider ip range":     {"max_age_seconds": 1800, "ip_allowlist": []string{"127.0.0.0/8"}, "scopes": []string{"deploy"}},
		"another address":    {"max_age_seconds": 1800, "ip_allowlist": []string{"10.0.0.1"}, "scopes": []string{"deploy"}},
		"no expiry":          {"ip_allowlist": []string{"127.0.0.1/32"}, "scopes": []string{"deploy"}},
		"later expiry":       {"max_age_seconds": 7200, "ip_allowlist": []string{"127.0.0.1/32"}, "scopes": []string{"deploy"}},
		"extended when used": {"max_age_seconds": 1800, "extend_when_used": true, "ip_allowlist": []string{"127.0.0.1/32"}, "scopes": []string{"deploy"}},
		"no scopes":          {"max_age_seconds": 1800, "ip_allowlist": []string{"127.0.0.1/32"}},
		"another scope":      {"max_age_seconds": 1800, "ip_allowlist": []string{"127.0.0.1/32"}, "scopes": []string{"admin"}},
		"nothing at all":     {},
	}
	minting := s.appToken(t, s.appUserWithWrite, map[string]any{"max_age_seconds": 3600, "ip_allowlist": []string{"127.0.0.1/32"}, "scopes": []string{"deploy"}})
	callers := map[string]string{"narrow personal token": s.narrowPersonal, "narrow application token": minting}
	var minted int
	for _, r := range secRoutes() {
		var path string
		switch r.Operation {
		case "AccessTokenCreate":
			path = r.path
		case "ApplicationUserAccessTokenCreate":
			path = fillPath(r.path, map[string]string{"org": s.a.org, "user": s.appUserWithWrite})
		case "UserPasswordChange":
			// A session minted from a narrow token keeps its limits:
			// used from another address it is refused.
			var out struct {
				Token string `json:"token"`
			}
			if st := callJSON(t, "PUT", s.srv.URL+r.path, s.narrowPersonal, map[string]any{"password": servertest.AdminPassword, "new_password": servertest.AdminPassword + "!"}, &out); st != http.StatusOK {
				t.Fatalf("password change with a narrow token: %d", st)
			}
			at.n.Add(1)
			if _, err := clientFrom(t, s.srv.URL, out.Token, "127.0.0.2").UserInfo(t.Context()); err == nil {
				t.Error("the session a narrow token minted works from outside its allow-list")
			}
			minted++
			continue
		default:
			continue
		}
		minted++
		for callerName, tok := range callers {
			for name, in := range wider {
				b, _ := json.Marshal(in)
				at.refused(fmt.Sprintf("%s by %s asking %s", r.Operation, callerName, name), r.method, path, tok, b, http.StatusForbidden)
			}
		}
	}
	if minted < 3 {
		t.Errorf("found %d token-minting routes, want at least 3", minted)
	}
}

// holes are issue 13's six holes and extras, as attacks.
func (s *secWorld) holes(t *testing.T, at *secAttacks) {
	p := s.people
	// 1. Managed-user actions on a managed super admin by less than a
	// super admin.
	for _, who := range []string{"users:write only", "org admin"} {
		base := "/v1/organization/" + s.a.org + "/user/" + s.msuperID
		at.refused("hole 1: "+who+" resets a super admin's password", "POST", base+"/reset_password", p[who].token, nil, http.StatusForbidden)
		at.refused("hole 1: "+who+" lists a super admin's tokens", "GET", base+"/access-tokens", p[who].token, nil, http.StatusForbidden)
		at.refused("hole 1: "+who+" deactivates a super admin", "PATCH", base, p[who].token, []byte(`{"state":"deactivated"}`), http.StatusForbidden)
		at.refused("hole 1: "+who+" renames a super admin", "PATCH", base, p[who].token, []byte(`{"real_name":"Owned"}`), http.StatusForbidden)
		at.refused("hole 1: "+who+" removes a super admin", "DELETE", base, p[who].token, nil, http.StatusForbidden)
	}
	// 2. A deleted project's events are not inherited by its name's next
	// owner.
	const shared = "shared-name"
	if st := callJSON(t, "POST", s.srv.URL+"/v1/organization/"+s.a.org+"/projects", s.admin, map[string]any{"project_id": shared}, nil); st >= 300 {
		t.Fatalf("project %s: %d", shared, st)
	}
	if st := callJSON(t, "POST", s.srv.URL+"/v1/project/"+shared+"/service", s.admin, map[string]any{"service_name": "secret-svc", "service_type": "pg", "plan": "startup-4"}, nil); st >= 300 {
		t.Fatalf("service: %d", st)
	}
	if st := callJSON(t, "DELETE", s.srv.URL+"/v1/project/"+shared+"/service/secret-svc", s.admin, nil, nil); st >= 300 {
		t.Fatalf("delete service: %d", st)
	}
	if st := callJSON(t, "DELETE", s.srv.URL+"/v1/organization/"+s.a.org+"/project/"+shared, s.admin, nil, nil); st >= 300 {
		t.Fatalf("delete project: %d", st)
	}
	if st := callJSON(t, "POST", s.srv.URL+"/v1/organization/"+s.b.org+"/projects", s.bTok, map[string]any{"project_id": shared}, nil); st >= 300 {
		t.Fatalf("B takes the name: %d", st)
	}
	at.n.Add(1)
	if st, b := at.send("GET", "/v1/project/"+shared+"/events", s.bTok, nil); st != http.StatusOK || bytes.Contains(b, []byte("secret-svc")) || bytes.Contains(b, []byte(servertest.AdminEmail)) {
		t.Errorf("hole 2: the new owner of a freed project name reads: %d %.400s", st, b)
	}
	// 3. Squatting an address on A's verified domain from B.
	at.n.Add(1)
	if st := callJSON(t, "POST", s.srv.URL+"/v1/organization/"+s.b.org+"/invitation", s.bTok, map[string]any{"user_email": "squat@corp.example"}, nil); st == http.StatusOK {
		var list struct {
			Invitations []struct {
				UserEmail  string `json:"user_email"`
				AcceptLink string `json:"accept_link"`
			} `json:"invitations"`
		}
		callJSON(t, "GET", s.srv.URL+"/v1/organization/"+s.b.org+"/invitation", s.bTok, nil, &list)
		for _, inv := range list.Invitations {
			if inv.UserEmail == "squat@corp.example" && inv.AcceptLink != "" {
				if st := callJSON(t, "POST", inv.AcceptLink, "", map[string]any{"real_name": "Squatter", "password": "a long squatter password"}, nil); st < 400 {
					t.Errorf("hole 3: an outsider created an account on another organization's verified domain through a shown link: %d", st)
				}
			}
		}
	}
	// 5. Concurrent guesses stop at the limit; resets lock nothing.
	pw := make([]string, 12)
	for i := range pw {
		pw[i] = "guess " + strconv.Itoa(i)
	}
	tried := 0
	for _, r := range loginsAtOnce(t, s.srv.URL, []string{"victim@example.com"}, pw) {
		at.n.Add(1)
		if r.status == http.StatusUnauthorized || r.status == http.StatusOK {
			tried++
		} else if r.status != http.StatusTooManyRequests {
			t.Errorf("hole 5: concurrent login answered %d", r.status)
		}
	}
	if tried > 5 {
		t.Errorf("hole 5: %d of 12 concurrent guesses were tried; the limit is 5", tried)
	}
	for range 6 {
		at.n.Add(1)
		rawCallJSON(t, "POST", s.srv.URL+"/v1/user/password_reset_request", "", map[string]any{"email": "resetvictim@example.com"})
	}
	login(t, s.srv.URL, "resetvictim@example.com", servertest.AdminPassword)
	// 6. Access questions about oneself in the other organization.
	about := func(w world) []byte {
		b, _ := json.Marshal(map[string]any{"principal_type": "user", "principal_id": "self", "permission": "project:services:read", "resource_type": "project", "resource_id": w.project})
		return b
	}
	for _, who := range []string{"B super admin", "B member", "nobody's"} {
		pr := p[who]
		b := bytes.ReplaceAll(about(s.a), []byte(`"self"`), []byte(strconv.Quote(pr.userID)))
		at.refused("hole 6: "+who+" explains itself in A", "POST", "/v1/organization/"+s.a.org+"/access/explain", pr.token, b, http.StatusForbidden)
		at.refused("hole 6: "+who+" lists its resources in A", "GET", "/v1/organization/"+s.a.org+"/access/resources?permission=project:services:read&resource_type=project", pr.token, nil, http.StatusForbidden)
	}
	// SSRF: an operator points a service at the metadata address; a
	// developer syncs Kafka ACLs to it.
	at.refused("ssrf: operator's connection_uri at the metadata address", "POST", "/v1/project/"+s.a.project+"/service", p["project operator"].token,
		[]byte(`{"service_name":"meta","service_type":"pg","plan":"startup-4","user_config":{"connection_uri":"postgres://u:p@169.254.169.254:5432/db"}}`), http.StatusBadGateway)
	at.refused("ssrf: developer's Kafka sync to the metadata address", "POST", "/v1/project/"+s.a.project+"/service/"+s.a.kafka+"/kafka/sync", p["project developer"].token,
		[]byte(`{"bootstrap_servers":["169.254.169.254:80"],"dry_run":true}`), http.StatusBadGateway)
	// Managed users cannot edit themselves or found organizations.
	at.refused("managed member edits its profile", "PATCH", "/v1/me", p["managed member"].token, []byte(`{"real_name":"Someone Else"}`), http.StatusForbidden)
	at.refused("managed member founds an organization", "POST", "/v1/organizations", p["managed member"].token, []byte(`{"organization_name":"escape","tier":"business"}`), http.StatusForbidden)
	// /v1/me hides the projects of an organization whose policy refuses
	// the token (last: it changes A's policy).
	var tok struct {
		FullToken string `json:"full_token"`
	}
	if st := callJSON(t, "POST", s.srv.URL+"/v1/access_token", p["project developer"].token, map[string]any{"description": "cli"}, &tok); st >= 300 {
		t.Fatalf("personal token: %d", st)
	}
	if st := callJSON(t, "PATCH", s.srv.URL+"/v1/organization/"+s.a.org+"/config/authentication", s.admin, map[string]any{"personal_tokens_enabled": false}, nil); st != http.StatusOK {
		t.Fatalf("policy: %d", st)
	}
	at.n.Add(1)
	if ps := meProjects(t, s.srv.URL, tok.FullToken); slices.Contains(ps, s.a.project) {
		t.Errorf("/v1/me lists %v for a token the organization's policy refuses", ps)
	}
	for _, q := range []struct{ method, path string }{
		{"POST", "/v1/organization/" + s.a.org + "/access/explain"},
		{"GET", "/v1/organization/" + s.a.org + "/access/resources?permission=project:services:read&resource_type=project"},
		{"POST", "/v1/organization/" + s.a.org + "/access/check"},
	} {
		b := bytes.ReplaceAll(about(s.a), []byte(`"self"`), []byte(strconv.Quote(p["project developer"].userID)))
		at.refused("hole 6: a personal token the policy refuses asks "+q.path, q.method, q.path, tok.FullToken, b, http.StatusForbidden)
	}
}

// TestAdversarialSuite runs the attack matrix on both backends and logs
// how many attacks it made.
func TestAdversarialSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("sends thousands of requests")
	}
	backends(t, func(t *testing.T, db string) {
		start := time.Now()
		s := newSecWorld(t, db)
		at := &secAttacks{t: t, base: s.srv.URL, seen: map[int]int{},
			hc: &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
		for _, part := range []struct {
			name string
			run  func(*testing.T, *secAttacks)
		}{
			{"operations × principals", s.operationMatrix},
			{"cross-organization", s.crossOrganization},
			{"token minting", s.mintingMatrix},
			{"holes", s.holes},
		} {
			before := at.n.Load()
			part.run(t, at)
			t.Logf("%s: %d attacks", part.name, at.n.Load()-before)
		}
		t.Logf("%d attacks in %s (answers by status: %v)", at.n.Load(), time.Since(start).Round(time.Millisecond), at.seen)
	})
}
