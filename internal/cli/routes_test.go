package cli

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	gatehouseapi "github.com/gatehouse-dev/gatehouse/internal/api"
)

// notExposed are the API routes no command sends, each with the reason a
// command line should not: everything else the server serves must be
// reachable from some command.
var notExposed = map[string]string{
	// A liveness probe for load balancers and orchestrators; "gatehouse
	// bench http /healthz" measures it, but no person asks it a question.
	"GET /healthz": "liveness probe",
	"GET /readyz":  "readiness probe",
	// A document for client generators and API browsers, not a question
	// a person asks from a command line.
	"GET /v1/openapi.json": "machine-readable API description",
	// Gatehouse provisions no static IPs: the answer is always an empty
	// list, served so that Terraform's service read succeeds.
	"GET /v1/project/{project}/static-ips": "always empty; for Terraform's read",
}

// aliases are routes serving the same operation as another route the
// command line uses; Aiven's clients know both spellings. The alias is
// covered when its twin is.
var aliases = map[string]string{
	// Aiven's older spelling of logout; logout uses POST /v1/me/logout and
	// falls back to this one only against servers without it.
	"POST /v1/userauth/logout": "POST /v1/me/logout",
	// Aiven's older, project-scoped spellings of the organization's
	// project endpoints, which the project commands use (they also work
	// for a project's units and tags).
	"GET /v1/project":              "GET /v1/organization/{org}/projects",
	"POST /v1/project":             "POST /v1/organization/{org}/projects",
	"PUT /v1/project/{project}":    "PATCH /v1/organization/{org}/project/{project}",
	"DELETE /v1/project/{project}": "DELETE /v1/organization/{org}/project/{project}",
}

// routeRecorder is the command line's transport in tests: it notes which
// route of the API table each request reaches, whatever the answer.
type routeRecorder struct {
	next http.RoundTripper
	mux  *http.ServeMux

	mu  sync.Mutex
	hit map[string]bool
}

func newRouteRecorder(next http.RoundTripper) *routeRecorder {
	r := &routeRecorder{next: next, mux: http.NewServeMux(), hit: map[string]bool{}}
	for _, rt := range gatehouseapi.RouteTable() {
		r.mux.HandleFunc(rt.Pattern, func(http.ResponseWriter, *http.Request) {})
	}
	return r
}

func (r *routeRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if _, pattern := r.mux.Handler(req); pattern != "" {
		r.mu.Lock()
		r.hit[pattern] = true
		r.mu.Unlock()
	}
	return r.next.RoundTrip(req)
}

// unreached lists the routes of the API table that no command reached and
// that neither notExposed nor aliases account for.
func (r *routeRecorder) unreached() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, rt := range gatehouseapi.RouteTable() {
		p := rt.Pattern
		switch twin, alias := aliases[p]; {
		case r.hit[p]:
		case alias && r.hit[twin]:
		case notExposed[p] != "":
		default:
			out = append(out, fmt.Sprintf("%s (%s)", p, rt.Operation))
		}
	}
	slices.Sort(out)
	return out
}

var recorder *routeRecorder

// TestMain records the routes every command test reaches; when the whole
// package ran (no -run or -skip) and passed, every route of the API must
// have been reached by some command, or be listed in notExposed or aliases
// with its reason.
func TestMain(m *testing.M) {
	recorder = newRouteRecorder(transport)
	transport = recorder
	code := m.Run()
	if code == 0 && flag.Lookup("test.run").Value.String() == "" && flag.Lookup("test.skip").Value.String() == "" {
		if missing := recorder.unreached(); len(missing) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: %d API routes are reached by no command (add a command and its test, or list the route in notExposed with the reason):\n  %s\n",
				len(missing), strings.Join(missing, "\n  "))
			code = 1
		}
	}
	os.Exit(code)
}

// TestRouteListsCurrent keeps notExposed and aliases honest: each names a
// route the server serves, and an alias's twin is a route too.
func TestRouteListsCurrent(t *testing.T) {
	t.Parallel()
	served := map[string]bool{}
	for _, rt := range gatehouseapi.RouteTable() {
		served[rt.Pattern] = true
	}
	for p := range notExposed {
		if !served[p] {
			t.Errorf("notExposed lists %q, which the server does not serve", p)
		}
	}
	for p, twin := range aliases {
		if !served[p] || !served[twin] {
			t.Errorf("alias %q -> %q: both must be served", p, twin)
		}
		if _, ok := notExposed[p]; ok {
			t.Errorf("%q is both an alias and not exposed", p)
		}
	}
}

// TestRouteRecorder checks the recorder itself: a request is attributed to
// the route pattern the server would route it to, and an unknown path to
// none.
func TestRouteRecorder(t *testing.T) {
	t.Parallel()
	r := newRouteRecorder(http.DefaultTransport)
	tests := []struct {
		name, method, path, want string
	}{
		{"member", http.MethodGet, "/v1/organization/org1/user/u1", "GET /v1/organization/{org}/user/{user}"},
		{"escaped email", http.MethodDelete, "/v1/project/p/user/a%40b.example", "DELETE /v1/project/{project}/user/{user_email}"},
		{"method matters", http.MethodPut, "/v1/me/password", "PUT /v1/me/password"},
		{"unknown", http.MethodGet, "/v1/nothing", ""},
		{"wrong method", http.MethodPost, "/v1/me/password", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, "http://127.0.0.1:1"+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, got := r.mux.Handler(req)
			if got != tt.want {
				t.Errorf("pattern = %q, want %q", got, tt.want)
			}
		})
	}
}
