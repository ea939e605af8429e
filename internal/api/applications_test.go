package api

import (
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/store/sqlstore"
)

func TestTokenInMaxAge(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		in      *float64
		want    int64
		wantNil bool
		bad     bool
	}{
		{"absent", nil, 0, true, false},
		{"whole", ptrTo(3600.0), 3600, false, false},
		{"fraction", ptrTo(600.5), 0, false, true},
		{"huge is clamped for the range check", ptrTo(1e300), 1e15, false, false},
		{"negative is clamped", ptrTo(-5e300), -1, false, false},
		{"infinity", ptrTo(math.Inf(1)), 1e15, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := tokenIn{MaxAgeSeconds: c.in}.input()
			if c.bad {
				if s, _, _ := statusOf(err); s != http.StatusBadRequest {
					t.Fatalf("err = %v, want a 400", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.wantNil != (got.MaxAgeSeconds == nil) || (!c.wantNil && *got.MaxAgeSeconds != c.want) {
				t.Fatalf("max age = %v, want %d (nil %v)", got.MaxAgeSeconds, c.want, c.wantNil)
			}
		})
	}
}

// FuzzTokenIn: any body decodes to a 400 or to an input, never a panic.
func FuzzTokenIn(f *testing.F) {
	for _, s := range []string{`{}`, `{"description":"x","max_age_seconds":600,"extend_when_used":true,"ip_allowlist":["10.0.0.0/8"],"scopes":["read"]}`,
		`{"max_age_seconds":1e400}`, `{"max_age_seconds":"600"}`, `{"ip_allowlist":"10.0.0.1"}`, `{"max_age_seconds":-0.0}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var in tokenIn
		if err := decodeBytes(b, &in); err != nil {
			if s, _, _ := statusOf(err); s != http.StatusBadRequest {
				t.Fatalf("decode %q: status %d", b, s)
			}
			return
		}
		out, err := in.input()
		if err != nil {
			if s, _, _ := statusOf(err); s != http.StatusBadRequest {
				t.Fatalf("input %q: status %d", b, s)
			}
			return
		}
		if out.MaxAgeSeconds != nil && (*out.MaxAgeSeconds < -1 || *out.MaxAgeSeconds > 1e15) {
			t.Fatalf("max age %d escaped the clamp", *out.MaxAgeSeconds)
		}
	})
}

func ptrTo[T any](v T) *T { return &v }

// TestTokenExpiryHeader: responses tell a client its token is due for
// rotation.
func TestTokenExpiryHeader(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	st, err := sqlstore.Open(t.Context(), filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	plane, err := control.New(t.Context(), st, control.WithClock(clock), control.WithPasswordParams(identity.FastPasswordParams))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plane.Bootstrap(t.Context(), "admin@example.com", "admin password 1", ""); err != nil {
		t.Fatal(err)
	}
	res, err := plane.Login(t.Context(), "admin@example.com", "admin password 1", "", "127.0.0.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	admin, err := plane.Authenticate(t.Context(), res.Token, "127.0.0.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	tk, err := plane.CreateAccessToken(t.Context(), admin, control.TokenInput{MaxAgeSeconds: ptrTo(int64(86400))})
	if err != nil {
		t.Fatal(err)
	}
	srv := New(plane, slog.New(slog.NewTextHandler(io.Discard, nil)))
	get := func() string {
		req := httptest.NewRequest("GET", "/v1/access_token", nil)
		req.Header.Set("Authorization", "aivenv1 "+tk.Secret)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		return rec.Header().Get(TokenExpiryHeader)
	}
	if h := get(); h != "" {
		t.Fatalf("fresh token flagged: %q", h)
	}
	mu.Lock()
	now = now.Add(20 * time.Hour) // 4 of 24 hours left: within the last fifth
	mu.Unlock()
	if h, want := get(), tk.Token.ExpiryTime.UTC().Format(time.RFC3339); h != want {
		t.Fatalf("header %q, want %q", h, want)
	}
}
