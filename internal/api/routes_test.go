package api_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/api"
	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/store/sqlstore"
)

func newServer(t *testing.T) *api.Server {
	t.Helper()
	return newLoggedServer(t, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// newLoggedServer is newServer writing its log through log.
func newLoggedServer(t *testing.T, log *slog.Logger) *api.Server {
	t.Helper()
	st, err := sqlstore.Open(t.Context(), filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	plane, err := control.New(t.Context(), st)
	if err != nil {
		t.Fatal(err)
	}
	return api.New(plane, log)
}

// TestEveryRouteIsGuarded walks the route table: every endpoint but the
// public ones names an operation the authorization table has a rule for
// (a public one has none: nothing would check it), and every non-public
// endpoint refuses a request without credentials.
func TestEveryRouteIsGuarded(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	routes := srv.Routes()
	if len(routes) < 40 {
		t.Fatalf("only %d routes registered", len(routes))
	}
	for _, r := range routes {
		t.Run(r.Pattern, func(t *testing.T) {
			_, ok := control.RequirementOf(r.Operation)
			if r.Public {
				if ok {
					t.Fatalf("public operation %s has an authorization rule nothing checks", r.Operation)
				}
				return
			}
			if !ok {
				t.Fatalf("operation %s has no authorization rule", r.Operation)
			}
			method, path, _ := strings.Cut(r.Pattern, " ")
			path = strings.NewReplacer("{org}", "org0123456789abcd", "{account}", "a0123456789abcd", "{project}", "p1",
				"{service}", "s1", "{group}", "ug0123456789abcd", "{user}", "u0123456789abcd", "{rtype}", "project", "{rid}", "p1",
				"{domain}", "dom0123456789abcd", "{prefix}", "gthp_0123456789").Replace(path)
			req := httptest.NewRequest(method, path, strings.NewReader("{}"))
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if rec.Code != http.StatusUnauthorized {
				t.Fatalf("%s %s without credentials: %d %s", method, path, rec.Code, rec.Body)
			}
			if !strings.Contains(rec.Body.String(), `"errors"`) {
				t.Fatalf("body not in the error shape: %s", rec.Body)
			}
		})
	}
}

// innerOperations are checked inside other operations, never named by a
// route: the use case of the route checks its own operation first and then
// this one too.
var innerOperations = map[control.Op]string{
	control.OpAccessInspect: "AccessCheck, AccessExplain and AccessResources asking about another principal; AccessPrincipals",
	control.OpProjectMove:   "ProjectUpdate and OrganizationProjectsUpdate changing the parent",
	// Served by the web console only (its access review page and grants
	// export), through control.Plane like every route.
	control.OpOrganizationAccessReview: "the console's access review and its grants export",
}

// TestEveryRuleIsReached fails on requirement rules that no route names
// (nor any route's use case checks inside it): a rule nothing reaches is
// dead, or a route is wired to the wrong operation.
func TestEveryRuleIsReached(t *testing.T) {
	routed := map[control.Op]bool{}
	for _, r := range api.RouteTable() {
		routed[r.Operation] = true
	}
	ops := control.Operations()
	if len(ops) < 40 {
		t.Fatalf("only %d rules", len(ops))
	}
	for _, op := range ops {
		_, inner := innerOperations[op]
		switch {
		case routed[op] && inner:
			t.Errorf("operation %s is both a route's and listed as inner", op)
		case !routed[op] && !inner:
			t.Errorf("rule for %s is reached by no route", op)
		}
	}
	for op := range innerOperations {
		if _, ok := control.RequirementOf(op); !ok {
			t.Errorf("inner operation %s has no rule", op)
		}
	}
}
