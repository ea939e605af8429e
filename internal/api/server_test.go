package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestUncleanPathsAreNotFound: paths with dot segments or doubled slashes
// get a 404 in the error shape, never the mux's redirect to the cleaned
// path, which a client would follow with the same method onto another
// endpoint.
func TestUncleanPathsAreNotFound(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	cases := []struct{ name, method, target string }{
		{"service dot dot", http.MethodDelete, "/v1/project/p1/service/.."},
		{"group dot dot", http.MethodDelete, "/v1/organization/org0123456789abcd/user-groups/.."},
		{"dot", http.MethodGet, "/v1/project/p1/service/./s1"},
		{"double slash", http.MethodPost, "/v1/project//service"},
		{"encoded dot dot", http.MethodDelete, "/v1/project/p1/service/%2E%2E"},
		{"trailing dot dot slash", http.MethodGet, "/v1/project/p1/../"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, httptest.NewRequest(c.method, c.target, nil))
			var e struct {
				Message string `json:"message"`
			}
			if rec.Code != http.StatusNotFound || rec.Header().Get("Location") != "" {
				t.Fatalf("%s %s = %d (Location %q), want 404", c.method, c.target, rec.Code, rec.Header().Get("Location"))
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Message == "" {
				t.Fatalf("not the error shape: %s", rec.Body)
			}
		})
	}
	// Clean paths still reach their routes.
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("healthz = %d", rec.Code)
	}
}

// heldLog holds every access-log line ("request") until release is
// closed, like a log destination that has fallen behind.
type heldLog struct {
	slog.Handler
	release chan struct{}
}

func (h heldLog) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "request" {
		<-h.release
	}
	return h.Handler.Handle(ctx, r)
}

// TestAnswerPrecedesAccessLog: the client has its whole answer (success
// and error) before the request's access-log line is written, so a slow
// log adds nothing to an answer's latency.
func TestAnswerPrecedesAccessLog(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(newLoggedServer(t, slog.New(heldLog{slog.NewTextHandler(io.Discard, nil), release})))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // before srv.Close, which waits for the handlers
	for _, tc := range []struct {
		name, path string
		status     int
	}{
		{"answer", "/healthz", http.StatusOK},
		{"error", "/v1/me", http.StatusUnauthorized},
		{"no such endpoint", "/v1/nowhere", http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			// A connection of its own: the last one's server side still
			// waits for its log line.
			c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatalf("no answer while the log line waits: %v", err)
			}
			defer resp.Body.Close()
			var e map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || resp.StatusCode != tc.status {
				t.Fatalf("status %d (want %d), body decodes: %v", resp.StatusCode, tc.status, err)
			}
		})
	}
}
