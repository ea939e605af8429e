package consoletest_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
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

// TestUsersPages: the members list pages with plain links, each page
// read after (or before) the row that ends the page the link was on, so
// Next and Previous walk the members in order, also sorted otherwise.
func TestUsersPages(t *testing.T) {
	consoletest.Run(t, func(t *testing.T, b *consoletest.Browser) {
		b.SignIn(consoletest.AdminEmail, consoletest.AdminPassword, "")
		org := b.OrgID()
		admin := b.Login(consoletest.AdminEmail, consoletest.AdminPassword)
		for i := range 52 {
			email := fmt.Sprintf("person%02d@example.com", i)
			if st := consoletest.API(t, b.Server.URL, "POST", "/v1/organization/"+org+"/invitation", admin, map[string]string{"user_email": email}, nil); st != http.StatusOK {
				t.Fatalf("inviting %s: %d", email, st)
			}
		}
		var list struct {
			Invitations []struct {
				AcceptLink string `json:"accept_link"`
			} `json:"invitations"`
		}
		consoletest.API(t, b.Server.URL, "GET", "/v1/organization/"+org+"/invitation", admin, nil, &list)
		for i, inv := range list.Invitations {
			u, err := url.Parse(inv.AcceptLink)
			if err != nil {
				t.Fatal(err)
			}
			// Names run backwards from the emails, so the name order
			// differs from the email order.
			body := map[string]string{"real_name": fmt.Sprintf("Name %02d", 99-i), "password": "a long password 1"}
			if st := consoletest.API(t, b.Server.URL, "POST", u.RequestURI(), "", body, nil); st != http.StatusOK {
				t.Fatalf("accepting an invitation: %d", st)
			}
		}

		rows := func() []string { return strings.Split(strings.TrimSpace(b.Text("table.users tbody")), "\n") }
		for _, sort := range []string{"", "?sort=name&dir=desc"} {
			b.Visit("/orgs/" + org + "/users" + sort)
			first := rows()
			b.Contains("1–50 of 53")
			if b.Has("a[rel=prev]") {
				t.Errorf("%q: the first page links to a previous one", sort)
			}
			b.Click("a[rel=next]")
			if !strings.Contains(b.Path(), "after=") {
				t.Errorf("%q: Next leads to %s, not after the page's last row", sort, b.Path())
			}
			b.Contains("51–53 of 53")
			if second := rows(); len(second) != 3 || slices.Contains(first, second[0]) {
				t.Errorf("%q: the second page %q repeats or misses rows of the first", sort, second)
			}
			if b.Has("a[rel=next]") {
				t.Errorf("%q: the last page links to a next one", sort)
			}
			b.Click("a[rel=prev]")
			b.Contains("1–50 of 53")
			if again := rows(); !slices.Equal(again, first) {
				t.Errorf("%q: Previous shows %q, not the first page", sort, again)
			}
		}
	})
}
