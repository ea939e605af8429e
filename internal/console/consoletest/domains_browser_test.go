package consoletest_test

import (
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/console/consoletest"
	"github.com/gatehouse-dev/gatehouse/internal/ownership/ownershiptest"
	"github.com/gatehouse-dev/gatehouse/internal/server"
)

// TestDomainManagedUser is the seed's flow: Admin → Domains → add a
// domain → publish the TXT record → verify (first refused with the
// reason, then proven through a loopback DNS server) → the person on the
// domain is listed as managed → Find user → Actions → Deactivate → their
// sign-in fails.
func TestDomainManagedUser(t *testing.T) {
	dns := ownershiptest.NewDNS(t)
	consoletest.Run(t, func(t *testing.T, b *consoletest.Browser) {
		const email, password = "gale@acme.test", "gale's long passphrase"
		b.SignIn(consoletest.AdminEmail, consoletest.AdminPassword, "")
		org := b.OrgID()
		b.Person(org, email, password)
		dns.Remove("_aiven-challenge.acme.test")

		b.Visit("/orgs/" + org + "/domains")
		b.Contains("No domains yet")
		b.Fill("#f-domain", "not a domain")
		b.Click("#add-domain")
		if got := b.Text("#e-domain"); got == "" {
			t.Error("a bad domain name shows no error next to the field")
		}
		b.Fill("#f-domain", "acme.test")
		b.Click("#add-domain")
		name, value := b.Text(".record code[id^=rn-]"), b.Text(".record code[id^=rv-]")
		if name != "_aiven-challenge.acme.test" || !strings.Contains(value, "token=") {
			t.Fatalf("the TXT record to publish: %q = %q", name, value)
		}

		// Not published yet: the reason is shown beside the domain.
		b.Click("form[action$='/verify'] button")
		if got := b.Text(".domain .alert.error"); !strings.Contains(got, "not verified") {
			t.Errorf("a failed verification says %q", got)
		}

		dns.SetTXT(name, value)
		b.Click("form[action$='/verify'] button")
		b.Contains("Domain verified")
		if got := b.Text("table.managed tbody"); !strings.Contains(got, email) {
			t.Fatalf("managed users %q lack %s", got, email)
		}
		b.Shot("domain-verified")

		// Actions → Deactivate, confirmed; the person can no longer sign in.
		b.Click("table.managed a[href*='/users/']")
		b.Click("a[href$='/state']")
		b.Contains("They cannot sign in")
		b.Click("#confirm")
		b.Contains("User deactivated")
		m := b.Another()
		m.SignIn(email, password, "")
		if got := m.Path(); got != "/signin" {
			t.Fatalf("a deactivated user's sign-in lands on %s", got)
		}
		m.Shot("deactivated-signin")
		if got := m.Text(".alert.error"); got == "" {
			t.Error("a deactivated user's sign-in shows no error")
		}
	}, func(c *server.Config) {
		c.DNSResolver = dns.Addr()
		c.ChallengeRecord = "_aiven-challenge"
	})
}
