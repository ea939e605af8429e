package consoletest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/console/consoletest"
)

// TestAuthenticationPolicy: Admin → Authentication saves the policy; an
// IP allow-list that leaves out the admin's own address is refused with
// the lock-out guard's words next to the list, and nothing changes.
func TestAuthenticationPolicy(t *testing.T) {
	consoletest.Run(t, func(t *testing.T, b *consoletest.Browser) {
		b.SignIn(consoletest.AdminEmail, consoletest.AdminPassword, "")
		org := b.OrgID()
		b.Visit("/orgs/" + org + "/authentication")
		b.SetValue("#f-ip_allowlist", "10.0.0.0/8")
		b.Click("form[action$='/authentication'] button[type=submit]")
		if got := b.Text("#e-ip_allowlist"); !strings.Contains(got, "lock you out") || !strings.Contains(got, "127.0.0.1") {
			t.Errorf("the lock-out refusal says %q", got)
		}
		b.Shot("lockout-refused")
		b.Visit("/orgs/" + org + "/authentication")
		if got := b.Value("#f-ip_allowlist"); got != "" {
			t.Fatalf("a refused allow-list was stored: %q", got)
		}
		b.SetValue("#f-ip_allowlist", "127.0.0.0/8\n10.0.0.0/8")
		b.Click("form[action$='/authentication'] button[type=submit]")
		b.Contains("Authentication policy saved")
		if got := b.Value("#f-ip_allowlist"); !strings.Contains(got, "127.0.0.0/8") {
			t.Errorf("the saved allow-list reads %q", got)
		}
	})
}

// TestEscalationRefusedInWords: a project's admin may grant on the
// project, but not a role they do not hold there; the console shows the
// refusal in the use case's words beside the grant form.
func TestEscalationRefusedInWords(t *testing.T) {
	consoletest.Run(t, func(t *testing.T, b *consoletest.Browser) {
		const email, password = "hal@example.com", "hal's long passphrase"
		b.SignIn(consoletest.AdminEmail, consoletest.AdminPassword, "")
		org := b.OrgID()
		admin := b.Login(consoletest.AdminEmail, consoletest.AdminPassword)
		if st := consoletest.API(t, b.Server.URL, "POST", "/v1/organization/"+org+"/projects", admin, map[string]string{"project_id": "ledger"}, nil); st != http.StatusOK && st != http.StatusCreated {
			t.Fatalf("creating the project: %d", st)
		}
		var g struct {
			ID string `json:"user_group_id"`
		}
		if st := consoletest.API(t, b.Server.URL, "POST", "/v1/organization/"+org+"/user-groups", admin, map[string]string{"user_group_name": "ledger-team", "description": ""}, &g); st != http.StatusOK && st != http.StatusCreated {
			t.Fatalf("creating the group: %d", st)
		}
		b.Person(org, email, password)
		var me struct {
			Users []struct {
				UserID string `json:"user_id"`
				Info   struct {
					Email string `json:"user_email"`
				} `json:"user_info"`
			} `json:"users"`
		}
		consoletest.API(t, b.Server.URL, "GET", "/v1/organization/"+org+"/user", admin, nil, &me)
		hal := ""
		for _, u := range me.Users {
			if u.Info.Email == email {
				hal = u.UserID
			}
		}
		if st := consoletest.API(t, b.Server.URL, "PATCH", "/v1/organization/"+org+"/permissions/project/ledger", admin,
			map[string]any{"operation": "grant", "permissions": []map[string]any{{"principal_type": "user", "principal_id": hal, "permissions": []string{"admin"}}}}, nil); st != http.StatusOK && st != http.StatusNoContent {
			t.Fatalf("making hal the project's admin: %d", st)
		}

		m := b.Another()
		m.SignIn(email, password, "")
		m.Visit("/orgs/" + org + "/groups/" + g.ID)
		m.Select("#f-resource", "project:ledger")
		m.Select("#f-permission", "role:organization:admin")
		m.Click("form.grantform button[type=submit]")
		got := m.Text("form.grantform .alert.error")
		if !strings.Contains(got, "cannot grant role:organization:admin") || !strings.Contains(got, "do not hold it") {
			t.Errorf("the escalation refusal says %q", got)
		}
		m.Shot("escalation-refused")
	})
}
