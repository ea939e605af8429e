package api

import (
	"net/http/httptest"
	"testing"
)

func TestPrefersHTML(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, accept string
		want         bool
	}{
		{"no header", "", false},
		{"API client", "application/json", false},
		{"anything", "*/*", false},
		{"Chromium", "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8", true},
		{"Firefox", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", true},
		{"JSON first", "application/json, text/html", false},
		{"curl", "*/*", false},
		{"upper case", "TEXT/HTML", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", "/v1/invitation/x", nil)
			if tc.accept != "" {
				r.Header.Set("Accept", tc.accept)
			}
			if got := prefersHTML(r); got != tc.want {
				t.Errorf("prefersHTML(%q) = %v, want %v", tc.accept, got, tc.want)
			}
		})
	}
}

func TestIsAPIPath(t *testing.T) {
	t.Parallel()
	for p, want := range map[string]bool{
		"/v1/project": true, "/v1": true, "/healthz": true, "/readyz": true, "/metrics": true,
		"/": false, "/orgs/x": false, "/v1x": false, "/signin": false, "/static/console.css": false,
	} {
		if got := isAPIPath(p); got != want {
			t.Errorf("isAPIPath(%q) = %v, want %v", p, got, want)
		}
	}
}
