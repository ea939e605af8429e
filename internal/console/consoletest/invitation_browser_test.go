package consoletest_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/console/consoletest"
	"github.com/gatehouse-dev/gatehouse/internal/mail/mailtest"
	"github.com/gatehouse-dev/gatehouse/internal/server"
)

var invitationLink = regexp.MustCompile(`http://\S+(/v1/invitation/[A-Za-z0-9_-]{43})`)

// TestInvitationCreatesAccount: an invitation mailed through the SMTP
// relay opens, in the browser, the page where the newcomer creates their
// account; they land in the organization, can sign in again, and see the
// tree's actions they may not take disabled with the reason.
func TestInvitationCreatesAccount(t *testing.T) {
	consoletest.RequireChromium(t)
	for _, be := range consoletest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			smtpd := mailtest.Start(t, "", "")
			b := consoletest.Start(t, be.Database(t), func(c *server.Config) { c.SMTPURL, c.MailFrom = smtpd.URL(), "gatehouse@example.com" })
			admin := consoletest.Login(t, b.Server.URL, consoletest.AdminEmail, consoletest.AdminPassword)
			orgID := admin.OrgID()
			admin.MustDo("POST", "/v1/organization/"+orgID+"/invitation", map[string]any{"user_email": "newcomer@example.com"}, nil)
			m := invitationLink.FindStringSubmatch(smtpd.Next(t, 10*time.Second).Data)
			if m == nil {
				t.Fatal("no invitation link in the mail")
			}

			// API clients keep the JSON answer at the same link.
			var info struct {
				Invitation struct {
					UserEmail string `json:"user_email"`
				} `json:"invitation"`
			}
			if st := (&consoletest.Client{T: t, URL: b.Server.URL}).Do("GET", m[1], nil, &info); st != http.StatusOK || info.Invitation.UserEmail != "newcomer@example.com" {
				t.Fatalf("the link for an API client: %d %+v", st, info)
			}

			b.Visit(m[1])
			if got := b.Path(); !strings.HasPrefix(got, "/invite/") {
				t.Fatalf("the emailed link opens %s in a browser, want the console's invitation page", got)
			}
			b.Contains("newcomer@example.com")
			b.Fill("#f-real_name", "New Comer")
			b.Fill("#f-password", "short")
			b.Fill("#f-confirm", "short")
			b.Click("main form button[type=submit]")
			if msg := b.Text("#e-password"); !strings.Contains(msg, "at least") {
				t.Errorf("a short password: error next to the field %q, want the API's words", msg)
			}
			b.Fill("#f-real_name", "New Comer")
			b.Fill("#f-password", "a long enough passphrase")
			b.Fill("#f-confirm", "a long enough passphrase")
			b.Click("main form button[type=submit]")
			if got := b.Path(); got != "/orgs/"+orgID+"?done=joined" {
				t.Fatalf("accepting lands on %s", got)
			}
			b.Contains("You joined the organization")

			// A plain member is offered no change to the tree: the actions
			// are disabled with the reason the engine gives.
			reason, ok := b.Attr(".node.root > .row [aria-disabled='true']", "title")
			if !ok || !strings.Contains(reason, "requires") {
				t.Errorf("a plain member's disabled action says %q, want the rule it lacks", reason)
			}

			b.SignOut()
			b.SignIn("newcomer@example.com", "a long enough passphrase", "")
			if got := b.Path(); got != "/orgs/"+orgID {
				t.Fatalf("the newcomer's sign-in lands on %s", got)
			}
			// The code was used: the link now says so, in the API's words.
			b.Visit(m[1])
			if b.Status() != http.StatusGone && b.Status() != http.StatusNotFound {
				t.Errorf("a used invitation link: status %d", b.Status())
			}
		})
	}
}
