package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"
)

// maxBody is the largest request body accepted.
const maxBody = 1 << 20

// decode reads a JSON request body into dst. An empty body counts as {} (the
// official client sends none for zero-valued inputs); unknown fields are
// ignored so newer clients keep working; every other problem is a 400 that
// names what was wrong.
func decodeReq(r *http.Request, dst any) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	return decodeBytes(body, dst)
}

// readBody reads a request body of at most maxBody bytes.
func readBody(r *http.Request) ([]byte, error) { return readBodyInto(nil, r) }

// readBodyInto is readBody reading into buf's memory when it is large
// enough.
func readBodyInto(buf []byte, r *http.Request) ([]byte, error) {
	body, err := readAllInto(buf, r.Body, r.ContentLength)
	if err != nil {
		return nil, badRequest("Could not read request body")
	}
	if len(body) > maxBody {
		return nil, badRequest(fmt.Sprintf("Request body is larger than %d bytes", maxBody))
	}
	return body, nil
}

// readAll is io.ReadAll of at most maxBody+1 bytes (more than maxBody:
// the caller refuses the body), starting with room for a declared length
// (and one byte more, to see the end without growing): a 100-check body
// is read into one allocation instead of a doubling series of them.
func readAll(r io.Reader, declared int64) ([]byte, error) {
	return readAllInto(nil, r, declared)
}

// readAllInto is readAll reading into buf's memory when it has room for
// the declared length. It bounds the read itself rather than through an
// io.LimitReader, an allocation on every request with a body.
func readAllInto(buf []byte, r io.Reader, declared int64) ([]byte, error) {
	if declared <= 0 || declared > maxBody {
		return io.ReadAll(io.LimitReader(r, maxBody+1))
	}
	b := buf[:0]
	if int64(cap(b)) < declared+1 {
		b = make([]byte, 0, declared+1)
	}
	for {
		if len(b) > maxBody {
			return b, nil // a declared length that lied
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):min(cap(b), maxBody+1)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

func decodeBytes(body []byte, dst any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || bytes.Equal(body, []byte("null")) {
		return nil
	}
	if body[0] != '{' {
		return badRequest("Request body must be a JSON object")
	}
	if err := json.Unmarshal(body, dst); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te):
			field := te.Field
			if field == "" {
				field = "body"
			}
			return badRequest(fmt.Sprintf("Invalid type for field %q: expected %s, got %s", field, te.Type.String(), te.Value))
		case errors.As(err, &se):
			return badRequest(fmt.Sprintf("Malformed JSON at offset %d", se.Offset))
		default:
			return badRequest("Malformed JSON: " + err.Error())
		}
	}
	// JSON can only carry a NUL as the escape \u0000 (raw control
	// characters are invalid), so bodies without it skip the walk.
	if !bytes.Contains(body, []byte(`\u0000`)) {
		return nil
	}
	if field, ok := nulField(reflect.ValueOf(dst), ""); ok {
		return badRequest(fmt.Sprintf("Invalid value for field %q: text must not contain NUL characters", field))
	}
	return nil
}

// nulField finds a decoded string (or map key) holding a NUL character and
// returns its JSON path. PostgreSQL cannot store NUL in text, so such input
// is refused here for every backend alike rather than failing in the store.
func nulField(v reflect.Value, path string) (string, bool) {
	switch v.Kind() {
	case reflect.String:
		return path, strings.IndexByte(v.String(), 0) >= 0
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return "", false
		}
		return nulField(v.Elem(), path)
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if f, ok := nulField(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); ok {
				return f, true
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			k := fmt.Sprint(it.Key().Interface())
			if strings.IndexByte(k, 0) >= 0 {
				return path, true
			}
			if f, ok := nulField(it.Value(), joinField(path, k)); ok {
				return f, true
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			sf := t.Field(i)
			if !sf.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			if sf.Anonymous && sf.Tag.Get("json") == "" {
				name = ""
			}
			if f, ok := nulField(v.Field(i), joinField(path, name)); ok {
				return f, true
			}
		}
	}
	return "", false
}

func joinField(path, name string) string {
	switch {
	case name == "":
		return path
	case path == "":
		return name
	}
	return path + "." + name
}

// checkPathValues refuses path parameters that cannot name anything: not
// UTF-8, or holding control characters (NUL included), which identifiers,
// names and email addresses never contain and PostgreSQL cannot compare.
func checkPathValues(r *http.Request, names []string) error {
	for _, name := range names {
		v := r.PathValue(name)
		if !utf8.ValidString(v) || strings.ContainsFunc(v, func(c rune) bool { return c < 0x20 || c == 0x7f }) {
			return badRequest(fmt.Sprintf("Invalid %s in the path: it must be UTF-8 text without control characters", name))
		}
	}
	return nil
}

// wildcards lists a route pattern's path parameter names.
func wildcards(pattern string) []string {
	var out []string
	for {
		i := strings.IndexByte(pattern, '{')
		j := strings.IndexByte(pattern, '}')
		if i < 0 || j < i {
			return out
		}
		out = append(out, strings.TrimSuffix(pattern[i+1:j], "..."))
		pattern = pattern[j+1:]
	}
}
