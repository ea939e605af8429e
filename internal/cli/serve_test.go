package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/store/sqlstore"
)

// lockedBuffer is a bytes.Buffer written by the server's goroutine and read
// by the test's.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestServeHashesPasswordsAtProductionCost: tests run servers with cheap
// password hashing, so this one runs "gatehouse serve" itself and checks
// that the bootstrap admin's hash was made with production's argon2id
// parameters.
func TestServeHashesPasswordsAtProductionCost(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "g.db")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--database", db}, strings.NewReader(""), &out, io.Discard, func(string) string { return "" })
	}()
	deadline := time.After(30 * time.Second)
	// The console's address is printed once the server is up, after the
	// bootstrap credentials.
	for !strings.Contains(out.String(), "Created the first user") || !strings.Contains(out.String(), "Open the console at http://127.0.0.1:") {
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d before bootstrapping: %s", code, out.String())
		case <-deadline:
			t.Fatalf("serve did not bootstrap within 30s: %s", out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exited with %d", code)
	}

	st, err := sqlstore.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var admin identity.User
	if err := st.Read(t.Context(), func(tx store.Reader) error {
		admin, err = tx.GetUserByEmail("admin@localhost")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	p := identity.DefaultPasswordParams
	want := fmt.Sprintf("$m=%d,t=%d,p=%d$", p.MemoryKiB, p.Time, p.Threads)
	if !strings.HasPrefix(admin.PasswordHash, "$argon2id$") || !strings.Contains(admin.PasswordHash, want) {
		t.Fatalf("admin's password hash %q, want argon2id with %s", admin.PasswordHash, want)
	}
}

// TestServeWritesItsLogOnTheWayOut: the server's log lines are written by
// a goroutine of their own, yet the last request's access-log line and
// the line logged as the server stops reach stderr by the time "serve"
// returns.
func TestServeWritesItsLogOnTheWayOut(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "g.db")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out, errb lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--database", db}, strings.NewReader(""), &out, &errb, func(string) string { return "" })
	}()
	deadline := time.After(30 * time.Second)
	var url string
	for url == "" {
		if _, rest, ok := strings.Cut(out.String(), "Open the console at "); ok {
			url, _, _ = strings.Cut(rest, "/ ")
			break
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d before serving: %s", code, errb.String())
		case <-deadline:
			t.Fatalf("serve did not start within 30s: %s", out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url+"/healthz", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Request-Id", "last-words-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exited with %d: %s", code, errb.String())
	}
	for _, want := range []string{"request_id=last-words-1", `msg="stopped serving`} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("%s is missing from stderr:\n%s", want, errb.String())
		}
	}
}
