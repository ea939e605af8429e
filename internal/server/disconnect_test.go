package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptrace"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// TestFailedLoginsRecordedWhenClientHangsUp sends wrong passwords from
// clients that hang up as soon as their request is sent: every failure must
// still reach the audit log, since the server writes it with a context
// detached from the request.
func TestFailedLoginsRecordedWhenClientHangsUp(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		srv := servertest.Start(t, db)
		tok := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
		orgs, err := client(t, srv.URL, tok).UserOrganizationsList(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		const hungUp = 3
		body, _ := json.Marshal(map[string]string{"email": servertest.AdminEmail, "password": "wrong password"})
		for range hungUp {
			ctx, cancel := context.WithCancel(t.Context())
			trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { cancel() }}
			req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodPost, srv.URL+"/v1/userauth", bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			// A transport of its own: the hang-up closes its connection.
			tr := &http.Transport{}
			if resp, err := (&http.Client{Transport: tr}).Do(req); err == nil {
				resp.Body.Close()
				t.Fatalf("the request was answered (%d) before the client hung up", resp.StatusCode)
			}
			tr.CloseIdleConnections()
			cancel()
		}
		if code := callJSON(t, http.MethodPost, srv.URL+"/v1/userauth", "", map[string]string{"email": servertest.AdminEmail, "password": "wrong password"}, nil); code != http.StatusForbidden && code != http.StatusUnauthorized {
			t.Fatalf("wrong login answered %d", code)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			var out struct {
				Events []struct {
					ActionType string `json:"action_type"`
				} `json:"events"`
			}
			if code := callJSON(t, http.MethodGet, srv.URL+"/v1/account/"+orgs[0].AccountId+"/events", tok, nil, &out); code != http.StatusOK {
				t.Fatalf("events: %d", code)
			}
			n := 0
			for _, e := range out.Events {
				if e.ActionType == "user_login_failed" {
					n++
				}
			}
			if n == hungUp+1 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d user_login_failed events, want %d: failures of clients that hung up were lost", n, hungUp+1)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}
