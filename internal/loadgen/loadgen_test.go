package loadgen

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "aivenv1 tok" {
			w.WriteHeader(401)
			return
		}
		if r.URL.Path == "/bad" {
			w.WriteHeader(500)
		}
	}))
	defer srv.Close()
	res, err := Run(t.Context(), Config{BaseURL: srv.URL, Token: "tok", Paths: []string{"/ok", "/bad"}, Concurrency: 4, Duration: 5 * time.Second, MaxRequests: 200})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 200 || res.Errors != 100 || res.P50 <= 0 || res.P99 < res.P50 {
		t.Fatalf("result %+v", res)
	}
}

func TestRefusesNonLoopback(t *testing.T) {
	for _, u := range []string{"http://10.0.0.1:8080", "http://example.com", "::bad"} {
		if _, err := Run(t.Context(), Config{BaseURL: u, Paths: []string{"/"}}); err == nil {
			t.Fatalf("Run(%q) accepted a non-loopback target", u)
		}
	}
}
