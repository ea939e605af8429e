package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aiven/go-client-codegen/handler/organizationprojects"

	"github.com/gatehouse-dev/gatehouse/internal/server"
	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// freeAddr returns a loopback address nothing listens on a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// fetch fetches url and returns its status and body.
func fetch(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, b := send(t, http.MethodGet, url, "", "")
	return resp.StatusCode, string(b)
}

func TestMetricsAfterTraffic(t *testing.T) {
	metricsAddr := freeAddr(t)
	srv := servertest.Start(t, servertest.SQLite(t), func(c *server.Config) { c.MetricsListen = metricsAddr })
	tok := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
	if code := callJSON(t, http.MethodGet, srv.URL+"/v1/me", tok, nil, nil); code != http.StatusOK {
		t.Fatalf("GET /v1/me = %d", code)
	}
	var orgs struct {
		Organizations []struct {
			ID string `json:"organization_id"`
		} `json:"organizations"`
	}
	if code := callJSON(t, http.MethodGet, srv.URL+"/v1/organizations", tok, nil, &orgs); code != http.StatusOK || len(orgs.Organizations) == 0 {
		t.Fatalf("GET /v1/organizations = %d, %+v", code, orgs)
	}
	if code := callJSON(t, http.MethodGet, srv.URL+"/v1/organization/"+orgs.Organizations[0].ID+"/user-groups", tok, nil, nil); code != http.StatusOK {
		t.Fatalf("GET user-groups = %d", code)
	}
	if code := callJSON(t, http.MethodPost, srv.URL+"/v1/userauth", "", map[string]string{"email": servertest.AdminEmail, "password": "wrong"}, nil); code != http.StatusForbidden && code != http.StatusUnauthorized {
		t.Fatalf("a wrong password = %d", code)
	}
	if code := callJSON(t, http.MethodGet, srv.URL+"/v1/no/such/thing", tok, nil, nil); code != http.StatusNotFound {
		t.Fatalf("an unknown path = %d", code)
	}

	for name, url := range map[string]string{"main listener": srv.URL + "/metrics", "metrics listener": "http://" + metricsAddr + "/metrics"} {
		t.Run(name, func(t *testing.T) {
			code, body := fetch(t, url)
			if code != http.StatusOK {
				t.Fatalf("GET /metrics = %d: %s", code, body)
			}
			for _, family := range []string{
				"gatehouse_http_requests_total", "gatehouse_http_request_duration_seconds_bucket",
				"gatehouse_authz_decisions_total", "gatehouse_token_cache_lookups_total",
				"gatehouse_login_failures_total", "gatehouse_login_limiter_blocks_total",
				"gatehouse_engine_revision", "gatehouse_engine_follow_lag_revisions", "gatehouse_engine_follow_lag_seconds",
				"gatehouse_engine_last_load_duration_seconds",
				"go_sql_open_connections", "go_goroutines", "process_cpu_seconds_total",
			} {
				if !strings.Contains(body, "\n"+family) {
					t.Errorf("family %s missing", family)
				}
			}
			for _, sample := range []string{
				`gatehouse_http_requests_total{code="200",operation="UserAuth"} 1`,
				`gatehouse_http_requests_total{code="200",operation="UserInfo"} 1`,
				`gatehouse_http_requests_total{code="404",operation="Unmatched"} 1`,
				`gatehouse_login_failures_total 1`,
				`gatehouse_authz_decisions_total{result="denied"} 0`,
				`gatehouse_token_cache_lookups_total{result="hit"}`,
				`go_sql_open_connections{db_name="writer"}`,
				`gatehouse_engine_follow_lag_revisions 0`,
			} {
				if !strings.Contains(body, sample) {
					t.Errorf("sample %s missing", sample)
				}
			}
			if strings.Contains(body, `gatehouse_authz_decisions_total{result="allowed"} 0`) {
				t.Error("no allowed decision counted")
			}
			if strings.Contains(body, "/v1/") {
				t.Error("a raw path is a label value; operations only")
			}
		})
	}
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startLogged runs a server whose JSON log goes to the returned buffer.
func startLogged(t *testing.T) (string, *syncBuffer) {
	t.Helper()
	buf := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(buf, nil))
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	cfg := server.Config{Listen: "127.0.0.1:0", Database: servertest.SQLite(t), AdminEmail: servertest.AdminEmail,
		AdminPassword: servertest.AdminPassword, FollowInterval: 100 * time.Millisecond, SecretKey: servertest.SecretKey}
	go func() { done <- server.Run(ctx, cfg, log, io.Discard, ready) }()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case addr := <-ready:
		return "http://" + addr, buf
	case err := <-done:
		t.Fatalf("server did not start: %v", err)
	}
	return "", nil
}

// accessLines returns the access-log lines of buf by request ID.
func accessLines(t *testing.T, buf *syncBuffer) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q is not JSON: %v", line, err)
		}
		if rec["msg"] == "request" {
			out[fmt.Sprint(rec["request_id"])] = rec
		}
	}
	return out
}

func TestAccessLog(t *testing.T) {
	base, buf := startLogged(t)
	tok := login(t, base, servertest.AdminEmail, servertest.AdminPassword)

	send := func(t *testing.T, method, path, token, reqID, body string) *http.Response {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), method, base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			req.Header.Set("Authorization", "aivenv1 "+token)
		}
		if reqID != "" {
			req.Header.Set("X-Request-Id", reqID)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	tests := []struct {
		name, method, path, token, reqID, body string
		keepID                                 bool // the sent ID comes back
		operation                              string
		status                                 int
		actor                                  bool
	}{
		{name: "sane ID accepted", method: "GET", path: "/v1/me", token: tok, reqID: "trace-42.a_b:c", keepID: true, operation: "UserInfo", status: 200, actor: true},
		{name: "no ID generated", method: "GET", path: "/v1/me", token: tok, operation: "UserInfo", status: 200, actor: true},
		{name: "forged ID replaced", method: "GET", path: "/v1/me", token: tok, reqID: "x\" injected=1 {}", operation: "UserInfo", status: 200, actor: true},
		{name: "overlong ID replaced", method: "GET", path: "/v1/me", token: tok, reqID: strings.Repeat("a", 200), operation: "UserInfo", status: 200, actor: true},
		{name: "password never logged", method: "POST", path: "/v1/userauth", reqID: "login-1", keepID: true,
			body: `{"email":"` + servertest.AdminEmail + `","password":"hunter2-secret-pw"}`, operation: "UserAuth", status: 401},
		{name: "unknown path", method: "GET", path: "/v1/nothing/here", token: tok, operation: "Unmatched", status: 404},
	}
	ids := map[string]bool{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := send(t, tc.method, tc.path, tc.token, tc.reqID, tc.body)
			id := resp.Header.Get("X-Request-Id")
			if id == "" {
				t.Fatal("no X-Request-Id in the response")
			}
			if tc.keepID != (id == tc.reqID) {
				t.Fatalf("X-Request-Id = %q for a request that sent %q", id, tc.reqID)
			}
			if ids[id] {
				t.Fatalf("request ID %q reused", id)
			}
			ids[id] = true
			var rec map[string]any
			for range 50 { // the line is written after the answer is sent
				if rec = accessLines(t, buf)[id]; rec != nil {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			if rec == nil {
				t.Fatalf("no access-log line for request %s in:\n%s", id, buf.String())
			}
			if rec["operation"] != tc.operation || rec["method"] != tc.method || rec["status"] != float64(resp.StatusCode) || resp.StatusCode != tc.status {
				t.Errorf("line %v, answer %d; want operation %s, method %s, status %d", rec, resp.StatusCode, tc.operation, tc.method, tc.status)
			}
			for _, k := range []string{"time", "duration_ms", "client"} {
				if _, ok := rec[k]; !ok {
					t.Errorf("line lacks %s: %v", k, rec)
				}
			}
			if rec["client"] != "127.0.0.1" {
				t.Errorf("client = %v", rec["client"])
			}
			if got := rec["actor_id"] != ""; got != tc.actor {
				t.Errorf("actor_id = %q, want one: %v", rec["actor_id"], tc.actor)
			}
		})
	}
	logged := buf.String()
	for _, secret := range []string{tok, tok[len(tok)/2:], "hunter2-secret-pw", servertest.AdminPassword} {
		if strings.Contains(logged, secret) {
			t.Errorf("the log holds a secret %q", secret)
		}
	}
}

func TestReadiness(t *testing.T) {
	db := servertest.SQLite(t)
	// lagging never follows the change log on its own: it catches up only
	// when a request asks for a newer revision.
	lagging := servertest.Start(t, db, func(c *server.Config) { c.FollowInterval = -1; c.ReadyMaxLag = time.Millisecond })
	writer := servertest.Start(t, db)
	probe := func(t *testing.T, want int) {
		t.Helper()
		for _, path := range []string{"/healthz", "/readyz"} {
			code, body := fetch(t, lagging.URL+path)
			if path == "/healthz" && code != http.StatusOK {
				t.Errorf("GET /healthz = %d, want 200 (alive): %s", code, body)
			}
			if path == "/readyz" && code != want {
				t.Errorf("GET /readyz = %d, want %d: %s", code, want, body)
			}
		}
	}
	t.Run("caught up", func(t *testing.T) { probe(t, http.StatusOK) })

	tok := login(t, writer.URL, servertest.AdminEmail, servertest.AdminPassword)
	cw := client(t, writer.URL, tok)
	orgs, err := cw.UserOrganizationsList(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cw.OrganizationProjectsCreate(t.Context(), orgs[0].OrganizationId, &organizationprojects.OrganizationProjectsCreateIn{ProjectId: "elsewhere"}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	t.Run("behind the change log", func(t *testing.T) { probe(t, http.StatusServiceUnavailable) })

	// Asking for the newest revision makes the lagging server catch up.
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, lagging.URL+"/v1/me", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "aivenv1 "+tok)
	req.Header.Set("Gatehouse-At-Least-Revision", "1000000")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
	t.Run("caught up again", func(t *testing.T) { probe(t, http.StatusOK) })
}
