package api

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path"
	"strings"
	"testing"
	"testing/iotest"
)

type decodeProbe struct {
	Name  string            `json:"name"`
	Count *int              `json:"count"`
	Tags  map[string]string `json:"tags"`
	List  []string          `json:"list"`
}

func TestDecodeBytes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		body    string
		wantErr bool
	}{
		{"empty", "", false},
		{"null", "null", false},
		{"object", `{"name":"x"}`, false},
		{"unknown field", `{"name":"x","future":1}`, false},
		{"null fields", `{"tags":null,"count":null}`, false},
		{"array", `[]`, true},
		{"string", `"x"`, true},
		{"wrong type", `{"name":1}`, true},
		{"wrong nested", `{"tags":{"a":1}}`, true},
		{"truncated", `{"name":`, true},
		{"trailing", `{"name":"x"} {}`, true},
		// PostgreSQL refuses NUL in text: these were 500s there.
		{"nul in string", `{"name":"a\u0000b"}`, true},
		{"nul in list", `{"list":["ok","\u0000"]}`, true},
		{"nul in map value", `{"tags":{"k":"\u0000"}}`, true},
		{"nul in map key", `{"tags":{"\u0000":"v"}}`, true},
		{"escaped backslash then u0000", `{"name":"\\u0000"}`, false},
		{"invalid utf8 becomes U+FFFD", "{\"name\":\"\xff\"}", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var p decodeProbe
			err := decodeBytes([]byte(c.body), &p)
			if (err != nil) != c.wantErr {
				t.Fatalf("decodeBytes(%q) err = %v, wantErr %v", c.body, err, c.wantErr)
			}
			if err != nil {
				if s, _, _ := statusOf(err); s != http.StatusBadRequest {
					t.Fatalf("status %d, want 400", s)
				}
			}
		})
	}
}

func FuzzDecodeBytes(f *testing.F) {
	for _, s := range []string{"", "{}", `{"name":"a","count":3,"tags":{"k":"v"},"list":["x"]}`, `{"count":1e400}`, "[", `{"name":"\ud800"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var p decodeProbe
		if err := decodeBytes(b, &p); err != nil {
			if s, _, _ := statusOf(err); s != http.StatusBadRequest {
				t.Fatalf("decodeBytes(%q): status %d, want 400", b, s)
			}
		}
	})
}

func TestNulFieldNamesTheField(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, body, want string
	}{
		{"top level", `{"name":"\u0000"}`, `"name"`},
		{"list element", `{"list":["a","\u0000"]}`, `"list[1]"`},
		{"map value", `{"tags":{"env":"\u0000"}}`, `"tags.env"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var p decodeProbe
			err := decodeBytes([]byte(c.body), &p)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("decodeBytes(%s) = %v, want an error naming %s", c.body, err, c.want)
			}
		})
	}
}

func TestCheckPathValues(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, path string
		ok         bool
	}{
		{"plain", "/p/backend-prod", true},
		{"unicode", "/p/%C3%BCn%C3%AF", true},
		{"encoded slash", "/p/a%2Fb", true},
		// These reached PostgreSQL and failed there with a 500.
		{"nul", "/p/a%00b", false},
		{"invalid utf8", "/p/a%FF%FEb", false},
		{"surrogate", "/p/%ED%A0%80", false},
		{"newline", "/p/a%0Ab", false},
		{"delete char", "/p/a%7Fb", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got error
			mux := http.NewServeMux()
			mux.HandleFunc("GET /p/{project}", func(_ http.ResponseWriter, r *http.Request) {
				got = checkPathValues(r, wildcards("GET /p/{project}"))
			})
			mux.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", c.path, nil))
			if (got == nil) != c.ok {
				t.Fatalf("checkPathValues(%s) = %v, want ok=%v", c.path, got, c.ok)
			}
			if got != nil {
				if s, _, _ := statusOf(got); s != http.StatusBadRequest {
					t.Fatalf("status %d, want 400", s)
				}
			}
		})
	}
}

func TestWildcards(t *testing.T) {
	t.Parallel()
	got := wildcards("GET /v1/project/{project}/service/{service}/acl/{id...}")
	if strings.Join(got, ",") != "project,service,id" {
		t.Fatalf("wildcards = %v", got)
	}
	if got := wildcards("GET /healthz"); len(got) != 0 {
		t.Fatalf("wildcards = %v", got)
	}
}

// TestReadAll holds readAll to io.ReadAll of at most maxBody+1 bytes
// whatever the declared length says, true or not.
func TestReadAll(t *testing.T) {
	small := strings.Repeat("0123456789", 100)
	large := strings.Repeat("x", maxBody+10)
	tests := []struct {
		name     string
		body     string
		declared int64
	}{
		{"unknown", small, -1},
		{"zero", small, 0},
		{"exact", small, int64(len(small))},
		{"too small", small, 10},
		{"too large", small, int64(len(small)) * 3},
		{"beyond the limit", small, maxBody + 1},
		{"large, unknown", large, -1},
		{"large, exact", large, int64(len(large))},
		{"large, declared small", large, 10},
		{"large, declared the limit", large, maxBody},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.body[:min(len(tc.body), maxBody+1)]
			got, err := readAll(iotest.OneByteReader(strings.NewReader(tc.body)), tc.declared)
			if err != nil || string(got) != want {
				t.Fatalf("got %d bytes, %v; want the first %d of the body", len(got), err, len(want))
			}
			if _, err := readAll(iotest.ErrReader(io.ErrUnexpectedEOF), tc.declared); !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("read error lost: %v", err)
			}
		})
	}
}

// TestCleanPath holds cleanPath to path.Clean keeping a trailing slash,
// for every path of up to seven characters from '/', '.' and 'a', and
// for some longer ones.
func TestCleanPath(t *testing.T) {
	want := func(p string) string {
		if p == "" || p[0] != '/' {
			p = "/" + p
		}
		np := path.Clean(p)
		if p[len(p)-1] == '/' && np != "/" {
			np += "/"
		}
		return np
	}
	paths := []string{"/v1/organization/org1/access/check", "/v1/.well-known/x", "/v1/a./b", "/v1/a/b.", "/v1/a/.b/", "/v1/a/..b"}
	var gen func(p string)
	gen = func(p string) {
		paths = append(paths, p)
		if len(p) < 7 {
			for _, c := range []string{"/", ".", "a"} {
				gen(p + c)
			}
		}
	}
	gen("")
	for _, p := range paths {
		if got := cleanPath(p); got != want(p) {
			t.Errorf("cleanPath(%q) = %q, want %q", p, got, want(p))
		}
	}
}
