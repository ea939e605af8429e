package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
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
