package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestSetHeader: values set through a statusWriter's slots stay what they
// were set to as more are set, past the slots too, and a key set twice
// answers its last value.
func TestSetHeader(t *testing.T) {
	tests := []struct {
		name string
		sets [][2]string // key, value, in order
		want map[string]string
	}{
		{"one", [][2]string{{"X-Request-Id", "r1"}}, map[string]string{"X-Request-Id": "r1"}},
		{"every slot", [][2]string{{"X-Request-Id", "r1"}, {RevisionHeader, "7"}, {"Content-Length", "42"}},
			map[string]string{"X-Request-Id": "r1", RevisionHeader: "7", "Content-Length": "42"}},
		{"past the slots", [][2]string{{"X-Request-Id", "r1"}, {RevisionHeader, "7"}, {"Content-Length", "42"}, {"Retry-After", "3"}, {"X-Other", "o"}},
			map[string]string{"X-Request-Id": "r1", RevisionHeader: "7", "Content-Length": "42", "Retry-After": "3", "X-Other": "o"}},
		{"a key twice", [][2]string{{"Content-Length", "1"}, {"X-Request-Id", "r1"}, {"Content-Length", "22"}},
			map[string]string{"X-Request-Id": "r1", "Content-Length": "22"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			sw := &statusWriter{ResponseWriter: rec}
			for _, kv := range tc.sets {
				setHeader(sw, kv[0], kv[1])
			}
			sw.WriteHeader(http.StatusOK)
			got := rec.Result().Header
			if len(got) != len(tc.want) {
				t.Fatalf("headers %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if vs := got[k]; len(vs) != 1 || vs[0] != v {
					t.Errorf("%s: %q, want %q", k, vs, v)
				}
			}
		})
	}
}

// TestSetHeaderAllocates: the slots are what saves the allocation (not
// parallel: AllocsPerRun).
func TestSetHeaderAllocates(t *testing.T) {
	h := http.Header{"X-Request-Id": nil, RevisionHeader: nil, "Content-Length": nil}
	w := &headerOnly{h: h}
	allocs := testing.AllocsPerRun(100, func() {
		sw := statusWriter{ResponseWriter: w}
		setHeader(&sw, "X-Request-Id", "r1")
		setHeader(&sw, RevisionHeader, "7")
		setHeader(&sw, "Content-Length", "42")
	})
	// The statusWriter itself escapes (into the header map): one.
	if allocs > 1 {
		t.Errorf("%v allocations setting three headers, want at most 1", allocs)
	}
}

type headerOnly struct {
	http.ResponseWriter
	h http.Header
}

func (w *headerOnly) Header() http.Header { return w.h }

// TestRequestID: a sane sent ID is kept; otherwise each request gets a
// new one, 32 hex digits, never repeated.
func TestRequestID(t *testing.T) {
	tests := []struct {
		name, sent string
		kept       bool
	}{
		{"none sent", "", false},
		{"sane", "trace-42.a_b:c+d=/e", true},
		{"forged", "x\" injected=1", false},
		{"overlong", strings.Repeat("a", maxRequestID+1), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			seen := map[string]bool{}
			for range 10000 {
				r := httptest.NewRequest(http.MethodGet, "/v1/me", nil)
				if tc.sent != "" {
					r.Header.Set(RequestIDHeader, tc.sent)
				}
				id := requestID(r)
				if tc.kept {
					if id != tc.sent {
						t.Fatalf("ID %q, want the sent %q", id, tc.sent)
					}
					return
				}
				if len(id) != 32 || strings.Trim(id, "0123456789abcdef") != "" {
					t.Fatalf("generated ID %q is not 32 hex digits", id)
				}
				if seen[id] {
					t.Fatalf("ID %q generated twice", id)
				}
				seen[id] = true
			}
		})
	}
}
