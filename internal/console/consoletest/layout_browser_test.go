package consoletest_test

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/console/consoletest"
)

// TestPhoneWidth: the main pages fit a phone's width without sideways
// scrolling.
func TestPhoneWidth(t *testing.T) {
	consoletest.RequireChromium(t)
	b := consoletest.Start(t, consoletest.Backends()[0].Database(t))
	admin := consoletest.Login(t, b.Server.URL, consoletest.AdminEmail, consoletest.AdminPassword)
	orgID := admin.OrgID()
	b.Viewport(390, 844)
	b.Visit("/signin")
	if b.Overflows() {
		t.Error("the sign-in page is wider than a phone")
	}
	b.SignIn(consoletest.AdminEmail, consoletest.AdminPassword, "")
	for _, name := range []string{"Engineering with a longer name", "Data platform"} {
		b.Visit("/orgs/" + orgID + "/tree/units/new")
		b.Fill("#f-name", name)
		b.Click("main form button[type=submit]")
	}
	b.Visit("/orgs/" + orgID + "/tree/projects/new")
	b.Fill("#f-name", "payments-production-eu")
	b.SelectText("#f-parent", "Gatehouse / Data platform")
	b.Click("main form button[type=submit]")
	b.Contains("Project created.")
	for _, p := range []string{"/orgs/" + orgID, "/orgs/" + orgID + "/tree/projects/new", "/account/tokens", "/account/two-factor"} {
		b.Visit(p)
		if b.Overflows() {
			t.Errorf("%s is wider than a phone", p)
		}
	}
}
