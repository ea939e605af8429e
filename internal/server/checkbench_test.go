package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// BenchmarkAccessCheck measures POST .../access/check through a real
// server on loopback (SQLite), the bootstrap admin asking about itself
// over five projects: a batch of 100 checks per request, and a single
// check. The client runs in the same process, so a CPU profile
// (-cpuprofile) shows the whole request path on both sides:
//
//	go test ./internal/server -run '^$' -bench AccessCheck -cpuprofile cpu.out
func BenchmarkAccessCheck(b *testing.B) {
	srv := servertest.Start(b, servertest.SQLite(b))
	tok := benchCall(b, http.MethodPost, srv.URL+"/v1/userauth", "", `{"email":"`+servertest.AdminEmail+`","password":"`+servertest.AdminPassword+`"}`)["token"].(string)
	me := benchCall(b, http.MethodGet, srv.URL+"/v1/me", tok, "")["user"].(map[string]any)["user_id"].(string)
	orgs := benchCall(b, http.MethodGet, srv.URL+"/v1/organizations", tok, "")["organizations"].([]any)
	org := orgs[0].(map[string]any)["organization_id"].(string)
	for i := range 5 {
		benchCall(b, http.MethodPost, srv.URL+"/v1/organization/"+org+"/projects", tok, fmt.Sprintf(`{"project_id":"p%d"}`, i))
	}
	perms := []string{"project:services:read", "project:services:write", "service:data:write"}
	var checks []string
	for i := range 100 {
		checks = append(checks, fmt.Sprintf(`{"principal_id":%q,"permission":%q,"resource_type":"project","resource_id":"p%d"}`, me, perms[i%3], i%5))
	}
	url := srv.URL + "/v1/organization/" + org + "/access/check"
	for _, tc := range []struct {
		name string
		body string
		n    int
	}{
		{"batch100", `{"checks":[` + strings.Join(checks, ",") + `]}`, 100},
		{"single", checks[0], 1},
	} {
		b.Run(tc.name, func(b *testing.B) {
			if got := benchCall(b, http.MethodPost, url, tok, tc.body); got["revision"] == nil {
				b.Fatalf("unexpected answer %v", got)
			}
			body := []byte(tc.body)
			b.ReportAllocs()
			b.SetParallelism(4) // 8 connections on 2 cores
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
					req.Header.Set("Authorization", "aivenv1 "+tok)
					req.Header.Set("Content-Type", "application/json")
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N*tc.n)/b.Elapsed().Seconds(), "decisions/s")
		})
	}
}

func benchCall(b *testing.B, method, url, tok, body string) map[string]any {
	b.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "aivenv1 "+tok)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &out); err != nil || resp.StatusCode >= 300 {
		b.Fatalf("%s %s: %d %s", method, url, resp.StatusCode, raw)
	}
	return out
}
