package cli

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestBenchHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"allowed":true}`))
	}))
	defer srv.Close()
	for _, tc := range []struct {
		name     string
		args     []string
		want     []string
		dontWant []string
	}{
		{"a fixed count", []string{"-n", "25"}, []string{"25 requests in", "p99.9", "25 decisions"}, []string{"125µs"}},
		{"with the histogram", []string{"--requests", "10", "--histogram"}, []string{"10 requests in", "0s-125µs", "> 32ms"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			args := append([]string{"bench", "http", "--url", srv.URL, "-c", "2", "-d", "1m"}, tc.args...)
			if code := run(t.Context(), append(args, "/"), strings.NewReader(""), &out, &errb, func(string) string { return "" }); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			for _, w := range tc.dontWant {
				if strings.Contains(out.String(), w) {
					t.Errorf("output has %q:\n%s", w, out.String())
				}
			}
		})
	}
}
