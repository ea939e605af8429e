package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/api"
	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/store/sqlstore"
	"github.com/gatehouse-dev/gatehouse/internal/store/storetest"
)

// fuzzMethods are the methods a fuzz input picks from.
var fuzzMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodHead, http.MethodOptions}

// fuzzServer is an API over a bootstrapped store with a small world (a
// project, a Kafka service, a group), and the super admin's token.
func fuzzServer(f *testing.F) (srv *api.Server, token string, fill *strings.Replacer) {
	f.Helper()
	ctx := f.Context()
	dsn := storetest.SQLite(f)
	if os.Getenv(storetest.PostgresEnv) != "" {
		dsn = storetest.Postgres(f)
	}
	st, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	plane, err := control.New(ctx, st, control.WithPasswordParams(identity.FastPasswordParams))
	if err != nil {
		f.Fatal(err)
	}
	boot, err := plane.Bootstrap(ctx, "admin@example.com", "correct horse battery staple", "")
	if err != nil {
		f.Fatal(err)
	}
	login, err := plane.Login(ctx, "admin@example.com", "correct horse battery staple", "", "127.0.0.1", "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	srv = api.New(plane, slog.New(slog.NewTextHandler(io.Discard, nil)))
	orgID := boot.Organization.ID
	var group struct {
		ID string `json:"user_group_id"`
	}
	for _, step := range []struct {
		method, path, body string
		out                any
	}{
		{"POST", "/v1/organization/" + orgID + "/projects", `{"project_id":"fuzz-prj"}`, nil},
		{"POST", "/v1/project/fuzz-prj/service", `{"service_name":"kafka-1","service_type":"kafka","plan":"startup-2"}`, nil},
		{"POST", "/v1/organization/" + orgID + "/user-groups", `{"user_group_name":"fuzzers","description":"d"}`, &group},
		{"POST", "/v1/project/fuzz-prj/service/kafka-1/acl", `{"username":"app","permission":"read","topic":"t"}`, nil},
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(step.method, step.path, strings.NewReader(step.body))
		req.Header.Set("Authorization", "aivenv1 "+login.Token)
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			f.Fatalf("%s %s: %d %s", step.method, step.path, rec.Code, rec.Body)
		}
		if step.out != nil {
			if err := json.Unmarshal(rec.Body.Bytes(), step.out); err != nil {
				f.Fatal(err)
			}
		}
	}
	fill = strings.NewReplacer("{org}", orgID, "{account}", boot.Organization.AccountID, "{project}", "fuzz-prj",
		"{service}", "kafka-1", "{group}", group.ID, "{user_group_id}", group.ID, "{user}", login.User.ID,
		"{user_email}", "admin@example.com", "{rtype}", "project", "{rid}", "fuzz-prj", "{id}", "default",
		"{email}", "nobody@example.com", "{code}", "0123456789abcdef", "{username}", "avnadmin", "{domain}", "x", "{prefix}", "gthp_x")
	return srv, login.Token, fill
}

// skipFuzzPath leaves out what the fuzzer must not do to its own fixture or
// cannot do quickly: logging out or expiring its token, and endpoints that reach other
// hosts (a Kafka cluster, a domain's DNS or web server), which the
// route-walking integration test covers against loopback servers.
func skipFuzzPath(path string) bool {
	return strings.HasSuffix(path, "/logout") || strings.HasSuffix(path, "/expire_tokens") || strings.Contains(path, "/kafka/sync") || strings.Contains(path, "/verify")
}

// FuzzAPIRequest sends arbitrary methods, paths and bodies through the API
// in-process as the super admin: never a 5xx, always Aiven's error shape for
// a 4xx, never slow.
func FuzzAPIRequest(f *testing.F) {
	srv, token, fill := fuzzServer(f)
	bodies := []string{"", "{}", `{"a":`, `[]`, `{"user_group_name":"a\u0000b"}`, `{"project_id":"x","tags":{"k":1}}`,
		`{"member_ids":["u0"],"operation":"add_members"}`, `{"permissions":[{"principal_type":"user","principal_id":"u0","permissions":["admin"]}]}`}
	for _, r := range api.RouteTable() {
		method, pattern, _ := strings.Cut(r.Pattern, " ")
		m := uint8(0)
		for i, fm := range fuzzMethods {
			if fm == method {
				m = uint8(i)
			}
		}
		path := fill.Replace(pattern)
		for _, b := range bodies {
			f.Add(m, path, []byte(b))
		}
		f.Add(m, path+"?limit=-1&principal_id=%00", []byte("{}"))
		f.Add(m, path+"/..", []byte("{}"))
		f.Add(m, path+"/./x", []byte("{}"))
		// Hostile path segments: these reached PostgreSQL once and failed there.
		for _, seg := range strings.Split(path, "/") {
			if seg != "" && seg != "v1" {
				for _, bad := range []string{"a%00b", "a%FFb", seg + "%ED%A0%80"} {
					f.Add(m, strings.Replace(path, "/"+seg, "/"+bad, 1), []byte("{}"))
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, m uint8, path string, body []byte) {
		method := fuzzMethods[int(m)%len(fuzzMethods)]
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		req, err := http.NewRequestWithContext(t.Context(), method, "http://gatehouse.test"+path, bytes.NewReader(body))
		if err != nil || skipFuzzPath(req.URL.Path) {
			return
		}
		req.Header.Set("Authorization", "aivenv1 "+token)
		rec := httptest.NewRecorder()
		start := time.Now()
		srv.ServeHTTP(rec, req)
		if took := time.Since(start); took > 5*time.Second {
			t.Fatalf("%s %q took %s", method, path, took)
		}
		switch s := rec.Code; {
		case s >= 500:
			t.Fatalf("%s %q (body %q) = %d %s", method, path, body, s, rec.Body)
		case s >= 300 && s < 400:
			t.Fatalf("%s %q = %d, a redirect to %q", method, path, s, rec.Header().Get("Location"))
		case s >= 400:
			var e struct {
				Message string `json:"message"`
				Errors  []struct {
					Status int `json:"status"`
				} `json:"errors"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Message == "" || len(e.Errors) != 1 || e.Errors[0].Status != s {
				t.Fatalf("%s %q = %d, not the error shape: %s", method, path, s, rec.Body)
			}
		}
	})
}
