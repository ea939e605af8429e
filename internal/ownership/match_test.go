package ownership

import (
	"strings"
	"testing"
)

// FuzzMatchValue checks the TXT value parser: it never panics, accepts the
// canonical value, and accepts nothing that does not carry the exact token
// with expiry=never.
func FuzzMatchValue(f *testing.F) {
	for _, s := range []string{"token=abc,expiry=never", " expiry=never , token=abc ", "token=abc", "token=,expiry=never",
		"token=abc,expiry=never,token=abd", "=,=", ",,,", "token=abc=def,expiry=never", "\x00"} {
		f.Add(s, "abc")
	}
	f.Fuzz(func(t *testing.T, v, token string) {
		got := matchValue(v, token)
		if token != "" && !strings.ContainsAny(token, ",= \t\n\v\f\r\u0085\u00a0") && strings.TrimSpace(token) == token &&
			!matchValue(RecordValue(token), token) {
			t.Fatalf("canonical value for %q refused", token)
		}
		if got && (!strings.Contains(v, token) || !strings.Contains(v, "never") || token == "") {
			t.Fatalf("accepted %q for token %q", v, token)
		}
	})
}
