package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aiven/go-client-codegen/handler/account"
	"github.com/aiven/go-client-codegen/handler/accountauthentication"
	"github.com/aiven/go-client-codegen/handler/applicationuser"
	"github.com/aiven/go-client-codegen/handler/domain"
	"github.com/aiven/go-client-codegen/handler/kafka"
	"github.com/aiven/go-client-codegen/handler/kafkaschemaregistry"
	"github.com/aiven/go-client-codegen/handler/organization"
	"github.com/aiven/go-client-codegen/handler/organizationprojects"
	"github.com/aiven/go-client-codegen/handler/organizationuser"
	"github.com/aiven/go-client-codegen/handler/project"
	"github.com/aiven/go-client-codegen/handler/service"
	"github.com/aiven/go-client-codegen/handler/user"
	"github.com/aiven/go-client-codegen/handler/usergroup"

	"github.com/gatehouse-dev/gatehouse/internal/api"
	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/ownership/ownershiptest"
	"github.com/gatehouse-dev/gatehouse/internal/server"
	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// requestModels are the request bodies of the operations, as Aiven's client
// types (every field, omitempty or not, is walked by reflection) or as JSON
// samples for Gatehouse's own endpoints and the deprecated ones Aiven's
// client sends without a body type. Operations missing here get a generic
// body; TestHostileInputs logs them.
var requestModels = map[control.Op]any{
	"UserAuth":                    user.UserAuthIn{},
	"UserOrganizationCreate":      organization.UserOrganizationCreateIn{},
	"OrganizationUpdate":          organization.OrganizationUpdateIn{},
	"AccountCreate":               account.AccountCreateIn{},
	"AccountUpdate":               account.AccountUpdateIn{},
	"AccountMove":                 account.AccountMoveIn{},
	"OrganizationProjectsCreate":  organizationprojects.OrganizationProjectsCreateIn{},
	"OrganizationProjectsUpdate":  organizationprojects.OrganizationProjectsUpdateIn{},
	"ProjectCreate":               project.ProjectCreateIn{},
	"ProjectUpdate":               project.ProjectUpdateIn{},
	"ServiceCreate":               service.ServiceCreateIn{},
	"PermissionsSet":              organization.PermissionsSetIn{},
	"PermissionsUpdate":           organization.PermissionsUpdateIn{},
	"UserGroupCreate":             usergroup.UserGroupCreateIn{},
	"UserGroupUpdate":             usergroup.UserGroupUpdateIn{},
	"UserGroupMemberUpdate":       usergroup.UserGroupMembersUpdateIn{},
	"ServiceKafkaAclAdd":          kafka.ServiceKafkaAclAddIn{},
	"ServiceKafkaNativeAclAdd":    kafka.ServiceKafkaNativeAclAddIn{},
	"ServiceSchemaRegistryAclAdd": kafkaschemaregistry.ServiceSchemaRegistryAclAddIn{},
	"ProjectInvite":               map[string]any{"user_email": "x@example.com", "member_type": "developer"},
	"ProjectUserUpdate":           map[string]any{"member_type": "developer"},
	"ProjectGroupAccessSet":       map[string]any{"role": "developer"},
	"AccessCheck": map[string]any{"principal_type": "user", "principal_id": "x", "permission": "project:services:read", "resource_type": "project", "resource_id": "x",
		"at_least_revision": 1, "checks": []any{map[string]any{"principal_type": "user", "principal_id": "x", "permission": "project:services:read", "resource_type": "project", "resource_id": "x"}}},
	"AccessExplain":                          map[string]any{"principal_type": "user", "principal_id": "x", "permission": "project:services:read", "resource_type": "project", "resource_id": "x"},
	"ServiceKafkaAuthorize":                  map[string]any{"requests": []any{map[string]any{"principal": "User:x", "host": "x", "operation": "Read", "resource_type": "Topic", "resource_name": "x"}}},
	"OrganizationDomainAdd":                  domain.OrganizationDomainAddIn{},
	"AccountAuthenticationMethodCreate":      accountauthentication.AccountAuthenticationMethodCreateIn{},
	"AccountAuthenticationMethodUpdate":      accountauthentication.AccountAuthenticationMethodUpdateIn{},
	"OrganizationDomainUpdate":               domain.OrganizationDomainUpdateIn{},
	"OrganizationDomainVerify":               nil, // no body
	"OrganizationUserInvite":                 organizationuser.OrganizationUserInviteIn{},
	"OrganizationUserInvitationAccept":       organizationuser.OrganizationUserInvitationAcceptIn{},
	"OrganizationUserUpdate":                 organizationuser.OrganizationUserUpdateIn{},
	"OrganizationAuthenticationConfigUpdate": organization.OrganizationAuthenticationConfigUpdateIn{},
	"InvitationAccept":                       map[string]any{"real_name": "x", "password": "x", "otp": "x"},
	"UserUpdate":                             user.UserUpdateIn{},
	"TwoFactorAuthConfigure":                 user.TwoFactorAuthConfigureIn{},
	"TwoFactorAuthConfigureOTP":              user.TwoFactorAuthConfigureOtpIn{},
	"UserPasswordChange":                     user.UserPasswordChangeIn{},
	"UserPasswordResetRequest":               user.UserPasswordResetRequestIn{},
	"UserPasswordReset":                      user.UserPasswordResetIn{},
	"ServiceUserCreate":                      service.ServiceUserCreateIn{},
	"ServiceUserCredentialsModify":           service.ServiceUserCredentialsModifyIn{},
	"ServiceUserCredentialsReset":            nil,
	"ServiceUserSync":                        map[string]any{"dry_run": true},
	"ApplicationUserCreate":                  applicationuser.ApplicationUserCreateIn{},
	"ApplicationUserUpdate":                  applicationuser.ApplicationUserUpdateIn{},
	"ApplicationUserAccessTokenCreate":       applicationuser.ApplicationUserAccessTokenCreateIn{},
	"AccessTokenCreate":                      user.AccessTokenCreateIn{},
	"AccessTokenUpdate":                      user.AccessTokenUpdateIn{},
	"UserExpireTokens":                       nil,
	"OrganizationUserPasswordReset":          nil,
	"ProjectInviteAccept":                    nil,
	"UserLogout":                             nil,
	"ServiceKafkaAclSync":                    map[string]any{"bootstrap_servers": []any{"x"}, "sasl_mechanism": "PLAIN", "username": "x", "password": "x", "tls": true, "keep_principals": []any{"x"}, "dry_run": true},
}

// validBodies are requests that succeed, for the operations that store
// what they are sent: each field is then spoiled alone, so every hostile
// value reaches validation and the store with the rest of the request
// valid. "%N%" becomes a number unique to the case (names must not
// clash); the world's identifiers are "%ORG_ACCOUNT%", "%GROUP%", "%USER%"
// and "%PROJECT%".
var validBodies = map[control.Op]string{
	"UserGroupCreate":                   `{"user_group_name":"g-%N%","description":"d"}`,
	"UserGroupUpdate":                   `{"user_group_name":"robust","description":"d%N%"}`,
	"AccountCreate":                     `{"account_name":"unit %N%","parent_account_id":"%ORG_ACCOUNT%"}`,
	"OrganizationProjectsCreate":        `{"project_id":"op-%N%","tags":{"k":"v"},"tech_emails":[{"email":"ops@example.com"}]}`,
	"ProjectCreate":                     `{"project":"lp-%N%","account_id":"%ORG_ACCOUNT%","tags":{"k":"v"}}`,
	"ProjectUpdate":                     `{"parent_id":"%ORG_ACCOUNT%"}`,
	"OrganizationProjectsUpdate":        `{"parent_id":"%UNIT%"}`,
	"AccountMove":                       `{"parent_account_id":"%ORG_ACCOUNT%"}`,
	"OrganizationDomainUpdate":          `{"verification_type":"dns"}`,
	"ServiceUserCredentialsModify":      `{"operation":"acknowledge-renewal"}`,
	"ProjectTagsReplace":                `{"tags":{"k":"v%N%"}}`,
	"ProjectTagsUpdate":                 `{"tags":{"k":"v%N%"}}`,
	"ProjectServiceTagsReplace":         `{"tags":{"k":"v%N%"}}`,
	"ProjectServiceTagsUpdate":          `{"tags":{"k":"v%N%"}}`,
	"ServiceCreate":                     `{"service_name":"s-%N%","service_type":"pg","plan":"startup-2","cloud":"c","tags":{"k":"v"},"user_config":{"k":"v"},"tech_emails":[{"email":"ops@example.com"}],"termination_protection":false}`,
	"ServiceKafkaAclAdd":                `{"username":"u%N%","permission":"read","topic":"t%N%"}`,
	"ServiceKafkaNativeAclAdd":          `{"principal":"User:u%N%","host":"*","resource_type":"Topic","resource_name":"t%N%","pattern_type":"LITERAL","operation":"Read","permission_type":"ALLOW"}`,
	"ServiceSchemaRegistryAclAdd":       `{"username":"u%N%","permission":"schema_registry_read","resource":"Subject:s%N%"}`,
	"ProjectInvite":                     `{"user_email":"i%N%@example.com","member_type":"developer"}`,
	"OrganizationUserInvite":            `{"user_email":"o%N%@example.com"}`,
	"ApplicationUserCreate":             `{"name":"app-%N%"}`,
	"ApplicationUserUpdate":             `{"name":"app-renamed-%N%","is_super_admin":false}`,
	"ApplicationUserAccessTokenCreate":  `{"description":"t%N%","max_age_seconds":3600}`,
	"AccessTokenCreate":                 `{"description":"t%N%","max_age_seconds":3600}`,
	"OrganizationDomainAdd":             `{"domain_name":"d%N%.example"}`,
	"AccountAuthenticationMethodCreate": `{"authentication_method_name":"idp %N%","authentication_method_type":"oidc","oidc_issuer":"https://sso.example/%N%","oidc_client_id":"c%N%","oidc_scopes":["email"],"oidc_claim_mapping":{"groups":"roles"}}`,
	"AccountAuthenticationMethodUpdate": `{"authentication_method_name":"idp %N%","saml_entity_id":"https://idp.example/%N%","saml_idp_url":"https://idp.example/sso","oidc_scopes":null,"saml_field_mapping":{"email":"mail"},"auto_join_user_group_id":"%GROUP%"}`,
	"PermissionsSet":                    `{"permissions":[{"principal_type":"user_group","principal_id":"%GROUP%","permissions":["read_only"]}]}`,
	"PermissionsUpdate":                 `{"operation":"add","permissions":[{"principal_type":"user_group","principal_id":"%GROUP%","permissions":["read_only"]}]}`,
	"UserGroupMemberUpdate":             `{"operation":"add_members","member_ids":["%USER%"]}`,
	"UserUpdate":                        `{"real_name":"Admin %N%"}`,
	"AccessCheck":                       `{"checks":[{"principal_type":"user","principal_id":"%USER%","permission":"read_only","resource_type":"project","resource_id":"%PROJECT%"}]}`,
	"ServiceKafkaAuthorize":             `{"requests":[{"principal":"User:app","host":"*","operation":"Read","resource_type":"Topic","resource_name":"orders"}]}`,
}

// validCases spoils each field of a valid body in turn.
func (w world) validCases(op control.Op) []hostileCase {
	raw, ok := validBodies[op]
	if !ok {
		return nil
	}
	raw = strings.NewReplacer("%ORG_ACCOUNT%", w.orgAccount, "%UNIT%", w.unit, "%GROUP%", w.group, "%USER%", w.userID, "%PROJECT%", w.project).Replace(raw)
	var sample any
	if err := json.Unmarshal([]byte(raw), &sample); err != nil {
		panic(string(op) + ": " + err.Error())
	}
	cases := []hostileCase{{name: "valid", body: []byte(raw)}}
	// 64 KiB of elements: these are stored, and every later request that
	// reads the row pays for them.
	for _, c := range mutations(sample, 64<<10) {
		cases = append(cases, hostileCase{name: "valid but " + c.name, body: c.body})
	}
	for i := range cases {
		cases[i].body = bytes.ReplaceAll(cases[i].body, []byte("%N%"), []byte(strconv.Itoa(i)))
	}
	return cases
}

// world is what the hostile requests aim at: one of everything, so valid
// identifiers reach the store and the engine.
type world struct {
	org, orgAccount, unit, project, kafka, pg, group, userID, email, aclID, nativeACLID, srACLID, domain string
	appUser, appToken, appTokenPrefix, personalTokenPrefix                                               string
	authMethod                                                                                           string
}

func buildWorld(t *testing.T, url, token string) world {
	t.Helper()
	return buildNamedWorld(t, url, token, "robust")
}

// buildNamedWorld is buildWorld with names starting with name, so that
// several organizations on one server each get a world.
func buildNamedWorld(t *testing.T, url, token, name string) world {
	t.Helper()
	ctx := t.Context()
	c := client(t, url, token)
	me, err := c.UserInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w := world{userID: me.User, email: me.User}
	orgs, err := c.UserOrganizationsList(ctx)
	if err != nil || len(orgs) == 0 {
		t.Fatalf("organizations: %v %v", orgs, err)
	}
	w.org, w.orgAccount = orgs[0].OrganizationId, orgs[0].AccountId
	unit, err := c.AccountCreate(ctx, &account.AccountCreateIn{AccountName: "Unit", ParentAccountId: ptr(orgs[0].AccountId)})
	if err != nil {
		t.Fatal(err)
	}
	w.unit = unit.AccountId
	w.project = name + "-prj"
	if _, err := c.OrganizationProjectsCreate(ctx, w.org, &organizationprojects.OrganizationProjectsCreateIn{ProjectId: w.project, ParentId: ptr(w.unit)}); err != nil {
		t.Fatal(err)
	}
	w.kafka, w.pg = "kafka-1", "pg-1"
	for name, typ := range map[string]string{w.kafka: "kafka", w.pg: "pg"} {
		if _, err := c.ServiceCreate(ctx, w.project, &service.ServiceCreateIn{ServiceName: name, ServiceType: typ, Plan: "startup-2"}); err != nil {
			t.Fatal(err)
		}
	}
	g, err := c.UserGroupCreate(ctx, w.org, &usergroup.UserGroupCreateIn{UserGroupName: "robust", Description: "hostile inputs"})
	if err != nil {
		t.Fatal(err)
	}
	w.group = g.UserGroupId
	acl, err := c.ServiceKafkaAclAdd(ctx, w.project, w.kafka, &kafka.ServiceKafkaAclAddIn{Username: "app-*", Permission: "read", Topic: "orders"})
	if err != nil || len(acl) == 0 {
		t.Fatalf("kafka acl: %v %v", acl, err)
	}
	w.aclID = acl[0].Id
	native, err := c.ServiceKafkaNativeAclAdd(ctx, w.project, w.kafka, &kafka.ServiceKafkaNativeAclAddIn{
		Principal: "User:app", Host: ptr("*"), ResourceType: "Topic", ResourceName: "orders", PatternType: "LITERAL", Operation: "Read", PermissionType: "ALLOW"})
	if err != nil {
		t.Fatal(err)
	}
	w.nativeACLID = native.Id
	sr, err := c.ServiceSchemaRegistryAclAdd(ctx, w.project, w.kafka, &kafkaschemaregistry.ServiceSchemaRegistryAclAddIn{
		Username: "app", Permission: "schema_registry_read", Resource: "Subject:orders"})
	if err != nil || len(sr) == 0 {
		t.Fatalf("schema registry acl: %v %v", sr, err)
	}
	w.srACLID = *sr[0].Id
	d, err := c.OrganizationDomainAdd(ctx, w.org, &domain.OrganizationDomainAddIn{DomainName: name + ".example"})
	if err != nil {
		t.Fatal(err)
	}
	w.domain = d.DomainId
	app, err := c.ApplicationUserCreate(ctx, w.org, &applicationuser.ApplicationUserCreateIn{Name: "robust-app"})
	if err != nil {
		t.Fatal(err)
	}
	w.appUser = app.UserId
	appTok, err := c.ApplicationUserAccessTokenCreate(ctx, w.org, w.appUser, &applicationuser.ApplicationUserAccessTokenCreateIn{Description: "robust"})
	if err != nil {
		t.Fatal(err)
	}
	w.appToken, w.appTokenPrefix = appTok.FullToken, appTok.TokenPrefix
	pt, err := c.AccessTokenCreate(ctx, &user.AccessTokenCreateIn{Description: "robust"})
	if err != nil {
		t.Fatal(err)
	}
	w.personalTokenPrefix = pt.TokenPrefix
	st, out := rawCall(t, "POST", url+"/v1/account/"+w.orgAccount+"/authentication", token, []byte(`{"authentication_method_name":"robust","authentication_method_type":"saml"}`))
	if st != http.StatusOK {
		t.Fatalf("authentication method: %d %v", st, out)
	}
	w.authMethod = out["authentication_method"].(map[string]any)["authentication_method_id"].(string)
	return w
}

// fills returns the valid path parameter sets for a route: the first is the
// base, the others vary one resource kind.
func (w world) fills(pattern string, params []string) []map[string]string {
	base := map[string]string{
		"org": w.org, "account": w.unit, "project": w.project, "service": w.kafka, "rtype": "project", "rid": w.project,
		"group": w.group, "user_group_id": w.group, "user": w.userID, "id": w.aclID, "user_email": w.email,
		"invited_email": "nobody@example.com", "invite_verification_code": "0123456789abcdef", "domain": w.domain,
		"email": "nobody@example.com", "code": "0123456789abcdef", "username": "avnadmin", "prefix": w.personalTokenPrefix,
	}
	if strings.Contains(pattern, "/application-users/") {
		base["user"], base["prefix"] = w.appUser, w.appTokenPrefix
	}
	if strings.Contains(pattern, "/authentication") {
		// Identity providers belong to the organization's root account.
		base["account"], base["method"] = w.orgAccount, w.authMethod
	}
	for _, p := range params {
		if _, ok := base[p]; !ok {
			base[p] = "x"
		}
	}
	out := []map[string]string{base}
	vary := func(kv ...string) {
		m := maps.Clone(base)
		for i := 0; i < len(kv); i += 2 {
			if !slices.Contains(params, kv[i]) {
				return
			}
			m[kv[i]] = kv[i+1]
		}
		out = append(out, m)
	}
	vary("service", w.pg)
	vary("id", w.nativeACLID)
	vary("id", w.srACLID)
	vary("rtype", "account", "rid", w.unit)
	vary("rtype", "organization", "rid", w.org)
	return out
}

// longText is 10k characters that do not compress, so PostgreSQL cannot
// squeeze them into an index entry.
var longText = func() string {
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, 10000)
	for i := range b {
		b[i] = letters[r.IntN(len(letters))]
	}
	return string(b)
}()

// validQueries are queries that get past validation, for the routes that
// read their parameters from the query: the request then reaches its
// authorization check.
var validQueries = map[control.Op]string{
	"AccessResources":  "principal_id=%USER%&permission=project:services:read&resource_type=project",
	"AccessPrincipals": "permission=project:services:read&resource_type=project&resource_id=%PROJECT%",
}

// queryKeys are the query parameters any endpoint reads; every route gets
// each with every hostile query value.
var queryKeys = []string{"limit", "before_id", "after", "principal_id", "permission", "resource_type", "resource_id", "cursor", "page", "email"}

var hostileQueryValues = []struct{ name, raw string }{
	{"empty", ""},
	{"10k chars", longText},
	{"huge number", "99999999999999999999999999"},
	{"max int64", "9223372036854775807"},
	{"negative", "-1"},
	{"float", "1.5"},
	{"nul", "a%00b"},
	{"invalid utf8", "%FF%FE"},
	{"unicode", url.QueryEscape("ünïcødé-名前-🚀")},
	{"sql", url.QueryEscape("x' OR '1'='1'; --")},
	{"bad escape", "%zz"},
	{"repeated", "1&limit=2&limit=x"},
}

// hostileSegments replace one path parameter at a time; they are already
// escaped as they go on the wire.
var hostileSegments = []struct{ name, raw string }{
	{"empty", ""},
	{"10k chars", longText},
	{"10k email", longText + "%40example.com"},
	{"encoded slash", "a%2Fb"},
	{"encoded slash only", "%2F"},
	{"dot dot", ".."},
	{"encoded dot dot", "%2E%2E"},
	{"unicode", url.PathEscape("ünïcødé-名前-🚀")},
	{"sql", url.PathEscape("x' OR '1'='1'; DROP TABLE users; --")},
	{"nul", "a%00b"},
	{"invalid utf8", "a%FF%FEb"},
	{"lone surrogate bytes", "%ED%A0%80"},
	{"percent", "%25"},
	{"space", "a%20b"},
	{"huge number", "99999999999999999999999999"},
	{"negative", "-1"},
	{"email", "nobody%40example.com"},
	{"unknown org", "org0123456789abcd"},
	{"unknown unit", "a0123456789abcd"},
	{"unknown user", "u0123456789abcd"},
	{"unknown group", "ug0123456789abcd"},
	{"unknown project", "no-such-project"},
	{"unknown acl", "acl0123456789abcd"},
	{"unknown domain", "dom0123456789abcd"},
	{"personal token prefix", "gthp_0123"},
	{"application token prefix", "gtha_0123"},
	{"token shaped", "gths_0123456789abcdef"},
	{"prefix only org", "org"},
	{"prefix only group", "ug"},
	{"uppercase id", "ORG0123456789ABCD"},
}

// typeValues and stringValues replace one JSON value at a time, as raw
// JSON text; stringValues only where the request type has a string.
var (
	typeValues = []struct{ name, raw string }{
		{"string", `"s"`},
		{"empty string", `""`},
		{"zero", `0`},
		{"negative", `-1`},
		{"fraction", `1.5`},
		{"overflow", `1e400`},
		{"huge integer", `99999999999999999999999999`},
		{"largest exact float integer", `9007199254740991`},
		{"min int64", `-9223372036854775808`},
		{"object", `{}`},
		{"object of junk", `{"a":[1,{"b":null}]}`},
		{"array", `[]`},
		{"array of mixed", `[1,"a",null,{}]`},
		{"null", `null`},
		{"bool", `true`},
	}
	stringValues = []struct{ name, raw string }{
		{"10k chars", `"` + longText + `"`},
		{"10k email", `"` + longText + `@example.com"`},
		{"10k domain", `"` + strings.Repeat(longText[:60]+".", 160) + `com"`},
		{"nul", `"a\u0000b"`},
		{"invalid utf8", "\"a\xff\xfeb\""},
		{"lone surrogate", `"\ud800"`},
		{"unicode", `"ünïcødé-名前-🚀"`},
		{"sql", `"x' OR '1'='1'; DROP TABLE users; --"`},
		{"control chars", `"\t\n\r\u001b"`},
		{"padded", `"  x  "`},
	}
)

type hostileCase struct {
	name string
	path string
	body []byte
}

// bodyCases are the whole-body attacks, then every field of the model with
// every wrong type and every hostile string.
func bodyCases(model any) []hostileCase {
	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	cases := []hostileCase{
		{name: "empty", body: nil},
		{name: "whitespace", body: []byte(" \n\t ")},
		{name: "malformed", body: []byte(`{"a":`)},
		{name: "unterminated string", body: []byte(`{"a":"abc`)},
		{name: "trailing garbage", body: []byte(`{} {}`)},
		{name: "array body", body: []byte(`[]`)},
		{name: "string body", body: []byte(`"x"`)},
		{name: "number body", body: []byte(`1`)},
		{name: "null body", body: []byte(`null`)},
		{name: "bool body", body: []byte(`true`)},
		{name: "byte order mark", body: []byte("\xef\xbb\xbf{}")},
		{name: "1 MiB + 1", body: []byte(`{"x":"` + strings.Repeat("a", 1<<20-7) + `"}`)},
		{name: "deep nesting", body: []byte(`{"x":` + deep + `}`)},
		{name: "invalid utf8", body: []byte("{\"x\":\"\xff\xfe\"}")},
		{name: "raw binary", body: []byte("\x00\x01\x02\xff")},
	}
	sample := sampleOf(model)
	if sample == nil {
		return cases
	}
	full, _ := json.Marshal(sample)
	cases = append(cases, hostileCase{name: "sample", body: full})
	return append(cases, mutations(sample, 1<<20)...)
}

// mutations spoils every value of sample in turn: every wrong JSON type,
// hostile strings where it holds a string, fill bytes of elements or keys
// where it holds a list or a free-form map, deep nesting elsewhere.
func mutations(sample any, fill int) []hostileCase {
	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	full, _ := json.Marshal(sample)
	var cases []hostileCase
	for _, p := range jsonPaths(sample, nil) {
		leaf := get(sample, p)
		_, isString := leaf.(string)
		values := typeValues
		if isString {
			values = append(slices.Clone(typeValues), stringValues...)
		}
		for _, v := range values {
			const mark = "\u2603hostile\u2603"
			b, err := json.Marshal(set(sample, p, mark))
			if err != nil {
				panic(err)
			}
			b = bytes.Replace(b, []byte(`"`+mark+`"`), []byte(v.raw), 1)
			cases = append(cases, hostileCase{name: fmt.Sprintf("%s=%s", pathName(p), v.name), body: b})
		}
		if arr, ok := leaf.([]any); ok && len(arr) > 0 {
			// As many elements as fit in the body limit: the work a
			// request asks for must stay bounded.
			elem, _ := json.Marshal(arr[0])
			n := (fill - len(full) - 2) / (len(elem) + 1)
			many := make([]any, n)
			for i := range many {
				many[i] = arr[0]
			}
			b, _ := json.Marshal(set(sample, p, many))
			cases = append(cases, hostileCase{name: fmt.Sprintf("%s=%d elements", pathName(p), n), body: b})
		}
		if m, ok := leaf.(map[string]any); ok && len(m) > 0 {
			// As many keys as fit, for maps of free-form keys (tags,
			// user_config): the sample's only key is "k".
			if v, free := m["k"]; free && len(m) == 1 {
				elem, _ := json.Marshal(v)
				n := (fill - len(full) - 2) / (len(elem) + 12)
				many := make(map[string]any, n)
				for i := range n {
					many[fmt.Sprintf("k%07d", i)] = v
				}
				b, _ := json.Marshal(set(sample, p, many))
				cases = append(cases, hostileCase{name: fmt.Sprintf("%s=%d keys", pathName(p), n), body: b})
			}
		}
		if isString || leaf == nil {
			continue
		}
		// Deep nesting inside a field.
		b, _ := json.Marshal(set(sample, p, "\u2603deep\u2603"))
		b = bytes.Replace(b, []byte(`"\u2603deep\u2603"`), []byte(deep), 1)
		cases = append(cases, hostileCase{name: pathName(p) + "=deep nesting", body: b})
	}
	return cases
}

// sampleOf turns a request type into a JSON value with every field set.
func sampleOf(model any) any {
	switch m := model.(type) {
	case nil:
		return nil
	case map[string]any:
		return m
	}
	return sampleType(reflect.TypeOf(model), 0)
}

func sampleType(t reflect.Type, depth int) any {
	if depth > 6 {
		return nil
	}
	if t == reflect.TypeFor[time.Time]() {
		return "2020-01-01T00:00:00Z"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return sampleType(t.Elem(), depth)
	case reflect.String:
		return "x"
	case reflect.Bool:
		return true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return 1
	case reflect.Slice, reflect.Array:
		return []any{sampleType(t.Elem(), depth+1)}
	case reflect.Map:
		return map[string]any{"k": sampleType(t.Elem(), depth+1)}
	case reflect.Interface:
		return "x"
	case reflect.Struct:
		out := map[string]any{}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			out[name] = sampleType(f.Type, depth+1)
		}
		return out
	}
	return nil
}

// jsonPaths lists the path of every value below the root.
func jsonPaths(v any, prefix []any) [][]any {
	var out [][]any
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := append(slices.Clone(prefix), k)
			out = append(out, p)
			out = append(out, jsonPaths(v[k], p)...)
		}
	case []any:
		for i, e := range v {
			p := append(slices.Clone(prefix), i)
			out = append(out, p)
			out = append(out, jsonPaths(e, p)...)
		}
	}
	return out
}

func get(v any, p []any) any {
	for _, k := range p {
		switch k := k.(type) {
		case string:
			v = v.(map[string]any)[k]
		case int:
			v = v.([]any)[k]
		}
	}
	return v
}

// set returns a copy of v with the value at p replaced.
func set(v any, p []any, to any) any {
	if len(p) == 0 {
		return to
	}
	switch k := p[0].(type) {
	case string:
		m := map[string]any{}
		for kk, vv := range v.(map[string]any) {
			m[kk] = vv
		}
		m[k] = set(m[k], p[1:], to)
		return m
	case int:
		s := slices.Clone(v.([]any))
		s[k] = set(s[k], p[1:], to)
		return s
	}
	return v
}

func pathName(p []any) string {
	var b strings.Builder
	for i, k := range p {
		switch k := k.(type) {
		case string:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(k)
		case int:
			fmt.Fprintf(&b, "[%d]", k)
		}
	}
	return b.String()
}

// fillPath substitutes the pattern's parameters.
func fillPath(pattern string, values map[string]string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(pattern, '{')
		if i < 0 {
			b.WriteString(pattern)
			return b.String()
		}
		j := strings.IndexByte(pattern[i:], '}') + i
		name := strings.TrimSuffix(pattern[i+1:j], "...")
		b.WriteString(pattern[:i])
		b.WriteString(url.PathEscape(values[name]))
		pattern = pattern[j+1:]
	}
}

// rawFill is fillPath with one parameter replaced by already-escaped text.
func rawFill(pattern string, values map[string]string, param, raw string) string {
	const mark = "HOSTILEPARAM"
	v := maps.Clone(values)
	v[param] = mark
	return strings.Replace(fillPath(pattern, v), mark, raw, 1)
}

func paramsOf(pattern string) []string {
	var out []string
	for {
		i := strings.IndexByte(pattern, '{')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(pattern[i:], '}') + i
		out = append(out, strings.TrimSuffix(pattern[i+1:j], "..."))
		pattern = pattern[j+1:]
	}
}

// namedT prefixes failures with the hostile case's name.
type namedT struct {
	*testing.T
	name string
}

func (n *namedT) Errorf(format string, args ...any) {
	n.T.Helper()
	n.T.Errorf("[%s] "+format, append([]any{n.name}, args...)...)
}

// prober sends the hostile requests and checks every answer.
type prober struct {
	t     *testing.T
	base  string
	token string
	hc    *http.Client
	seen  *statusCounts
}

// statusCounts tallies the answers, to show the walk reached past the
// decoder into validation, authorization and the store.
type statusCounts struct {
	mu sync.Mutex
	n  map[int]int
}

func (c *statusCounts) add(status int) {
	c.mu.Lock()
	c.n[status]++
	c.mu.Unlock()
}

// slowLimit is how long any request may take; the Kafka sync endpoint may
// wait for a broker.
const (
	slowLimit     = 5 * time.Second
	syncSlowLimit = 75 * time.Second
)

func (p *prober) probe(op control.Op, method, path string, body []byte) {
	p.probeCase("", op, method, path, body)
}

// probeCase is probe naming the case in failures.
func (p *prober) probeCase(name string, op control.Op, method, path string, body []byte) {
	var t interface {
		Context() context.Context
		Errorf(format string, args ...any)
	} = p.t
	if name != "" {
		t = &namedT{T: p.t, name: name}
	}
	req, err := http.NewRequestWithContext(t.Context(), method, p.base+path, bytes.NewReader(body))
	if err != nil {
		t.Errorf("%s %.200s: building the request: %v", method, path, err)
		return
	}
	if body == nil {
		req.Body = http.NoBody
	}
	req.Header.Set("Authorization", "aivenv1 "+p.token)
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := p.hc.Do(req)
	took := time.Since(start)
	if err != nil {
		t.Errorf("%s %.200s (body %.100q): %v after %s", method, path, body, err, took)
		return
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Errorf("%s %.200s: reading the answer: %v", method, path, err)
		return
	}
	p.seen.add(resp.StatusCode)
	limit := slowLimit
	if op == "ServiceKafkaAclSync" {
		limit = syncSlowLimit
	}
	if took > limit {
		t.Errorf("%s %.200s (body %.100q) took %s", method, path, body, took)
	}
	switch s := resp.StatusCode; {
	case s == http.StatusBadGateway && op == "ServiceKafkaAclSync":
	case s >= 500:
		t.Errorf("%s %.200s (body %.200q) = %d %.300s", method, path, body, s, raw)
	case method == http.MethodHead:
		// No body to check.
	case s >= 400:
		var e struct {
			Message string `json:"message"`
			Errors  []struct {
				Message string `json:"message"`
				Status  int    `json:"status"`
			} `json:"errors"`
		}
		if err := json.Unmarshal(raw, &e); err != nil || e.Message == "" || len(e.Errors) == 0 || e.Errors[0].Status != s || e.Errors[0].Message == "" {
			t.Errorf("%s %.200s (body %.100q) = %d, not the error shape: %.300s", method, path, body, s, raw)
		}
	case s >= 300:
		// Clients repeat a 307 with its method: a redirect to another
		// endpoint ("service/.." to the project) is never safe.
		t.Errorf("%s %.200s = %d, a redirect to %q", method, path, s, resp.Header.Get("Location"))
	case s == http.StatusNoContent:
	default:
		if !json.Valid(raw) {
			t.Errorf("%s %.200s (body %.100q) = %d with invalid JSON %.300s", method, path, body, s, raw)
		}
	}
}

func (p *prober) healthy() {
	resp, err := p.hc.Get(p.base + "/healthz")
	if err != nil {
		p.t.Fatalf("server unhealthy: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		p.t.Fatalf("healthz = %d", resp.StatusCode)
	}
}

// runCases sends cases with a few requests in flight.
//
// Under -short it sends a sample (see shortSample): every route is still
// walked, with its valid requests and a sample of its hostile ones.
func (p *prober) runCases(op control.Op, method string, cases []hostileCase) {
	if testing.Short() {
		cases = shortSample(cases)
	}
	work := make(chan hostileCase)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				p.probeCase(c.name, op, method, c.path, c.body)
			}
		}()
	}
	for _, c := range cases {
		work <- c
	}
	close(work)
	wg.Wait()
}

// shortStride thins the hostile walk under -short.
const shortStride = 10

// shortSample keeps the valid and generic cases (one reaches the
// handler's authorization, which the walk asserts) and every
// shortStride-th of the per-field, per-parameter and per-query-value
// ones, which are most of them and are named "x=y".
func shortSample(cases []hostileCase) []hostileCase {
	var out []hostileCase
	n := 0
	for _, c := range cases {
		if !strings.Contains(c.name, "=") {
			out = append(out, c)
			continue
		}
		if n%shortStride == 0 {
			out = append(out, c)
		}
		n++
	}
	return out
}

// orderRoutes puts reads first, then writes, then deletions of the most
// nested resources before their parents, so the world lives as long as
// possible; logging out is left to its own token.
func orderRoutes(routes []api.Route) []api.Route {
	rank := func(r api.Route) int {
		if r.Operation == "UserExpireTokens" {
			return 3 // revokes every token of the walking user
		}
		switch method, _, _ := strings.Cut(r.Pattern, " "); method {
		case http.MethodGet:
			return 0
		case http.MethodDelete:
			return 2
		}
		return 1
	}
	out := slices.Clone(routes)
	slices.SortStableFunc(out, func(a, b api.Route) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		if rank(a) == 2 {
			return len(b.Pattern) - len(a.Pattern)
		}
		return 0
	})
	return out
}

// TestHostileInputs sends every route malformed and hostile bodies and path
// parameters: the answer is never a 5xx (but for the Kafka sync's 502 when
// a cluster is unreachable), always Aiven's error shape for a 4xx, always
// quick, and the server stays up. It sends thousands of requests; -short
// sends a tenth of them (see runCases).
func TestHostileInputs(t *testing.T) {
	t.Parallel()
	// Domain checks ask a DNS server on loopback that knows no records; one
	// serves both backends.
	dns := ownershiptest.NewDNS(t)
	backends(t, func(t *testing.T, db string) {
		checks := newCheckRecorder()
		srv := servertest.Start(t, db, func(c *server.Config) {
			c.DNSResolver = dns.Addr()
			c.PlaneOptions = append(c.PlaneOptions, control.WithCheckRecorder(checks.add))
		})
		token := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
		// Logging out revokes the token, so that route gets its own, taken
		// before the hostile logins trip the rate limiter.
		var logoutTokens []string
		for _, r := range api.RouteTable() {
			if r.Operation == "UserLogout" {
				logoutTokens = append(logoutTokens, login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword))
			}
		}
		w := buildWorld(t, srv.URL, token)
		checks.take() // building the world checks many operations
		hc := &http.Client{
			Timeout:       syncSlowLimit + 5*time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
		t.Cleanup(hc.CloseIdleConnections)
		total, seen := 0, &statusCounts{n: map[int]int{}}
		// First as an application user without any grant, before the
		// walk below deletes the world: refusals take other paths.
		t.Run("unprivileged", func(t *testing.T) {
			p := &prober{t: t, base: srv.URL, token: w.appToken, hc: hc, seen: seen}
			for _, r := range api.RouteTable() {
				method, pattern, _ := strings.Cut(r.Pattern, " ")
				if r.Operation == "UserLogout" || r.Operation == "UserExpireTokens" {
					continue
				}
				params := paramsOf(pattern)
				fills := w.fills(pattern, params)
				sample, _ := json.Marshal(sampleOf(requestModels[r.Operation]))
				var cases []hostileCase
				for _, f := range fills {
					cases = append(cases, hostileCase{path: fillPath(pattern, f), body: sample})
				}
				for _, param := range params {
					for _, h := range hostileSegments {
						cases = append(cases, hostileCase{path: rawFill(pattern, fills[0], param, h.raw), body: sample})
					}
				}
				for _, c := range bodyCases(requestModels[r.Operation]) {
					c.path = fillPath(pattern, fills[0])
					cases = append(cases, c)
				}
				total += len(cases)
				p.runCases(r.Operation, method, cases)
			}
			p.healthy()
		})
		// The unprivileged walk sends no valid bodies, so many of its
		// requests stop at validation: only the walk below must reach
		// every route's check.
		checks.take()
		for _, r := range orderRoutes(api.RouteTable()) {
			method, pattern, _ := strings.Cut(r.Pattern, " ")
			t.Run(string(r.Operation), func(t *testing.T) {
				p := &prober{t: t, base: srv.URL, token: token, hc: hc, seen: seen}
				if r.Operation == "UserLogout" {
					p.token, logoutTokens = logoutTokens[0], logoutTokens[1:]
				}
				model, known := requestModels[r.Operation]
				if !known && method != http.MethodGet && method != http.MethodDelete {
					t.Logf("no request model for %s: generic bodies only", r.Operation)
				}
				params := paramsOf(pattern)
				fills := w.fills(pattern, params)
				var cases []hostileCase
				for _, c := range bodyCases(model) {
					c.path = fillPath(pattern, fills[0])
					cases = append(cases, c)
				}
				for _, c := range w.validCases(r.Operation) {
					c.path = fillPath(pattern, fills[0])
					cases = append(cases, c)
				}
				sample, _ := json.Marshal(sampleOf(model))
				if model == nil {
					sample = []byte("{}")
				}
				for _, f := range fills[1:] {
					cases = append(cases, hostileCase{name: "valid variant", path: fillPath(pattern, f), body: sample})
				}
				for _, param := range params {
					for _, h := range hostileSegments {
						cases = append(cases, hostileCase{name: param + "=" + h.name, path: rawFill(pattern, fills[0], param, h.raw), body: sample})
					}
				}
				if q, ok := validQueries[r.Operation]; ok {
					q = strings.NewReplacer("%USER%", w.userID, "%PROJECT%", w.project).Replace(q)
					cases = append(cases, hostileCase{name: "valid query", path: fillPath(pattern, fills[0]) + "?" + q, body: sample})
				}
				for _, k := range queryKeys {
					for _, v := range hostileQueryValues {
						cases = append(cases, hostileCase{name: "?" + k + "=" + v.name, path: fillPath(pattern, fills[0]) + "?" + k + "=" + v.raw, body: sample})
					}
				}
				if r.Operation == "ServiceKafkaAclSync" {
					// Nothing listens there: the documented 502, not a hang.
					for _, dry := range []string{"true", "false"} {
						cases = append(cases, hostileCase{name: "unreachable cluster", path: fillPath(pattern, fills[0]),
							body: []byte(`{"bootstrap_servers":["127.0.0.1:1"],"dry_run":` + dry + `}`)})
					}
				}
				if r.Operation == "UserLogout" {
					// One logout per token: the rest would be 401s.
					cases = []hostileCase{{name: "raw binary", path: pattern, body: []byte("\x00\xff")}}
				}
				total += len(cases)
				p.runCases(r.Operation, method, cases)
				for _, m := range []string{http.MethodHead, http.MethodOptions, "PROPFIND", "BREW"} {
					if r.Operation != "UserLogout" {
						p.probe(r.Operation, m, fillPath(pattern, fills[0]), sample)
						total++
					}
				}
				checkOwnOperation(t, r, checks.take())
				p.healthy()
			})
		}
		t.Logf("%d routes, %d hostile requests, answers by status: %v", len(api.RouteTable()), total, seen.n)
		for _, s := range []int{http.StatusOK, http.StatusBadRequest, http.StatusNotFound} {
			if total > 5000 && seen.n[s] == 0 { // a whole walk, not one route picked with -run
				t.Errorf("no request answered %d: the walk does not reach that far", s)
			}
		}
		if total > 5000 {
			checkEveryRuleChecked(t, checks)
		}
	})
}

// TestConcurrentWritesStayWhole races clients creating the same names,
// adding entries and deleting what others create: every answer is a
// success or a 4xx (a conflict, a missing resource), never a 5xx, and
// afterwards each contested name exists exactly once.
func TestConcurrentWritesStayWhole(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		srv := servertest.Start(t, db)
		token := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
		w := buildWorld(t, srv.URL, token)
		hc := &http.Client{Timeout: 30 * time.Second}
		t.Cleanup(hc.CloseIdleConnections)
		seen := &statusCounts{n: map[int]int{}}
		p := &prober{t: t, base: srv.URL, token: token, hc: hc, seen: seen}
		const clients, rounds = 16, 6
		var wg sync.WaitGroup
		for c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range rounds {
					name := fmt.Sprintf("race-%d", (c+i)%4)
					p.probe("UserGroupCreate", "POST", "/v1/organization/"+w.org+"/user-groups", []byte(`{"user_group_name":"`+name+`","description":"d"}`))
					p.probe("OrganizationProjectsCreate", "POST", "/v1/organization/"+w.org+"/projects", []byte(`{"project_id":"`+name+`"}`))
					p.probe("ServiceCreate", "POST", "/v1/project/"+name+"/service", []byte(`{"service_name":"kafka-x","service_type":"kafka","plan":"startup-2"}`))
					p.probe("ServiceKafkaAclAdd", "POST", "/v1/project/"+w.project+"/service/"+w.kafka+"/acl", []byte(`{"username":"`+name+`","permission":"read","topic":"t"}`))
					p.probe("UserGroupMemberUpdate", "PATCH", "/v1/organization/"+w.org+"/user-groups/"+w.group+"/members", []byte(`{"operation":"add_members","member_ids":["`+w.userID+`"]}`))
					p.probe("ServiceDelete", "DELETE", "/v1/project/"+name+"/service/kafka-x", nil)
					p.probe("ProjectDelete", "DELETE", "/v1/project/"+name, nil)
				}
			}()
		}
		wg.Wait()
		if seen.n[http.StatusOK] == 0 || seen.n[http.StatusConflict] == 0 {
			t.Errorf("no race happened: %v", seen.n)
		}
		t.Logf("answers by status: %v", seen.n)

		c := client(t, srv.URL, token)
		groups, err := c.UserGroupsList(t.Context(), w.org)
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		for _, g := range groups {
			count[g.UserGroupName]++
		}
		for i := range 4 {
			if n := count[fmt.Sprintf("race-%d", i)]; n != 1 {
				t.Errorf("group race-%d exists %d times", i, n)
			}
		}
		acl, err := c.ServiceKafkaAclList(t.Context(), w.project, w.kafka)
		if err != nil {
			t.Fatal(err)
		}
		users := map[string]int{}
		for _, a := range acl {
			users[a.Username]++
		}
		for i := range 4 {
			if n := users[fmt.Sprintf("race-%d", i)]; n != 1 {
				t.Errorf("ACL entry for race-%d exists %d times", i, n)
			}
		}
	})
}

// TestHostileCredentials sends malformed Authorization headers: always a
// 401 in the error shape, never a 5xx.
func TestHostileCredentials(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, servertest.SQLite(t))
	token := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
	cases := []struct{ name, header string }{
		{"none", ""},
		{"scheme only", "aivenv1"},
		{"scheme and space", "aivenv1 "},
		{"unknown scheme", "Basic YWRtaW46YWRtaW4="},
		{"10k token", "aivenv1 " + longText},
		{"token prefix only", "aivenv1 gths_"},
		{"wrong checksum", "aivenv1 " + token[:len(token)-1] + map[bool]string{true: "y", false: "x"}[strings.HasSuffix(token, "x")]},
		{"truncated", "aivenv1 " + token[:len(token)/2]},
		{"doubled", "aivenv1 " + token + token},
		{"token with suffix", "aivenv1 " + token + " extra"},
		{"invalid utf8", "aivenv1 gths_\xff\xfe"},
		{"unicode", "aivenv1 gths_名前🚀"},
		{"sql", "aivenv1 ' OR '1'='1"},
		{"tab separated", "aivenv1\t" + token},
	}
	hc := &http.Client{Timeout: 10 * time.Second}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/v1/me", nil)
			if err != nil {
				t.Fatal(err)
			}
			if c.header != "" {
				req.Header.Set("Authorization", c.header)
			}
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var e struct {
				Message string `json:"message"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || resp.StatusCode != http.StatusUnauthorized || e.Message == "" {
				t.Fatalf("%q = %d %q, %v; want 401 in the error shape", c.header, resp.StatusCode, e.Message, err)
			}
		})
	}
}

// TestDotSegmentsNeverRedirect: the mux used to answer a path with "." or
// ".." segments with a redirect to the cleaned path, and clients follow a
// 307 with the same method: Aiven's client deleting the service ".." (it
// escapes names with url.PathEscape, which keeps dots) deleted the
// project instead. Such paths are now a 404 in the error shape.
func TestDotSegmentsNeverRedirect(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		srv := servertest.Start(t, db)
		token := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
		w := buildWorld(t, srv.URL, token)
		c := client(t, srv.URL, token)
		ctx := t.Context()
		cases := []struct {
			name string
			call func() error
		}{
			{"delete service ..", func() error { return c.ServiceDelete(ctx, w.project, "..") }},
			{"delete service .", func() error { return c.ServiceDelete(ctx, w.project, ".") }},
			{"delete group ..", func() error { return c.UserGroupDelete(ctx, w.org, "..") }},
			{"delete unit ..", func() error { return c.AccountDelete(ctx, "..") }},
			{"delete project ../..", func() error { return c.ProjectDelete(ctx, "../..") }},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				wantStatus(t, tc.call(), http.StatusNotFound)
			})
		}
		if _, err := c.ProjectGet(ctx, w.project); err != nil {
			t.Fatalf("project gone: %v", err)
		}
		if _, err := c.ServiceGet(ctx, w.project, w.kafka); err != nil {
			t.Fatalf("service gone: %v", err)
		}
		if _, err := c.UserGroupGet(ctx, w.org, w.group); err != nil {
			t.Fatalf("group gone: %v", err)
		}
	})
}
