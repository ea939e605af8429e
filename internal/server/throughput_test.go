package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aiven/go-client-codegen/handler/applicationuser"

	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// TestGrantWriteThroughput measures grant writes a second through 1 and 3
// servers on one PostgreSQL database with 64 concurrent writers, each
// granting and revoking a permission of its own application user on one
// project (every request is a real change and a new revision). A
// measurement, not a check: it runs only when GATEHOUSE_WRITE_BENCH is set.
//
//	GATEHOUSE_WRITE_BENCH=10s GATEHOUSE_TEST_POSTGRES=... go test ./internal/server -run TestGrantWriteThroughput -v
func TestGrantWriteThroughput(t *testing.T) {
	span, err := time.ParseDuration(os.Getenv("GATEHOUSE_WRITE_BENCH"))
	if err != nil {
		t.Skip("GATEHOUSE_WRITE_BENCH (a duration) is not set")
	}
	for _, replicas := range []int{1, 3} {
		t.Run(fmt.Sprintf("%d replicas", replicas), func(t *testing.T) {
			db := servertest.Postgres(t)
			var urls []string
			for range replicas {
				urls = append(urls, servertest.Start(t, db).URL)
			}
			tok := login(t, urls[0], servertest.AdminEmail, servertest.AdminPassword)
			admin := client(t, urls[0], tok)
			orgs, err := admin.UserOrganizationsList(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			orgID := orgs[0].OrganizationId
			if got := exchange(t, http.MethodPost, urls[0]+"/v1/organization/"+orgID+"/projects", tok, nil, map[string]string{"project_id": "bench"}); got.status >= 300 {
				t.Fatalf("create: %d %s", got.status, got.body)
			}
			const writers = 64
			users := make([]string, writers)
			for i := range users {
				app, err := admin.ApplicationUserCreate(t.Context(), orgID, &applicationuser.ApplicationUserCreateIn{Name: fmt.Sprintf("w%d", i)})
				if err != nil {
					t.Fatal(err)
				}
				users[i] = app.UserId
			}
			ctx, stop := context.WithTimeout(t.Context(), span)
			defer stop()
			var (
				mu     sync.Mutex
				lats   []time.Duration
				errors int
			)
			start := time.Now()
			var wg sync.WaitGroup
			for i := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					url := urls[i%len(urls)] + "/v1/organization/" + orgID + "/permissions/project/bench"
					ops := []string{"grant", "revoke"}
					for n := 0; ctx.Err() == nil; n++ {
						body := map[string]any{"operation": ops[n%2], "permissions": []map[string]any{{"principal_type": "user", "principal_id": users[i], "permissions": []string{"project:services:read"}}}}
						t0 := time.Now()
						got := exchangeCtx(ctx, url, tok, body)
						d := time.Since(t0)
						if ctx.Err() != nil {
							return
						}
						mu.Lock()
						if got != http.StatusOK {
							errors++
						} else {
							lats = append(lats, d)
						}
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			slices.Sort(lats)
			if len(lats) == 0 {
				t.Fatal("no write succeeded")
			}
			load, _ := os.ReadFile("/proc/loadavg")
			t.Logf("%d replicas, %d writers: %d grant writes in %v = %.0f/s, p50 %v, p99 %v, %d errors; load average %s",
				replicas, writers, len(lats), elapsed.Round(time.Millisecond), float64(len(lats))/elapsed.Seconds(),
				lats[len(lats)/2].Round(time.Millisecond), lats[len(lats)*99/100].Round(time.Millisecond), errors, string(load[:14]))
		})
	}
}

// exchangeCtx sends a PATCH with a JSON body and returns the status.
func exchangeCtx(ctx context.Context, url, token string, in any) int {
	b, _ := json.Marshal(in)
	req, err := http.NewRequestWithContext(ctx, http.MethodPatch, url, bytes.NewReader(b))
	if err != nil {
		return 0
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "aivenv1 "+token)
	resp, err := benchClient.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	return resp.StatusCode
}

var benchClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128}}
