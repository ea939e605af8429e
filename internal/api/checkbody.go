package api

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// accessCheckBody is the body of a check request: one check at the top
// level, or a batch in checks.
type accessCheckBody struct {
	accessCheckIn
	Checks          []accessCheckIn `json:"checks"`
	AtLeastRevision int64           `json:"at_least_revision"`
}

// decodeCheckBody decodes a check request as decodeBytes would, without
// reflection: a batch of a hundred checks is the hottest body the server
// reads, and encoding/json spent more time on it than everything else the
// request does. The purpose-built parser accepts only what it can decode
// exactly as encoding/json does (plain strings, integer revisions, field
// names spelled as documented, unknown fields skipped); anything else
// (escapes, a field name in other letter case, a wrong type, a syntax
// error, a repeated checks array) is handed to decodeBytes on a fresh
// value, so the result and the error messages stay those of
// encoding/json. FuzzCheckBody holds the two to the same answers.
//
// The decoded strings share body's memory instead of copying it (a
// 100-check body is 14 KB, the largest allocation of the request): body
// must not be written to while dst is in use, which holds for the
// handler's body, read for this call alone.
func decodeCheckBody(body []byte, dst *accessCheckBody) error {
	return decodeCheckBodyInto(body, dst, nil)
}

// decodeCheckBodyInto is decodeCheckBody decoding a batch into scratch's
// memory when it is large enough (its contents do not matter).
func decodeCheckBodyInto(body []byte, dst *accessCheckBody, scratch []accessCheckIn) error {
	if t := bytes.TrimSpace(body); len(t) > 0 && t[0] == '{' {
		d := newCheckDecoder(t)
		d.scratch = scratch
		if d.body(dst) {
			return nil
		}
		*dst = accessCheckBody{}
	}
	return decodeBytes(body, dst)
}

// checkDecoder reads JSON from s. Decoded strings are substrings of s, so
// a body costs one copy however many checks it holds. Every method returns
// false as soon as it meets something it leaves to encoding/json.
type checkDecoder struct {
	s string
	b []byte // the same bytes as s, for reading them a word at a time
	// scratch, when large enough, holds a batch's checks instead of a
	// new array.
	scratch []accessCheckIn
	i       int
	depth   int
}

func newCheckDecoder(body []byte) checkDecoder {
	return checkDecoder{s: unsafe.String(unsafe.SliceData(body), len(body)), b: body}
}

// maxSkipDepth bounds the nesting of skipped values (encoding/json's own
// limit is 10,000; deeper bodies go to it).
const maxSkipDepth = 1000

func (d *checkDecoder) ws() {
	s, i := d.s, d.i
	// Every whitespace byte is at most ' ': one comparison passes the
	// rest (most calls meet no whitespace at all).
	for i < len(s) && s[i] <= ' ' {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
			i++
			continue
		}
		break
	}
	d.i = i
}

// eat consumes c after optional whitespace.
func (d *checkDecoder) eat(c byte) bool {
	d.ws()
	if d.i < len(d.s) && d.s[d.i] == c {
		d.i++
		return true
	}
	return false
}

func (d *checkDecoder) body(dst *accessCheckBody) bool {
	sawChecks := false
	ok := d.object(func(key string) bool {
		switch key {
		case "checks":
			if sawChecks {
				// encoding/json decodes a repeated array into the
				// elements of the first without zeroing them.
				return false
			}
			sawChecks = true
			return d.checks(&dst.Checks)
		case "at_least_revision":
			return d.int64(&dst.AtLeastRevision)
		}
		return d.field(&dst.accessCheckIn, key)
	})
	d.ws()
	return ok && d.i == len(d.s)
}

// object reads {...}, calling member with each key once positioned at the
// value, which member must consume.
func (d *checkDecoder) object(member func(key string) bool) bool {
	if !d.eat('{') {
		return false
	}
	if d.eat('}') {
		return true
	}
	for {
		d.ws()
		key, ok := d.key()
		if !ok || !d.eat(':') {
			return false
		}
		d.ws()
		if !member(key) {
			return false
		}
		switch {
		case d.eat(','):
		case d.eat('}'):
			return true
		default:
			return false
		}
	}
}

func (d *checkDecoder) checks(dst *[]accessCheckIn) bool {
	if d.null() {
		*dst = nil
		return true
	}
	if !d.eat('[') {
		return false
	}
	// Sized by counting the objects' opening braces of plain bodies: a
	// guess, so that a batch of a hundred checks allocates once.
	n := min(strings.Count(d.s[d.i:], "{"), 1000)
	out := d.scratch[:0]
	if cap(out) < n || out == nil {
		out = make([]accessCheckIn, 0, n)
	}
	if d.eat(']') {
		*dst = out
		return true
	}
	for {
		d.ws()
		out = append(out, accessCheckIn{})
		in := &out[len(out)-1]
		if !d.object(func(key string) bool { return d.field(in, key) }) {
			return false
		}
		switch {
		case d.eat(','):
		case d.eat(']'):
			*dst = out
			return true
		default:
			return false
		}
	}
}

// field reads the value of one member of a check.
func (d *checkDecoder) field(in *accessCheckIn, key string) bool {
	var p *string
	switch key {
	case "principal_type":
		p = &in.PrincipalType
	case "principal_id":
		p = &in.PrincipalID
	case "permission":
		p = &in.Permission
	case "resource_type":
		p = &in.ResourceType
	case "resource_id":
		p = &in.ResourceID
	default:
		if mayNameField(key) {
			return false
		}
		return d.skip()
	}
	if d.null() {
		return true // encoding/json leaves the field as it was
	}
	v, ok := d.plain()
	if ok {
		*p = v
	}
	return ok
}

// checkFields are the body's field names, which encoding/json also
// matches in other letter cases.
var checkFields = []string{"principal_type", "principal_id", "permission", "resource_type", "resource_id", "checks", "at_least_revision"}

// mayNameField reports whether an unknown key could still be matched to a
// field by encoding/json's case folding (which also folds some non-ASCII
// letters, such as the Kelvin sign, to ASCII ones).
func mayNameField(key string) bool {
	for i := 0; i < len(key); i++ {
		if key[i] >= utf8.RuneSelf {
			return true
		}
	}
	for _, f := range checkFields {
		if strings.EqualFold(key, f) {
			return true
		}
	}
	return false
}

// key reads an object's key: the keys of a check body are compared in
// place, quotes included, and the constant returned, which saves scanning
// them (a hundred-check body has four hundred) and makes the caller's
// comparison cheap; any other key is read by plain.
func (d *checkDecoder) key() (string, bool) {
	rest := d.s[d.i:]
	if len(rest) < 2 {
		return d.plain()
	}
	var k string
	switch rest[1] {
	case 'p':
		switch {
		case strings.HasPrefix(rest, `"principal_id"`):
			k = `"principal_id"`
		case strings.HasPrefix(rest, `"permission"`):
			k = `"permission"`
		case strings.HasPrefix(rest, `"principal_type"`):
			k = `"principal_type"`
		}
	case 'r':
		switch {
		case strings.HasPrefix(rest, `"resource_type"`):
			k = `"resource_type"`
		case strings.HasPrefix(rest, `"resource_id"`):
			k = `"resource_id"`
		}
	case 'c':
		if strings.HasPrefix(rest, `"checks"`) {
			k = `"checks"`
		}
	}
	if k == "" {
		return d.plain()
	}
	d.i += len(k)
	return k[1 : len(k)-1], true
}

func (d *checkDecoder) null() bool {
	if strings.HasPrefix(d.s[d.i:], "null") {
		d.i += 4
		return true
	}
	return false
}

// plain reads a string without escapes, control characters or invalid
// UTF-8, which encoding/json would decode to the same bytes.
func (d *checkDecoder) plain() (string, bool) {
	if d.i >= len(d.s) || d.s[d.i] != '"' {
		return "", false
	}
	start := d.i + 1
	ascii := true
	// Eight bytes at a time while none of them ends the string or needs a
	// closer look, then byte by byte.
	j := start
	for j+8 <= len(d.b) {
		if m := specialBytes(d.b[j : j+8]); m != 0 {
			j += bits.TrailingZeros64(m) >> 3 // the first such byte
			break
		}
		j += 8
	}
	for ; j < len(d.s); j++ {
		switch c := d.s[j]; {
		case c == '"':
			v := d.s[start:j]
			if !ascii && !utf8.ValidString(v) {
				return "", false
			}
			d.i = j + 1
			return v, true
		case c == '\\' || c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", false
}

// specialBytes marks, in the high bit of each byte, the bytes of the eight
// at b that are a quote, a backslash, a control character or non-ASCII,
// with the usual word-at-a-time tests: a mark may be wrong only above a
// true one, so the lowest mark is always the first such byte.
func specialBytes(b []byte) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	x := binary.LittleEndian.Uint64(b)
	q, bs := x^(ones*'"'), x^(ones*'\\')
	return (x | (x-ones*0x20)&^x | (q-ones)&^q | (bs-ones)&^bs) & highs
}

// int64 reads an integer as encoding/json would into an int64: digits
// only (a fraction or exponent is a type error there) and in range.
func (d *checkDecoder) int64(dst *int64) bool {
	if d.null() {
		return true
	}
	start := d.i
	if d.i < len(d.s) && d.s[d.i] == '-' {
		d.i++
	}
	digits := d.i
	for d.i < len(d.s) && d.s[d.i] >= '0' && d.s[d.i] <= '9' {
		d.i++
	}
	if d.i == digits || d.s[digits] == '0' && d.i-digits > 1 {
		return false
	}
	if d.i < len(d.s) && (d.s[d.i] == '.' || d.s[d.i] == 'e' || d.s[d.i] == 'E') {
		return false
	}
	v, err := strconv.ParseInt(d.s[start:d.i], 10, 64)
	if err != nil {
		return false
	}
	*dst = v
	return true
}

// skip consumes any valid JSON value (an unknown field's).
func (d *checkDecoder) skip() bool {
	if d.i >= len(d.s) {
		return false
	}
	switch c := d.s[d.i]; {
	case c == '"':
		return d.skipString()
	case c == '{' || c == '[':
		if d.depth++; d.depth > maxSkipDepth {
			return false
		}
		defer func() { d.depth-- }()
		if c == '{' {
			return d.object(func(string) bool { return d.skip() })
		}
		d.i++
		if d.eat(']') {
			return true
		}
		for {
			d.ws()
			if !d.skip() {
				return false
			}
			switch {
			case d.eat(','):
			case d.eat(']'):
				return true
			default:
				return false
			}
		}
	case c == '-' || c >= '0' && c <= '9':
		return d.skipNumber()
	}
	for _, lit := range []string{"true", "false", "null"} {
		if strings.HasPrefix(d.s[d.i:], lit) {
			d.i += len(lit)
			return true
		}
	}
	return false
}

// skipString consumes a string with any valid escapes; invalid UTF-8 is
// accepted, as encoding/json does.
func (d *checkDecoder) skipString() bool {
	for j := d.i + 1; j < len(d.s); j++ {
		switch c := d.s[j]; {
		case c == '"':
			d.i = j + 1
			return true
		case c < 0x20:
			return false
		case c == '\\':
			j++
			if j >= len(d.s) {
				return false
			}
			switch d.s[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(d.s) {
					return false
				}
				for _, h := range []byte(d.s[j+1 : j+5]) {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return false
					}
				}
				j += 4
			default:
				return false
			}
		}
	}
	return false
}

// skipNumber consumes -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func (d *checkDecoder) skipNumber() bool {
	digits := func() int {
		n := 0
		for d.i < len(d.s) && d.s[d.i] >= '0' && d.s[d.i] <= '9' {
			d.i++
			n++
		}
		return n
	}
	if d.s[d.i] == '-' {
		d.i++
	}
	if d.i < len(d.s) && d.s[d.i] == '0' {
		d.i++
	} else if digits() == 0 {
		return false
	}
	if d.i < len(d.s) && d.s[d.i] == '.' {
		d.i++
		if digits() == 0 {
			return false
		}
	}
	if d.i < len(d.s) && (d.s[d.i] == 'e' || d.s[d.i] == 'E') {
		d.i++
		if d.i < len(d.s) && (d.s[d.i] == '+' || d.s[d.i] == '-') {
			d.i++
		}
		if digits() == 0 {
			return false
		}
	}
	return true
}
