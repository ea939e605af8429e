package consoletest_test

import (
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/console/consoletest"
)

// TestProjectInvitation: a person is invited to a project with a role
// from the project's page and listed as pending with it; a bad address or
// a member already in the project is answered next to the email field;
// cancelling the invitation asks for confirmation, then it is gone.
func TestProjectInvitation(t *testing.T) {
	consoletest.Run(t, func(t *testing.T, b *consoletest.Browser) {
		api := adminAPI(t, b)
		api.call("POST", "/v1/organization/"+api.org+"/projects", map[string]any{"project_id": "web"})
		b.SignIn(consoletest.AdminEmail, consoletest.AdminPassword, "")
		b.Visit("/orgs/" + api.org + "/projects/web")

		for _, c := range []struct{ name, email string }{
			{"not an address", "not-an-address"},
			{"already a member", consoletest.AdminEmail},
			{"empty", ""},
		} {
			b.Fill("#f-email", c.email)
			b.Click("form.projectinvite button[type=submit]")
			if got := b.Text("#e-email"); got == "" {
				t.Errorf("%s: no error next to the email (page: %q)", c.name, b.Text("main"))
			}
			if st := b.Status(); st/100 != 4 {
				t.Errorf("%s: status %d, want a 4xx", c.name, st)
			}
		}

		b.Fill("#f-email", "pat@example.com")
		b.Select("#f-role", "operator")
		b.Click("form.projectinvite button[type=submit]")
		b.Contains("pat@example.com")
		row := b.Text("table.pinvites tbody")
		if !strings.Contains(row, "pat@example.com") || !strings.Contains(row, "operator") {
			t.Fatalf("pending invitations after inviting: %q", row)
		}
		invs := api.call("GET", "/v1/project/web/users", nil)["invitations"]
		if got, _ := invs.([]any); len(got) != 1 {
			t.Errorf("the API lists invitations %v, want pat's", invs)
		}
		b.Shot("project-invitation")

		b.Click("table.pinvites form button[type=submit]")
		b.Contains("Cancel the invitation of pat@example.com")
		b.Click("#confirm")
		b.Contains("Invitation cancelled")
		if b.Has("table.pinvites") {
			t.Errorf("invitations left after cancelling: %q", b.Text("table.pinvites"))
		}
	})
}
