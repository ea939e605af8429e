package server_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestSCIMCompliance replays, in order, the requests Okta's and Entra
// ID's SCIM provisioning clients send (from their published SCIM
// references: Okta's "SCIM 2.0 protocol" guide and Microsoft's "Build a
// SCIM endpoint" tutorial), each with the answer they expect. {user},
// {entra} and {group} are the IDs answered earlier.
func TestSCIMCompliance(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		s := newSCIMOrg(t, db)
		ids := map[string]string{}
		fill := func(v string) string {
			for k, id := range ids {
				v = strings.ReplaceAll(v, "{"+k+"}", id)
			}
			return v
		}
		for _, c := range []struct {
			name, method, path, body string
			status                   int
			save                     string            // remember the answer's id under this name
			want                     map[string]string // top-level string keys of the answer
			scimType                 string
		}{
			{name: "okta: discovery", method: "GET", path: "/ServiceProviderConfig", status: 200},
			{name: "entra: schemas", method: "GET", path: "/Schemas", status: 200},
			{name: "okta: resource types", method: "GET", path: "/ResourceTypes", status: 200},
			{name: "okta: find user before create", method: "GET", path: `/Users?filter=userName%20eq%20%22test.user%40example.com%22&startIndex=1&count=100`, status: 200},
			{name: "okta: create user", method: "POST", path: "/Users", status: 201, save: "user",
				body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"test.user@example.com","name":{"givenName":"Test","familyName":"User"},
				"emails":[{"primary":true,"value":"test.user@example.com","type":"work"}],"displayName":"Test User","locale":"en-US","externalId":"00ujl29u0le5T6Aj10h7","groups":[],"password":"1mz050nq","active":true}`,
				want: map[string]string{"userName": "test.user@example.com", "externalId": "00ujl29u0le5T6Aj10h7"}},
			{name: "okta: get user", method: "GET", path: "/Users/{user}", status: 200, want: map[string]string{"id": "{user}", "displayName": "Test User"}},
			{name: "okta: replace user", method: "PUT", path: "/Users/{user}", status: 200,
				body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"{user}","userName":"test.user@example.com","name":{"givenName":"Another","familyName":"User"},
				"emails":[{"primary":true,"value":"test.user@example.com","type":"work"}],"displayName":"Another User","externalId":"00ujl29u0le5T6Aj10h7","active":true}`,
				want: map[string]string{"displayName": "Another User"}},
			{name: "okta: deactivate", method: "PATCH", path: "/Users/{user}", status: 200,
				body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`},
			{name: "okta: reactivate", method: "PATCH", path: "/Users/{user}", status: 200,
				body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":true}}]}`},
			{name: "entra: find by userName (none)", method: "GET", path: `/Users?filter=userName+eq+%22Test_User_dfeef4c5%40example.com%22`, status: 200},
			{name: "entra: create user with the enterprise extension", method: "POST", path: "/Users", status: 201, save: "entra",
				body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
				"externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef","userName":"Test_User_ab6490ee@example.com","active":true,
				"emails":[{"primary":true,"type":"work","value":"Test_User_fd0ea19b@example.com"}],"meta":{"resourceType":"User"},
				"name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"},"roles":[],
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"1","department":"R&D","manager":{"value":""}}}`,
				want: map[string]string{"userName": "Test_User_ab6490ee@example.com"}},
			{name: "entra: find by externalId", method: "GET", path: `/Users?filter=externalId+eq+%220a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef%22`, status: 200},
			{name: "entra: create duplicate", method: "POST", path: "/Users", status: 409, scimType: "uniqueness",
				body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"Test_User_ab6490ee@example.com","emails":[{"primary":true,"type":"work","value":"Test_User_fd0ea19b@example.com"}]}`},
			{name: "entra: update attributes", method: "PATCH", path: "/Users/{entra}", status: 200,
				body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"updatedEmail@example.com"},
				{"op":"Replace","path":"name.familyName","value":"updatedFamilyName"},{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Sales"}]}`},
			{name: "entra: disable with a string boolean", method: "PATCH", path: "/Users/{entra}", status: 200,
				body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`},
			{name: "entra: unsupported filter", method: "GET", path: `/Users?filter=emails%5Btype%20eq%20%22work%22%5D.value%20eq%20%22x%22`, status: 400, scimType: "invalidFilter"},
			{name: "entra: create group", method: "POST", path: "/Groups", status: 201, save: "group",
				body: `{"externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"displayName","meta":{"resourceType":"Group"}}`,
				want: map[string]string{"displayName": "displayName"}},
			{name: "entra: get group without members", method: "GET", path: "/Groups/{group}?excludedAttributes=members", status: 200},
			{name: "entra: find group by displayName", method: "GET", path: `/Groups?excludedAttributes=members&filter=displayName+eq+%22displayName%22`, status: 200},
			{name: "entra: rename group", method: "PATCH", path: "/Groups/{group}", status: 200,
				body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"displayName","value":"1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"}]}`},
			{name: "entra: add member", method: "PATCH", path: "/Groups/{group}", status: 200,
				body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"$ref":null,"value":"{user}"}]}]}`},
			{name: "entra: remove member", method: "PATCH", path: "/Groups/{group}", status: 200,
				body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Remove","path":"members","value":[{"$ref":null,"value":"{user}"}]}]}`},
			{name: "okta: rename group without a path", method: "PATCH", path: "/Groups/{group}", status: 200,
				body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"id":"{group}","displayName":"Test SCIMv2"}}]}`,
				want: map[string]string{"displayName": "Test SCIMv2"}},
			{name: "okta: add member", method: "PATCH", path: "/Groups/{group}", status: 200,
				body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"{user}","display":"test.user@example.com"}]}]}`},
			{name: "okta: remove member by filter", method: "PATCH", path: "/Groups/{group}", status: 200,
				body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"{user}\"]"}]}`},
			{name: "okta: replace group", method: "PUT", path: "/Groups/{group}", status: 200,
				body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"{group}","displayName":"Test SCIMv2","members":[{"value":"{user}","display":"test.user@example.com"}]}`},
			{name: "stale If-Match", method: "PATCH", path: "/Groups/{group}", status: 412,
				body: `{"Operations":[{"op":"replace","path":"displayName","value":"x"}]}`},
			{name: "unknown user", method: "GET", path: "/Users/u0123456789abcdef", status: 404},
			{name: "malformed JSON", method: "POST", path: "/Users", body: `{"userName":`, status: 400, scimType: "invalidSyntax"},
			{name: "okta: delete group", method: "DELETE", path: "/Groups/{group}", status: 204},
			{name: "entra: delete user", method: "DELETE", path: "/Users/{entra}", status: 204},
		} {
			var header []string
			if c.status == http.StatusPreconditionFailed {
				header = []string{"If-Match", `W/"1"`}
			}
			r := s.do(t, c.method, fill(c.path), fill(c.body), header...)
			if r.status != c.status {
				t.Fatalf("%s: %s %s = %d %s; want %d", c.name, c.method, c.path, r.status, r.raw, c.status)
			}
			if c.status >= 400 {
				wantSCIMError(t, c.name, r, c.status, c.scimType)
				continue
			}
			for k, v := range c.want {
				if got := r.str(k); got != fill(v) {
					t.Errorf("%s: %s = %q, want %q", c.name, k, got, fill(v))
				}
			}
			if c.save != "" {
				ids[c.save] = r.str("id")
				if r.header.Get("ETag") == "" || r.header.Get("Location") == "" {
					t.Errorf("%s: no ETag or Location: %v", c.name, r.header)
				}
			}
			if strings.HasPrefix(c.path, "/Users?") && r.body["schemas"].([]any)[0] != "urn:ietf:params:scim:api:messages:2.0:ListResponse" {
				t.Errorf("%s: not a ListResponse: %s", c.name, r.raw)
			}
		}
	})
}
