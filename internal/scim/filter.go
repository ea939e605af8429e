package scim

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Schema URNs (RFC 7643, RFC 7644).
const (
	schemaUser       = "urn:ietf:params:scim:schemas:core:2.0:User"
	schemaGroup      = "urn:ietf:params:scim:schemas:core:2.0:Group"
	schemaEnterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	schemaList       = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	schemaError      = "urn:ietf:params:scim:api:messages:2.0:Error"
	schemaPatch      = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	schemaSPConfig   = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	schemaResType    = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	schemaSchema     = "urn:ietf:params:scim:schemas:core:2.0:Schema"
)

// maxFilterLen bounds a filter; the supported ones are short.
const maxFilterLen = 1024

// filter is the one form of SCIM filter Gatehouse answers, `attr eq
// "value"`: what Okta and Entra ID send to find a user or group before
// creating it.
type filter struct {
	attr  string // canonical name: userName, externalId, displayName
	value string
}

// errFilter is a filter Gatehouse does not support or cannot read; it
// answers 400 with scimType invalidFilter.
type errFilter struct{ msg string }

func (e *errFilter) Error() string { return e.msg }

// parseFilter reads `attrPath SP "eq" SP compValue` where compValue is a
// JSON string, the attribute optionally prefixed with its schema URN and
// matched case-insensitively (RFC 7644 §3.4.2.2), allowed names those
// in attrs (canonical spelling). Anything else (other operators,
// "and"/"or", grouping) is refused rather than misread.
func parseFilter(s string, schema string, attrs ...string) (filter, error) {
	if len(s) > maxFilterLen {
		return filter{}, &errFilter{fmt.Sprintf("filter is longer than %d characters", maxFilterLen)}
	}
	s = strings.TrimSpace(s)
	name, rest, ok := strings.Cut(s, " ")
	if !ok {
		return filter{}, &errFilter{fmt.Sprintf("filter %q is not of the form: attribute eq \"value\"", s)}
	}
	rest = strings.TrimLeft(rest, " ")
	op, value, ok := strings.Cut(rest, " ")
	if !ok || !strings.EqualFold(op, "eq") {
		return filter{}, &errFilter{fmt.Sprintf("filter %q is not supported: only `attribute eq \"value\"` is", s)}
	}
	value = strings.TrimSpace(value)
	var v string
	if !strings.HasPrefix(value, `"`) || json.Unmarshal([]byte(value), &v) != nil {
		return filter{}, &errFilter{fmt.Sprintf("filter %q: the value must be one quoted string", s)}
	}
	if len(name) > len(schema)+1 && strings.EqualFold(name[:len(schema)+1], schema+":") {
		name = name[len(schema)+1:]
	}
	for _, a := range attrs {
		if strings.EqualFold(name, a) {
			return filter{attr: a, value: v}, nil
		}
	}
	return filter{}, &errFilter{fmt.Sprintf("filtering by %q is not supported: only %s", name, strings.Join(attrs, ", "))}
}
