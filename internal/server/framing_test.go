package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// TestAnswersCarryContentLength: JSON answers go out with their length
// and never chunked, on the check answers, on error answers and on HEAD,
// whose length is its GET's. (The server sends an answer before its
// request's log line, which needs the length up front; a client that
// cannot reuse a connection for a chunked answer would notice.)
func TestAnswersCarryContentLength(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, servertest.SQLite(t))
	tok := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
	_, me := rawCall(t, http.MethodGet, srv.URL+"/v1/me", tok, nil)
	meID := me["user"].(map[string]any)["user_id"].(string)
	_, orgs := rawCall(t, http.MethodGet, srv.URL+"/v1/organizations", tok, nil)
	org := orgs["organizations"].([]any)[0].(map[string]any)["organization_id"].(string)
	check := srv.URL + "/v1/organization/" + org + "/access/check"
	one := `{"principal_id":"` + meID + `","permission":"project:services:read","resource_type":"organization","resource_id":"` + org + `"}`
	for _, tc := range []struct {
		name, method, url, token, body string
		status                         int
		key                            string // a key the answer has
	}{
		{"single check", http.MethodPost, check, tok, one, http.StatusOK, "allowed"},
		{"batch check", http.MethodPost, check, tok, `{"checks":[` + one + `,` + one + `]}`, http.StatusOK, "results"},
		{"malformed check", http.MethodPost, check, tok, `{"checks":[`, http.StatusBadRequest, "errors"},
		{"no token", http.MethodPost, check, "", one, http.StatusUnauthorized, "errors"},
		{"no such endpoint", http.MethodGet, srv.URL + "/v1/nowhere", tok, "", http.StatusNotFound, "errors"},
		{"get", http.MethodGet, srv.URL + "/v1/me", tok, "", http.StatusOK, "user"},
		{"head", http.MethodHead, srv.URL + "/v1/me", tok, "", http.StatusOK, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := send(t, tc.method, tc.url, tc.token, tc.body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, b)
			}
			if len(resp.TransferEncoding) != 0 {
				t.Fatalf("Transfer-Encoding %v, want none", resp.TransferEncoding)
			}
			if got := resp.Header.Get("Content-Type"); got != "application/json" {
				t.Fatalf("Content-Type %q", got)
			}
			if tc.method == http.MethodHead {
				// The length of the answer a GET gets (the same user, the
				// same revision: nothing changed in between).
				_, gb := send(t, http.MethodGet, tc.url, tc.token, "")
				if len(b) != 0 || resp.ContentLength != int64(len(gb)) {
					t.Fatalf("HEAD: %d body bytes, Content-Length %d; GET's body has %d", len(b), resp.ContentLength, len(gb))
				}
				return
			}
			if resp.ContentLength != int64(len(b)) || resp.Header.Get("Content-Length") != strconv.Itoa(len(b)) {
				t.Fatalf("Content-Length %d (%q), body %d bytes", resp.ContentLength, resp.Header.Get("Content-Length"), len(b))
			}
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil || m[tc.key] == nil {
				t.Fatalf("answer %q lacks %q", b, tc.key)
			}
		})
	}
}

// send makes a request with a JSON content type, with the token when
// there is one, and returns the answer with its body read. The other
// plain-HTTP helpers (rawCall, callJSON) call it.
func send(t *testing.T, method, url, token, body string) (*http.Response, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "aivenv1 "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}
