package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/gatehouse-dev/gatehouse/internal/api"
	"github.com/gatehouse-dev/gatehouse/internal/ownership/ownershiptest"
	"github.com/gatehouse-dev/gatehouse/internal/server"
	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// responseAdditions are keys Aiven's client marks omitempty but Aiven's API
// always sends (with null when empty), so clients that index the answer
// (avn's obj["key"]) or compare it (Terraform) rely on them. A path
// segment ending in [] means "every element of this list".
var responseAdditions = map[string][]string{
	"UserInfo":                        {"user.token_validity_begin"},
	"ApplicationUserAccessTokensList": tokenKeys("tokens[]."),
	"AccessTokenList":                 tokenKeys("tokens[]."),
	"AccessTokenCreate":               tokenKeys(""),
	"UserGroupMembersList":            {"members[].last_activity_time"},
	"ServiceGet":                      {"service.acl", "service.schema_registry_acl", "service.users", "service.maintenance", "service.connection_info"},
	"ServiceCreate":                   {"service.acl", "service.schema_registry_acl", "service.users", "service.maintenance", "service.connection_info"},
	"ProjectGet":                      {"project.billing_extra_text", "project.billing_currency"},
	"ProjectCreate":                   {"project.billing_extra_text", "project.billing_currency"},
	"ProjectUpdate":                   {"project.billing_extra_text", "project.billing_currency"},
	"ProjectList":                     {"projects[].billing_extra_text", "projects[].billing_currency"},
}

func tokenKeys(prefix string) []string {
	var out []string
	for _, k := range []string{"last_used_time", "expiry_time", "max_age_seconds", "last_ip", "scopes"} {
		out = append(out, prefix+k)
	}
	return out
}

// contractExceptions are the required keys (operation ID and JSON path)
// Gatehouse does not send, each with its reason. Keep it short.
var contractExceptions = map[string]string{
	"AccessTokenList tokens[].max_age_seconds": "null for a token that never expires, as Aiven sends it; the client's float64 reads 0",
	"AccessTokenCreate max_age_seconds":        "null for a token that never expires, as Aiven sends it; the client's float64 reads 0",
	"AccessTokenUpdate max_age_seconds":        "null for a token that never expires, as Aiven sends it; the client's float64 reads 0",
}

func init() {
	// Aiven's AuthenticationMethod declares these strings and time
	// required, yet documents auto_join_team_id as always null; Gatehouse
	// sends null for a method with no auto-join group and for the delete
	// time of a method that exists (the client's string and time.Time read
	// null as empty).
	for _, op := range []string{"AccountAuthenticationMethodCreate authentication_method.", "AccountAuthenticationMethodGet authentication_method.",
		"AccountAuthenticationMethodUpdate authentication_method.", "AccountAuthenticationMethodsList authentication_methods[]."} {
		contractExceptions[op+"auto_join_team_id"] = "deprecated, always null (Aiven's documentation)"
		contractExceptions[op+"auto_join_user_group_id"] = "null when the method has no auto-join group"
		contractExceptions[op+"delete_time"] = "null while the method exists"
		for _, k := range []string{"saml_cert", "saml_variant", "saml_digest_algorithm", "saml_signature_algorithm"} {
			contractExceptions[op+k] = "enumeration, null when it does not apply (no ADFS variant; an OIDC method)"
		}
	}
}

// walkExceptions are the routes the walk does not request, with the
// reason; the route's own test covers it.
var walkExceptions = map[string]string{
	"POST /v1/user/password_reset/{code}":                     "needs the code mailed to the user (people_test.go)",
	"PUT /v1/me/2fa/otp":                                      "needs a TOTP code of the secret just configured (people_test.go)",
	"POST /v1/project/{project}/service/{service}/kafka/sync": "needs a Kafka cluster (kafka_test.go)",
	"POST /v1/project/{project}/service/{service}/user-sync":  "needs a database server (serviceusers_test.go)",
}

// walkStep is one request of the contract walk.
type walkStep struct {
	route  string            // the route pattern it must hit
	params map[string]string // path parameters beyond the world's
	body   string
	query  string
	// as, when set, is the email the step logs in as (with the test
	// password, or password when set) for a token of its own.
	as, password string
	// status other than 2xx the step expects (a request Gatehouse must
	// refuse to do anything useful with, still in Aiven's shape).
	status int
}

// TestResponseContract requests every route on a populated server and
// checks each answer against the type Aiven's Go client decodes it into:
// every key without omitempty (and every key of responseAdditions) is
// present at every level, with a JSON type the Go type accepts.
func TestResponseContract(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		dns := ownershiptest.NewDNS(t)
		srv := startWithPeople(t, db, func(c *server.Config) {
			c.DNSResolver = dns.Addr()
			c.ChallengeRecord = "_aiven-challenge"
		}, "member@example.com", "joiner@example.com", "keeper@robust.example")
		token := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
		w := buildWorld(t, srv.URL, token)
		ops := aivenOps(t)

		mux := http.NewServeMux()
		for _, r := range api.RouteTable() {
			mux.HandleFunc(r.Pattern, func(http.ResponseWriter, *http.Request) {})
		}
		hit := map[string]bool{}
		var keys, routes, validated int
		spec := loadOpenAPI(t)
		var problems []string

		do := func(s walkStep) {
			method, pathPattern, _ := strings.Cut(s.route, " ")
			params := w.fills(pathPattern, paramsOf(pathPattern))[0]
			for k, v := range s.params {
				params[k] = v
			}
			u := srv.URL + fillPath(pathPattern, params) + s.query
			req, err := http.NewRequestWithContext(t.Context(), method, u, strings.NewReader(s.body))
			if err != nil {
				t.Fatal(err)
			}
			if _, matched := mux.Handler(req); matched != s.route {
				t.Fatalf("%s %s matched %q, not %q", method, u, matched, s.route)
			}
			tok := token
			if s.as != "" {
				pw := s.password
				if pw == "" {
					pw = servertest.AdminPassword
				}
				tok = login(t, srv.URL, s.as, pw)
			}
			req.Header.Set("Authorization", "aivenv1 "+tok)
			req.Header.Set("Content-Type", "application/json")
			resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			hit[s.route] = true
			want := s.status
			if want == 0 && (resp.StatusCode < 200 || resp.StatusCode > 299) {
				t.Errorf("%s: status %d: %s", s.route, resp.StatusCode, raw)
				return
			}
			if want != 0 && resp.StatusCode != want {
				t.Errorf("%s: status %d, want %d: %s", s.route, resp.StatusCode, want, raw)
				return
			}
			if resp.StatusCode == http.StatusNoContent {
				return
			}
			var body any
			if err := json.Unmarshal(raw, &body); err != nil {
				t.Errorf("%s: body is not JSON: %q", s.route, raw)
				return
			}
			if want != 0 {
				return
			}
			routes++
			// The recorded answer also matches the OpenAPI document.
			if schema := spec.responseSchema(s.route); schema == nil {
				t.Errorf("%s: not in the OpenAPI document", s.route)
			} else if err := schema.VisitJSON(body, openapi3.EnableJSONSchema2020()); err != nil {
				t.Errorf("%s: answer does not match the OpenAPI document: %v", s.route, err)
			} else {
				validated++
			}
			op, isAiven := aivenOpOf(ops, s.route)
			if !isAiven {
				return
			}
			opID := op.ID
			c := shapeCheck{op: opID}
			if op.Out != nil {
				v := body
				if op.Wrapper != "" {
					c.keys++
					m, _ := body.(map[string]any)
					var ok bool
					if v, ok = m[op.Wrapper]; !ok {
						c.problem(op.Wrapper, "missing")
					}
				}
				c.value(op.Wrapper, v, op.Out)
			}
			if method != http.MethodGet {
				c.require(body, "message")
			}
			for _, p := range responseAdditions[opID] {
				c.require(body, p)
			}
			keys += c.keys
			problems = append(problems, c.problems...)
		}

		for _, s := range contractWalk(t, srv.URL, token, &w, dns) {
			do(s)
		}

		var missed []string
		for _, r := range api.RouteTable() {
			if !hit[r.Pattern] && walkExceptions[r.Pattern] == "" {
				missed = append(missed, r.Pattern)
			}
		}
		sort.Strings(missed)
		for _, m := range missed {
			t.Errorf("route not walked and not excepted: %s", m)
		}
		for _, p := range problems {
			t.Error(p)
		}
		t.Logf("contract walk: %d requests answered (%d validated against the OpenAPI document), %d keys checked, %d routes excepted:", routes, validated, keys, len(walkExceptions))
		for _, r := range slices.Sorted(mapsKeys(walkExceptions)) {
			t.Logf("  %s: %s", r, walkExceptions[r])
		}
		for _, r := range slices.Sorted(mapsKeys(contractExceptions)) {
			t.Logf("  key %s: %s", r, contractExceptions[r])
		}
	})
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// aivenOpOf finds the operation of Aiven's client a route serves, by its
// method and path (Gatehouse's operation IDs differ in a few places).
func aivenOpOf(ops map[string]aivenOp, pattern string) (aivenOp, bool) {
	for _, op := range ops {
		if op.Method+" "+op.Path == blankWildcards(pattern) {
			return op, true
		}
	}
	return aivenOp{}, false
}

// shapeCheck compares decoded JSON with a Go type of Aiven's client.
type shapeCheck struct {
	op       string
	keys     int
	problems []string
}

func (c *shapeCheck) problem(path, what string) {
	if reason, ok := contractExceptions[c.op+" "+path]; ok && reason != "" {
		return
	}
	c.problems = append(c.problems, fmt.Sprintf("%s: %s: %s", c.op, path, what))
}

var timeType = reflect.TypeOf(time.Time{})

func (c *shapeCheck) value(path string, v any, t reflect.Type) {
	if v == nil {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
		default:
			c.problem(path, "null where the client expects "+t.String())
		}
		return
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == timeType {
		s, ok := v.(string)
		if !ok {
			c.problem(path, fmt.Sprintf("%T where the client expects a time", v))
			return
		}
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			c.problem(path, fmt.Sprintf("%q is not RFC 3339", s))
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			c.problem(path, fmt.Sprintf("%T where the client expects an object", v))
			return
		}
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			fv, present := m[name]
			if !present {
				if !strings.Contains(opts, "omitempty") {
					c.problem(join(path, name), "missing")
				}
				continue
			}
			c.keys++
			c.value(join(path, name), fv, f.Type)
		}
	case reflect.Slice, reflect.Array:
		a, ok := v.([]any)
		if !ok {
			c.problem(path, fmt.Sprintf("%T where the client expects an array", v))
			return
		}
		for _, e := range a {
			c.value(path+"[]", e, t.Elem())
		}
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			c.problem(path, fmt.Sprintf("%T where the client expects an object", v))
			return
		}
		for k, e := range m {
			c.value(join(path, k), e, t.Elem())
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			c.problem(path, fmt.Sprintf("%T where the client expects a string", v))
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			c.problem(path, fmt.Sprintf("%T where the client expects a bool", v))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := v.(float64)
		if !ok || n != float64(int64(n)) {
			c.problem(path, fmt.Sprintf("%v where the client expects an integer", v))
		}
	case reflect.Float32, reflect.Float64:
		if _, ok := v.(float64); !ok {
			c.problem(path, fmt.Sprintf("%T where the client expects a number", v))
		}
	case reflect.Interface:
	default:
		c.problem(path, "unchecked Go type "+t.String())
	}
}

// require checks that the key path (see responseAdditions) is present.
func (c *shapeCheck) require(body any, path string) {
	var walk func(v any, segs []string, at string)
	walk = func(v any, segs []string, at string) {
		if len(segs) == 0 {
			return
		}
		seg := segs[0]
		list := strings.HasSuffix(seg, "[]")
		key := strings.TrimSuffix(seg, "[]")
		m, ok := v.(map[string]any)
		if !ok {
			c.problem(at, "not an object")
			return
		}
		next, present := m[key]
		if !present {
			c.problem(join(at, key), "missing (Aiven always sends it)")
			return
		}
		c.keys++
		if !list {
			walk(next, segs[1:], join(at, key))
			return
		}
		a, _ := next.([]any)
		if len(a) == 0 && len(segs) > 1 {
			c.problem(join(at, key), "empty list: the walk cannot check its elements")
		}
		for _, e := range a {
			walk(e, segs[1:], join(at, key)+"[]")
		}
	}
	walk(body, strings.Split(path, "."), "")
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// jsonBody marshals v for a walk step.
func jsonBody(v any) string {
	var b bytes.Buffer
	_ = json.NewEncoder(&b).Encode(v)
	return b.String()
}

// contractWalk is every request of the walk, in order: writes that create,
// then every GET, then writes that remove. Resources the removals need are
// made here through the client first.
func contractWalk(t *testing.T, url, token string, w *world, dns *ownershiptest.DNS) []walkStep {
	t.Helper()
	victims := contractVictims(t, url, token, w, dns)
	steps := []walkStep{
		{route: "POST /v1/userauth", body: jsonBody(map[string]string{"email": servertest.AdminEmail, "password": servertest.AdminPassword})},
		{route: "POST /v1/organizations", body: `{"organization_name":"Walk","tier":"business"}`},
		{route: "PATCH /v1/organization/{org}", body: `{"name":"Walked"}`},
		{route: "POST /v1/account", body: jsonBody(map[string]string{"account_name": "Walk unit", "parent_account_id": w.orgAccount})},
		{route: "PUT /v1/account/{account}", body: `{"account_name":"Unit"}`},
		{route: "PUT /v1/account/{account}/parent_account", body: jsonBody(map[string]string{"parent_account_id": w.orgAccount})},
		{route: "POST /v1/organization/{org}/projects", body: jsonBody(map[string]any{"project_id": "walk-op", "parent_id": w.unit, "billing_group_id": "", "tags": nil})},
		{route: "PATCH /v1/organization/{org}/project/{project}", body: `{"tags":{"team":"walk"}}`},
		{route: "POST /v1/project", body: jsonBody(map[string]any{"project": "walk-lp", "account_id": w.orgAccount, "tech_emails": []any{map[string]string{"email": "ops@example.com"}}})},
		{route: "PUT /v1/project/{project}", params: map[string]string{"project": "walk-lp"}, body: `{"tech_emails":[{"email":"ops2@example.com"}]}`},
		{route: "POST /v1/project/{project}/service", body: `{"service_name":"walk-pg","service_type":"pg","plan":"startup-4","project_vpc_id":null,"tags":null}`},
		{route: "PUT /v1/organization/{org}/permissions/{rtype}/{rid}", body: jsonBody(map[string]any{"permissions": []any{map[string]any{"principal_type": "user_group", "principal_id": w.group, "permissions": []string{"read_only"}}}})},
		{route: "PATCH /v1/organization/{org}/permissions/{rtype}/{rid}", body: jsonBody(map[string]any{"operation": "set", "permissions": []any{map[string]any{"principal_type": "user", "principal_id": victims.appUser, "permissions": []string{"developer"}}}})},
		{route: "POST /v1/organization/{org}/user-groups", body: `{"user_group_name":"walkers","description":""}`},
		{route: "PATCH /v1/organization/{org}/user-groups/{group}", body: `{"description":"walked"}`},
		{route: "PATCH /v1/organization/{org}/user-groups/{group}/members", body: jsonBody(map[string]any{"operation": "add_members", "member_ids": []string{w.userID}})},
		{route: "POST /v1/organization/{org}/access/check", body: jsonBody(map[string]any{"checks": []any{map[string]string{"principal_type": "user", "principal_id": w.userID, "permission": "read_only", "resource_type": "project", "resource_id": w.project}}})},
		{route: "POST /v1/organization/{org}/access/explain", body: jsonBody(map[string]string{"principal_type": "user", "principal_id": w.userID, "permission": "read_only", "resource_type": "project", "resource_id": w.project})},
		{route: "POST /v1/project/{project}/service/{service}/acl", body: `{"username":"walker","permission":"read","topic":"walk"}`},
		{route: "POST /v1/project/{project}/service/{service}/kafka/acl", body: `{"principal":"User:walker","host":"*","resource_type":"Topic","resource_name":"walk","pattern_type":"LITERAL","operation":"Read","permission_type":"ALLOW"}`},
		{route: "POST /v1/project/{project}/service/{service}/kafka/schema-registry/acl", body: `{"username":"walker","permission":"schema_registry_read","resource":"Subject:walk"}`},
		{route: "POST /v1/project/{project}/service/{service}/kafka/authorize", body: `{"requests":[{"principal":"User:walker","host":"*","operation":"Read","resource_type":"Topic","resource_name":"walk"}]}`},
		{route: "POST /v1/organization/{org}/domains", body: `{"domain_name":"walk.example","verification_type":"dns"}`},
		{route: "PATCH /v1/organization/{org}/domains/{domain}", body: `{"verification_type":"dns"}`},
		{route: "POST /v1/organization/{org}/domains/{domain}/verify"},
		{route: "POST /v1/organization/{org}/invitation", body: `{"user_email":"walk-second@example.com"}`},
		{route: "POST /v1/organization/{org}/invitation/{email}", params: map[string]string{"email": "joiner@example.com"}, as: "joiner@example.com", body: `{"action":"accept"}`},
		{route: "GET /v1/invitation/{code}", params: map[string]string{"code": victims.newcomerCode}},
		{route: "POST /v1/invitation/{code}", params: map[string]string{"code": victims.newcomerCode}, body: jsonBody(map[string]string{"real_name": "Newcomer", "password": servertest.AdminPassword})},
		{route: "POST /v1/project/{project}/invite/{invite_verification_code}", params: map[string]string{"invite_verification_code": victims.projectInviteCode}, as: "member@example.com"},
		{route: "PATCH /v1/organization/{org}/user/{user}", body: `{"real_name":"Walk Admin","job_title":"admin"}`},
		{route: "PATCH /v1/organization/{org}/config/authentication", body: `{"password_auth_enabled":true}`},
		{route: "PATCH /v1/me", body: `{"real_name":"Walk Admin"}`},
		{route: "PUT /v1/me/2fa", body: jsonBody(map[string]string{"method": "otp", "password": servertest.AdminPassword})},
		{route: "POST /v1/user/password_reset_request", body: `{"email":"nobody@example.com"}`},
		{route: "POST /v1/project/{project}/invite", body: `{"user_email":"walk-member@example.com","member_type":"developer"}`},
		{route: "PUT /v1/project/{project}/user/{user_email}", params: map[string]string{"user_email": victims.memberEmail}, body: `{"member_type":"operator"}`},
		{route: "PUT /v1/project/{project}/access/groups/{user_group_id}", body: `{"role":"read_only"}`},
		{route: "POST /v1/project/{project}/service/{service}/user", params: map[string]string{"service": w.pg}, body: `{"username":"walker"}`},
		{route: "PUT /v1/project/{project}/service/{service}/user/{username}", params: map[string]string{"service": w.pg, "username": "walker"}, body: `{"operation":"reset-credentials"}`},
		{route: "PUT /v1/project/{project}/service/{service}/user/{username}/credentials/reset", params: map[string]string{"service": w.pg, "username": "walker"}},
		{route: "POST /v1/organization/{org}/application-users", body: `{"name":"walker"}`},
		{route: "PATCH /v1/organization/{org}/application-users/{user}", body: `{"name":"robust-app"}`},
		{route: "POST /v1/organization/{org}/application-users/{user}/access-tokens", body: `{"description":"","max_age_seconds":3600,"scopes":["read"]}`},
		{route: "POST /v1/access_token", body: `{"description":"walk"}`},
		{route: "PUT /v1/project/{project}/tags", body: `{"tags":{"team":"walk","env":"test"}}`},
		{route: "PATCH /v1/project/{project}/tags", body: `{"tags":{"env":null,"owner":"ops"}}`},
		{route: "PUT /v1/project/{project}/service/{service}", body: `{"plan":"business-8","termination_protection":false,"disk_space_mb":90000,"powered":true,"project_vpc_id":null,"user_config":{"schema_registry":true}}`},
		{route: "PUT /v1/project/{project}/service/{service}/tags", body: `{"tags":{"team":"walk"}}`},
		{route: "PATCH /v1/project/{project}/service/{service}/tags", body: `{"tags":{"owner":"ops"}}`},
		{route: "PUT /v1/access_token/{prefix}", body: `{"description":"walked"}`},
		{route: "POST /v1/account/{account}/authentication", body: `{"authentication_method_name":"Walk OIDC","authentication_method_type":"oidc","oidc_issuer":"https://sso.robust.example","oidc_client_id":"walk","oidc_client_secret":"s"}`},
		{route: "PUT /v1/account/{account}/authentication/{method}", body: jsonBody(map[string]any{"saml_entity_id": "https://idp.robust.example", "saml_idp_url": "https://idp.robust.example/sso",
			"linked_domains": []any{map[string]string{"domain_id": w.domain}}, "auto_join_user_group_id": w.group, "saml_field_mapping": map[string]string{"email": "mail"}})},
		{route: "PUT /v1/account/{account}/authentication/{method}", body: `{"scim_enabled":true}`},
		{route: "POST /v1/account/{account}/authentication/{method}/scim-token"},
	}
	covered := map[string]bool{}
	for _, s := range steps {
		covered[s.route] = true
	}
	removals := []walkStep{
		{route: "DELETE /v1/project/{project}/service/{service}/acl/{id}", params: map[string]string{"id": victims.acl}},
		{route: "DELETE /v1/project/{project}/service/{service}/kafka/acl/{id}", params: map[string]string{"id": victims.nativeACL}},
		{route: "DELETE /v1/project/{project}/service/{service}/kafka/schema-registry/acl/{id}", params: map[string]string{"id": victims.srACL}},
		{route: "DELETE /v1/project/{project}/service/{service}/user/{username}", params: map[string]string{"service": w.pg, "username": "walker"}},
		{route: "DELETE /v1/project/{project}/service/{service}", params: map[string]string{"service": "walk-pg"}},
		{route: "DELETE /v1/project/{project}/access/groups/{user_group_id}"},
		{route: "DELETE /v1/project/{project}/invite/{invited_email}", params: map[string]string{"invited_email": "walk-member@example.com"}},
		{route: "DELETE /v1/project/{project}/user/{user_email}", params: map[string]string{"user_email": victims.memberEmail}},
		{route: "DELETE /v1/organization/{org}/invitation/{email}", params: map[string]string{"email": "walk-invitee@example.com"}},
		{route: "DELETE /v1/organization/{org}/user-groups/{group}", params: map[string]string{"group": victims.group}},
		{route: "DELETE /v1/organization/{org}/application-users/{user}/access-tokens/{prefix}"},
		{route: "DELETE /v1/organization/{org}/application-users/{user}", params: map[string]string{"user": victims.appUser}},
		{route: "DELETE /v1/organization/{org}/user/{user}", params: map[string]string{"user": victims.member}},
		{route: "DELETE /v1/access_token/{prefix}"},
		{route: "DELETE /v1/organization/{org}/user/{user}/access-token/{prefix}", params: map[string]string{"user": victims.managed, "prefix": victims.managedPrefix}},
		{route: "POST /v1/organization/{org}/user/{user}/reset_password", params: map[string]string{"user": victims.managed}},
		{route: "DELETE /v1/account/{account}/authentication/{method}", params: map[string]string{"method": victims.authMethod}},
		{route: "DELETE /v1/organization/{org}/domains/{domain}"},
		{route: "DELETE /v1/organization/{org}/project/{project}", params: map[string]string{"project": "walk-op"}},
		{route: "DELETE /v1/project/{project}", params: map[string]string{"project": "walk-lp"}},
		{route: "DELETE /v1/account/{account}", params: map[string]string{"account": victims.unit}},
		{route: "DELETE /v1/organization/{org}", params: map[string]string{"org": victims.org}},
		{route: "POST /v1/userauth/logout", as: servertest.AdminEmail},
		{route: "POST /v1/me/logout", as: servertest.AdminEmail},
		{route: "PUT /v1/me/password", as: servertest.AdminEmail, body: jsonBody(map[string]string{"password": servertest.AdminPassword, "new_password": servertest.AdminPassword + " again"})},
		{route: "POST /v1/me/expire_tokens", as: servertest.AdminEmail, password: servertest.AdminPassword + " again"},
	}
	for _, s := range removals {
		covered[s.route] = true
	}
	var reads []walkStep
	for _, r := range api.RouteTable() {
		if strings.HasPrefix(r.Pattern, "GET ") && !covered[r.Pattern] {
			s := walkStep{route: r.Pattern}
			switch {
			case strings.Contains(r.Pattern, "/user/{user}/access-tokens"):
				s.params = map[string]string{"user": victims.managed}
			case strings.HasSuffix(r.Pattern, "/kafka/acl/{id}"):
				s.params = map[string]string{"id": w.nativeACLID}
			case strings.HasSuffix(r.Pattern, "/access/resources"):
				s.query = "?principal_type=user&principal_id=" + w.userID + "&permission=read_only&resource_type=project"
			case strings.HasSuffix(r.Pattern, "/access/principals"):
				s.query = "?permission=read_only&resource_type=project&resource_id=" + w.project
			}
			reads = append(reads, s)
		}
	}
	return slices.Concat(steps, reads, removals)
}

// walkVictims are what the walk's removals and acceptances act on.
type walkVictims struct {
	org, unit, group, appUser, acl, nativeACL, srACL string
	member, memberEmail, projectInviteCode           string
	newcomerCode                                     string
	managed, managedPrefix                           string
	authMethod                                       string
}

func contractVictims(t *testing.T, url, token string, w *world, dns *ownershiptest.DNS) walkVictims {
	t.Helper()
	var v walkVictims
	call := func(method, path, body string) map[string]any {
		t.Helper()
		st, out := rawCall(t, method, url+path, token, []byte(body))
		if st/100 != 2 {
			t.Fatalf("%s %s: %d %v", method, path, st, out)
		}
		return out
	}
	str := func(m map[string]any, keys ...string) string {
		var x any = m
		for _, k := range keys {
			x = x.(map[string]any)[k]
		}
		return x.(string)
	}
	// The world's user is the admin's email; the walk needs the ID.
	w.userID = str(call("GET", "/v1/me", "")["user"].(map[string]any), "user_id")
	v.org = str(call("POST", "/v1/organizations", `{"organization_name":"Doomed","tier":"business"}`), "organization_id")
	v.unit = str(call("POST", "/v1/account", jsonBody(map[string]string{"account_name": "Doomed", "parent_account_id": w.orgAccount})), "account", "account_id")
	v.group = str(call("POST", "/v1/organization/"+w.org+"/user-groups", `{"user_group_name":"doomed","description":""}`), "user_group_id")
	v.appUser = str(call("POST", "/v1/organization/"+w.org+"/application-users", `{"name":"doomed"}`), "user_id")
	acl := call("POST", "/v1/project/"+w.project+"/service/"+w.kafka+"/acl", `{"username":"doomed","permission":"write","topic":"doomed"}`)["acl"].([]any)
	for _, e := range acl {
		if e.(map[string]any)["username"] == "doomed" {
			v.acl = e.(map[string]any)["id"].(string)
		}
	}
	v.nativeACL = str(call("POST", "/v1/project/"+w.project+"/service/"+w.kafka+"/kafka/acl",
		`{"principal":"User:doomed","host":"*","resource_type":"Topic","resource_name":"doomed","pattern_type":"LITERAL","operation":"Read","permission_type":"ALLOW"}`), "acl", "id")
	sr := call("POST", "/v1/project/"+w.project+"/service/"+w.kafka+"/kafka/schema-registry/acl", `{"username":"doomed","permission":"schema_registry_read","resource":"Subject:doomed"}`)["acl"].([]any)
	for _, e := range sr {
		if e.(map[string]any)["username"] == "doomed" {
			v.srACL = e.(map[string]any)["id"].(string)
		}
	}
	// member@ joins the organization and is invited to the project; the
	// walk accepts. joiner@ and newcomer@ are invited to the organization.
	v.memberEmail = "member@example.com"
	call("POST", "/v1/organization/"+w.org+"/invitation", `{"user_email":"member@example.com"}`)
	mt := login(t, url, v.memberEmail, servertest.AdminPassword)
	if st, out := rawCall(t, "POST", url+"/v1/organization/"+w.org+"/invitation/member@example.com", mt, []byte(`{"action":"accept"}`)); st != http.StatusOK {
		t.Fatalf("member joins: %d %v", st, out)
	}
	call("POST", "/v1/organization/"+w.org+"/invitation", `{"user_email":"joiner@example.com"}`)
	call("POST", "/v1/organization/"+w.org+"/invitation", `{"user_email":"newcomer@example.com"}`)
	call("POST", "/v1/organization/"+w.org+"/invitation", `{"user_email":"walk-invitee@example.com"}`)
	for _, inv := range call("GET", "/v1/organization/"+w.org+"/invitation", "")["invitations"].([]any) {
		m := inv.(map[string]any)
		if m["user_email"] == "newcomer@example.com" {
			link, _ := m["accept_link"].(string)
			v.newcomerCode = link[strings.LastIndexByte(link, '/')+1:]
		}
	}
	for _, u := range call("GET", "/v1/organization/"+w.org+"/user", "")["users"].([]any) {
		m := u.(map[string]any)
		if m["user_info"].(map[string]any)["user_email"] == v.memberEmail {
			v.member = m["user_id"].(string)
		}
	}
	v.projectInviteCode = str(call("POST", "/v1/project/"+w.project+"/invite", `{"user_email":"member@example.com","member_type":"developer"}`), "invite_code")
	// robust.example gets verified, making keeper@ a managed user.
	rec := call("GET", "/v1/organization/"+w.org+"/domains/"+w.domain, "")["verification_record"].(map[string]any)
	dns.SetTXT(rec["name"].(string), rec["value"].(string))
	call("POST", "/v1/organization/"+w.org+"/domains/"+w.domain+"/verify", "")
	login(t, url, "keeper@robust.example", servertest.AdminPassword)
	for _, u := range call("GET", "/v1/organization/"+w.org+"/managed-users", "")["users"].([]any) {
		m := u.(map[string]any)
		if m["user_info"].(map[string]any)["user_email"] == "keeper@robust.example" {
			v.managed = m["user_id"].(string)
		}
	}
	v.managedPrefix = str(call("GET", "/v1/organization/"+w.org+"/user/"+v.managed+"/access-tokens", "")["tokens"].([]any)[0].(map[string]any), "token_prefix")
	v.authMethod = str(call("POST", "/v1/account/"+w.orgAccount+"/authentication", `{"authentication_method_name":"doomed","authentication_method_type":"saml"}`), "authentication_method", "authentication_method_id")
	// The project's admin group: the access routes act on it.
	call("PUT", "/v1/project/"+w.project+"/access/groups/"+v.group, `{"role":"developer"}`)
	return v
}

// openAPISpec is the committed OpenAPI document, loaded for validation.
type openAPISpec struct{ doc *openapi3.T }

func loadOpenAPI(t *testing.T) openAPISpec {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile(openAPIFiles[0])
	if err != nil {
		t.Fatal(err)
	}
	return openAPISpec{doc}
}

// responseSchema is the 200 answer's schema of a route pattern.
func (s openAPISpec) responseSchema(pattern string) *openapi3.Schema {
	method, path, _ := strings.Cut(pattern, " ")
	for p, item := range s.doc.Paths.Map() {
		if blankWildcards(p) != blankWildcards(path) {
			continue
		}
		op := item.GetOperation(method)
		if op == nil {
			return nil
		}
		resp := op.Responses.Value("200")
		if resp == nil || resp.Value == nil {
			return nil
		}
		mt := resp.Value.Content.Get("application/json")
		if mt == nil || mt.Schema == nil {
			return nil
		}
		return mt.Schema.Value
	}
	return nil
}
