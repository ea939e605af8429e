package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// TestStoreErrorsAreTranslated sends requests the store refuses (a name
// taken): the client sees Aiven's wording and status, never the store's
// ("group \"ug...\" (name \"g\"): already exists").
func TestStoreErrorsAreTranslated(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		srv := servertest.Start(t, db)
		token := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
		orgs, err := client(t, srv.URL, token).UserOrganizationsList(t.Context())
		if err != nil || len(orgs) == 0 {
			t.Fatalf("organizations: %v %v", orgs, err)
		}
		org := orgs[0].OrganizationId
		send := func(method, path, body string) (int, string) {
			t.Helper()
			req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, bytes.NewReader([]byte(body)))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "aivenv1 "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			var e struct {
				Message string `json:"message"`
			}
			_ = json.Unmarshal(raw, &e) // a success has no message
			return resp.StatusCode, e.Message
		}
		for _, setup := range [][3]string{
			{"POST", "/v1/organization/" + org + "/projects", `{"project_id":"p1"}`},
			{"POST", "/v1/organization/" + org + "/projects", `{"project_id":"p2"}`},
			{"POST", "/v1/project/p1/service", `{"service_name":"pg-1","service_type":"pg","plan":"startup-4"}`},
			{"POST", "/v1/organization/" + org + "/user-groups", `{"user_group_name":"g","description":"d"}`},
			{"POST", "/v1/organization/" + org + "/user-groups", `{"user_group_name":"h","description":"d"}`},
		} {
			if status, msg := send(setup[0], setup[1], setup[2]); status != http.StatusOK && status != http.StatusCreated {
				t.Fatalf("%s %s = %d %s", setup[0], setup[1], status, msg)
			}
		}
		var groupH string
		{
			gs, err := client(t, srv.URL, token).UserGroupsList(t.Context(), org)
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range gs {
				if g.UserGroupName == "h" {
					groupH = g.UserGroupId
				}
			}
		}
		cases := []struct {
			name, method, path, body string
			status                   int
			message                  string
		}{
			{"project name taken", "POST", "/v1/organization/" + org + "/projects", `{"project_id":"p1"}`, http.StatusConflict, `Project "p1" already exists`},
			{"legacy project name taken", "POST", "/v1/project", `{"project":"p1","account_id":"` + orgs[0].AccountId + `"}`, http.StatusConflict, `Project "p1" already exists`},
			{"project renamed onto another", "PUT", "/v1/project/p2", `{"project_name":"p1"}`, http.StatusConflict, `Project "p1" already exists`},
			{"service name taken", "POST", "/v1/project/p1/service", `{"service_name":"pg-1","service_type":"pg","plan":"startup-4"}`, http.StatusConflict, `Service "pg-1" already exists`},
			{"group name taken", "POST", "/v1/organization/" + org + "/user-groups", `{"user_group_name":"g","description":"d"}`, http.StatusConflict, `Group "g" already exists`},
			{"group renamed onto another", "PATCH", "/v1/organization/" + org + "/user-groups/" + groupH, `{"user_group_name":"g"}`, http.StatusConflict, `Group "g" already exists`},
			{"project missing", "GET", "/v1/project/nope", "", http.StatusNotFound, "Project does not exist"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				status, msg := send(c.method, c.path, c.body)
				if status != c.status || msg != c.message {
					t.Errorf("%s %s = %d %q, want %d %q", c.method, c.path, status, msg, c.status, c.message)
				}
				if strings.Contains(msg, ": already exists") || strings.Contains(msg, "(name ") {
					t.Errorf("store wording leaked: %q", msg)
				}
			})
		}
	})
}
