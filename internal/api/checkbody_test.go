package api

import (
	"encoding/json"
	"fmt"
	"math/bits"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// checkBodySeeds covers what the purpose-built decoder takes itself and
// what it must leave to encoding/json.
var checkBodySeeds = []string{
	``, `null`, `{}`, `[]`, ` {"checks":[]} `, `{"checks":null}`,
	`{"principal_id":"u","permission":"project:services:read","resource_type":"project","resource_id":"p"}`,
	`{"checks":[{"principal_id":"u","permission":"p","resource_type":"project","resource_id":"p1"},{"principal_type":"user","principal_id":"v","permission":"q","resource_type":"service","resource_id":"p/s"}],"at_least_revision":42}`,
	`{"at_least_revision":-0}`, `{"at_least_revision":1.0}`, `{"at_least_revision":1e3}`, `{"at_least_revision":01}`,
	`{"at_least_revision":9223372036854775808}`, `{"at_least_revision":"1"}`, `{"at_least_revision":null}`,
	`{"principal_id":1}`, `{"checks":5}`, `{"checks":[5]}`, `{"checks":[null]}`, `{"checks":[{"principal_id":true}]}`,
	`{"Principal_ID":"x"}`, `{"principal_id":"a","PRINCIPAL_ID":"b"}`, "{\"principal_\u212aid\":\"x\"}", `{"checks":[{"permission":"a"}],"checks":[{"resource_id":"b"}]}`,
	`{"principal_id":"a","principal_id":null}`, `{"principal_id":"a\u0000"}`, `{"principal_id":"a\"b"}`, "{\"principal_id\":\"\xff\"}",
	`{"future":{"a":[1,-2.5e+3,true,false,null,"x\n\u00e9"]},"principal_id":"u"}`, `{"future":01}`, `{"future":"\x"}`, `{"future":[1,]}`,
	`{"checks":[{"principal_id":"u"}]} x`, `{"checks":[{"principal_id":"u"}]`, `{"checks":[{"principal_id":"u",}]}`, `{"principal_id" "u"}`,
	"\v{\"principal_id\":\"u\"}", `{"future":` + strings.Repeat("[", 1100) + strings.Repeat("]", 1100) + `}`,
	// Strings longer than a word, with what ends or spoils them at each side of one.
	`{"principal_id":"u0123456789abcdef0123","permission":"project:services:read"}`, `{"principal_id":"u0123456\"89abcdef"}`,
	`{"principal_id":"u01234567\n9abcdef"}`, "{\"principal_id\":\"u012345678\x01abcdef\"}", "{\"principal_id\":\"u0123456789\xc3\xa9cdef\"}",
	"{\"principal_id\":\"u0123456789\xc3cdef\"}", `{"checks":[{"resource_id":"p0123456789/s0123456789"}]}`,
}

// FuzzCheckBody holds decodeCheckBody to decodeBytes (encoding/json): the
// same values decoded, or the same error message.
func FuzzCheckBody(f *testing.F) {
	for _, s := range checkBodySeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var fast, slow accessCheckBody
		errFast := decodeCheckBody(b, &fast)
		errSlow := decodeBytes(b, &slow)
		if fmt.Sprint(errFast) != fmt.Sprint(errSlow) {
			t.Fatalf("body %q: error %v, encoding/json %v", b, errFast, errSlow)
		}
		if errSlow == nil && !reflect.DeepEqual(fast, slow) {
			t.Fatalf("body %q: decoded %+v, encoding/json %+v", b, fast, slow)
		}
		// Decoding into reused memory, whatever it holds, answers the same.
		scratch := make([]accessCheckIn, 2, 4)
		scratch[0], scratch[1] = accessCheckIn{PrincipalID: "stale", Permission: "stale"}, accessCheckIn{ResourceID: "stale"}
		var reused accessCheckBody
		errReused := decodeCheckBodyInto(b, &reused, scratch)
		if fmt.Sprint(errReused) != fmt.Sprint(errSlow) || errSlow == nil && !reflect.DeepEqual(reused, slow) {
			t.Fatalf("body %q: into reused memory %+v, %v; encoding/json %+v, %v", b, reused, errReused, slow, errSlow)
		}
	})
}

// TestSpecialBytes holds the word-at-a-time test to a byte-by-byte one:
// every byte value at every position of a word, after plain bytes and
// before any bytes.
func TestSpecialBytes(t *testing.T) {
	special := func(c byte) bool { return c == '"' || c == '\\' || c < 0x20 || c >= 0x80 }
	for pos := range 8 {
		for v := range 256 {
			for _, after := range []byte{'a', '"', 0, 0xff} {
				w := []byte("abcdefgh")
				w[pos] = byte(v)
				for i := pos + 1; i < 8; i++ {
					w[i] = after
				}
				want := -1
				for i, c := range w {
					if special(c) {
						want = i
						break
					}
				}
				got := -1
				if m := specialBytes(w); m != 0 {
					got = bits.TrailingZeros64(m) >> 3
				}
				if got != want {
					t.Fatalf("%q: first special byte %d, want %d", w, got, want)
				}
			}
		}
	}
}

func TestCheckBodyFastPath(t *testing.T) {
	tests := []struct {
		name string
		body string
		fast bool // decoded without encoding/json
	}{
		{"batch", checkBodySeeds[7], true},
		{"single", checkBodySeeds[6], true},
		{"unknown fields skipped", checkBodySeeds[28], true},
		{"escape goes to encoding/json", `{"principal_id":"a\"b"}`, false},
		{"letter case goes to encoding/json", `{"Principal_ID":"x"}`, false},
		{"wrong type goes to encoding/json", `{"principal_id":1}`, false},
		{"long plain strings", `{"principal_id":"u0123456789abcdef0123","permission":"project:services:read"}`, true},
		{"escape past eight bytes", `{"principal_id":"u0123456789\u0041bcdef"}`, false},
		{"control character past eight bytes", "{\"principal_id\":\"u0123456789\tbcdef\"}", false},
		{"non-ASCII past eight bytes", `{"principal_id":"u0123456789ébcdef"}`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var in accessCheckBody
			d := newCheckDecoder([]byte(strings.TrimSpace(tc.body)))
			if got := d.body(&in); got != tc.fast {
				t.Fatalf("fast path took it: %v, want %v", got, tc.fast)
			}
		})
	}
}

func batchBody(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"checks":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"principal_id":"u1234567890","permission":"project:services:read","resource_type":"project","resource_id":"p%d"}`, i)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// BenchmarkCheckBody decodes a batch of 100 checks.
func BenchmarkCheckBody(b *testing.B) {
	body := batchBody(100)
	b.Run("purpose-built", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var in accessCheckBody
			if err := decodeCheckBody(body, &in); err != nil || len(in.Checks) != 100 {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var in accessCheckBody
			if err := decodeBytes(body, &in); err != nil || len(in.Checks) != 100 {
				b.Fatal(err)
			}
		}
	})
}

// TestCheckAnswer holds the hand-written check answers to what
// encoding/json wrote for them before: the same bytes.
func TestCheckAnswer(t *testing.T) {
	tests := []struct {
		name  string
		batch bool
		res   []bool
		rev   int64
	}{
		{"single allowed", false, []bool{true}, 7},
		{"single denied at revision 0", false, []bool{false}, 0},
		{"batch of one", true, []bool{false}, 1},
		{"batch", true, []bool{true, false, true}, 9223372036854775807},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var want any = map[string]any{"allowed": tc.res[0], "revision": tc.rev}
			if tc.batch {
				results := make([]map[string]bool, len(tc.res))
				for i, ok := range tc.res {
					results[i] = map[string]bool{"allowed": ok}
				}
				want = map[string]any{"results": results, "revision": tc.rev}
			}
			wantBytes, err := json.Marshal(withMessage(want, http.MethodPost))
			if err != nil {
				t.Fatal(err)
			}
			got := withMessage(checkAnswer(tc.batch, tc.res, tc.rev, writeMessages[http.MethodPost]), http.MethodPost)
			if g, ok := got.(*encodedJSON); !ok || string(g.b) != string(wantBytes) {
				t.Fatalf("got %v, want %s", got, wantBytes)
			}
		})
	}
}
