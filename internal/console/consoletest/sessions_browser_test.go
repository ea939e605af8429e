package consoletest_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/console/consoletest"
	"github.com/gatehouse-dev/gatehouse/internal/ownership/ownershiptest"
	"github.com/gatehouse-dev/gatehouse/internal/server"
	"github.com/gatehouse-dev/gatehouse/internal/websession"
)

// TestDeactivatedUserIsSignedOut: a managed user's console session stops
// working the moment an admin deactivates them, as their API tokens do.
func TestDeactivatedUserIsSignedOut(t *testing.T) {
	consoletest.RequireChromium(t)
	for _, be := range consoletest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			dns := ownershiptest.NewDNS(t)
			b := consoletest.Start(t, be.Database(t), func(c *server.Config) {
				c.DNSResolver, c.ChallengeRecord = dns.Addr(), "_aiven-challenge"
			})
			admin := consoletest.Login(t, b.Server.URL, consoletest.AdminEmail, consoletest.AdminPassword)
			orgID := admin.OrgID()
			var dom struct {
				DomainID       string `json:"domain_id"`
				ChallengeToken string `json:"challenge_token"`
			}
			admin.MustDo("POST", "/v1/organization/"+orgID+"/domains", map[string]any{"domain_name": "example.com"}, &dom)
			dns.SetTXT("_aiven-challenge.example.com", "token="+dom.ChallengeToken+",expiry=never")
			admin.MustDo("POST", "/v1/organization/"+orgID+"/domains/"+dom.DomainID+"/verify", nil, nil)

			// No mail relay: the admin hands the link over.
			admin.MustDo("POST", "/v1/organization/"+orgID+"/invitation", map[string]any{"user_email": "managed@example.com"}, nil)
			var invs struct {
				Invitations []struct {
					AcceptLink string `json:"accept_link"`
				} `json:"invitations"`
			}
			admin.MustDo("GET", "/v1/organization/"+orgID+"/invitation", nil, &invs)
			if len(invs.Invitations) != 1 || invs.Invitations[0].AcceptLink == "" {
				t.Fatalf("invitations = %+v", invs)
			}
			link, err := url.Parse(invs.Invitations[0].AcceptLink)
			if err != nil {
				t.Fatal(err)
			}
			b.Visit(link.Path)
			b.Fill("#f-real_name", "Managed Person")
			b.Fill("#f-password", "managed person's passphrase")
			b.Fill("#f-confirm", "managed person's passphrase")
			b.Click("main form button[type=submit]")
			if got := b.Path(); !strings.HasPrefix(got, "/orgs/"+orgID) {
				t.Fatalf("accepting lands on %s", got)
			}

			var members struct {
				Users []struct {
					UserID   string `json:"user_id"`
					UserInfo struct {
						UserEmail string `json:"user_email"`
					} `json:"user_info"`
				} `json:"users"`
			}
			admin.MustDo("GET", "/v1/organization/"+orgID+"/user", nil, &members)
			var userID string
			for _, m := range members.Users {
				if m.UserInfo.UserEmail == "managed@example.com" {
					userID = m.UserID
				}
			}
			if userID == "" {
				t.Fatal("the newcomer is not a member")
			}
			admin.MustDo("PATCH", "/v1/organization/"+orgID+"/user/"+userID, map[string]any{"state": "deactivated"}, nil)

			b.Visit("/orgs/" + orgID)
			if got := b.Path(); !strings.HasPrefix(got, "/signin") {
				t.Fatalf("a deactivated user's cookie still opens %s", got)
			}
			if b.Cookie(websession.CookieName) != nil {
				t.Error("the refused session cookie was not cleared")
			}
			b.SignIn("managed@example.com", "managed person's passphrase", "")
			if got := b.Text(".alert.error"); got != "Authentication failed" {
				t.Errorf("a deactivated user's sign-in: %q", got)
			}
		})
	}
}

// TestApplicationUserCannotOpenConsole: an application user's token does
// not open the console, even put into the session cookie by hand; nor
// does a person's personal API token.
func TestApplicationUserCannotOpenConsole(t *testing.T) {
	consoletest.Run(t, func(t *testing.T, b *consoletest.Browser) {
		admin := consoletest.Login(t, b.Server.URL, consoletest.AdminEmail, consoletest.AdminPassword)
		orgID := admin.OrgID()
		var app struct {
			UserID string `json:"user_id"`
		}
		admin.MustDo("POST", "/v1/organization/"+orgID+"/application-users", map[string]any{"name": "deployer"}, &app)
		var tok struct {
			FullToken string `json:"full_token"`
		}
		admin.MustDo("POST", "/v1/organization/"+orgID+"/application-users/"+app.UserID+"/access-tokens", map[string]any{"description": "ci"}, &tok)
		if st := (&consoletest.Client{T: t, URL: b.Server.URL, Token: tok.FullToken}).Do("GET", "/v1/organizations", nil, nil); st != 200 {
			t.Fatalf("the application token does not work against the API: %d", st)
		}
		var personal struct {
			FullToken string `json:"full_token"`
		}
		admin.MustDo("POST", "/v1/access_token", map[string]any{"description": "mine"}, &personal)

		for name, secret := range map[string]string{"application user's token": tok.FullToken, "personal token": personal.FullToken} {
			b.SetCookie(websession.CookieName, secret)
			b.Visit("/orgs/" + orgID)
			if got := b.Path(); !strings.HasPrefix(got, "/signin") {
				t.Errorf("a %s in the session cookie opens %s", name, got)
			}
		}
	})
}
