package server_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// gatehouseBinary builds cmd/gatehouse once per test run.
func gatehouseBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gatehouse-crash-")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "gatehouse")
		out, err := exec.Command("go", "build", "-o", binary, "../../cmd/gatehouse").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

var servingAddr = regexp.MustCompile(`msg=serving addr=(http://[0-9.:]+)`)

// serveProcess runs "gatehouse serve" on database and returns its URL.
func serveProcess(t *testing.T, database string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(gatehouseBinary(t), "serve", "--listen", "127.0.0.1:0", "--database", database)
	cmd.Env = append(os.Environ(),
		"GATEHOUSE_ADMIN_EMAIL="+servertest.AdminEmail, "GATEHOUSE_ADMIN_PASSWORD="+servertest.AdminPassword,
		"GATEHOUSE_SECRET_KEY="+servertest.SecretKey)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := servingAddr.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case url := <-found:
		return cmd, url
	case <-time.After(30 * time.Second):
		t.Fatal("the server process did not start serving within 30s")
	}
	return nil, ""
}

// TestCrashKeepsAcknowledgedWrites kills a gatehouse server process with
// SIGKILL while concurrent writers create and delete projects, restarts it
// on the same database, and checks every acknowledged write: each project
// whose create was answered 2xx exists, and each whose delete was answered
// 2xx is gone. A bounded number of cycles per backend.
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills server processes")
	}
	backends(t, func(t *testing.T, db string) {
		const (
			cycles  = 4
			writers = 8
		)
		cmd, url := serveProcess(t, db)
		tok := login(t, url, servertest.AdminEmail, servertest.AdminPassword)
		orgs, err := client(t, url, tok).UserOrganizationsList(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		orgID := orgs[0].OrganizationId
		var (
			mu       sync.Mutex
			created  = map[string]bool{} // acknowledged creates
			deleted  = map[string]bool{} // acknowledged deletes
			doubtful = map[string]bool{} // deletes cut off by a kill
		)
		total := 0
		for cycle := range cycles {
			ctx, stop := context.WithCancel(t.Context())
			var wg sync.WaitGroup
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					hc := &http.Client{Timeout: 5 * time.Second}
					var mine []string
					for n := 0; ctx.Err() == nil; n++ {
						if n%3 == 2 && len(mine) > 0 {
							name := mine[0]
							req, _ := http.NewRequestWithContext(ctx, http.MethodDelete, url+"/v1/organization/"+orgID+"/project/"+name, nil)
							req.Header.Set("Authorization", "aivenv1 "+tok)
							resp, err := hc.Do(req)
							mu.Lock()
							switch {
							case err != nil:
								// Cut off by the kill: it may or may not
								// have committed.
								mine = mine[1:]
								doubtful[name] = true
							case resp.StatusCode < 300:
								mine = mine[1:]
								deleted[name] = true
							}
							mu.Unlock()
							if err == nil {
								resp.Body.Close()
							}
							continue
						}
						name := fmt.Sprintf("c%d-w%d-%d", cycle, w, n)
						if callOK(ctx, hc, url+"/v1/organization/"+orgID+"/projects", tok, `{"project_id":"`+name+`"}`) {
							mine = append(mine, name)
							mu.Lock()
							created[name] = true
							mu.Unlock()
						}
					}
				}()
			}
			time.Sleep(time.Second)
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = cmd.Wait()
			stop()
			wg.Wait()
			start := time.Now()
			cmd, url = serveProcess(t, db)
			restarted := time.Since(start)

			list, err := client(t, url, tok).OrganizationProjectsList(t.Context(), orgID)
			if err != nil {
				t.Fatalf("cycle %d: listing after the restart: %v", cycle, err)
			}
			have := map[string]bool{}
			for _, p := range list.Projects {
				have[p.ProjectId] = true
			}
			mu.Lock()
			for name := range created {
				if !deleted[name] && !doubtful[name] && !have[name] {
					t.Errorf("cycle %d: project %s was created (acknowledged) and is lost", cycle, name)
				}
			}
			for name := range deleted {
				if have[name] {
					t.Errorf("cycle %d: project %s was deleted (acknowledged) and came back", cycle, name)
				}
			}
			total = len(created) + len(deleted)
			mu.Unlock()
			t.Logf("cycle %d: %d acknowledged writes so far, serving again %v after the kill", cycle, total, restarted.Round(time.Millisecond))
		}
		if total == 0 {
			t.Fatal("no write was acknowledged: the test proves nothing")
		}
	})
}

// callOK posts a JSON body and reports a 2xx answer.
func callOK(ctx context.Context, hc *http.Client, url, token, body string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "aivenv1 "+token)
	resp, err := hc.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode < 300
}
