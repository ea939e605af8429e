package scim

import (
	"encoding/json"
	"fmt"
	"strings"
)

const maxPathLen = 1024

// patchPath is a PATCH operation's path (RFC 7644 §3.5.2): an attribute,
// optionally of a schema, optionally narrowed by a value filter, optionally
// a sub-attribute: `members[value eq "u1"]`, `emails[type eq
// "work"].value`, `name.givenName`, `urn:...:enterprise:2.0:User:department`.
// Names are kept lower-cased: SCIM attribute names are case-insensitive.
type patchPath struct {
	schema      string
	attr        string
	filterAttr  string
	filterValue string // the filter's value: a string's text, or a literal (true, 12) as written
	sub         string
}

// errPath is a path Gatehouse cannot read; it answers 400 with scimType
// invalidPath.
type errPath struct{ msg string }

func (e *errPath) Error() string { return e.msg }

func badPath(s, why string) error { return &errPath{fmt.Sprintf("path %q: %s", s, why)} }

func validName(n string) bool {
	if n == "" || len(n) > 128 {
		return false
	}
	for i, c := range n {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '_' || c == '-' || c == '$'):
		case i == 0 && c == '$': // $ref
		default:
			return false
		}
	}
	return true
}

func parsePath(s string) (patchPath, error) {
	if len(s) > maxPathLen {
		return patchPath{}, &errPath{fmt.Sprintf("path is longer than %d characters", maxPathLen)}
	}
	var p patchPath
	head, rest := s, ""
	if i := strings.IndexByte(s, '['); i >= 0 {
		head, rest = s[:i], s[i:]
	}
	if len(head) > 4 && strings.EqualFold(head[:4], "urn:") {
		i := strings.LastIndexByte(head, ':')
		p.schema, head = strings.ToLower(head[:i]), head[i+1:]
	}
	if rest == "" {
		attr, sub, hasSub := strings.Cut(head, ".")
		if !validName(attr) || hasSub && !validName(sub) {
			return patchPath{}, badPath(s, "not an attribute name")
		}
		p.attr, p.sub = strings.ToLower(attr), strings.ToLower(sub)
		return p, nil
	}
	if !validName(head) {
		return patchPath{}, badPath(s, "not an attribute name")
	}
	p.attr = strings.ToLower(head)
	end := strings.LastIndexByte(rest, ']')
	if end < 0 {
		return patchPath{}, badPath(s, "the value filter has no closing ]")
	}
	inner, after := rest[1:end], rest[end+1:]
	if after != "" {
		sub, ok := strings.CutPrefix(after, ".")
		if !ok || !validName(sub) {
			return patchPath{}, badPath(s, "only .subAttribute may follow the value filter")
		}
		p.sub = strings.ToLower(sub)
	}
	inner = strings.TrimSpace(inner)
	fa, restF, ok := strings.Cut(inner, " ")
	if !ok || !validName(fa) {
		return patchPath{}, badPath(s, "the value filter is not of the form: attribute eq value")
	}
	restF = strings.TrimLeft(restF, " ")
	op, val, ok := strings.Cut(restF, " ")
	if !ok || !strings.EqualFold(op, "eq") {
		return patchPath{}, badPath(s, "only the eq operator is supported in a value filter")
	}
	val = strings.TrimSpace(val)
	var v any
	if err := json.Unmarshal([]byte(val), &v); err != nil {
		return patchPath{}, badPath(s, "the value filter's value is not a JSON value")
	}
	switch x := v.(type) {
	case string:
		p.filterValue = x
	case bool, float64:
		p.filterValue = strings.ToLower(val)
	default:
		return patchPath{}, badPath(s, "the value filter's value must be a string, number or boolean")
	}
	p.filterAttr = strings.ToLower(fa)
	return p, nil
}
