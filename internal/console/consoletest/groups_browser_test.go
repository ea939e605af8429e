package consoletest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/console/consoletest"
)

// TestGroupGrantsProject is the seed's flow: Admin → Groups → Create group
// → Add members → Grant permissions; the member, signed in in a second
// browser, then sees the project the group was given.
func TestGroupGrantsProject(t *testing.T) {
	consoletest.Run(t, func(t *testing.T, b *consoletest.Browser) {
		const memberEmail, memberPassword = "dana@example.com", "dana's long passphrase"
		b.SignIn(consoletest.AdminEmail, consoletest.AdminPassword, "")
		org := b.OrgID()
		admin := b.Login(consoletest.AdminEmail, consoletest.AdminPassword)
		if st := consoletest.API(t, b.Server.URL, "POST", "/v1/organization/"+org+"/projects", admin, map[string]string{"project_id": "payments-prod"}, nil); st != http.StatusOK && st != http.StatusCreated {
			t.Fatalf("creating the project: %d", st)
		}
		b.Person(org, memberEmail, memberPassword)

		// The member sees no project yet.
		m := b.Another()
		m.SignIn(memberEmail, memberPassword, "")
		if strings.Contains(m.Page(), "payments-prod") {
			t.Fatal("the member sees the project before any grant")
		}

		b.Visit("/orgs/" + org + "/groups")
		b.Contains("No groups yet")
		b.Fill("#f-name", "Payments developers")
		b.Fill("#f-description", "People who build payments")
		b.Click("form[action$='/groups'] button[type=submit]")
		if got := b.Text("h1"); got != "Payments developers" {
			t.Fatalf("after creating, the page is %q", got)
		}
		b.Contains("No members yet")

		// Find the member and add them.
		b.Fill("#f-q", "dana")
		b.Click("form[role=search] button")
		b.Tick("input[name=user_id]")
		b.Click("#add-members")
		b.Contains("Member added")
		if got := b.Text("table.members tbody"); !strings.Contains(got, memberEmail) {
			t.Fatalf("members after adding: %q", got)
		}

		// Grant developer on the project.
		b.Select("#f-resource", "project:payments-prod")
		b.Select("#f-permission", "developer")
		b.Click("form.grantform button[type=submit]")
		b.Contains("Permission granted")
		row := b.Text("table.grants tbody")
		for _, want := range []string{"Project payments-prod", "developer", "service users"} {
			if !strings.Contains(row, want) {
				t.Errorf("the group's grants %q lack %q", row, want)
			}
		}

		// The member now sees the project.
		m.Visit("/")
		m.Contains("payments-prod")
		m.Shot("member-sees-project")

		// The group list counts the member.
		b.Visit("/orgs/" + org + "/groups")
		if got := b.Text("table.groups tbody tr"); !strings.Contains(got, "Payments developers") || !strings.Contains(got, "1") {
			t.Errorf("groups list row %q", got)
		}
	})
}
