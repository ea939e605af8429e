package consoletest_test

import (
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/console/consoletest"
)

// TestInviteUsers is the seed's flow: Admin → Users → Invite users →
// Enter email addresses → Send invitations; a bad address is refused in
// the API's words next to the field while the others are sent, pending
// invitations are listed, and one is cancelled after confirmation.
func TestInviteUsers(t *testing.T) {
	consoletest.Run(t, func(t *testing.T, b *consoletest.Browser) {
		b.SignIn(consoletest.AdminEmail, consoletest.AdminPassword, "")
		org := b.OrgID()
		b.Visit("/orgs/" + org + "/users")
		if got := b.Text("table.users tbody"); !strings.Contains(got, consoletest.AdminEmail) || !strings.Contains(got, "super admin") {
			t.Fatalf("the members table %q lacks the admin as super admin", got)
		}

		b.Tick("#invite-toggle")
		b.SetValue("#f-emails", "erin@example.com, not-an-address\nfrank@example.com")
		b.Click("#send-invitations")
		if got := b.Text("#e-emails"); !strings.Contains(got, "not-an-address") {
			t.Errorf("the refused address's error %q does not name it", got)
		}
		if got := b.Text("#f-emails"); got != "not-an-address" && !strings.Contains(b.Page(), "not-an-address") {
			t.Errorf("the field keeps %q, want only the refused address", got)
		}
		inv := b.Text("table.invitations tbody")
		for _, want := range []string{"erin@example.com", "frank@example.com"} {
			if !strings.Contains(inv, want) {
				t.Errorf("pending invitations %q lack %s", inv, want)
			}
		}

		// Resend, then cancel frank's after confirming.
		b.Click("table.invitations form button")
		b.Contains("Invitation sent again")
		b.Click("table.invitations a[href*='frank']")
		b.Contains("The emailed link stops working")
		b.Click("#confirm")
		b.Contains("Invitation cancelled")
		if got := b.Text("table.invitations tbody"); strings.Contains(got, "frank@example.com") || !strings.Contains(got, "erin@example.com") {
			t.Errorf("after cancelling frank's invitation: %q", got)
		}

		// Search and sort are the server's: the URL carries them.
		b.Fill("#f-q", "admin")
		b.Click("form[role=search] button")
		if !strings.Contains(b.Path(), "q=admin") || !strings.Contains(b.Text("table.users tbody"), consoletest.AdminEmail) {
			t.Errorf("searching lands on %s", b.Path())
		}
		b.Fill("#f-q", "nobody-matches-this")
		b.Click("form[role=search] button")
		b.Contains("No user matches")
	})
}
