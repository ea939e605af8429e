package scim

import (
	"net/http"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/control"
)

// The discovery endpoints (RFC 7644 §4) describe what this server
// supports, so a provider's client can adapt: PATCH yes, bulk, sort and
// password changes no, filters (the eq forms only), ETags yes.

func (h *Handler) base(r *http.Request) string {
	return strings.TrimRight(h.opt.PublicURL, "/") + "/scim/v2/" + r.PathValue("method")
}

func (h *Handler) serviceProviderConfig(w http.ResponseWriter, r *http.Request, _ *control.SCIMClient) {
	type supported struct {
		Supported bool `json:"supported"`
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"schemas":          []string{schemaSPConfig},
		"documentationUri": "https://github.com/gatehouse-dev/gatehouse/blob/main/docs/sso.md",
		"patch":            supported{true},
		"bulk":             map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter":           map[string]any{"supported": true, "maxResults": maxCount},
		"changePassword":   supported{false},
		"sort":             supported{false},
		"etag":             supported{true},
		"authenticationSchemes": []map[string]any{{
			"type": "oauthbearertoken", "name": "Bearer token", "primary": true,
			"description": "The SCIM token of the authentication method, shown when SCIM is enabled or the token rotated",
		}},
		"meta": map[string]any{"resourceType": "ServiceProviderConfig", "location": h.base(r) + "/ServiceProviderConfig"},
	})
}

func (h *Handler) resourceTypeDocs(r *http.Request) []map[string]any {
	return []map[string]any{
		{
			"schemas": []string{schemaResType}, "id": "User", "name": "User", "endpoint": "/Users",
			"description": "An organization user", "schema": schemaUser,
			"schemaExtensions": []map[string]any{{"schema": schemaEnterprise, "required": false}},
			"meta":             map[string]any{"resourceType": "ResourceType", "location": h.base(r) + "/ResourceTypes/User"},
		},
		{
			"schemas": []string{schemaResType}, "id": "Group", "name": "Group", "endpoint": "/Groups",
			"description": "An organization user group", "schema": schemaGroup,
			"meta": map[string]any{"resourceType": "ResourceType", "location": h.base(r) + "/ResourceTypes/Group"},
		},
	}
}

func listOf(items []map[string]any) listDoc {
	out := listDoc{Schemas: []string{schemaList}, TotalResults: len(items), StartIndex: 1, ItemsPerPage: len(items), Resources: []any{}}
	for _, i := range items {
		out.Resources = append(out.Resources, i)
	}
	return out
}

func (h *Handler) resourceTypes(w http.ResponseWriter, r *http.Request, _ *control.SCIMClient) {
	writeJSON(w, http.StatusOK, listOf(h.resourceTypeDocs(r)))
}

func (h *Handler) resourceType(w http.ResponseWriter, r *http.Request, _ *control.SCIMClient) {
	for _, t := range h.resourceTypeDocs(r) {
		if t["id"] == r.PathValue("name") {
			writeJSON(w, http.StatusOK, t)
			return
		}
	}
	h.writeError(w, r, http.StatusNotFound, "", "No resource type "+r.PathValue("name")+": Gatehouse serves User and Group")
}

func attr(name, typ string, required bool, extra ...any) map[string]any {
	a := map[string]any{"name": name, "type": typ, "multiValued": false, "required": required, "caseExact": false,
		"mutability": "readWrite", "returned": "default", "uniqueness": "none"}
	for i := 0; i+1 < len(extra); i += 2 {
		a[extra[i].(string)] = extra[i+1]
	}
	return a
}

func (h *Handler) schemaDocs(r *http.Request) []map[string]any {
	sub := func(names ...string) []map[string]any {
		var out []map[string]any
		for _, n := range names {
			out = append(out, attr(n, "string", false))
		}
		return out
	}
	return []map[string]any{
		{
			"schemas": []string{schemaSchema}, "id": schemaUser, "name": "User", "description": "An organization user",
			"attributes": []map[string]any{
				attr("userName", "string", true, "uniqueness", "server"),
				attr("externalId", "string", false, "caseExact", true),
				attr("name", "complex", false, "subAttributes", sub("givenName", "familyName", "formatted")),
				attr("displayName", "string", false),
				attr("emails", "complex", false, "multiValued", true, "subAttributes", append(sub("value", "type"), attr("primary", "boolean", false))),
				attr("active", "boolean", false),
			},
			"meta": map[string]any{"resourceType": "Schema", "location": h.base(r) + "/Schemas/" + schemaUser},
		},
		{
			"schemas": []string{schemaSchema}, "id": schemaGroup, "name": "Group", "description": "An organization user group",
			"attributes": []map[string]any{
				attr("displayName", "string", true, "uniqueness", "server"),
				attr("externalId", "string", false, "caseExact", true),
				attr("members", "complex", false, "multiValued", true, "subAttributes", append(sub("value", "display", "type"), attr("$ref", "reference", false))),
			},
			"meta": map[string]any{"resourceType": "Schema", "location": h.base(r) + "/Schemas/" + schemaGroup},
		},
	}
}

func (h *Handler) schemas(w http.ResponseWriter, r *http.Request, _ *control.SCIMClient) {
	writeJSON(w, http.StatusOK, listOf(h.schemaDocs(r)))
}

func (h *Handler) schema(w http.ResponseWriter, r *http.Request, _ *control.SCIMClient) {
	for _, s := range h.schemaDocs(r) {
		if s["id"] == r.PathValue("id") {
			writeJSON(w, http.StatusOK, s)
			return
		}
	}
	h.writeError(w, r, http.StatusNotFound, "", "No schema "+r.PathValue("id"))
}
