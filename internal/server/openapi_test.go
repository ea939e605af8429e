package server_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/gatehouse-dev/gatehouse/internal/api"
	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

var updateOpenAPI = flag.Bool("update-openapi", false, "rewrite the committed OpenAPI document")

// The document is committed twice: embedded in the binary (served at
// GET /v1/openapi.json) and under docs for readers.
var openAPIFiles = []string{"../api/openapi.json", "../../docs/openapi.json"}

// TestOpenAPIDocument generates the OpenAPI 3.1 document from the route
// table, Aiven's client types (request and response shapes, descriptions)
// and api.OwnDescriptions, and fails when a route lacks a description or
// the committed document is stale.
func TestOpenAPIDocument(t *testing.T) {
	doc := buildOpenAPI(t)
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	for _, f := range openAPIFiles {
		if *updateOpenAPI {
			if err := os.WriteFile(f, b, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		old, err := os.ReadFile(f)
		if err != nil || !bytes.Equal(old, b) {
			t.Errorf("%s is stale: go test ./internal/server -run TestOpenAPIDocument -update-openapi", f)
		}
	}
	// The document is valid OpenAPI.
	loaded, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := loaded.Validate(t.Context(), openapi3.DisableExamplesValidation()); err != nil {
		t.Fatalf("invalid document: %v", err)
	}
}

func buildOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	ops := aivenOps(t)
	own := api.OwnDescriptions()
	g := &schemaGen{components: openapi3.Schemas{}}
	doc := &openapi3.T{
		OpenAPI: "3.1.0",
		Info: &openapi3.Info{Title: "Gatehouse API", Version: "1",
			Description: "Gatehouse's HTTP API: Aiven's public API for access control (same paths, fields and errors), plus Gatehouse's own endpoints. Authenticate with 'Authorization: aivenv1 <token>'."},
		Paths: openapi3.NewPaths(),
		Components: &openapi3.Components{
			Schemas: g.components,
			SecuritySchemes: openapi3.SecuritySchemes{"aivenv1": &openapi3.SecuritySchemeRef{Value: &openapi3.SecurityScheme{
				Type: "apiKey", In: "header", Name: "Authorization", Description: "aivenv1 <token>"}}},
		},
	}
	errorSchema := g.schema(reflect.TypeOf(struct {
		Message string `json:"message"`
		Errors  []struct {
			Message   string `json:"message"`
			Status    int    `json:"status"`
			ErrorCode string `json:"error_code,omitempty"`
		} `json:"errors"`
	}{}))
	seen := map[string]int{}
	// OpenAPI has one template per path shape; the mux tells routes of
	// different methods apart even when their wildcards differ in name.
	templates := map[string]string{}
	for _, r := range api.RouteTable() {
		method, path, _ := strings.Cut(r.Pattern, " ")
		if first, ok := templates[blankWildcards(path)]; ok {
			path = first
		} else {
			templates[blankWildcards(path)] = path
		}
		aop, isAiven := aivenOpOf(ops, r.Pattern)
		desc := own[string(r.Operation)]
		if desc == "" && isAiven {
			desc = aop.Summary
		}
		if desc == "" {
			t.Errorf("route %s (%s) has no description: add it to api.OwnDescriptions", r.Pattern, r.Operation)
		}
		id := string(r.Operation)
		if seen[id]++; seen[id] > 1 {
			id += strings.NewReplacer("/", "_", "{", "", "}", "").Replace(path)
		}
		op := &openapi3.Operation{OperationID: id, Summary: desc, Responses: openapi3.NewResponses()}
		if !r.Public {
			op.Security = &openapi3.SecurityRequirements{{"aivenv1": {}}}
		}
		for _, p := range paramsOf(path) {
			op.Parameters = append(op.Parameters, &openapi3.ParameterRef{Value: openapi3.NewPathParameter(p).WithSchema(openapi3.NewStringSchema())})
		}
		if method != "GET" && method != "DELETE" {
			body := openapi3.NewObjectSchema()
			var ref *openapi3.SchemaRef
			if isAiven && aop.In != nil {
				ref = g.schema(aop.In)
			} else {
				ref = body.NewRef()
			}
			op.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithJSONSchemaRef(ref)}
		}
		var out *openapi3.SchemaRef
		if isAiven && aop.Out != nil {
			out = g.schema(aop.Out)
			if aop.Wrapper != "" {
				w := openapi3.NewObjectSchema().WithPropertyRef(aop.Wrapper, out)
				w.Required = []string{aop.Wrapper}
				out = w.NewRef()
			}
		} else {
			out = openapi3.NewObjectSchema().NewRef()
		}
		op.Responses.Set("200", &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription("Success").WithJSONSchemaRef(out)})
		op.Responses.Set("default", &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription("Aiven's error shape").WithJSONSchemaRef(errorSchema)})
		doc.AddOperation(path, method, op)
	}
	return doc
}

// schemaGen turns Go types into JSON schemas: named structs become
// components, a field without omitempty is required, and pointers,
// slices, maps and interfaces may be null.
type schemaGen struct {
	components openapi3.Schemas
}

func (g *schemaGen) schema(t reflect.Type) *openapi3.SchemaRef {
	nullable := false
	for t.Kind() == reflect.Pointer {
		t, nullable = t.Elem(), true
	}
	var s *openapi3.Schema
	switch {
	case t == reflect.TypeOf(time.Time{}):
		s = openapi3.NewDateTimeSchema()
	case t.Kind() == reflect.Struct && t.Name() != "":
		name := strings.ReplaceAll(t.String(), "*", "")
		if _, done := g.components[name]; !done {
			g.components[name] = nil // reserve: recursive types
			g.components[name] = openapi3.NewSchemaRef("", g.object(t))
		}
		ref := openapi3.NewSchemaRef("#/components/schemas/"+name, nil)
		if !nullable {
			return ref
		}
		return openapi3.NewSchemaRef("", &openapi3.Schema{AnyOf: openapi3.SchemaRefs{ref, openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{"null"}})}})
	case t.Kind() == reflect.Struct:
		s = g.object(t)
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		s = openapi3.NewArraySchema()
		s.Items = g.schema(t.Elem())
		nullable = true
	case t.Kind() == reflect.Map:
		s = openapi3.NewObjectSchema()
		s.AdditionalProperties = openapi3.AdditionalProperties{Schema: g.schema(t.Elem())}
		nullable = true
	case t.Kind() == reflect.String:
		s = openapi3.NewStringSchema()
	case t.Kind() == reflect.Bool:
		s = openapi3.NewBoolSchema()
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		s = openapi3.NewIntegerSchema()
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		s = openapi3.NewFloat64Schema()
	default:
		return openapi3.NewSchemaRef("", &openapi3.Schema{})
	}
	if nullable {
		types := append(openapi3.Types{}, *s.Type...)
		s.Type = &types
		*s.Type = append(*s.Type, "null")
	}
	return openapi3.NewSchemaRef("", s)
}

func (g *schemaGen) object(t reflect.Type) *openapi3.Schema {
	s := openapi3.NewObjectSchema()
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
		ref := g.schema(f.Type)
		if name == "max_age_seconds" && ref.Value != nil && ref.Value.Type != nil && !ref.Value.Type.Includes("null") {
			// Aiven sends null for a token that never expires, though its
			// client's type is a number (see contractExceptions).
			*ref.Value.Type = append(*ref.Value.Type, "null")
		}
		if strings.HasSuffix(t.PkgPath(), "/accountauthentication") && nullableAuthMethodKeys[name] && ref.Value != nil && ref.Value.Type != nil && !ref.Value.Type.Includes("null") {
			*ref.Value.Type = append(*ref.Value.Type, "null")
		}
		s.WithPropertyRef(name, ref)
		if !strings.Contains(opts, "omitempty") {
			s.Required = append(s.Required, name)
		}
	}
	sort.Strings(s.Required)
	return s
}

// nullableAuthMethodKeys are the keys of Aiven's AuthenticationMethod that
// Gatehouse sends as null when they do not apply (see contractExceptions).
var nullableAuthMethodKeys = map[string]bool{"auto_join_team_id": true, "auto_join_user_group_id": true, "delete_time": true,
	"saml_cert": true, "saml_variant": true, "saml_digest_algorithm": true, "saml_signature_algorithm": true}

// TestOpenAPIServed: the server answers GET /v1/openapi.json, without a
// token, with the committed document.
func TestOpenAPIServed(t *testing.T) {
	srv := servertest.Start(t, servertest.SQLite(t))
	st, body := rawCall(t, "GET", srv.URL+"/v1/openapi.json", "", nil)
	if st != 200 || body["openapi"] != "3.1.0" {
		t.Fatalf("openapi.json: %d %v", st, body["openapi"])
	}
	paths, _ := body["paths"].(map[string]any)
	if _, ok := paths["/v1/organization/{org}/access/explain"]; !ok || len(paths) < 70 {
		t.Fatalf("document has %d paths, or lacks Gatehouse's own", len(paths))
	}
}
