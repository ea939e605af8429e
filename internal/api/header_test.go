package api

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
)

// TestHeaderValue: for the canonical keys the API reads, headerValue
// finds what Header.Get does in a request net/http parsed, however the
// client spelled the header's name.
func TestHeaderValue(t *testing.T) {
	t.Parallel()
	keys := []string{"Authorization", "User-Agent", RequestIDHeader, AtLeastRevisionHeader}
	cases := []struct {
		name    string
		headers string
	}{
		{"none", ""},
		{"canonical", "Authorization: aivenv1 t\r\nUser-Agent: avn\r\nX-Request-Id: r1\r\nGatehouse-At-Least-Revision: 7\r\n"},
		{"lower case", "authorization: aivenv1 t\r\nuser-agent: avn\r\nx-request-id: r1\r\ngatehouse-at-least-revision: 7\r\n"},
		{"upper case", "AUTHORIZATION: aivenv1 t\r\nUSER-AGENT: avn\r\nX-REQUEST-ID: r1\r\nGATEHOUSE-AT-LEAST-REVISION: 7\r\n"},
		{"repeated: the first", "X-Request-Id: a\r\nx-request-id: b\r\nAuthorization: one\r\nAuthorization: two\r\n"},
		{"empty values", "Authorization:\r\nUser-Agent: \r\nX-Request-Id:\r\n"},
	}
	for _, tc := range cases {
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader("GET / HTTP/1.1\r\nHost: x\r\n" + tc.headers + "\r\n")))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for _, k := range keys {
			if got, want := headerValue(r.Header, k), r.Header.Get(k); got != want {
				t.Errorf("%s: headerValue(%q) = %q, Header.Get %q", tc.name, k, got, want)
			}
		}
	}
}
