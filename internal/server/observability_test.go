package server_test

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

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
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
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
