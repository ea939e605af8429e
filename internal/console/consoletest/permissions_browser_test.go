package consoletest_test

import (
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/console/consoletest"
)

// memberID is the user ID of the organization's member with email.
func (c *apiAs) memberID(email string) string {
	c.t.Helper()
	users, _ := c.call("GET", "/v1/organization/"+c.org+"/user", nil)["users"].([]any)
	for _, u := range users {
		m, _ := u.(map[string]any)
		info, _ := m["user_info"].(map[string]any)
		if info["user_email"] == email {
			return m["user_id"].(string)
		}
	}
	c.t.Fatalf("no member %s", email)
	return ""
}

// TestPermissionsSection: developer granted to a group on a unit through
// the picker is listed on the project below the unit as inherited via
// the unit, is revoked after a confirmation from there, and is gone; a
// unit admin's grant of what they do not hold is refused in words next
// to the picker; a person without the right sees the form disabled with
// the reason.
func TestPermissionsSection(t *testing.T) {
	consoletest.Run(t, func(t *testing.T, b *consoletest.Browser) {
		const (
			unitAdmin, unitAdminPassword = "ursula@example.com", "ursula's long passphrase"
			reader, readerPassword       = "rita@example.com", "rita's long passphrase"
		)
		api := adminAPI(t, b)
		unit := api.call("POST", "/v1/account", map[string]any{"account_name": "Finance", "parent_account_id": api.org})["account"].(map[string]any)
		unitID := unit["account_id"].(string)
		api.call("POST", "/v1/organization/"+api.org+"/projects", map[string]any{"project_id": "ledger", "parent_id": unitID})
		grp := api.call("POST", "/v1/organization/"+api.org+"/user-groups", map[string]any{"user_group_name": "Data team", "description": "analysts"})
		groupID := grp["user_group_id"].(string)
		b.Person(api.org, unitAdmin, unitAdminPassword)
		b.Person(api.org, reader, readerPassword)
		api.call("PATCH", "/v1/organization/"+api.org+"/permissions/organization_unit/"+unitID, map[string]any{"operation": "grant",
			"permissions": []map[string]any{{"principal_type": "user", "principal_id": api.memberID(unitAdmin), "permissions": []string{"admin"}}}})

		// From the unit's page to its Permissions, then grant through the picker.
		b.SignIn(consoletest.AdminEmail, consoletest.AdminPassword, "")
		b.Visit("/orgs/" + api.org + "/tree/units/" + unitID)
		b.Click("a[href$='permissions?resource=organization_unit:" + unitID + "']")
		b.Contains("Grant on Unit Finance")
		if got := b.Text("#f-principal"); !strings.Contains(got, "Group Data team") || strings.Contains(got, reader) {
			t.Errorf("before a search the picker lists %q, want the groups only", got)
		}
		b.Fill("#f-pq", "rita")
		b.Click("form[role=search] button")
		if got := b.Text("#f-principal"); !strings.Contains(got, reader) || strings.Contains(got, unitAdmin) {
			t.Errorf("searching rita, the picker lists %q", got)
		}
		b.Fill("#f-pq", "data")
		b.Click("form[role=search] button")
		b.Select("#f-principal", "user_group:"+groupID)
		b.Select("#f-permission", "developer")
		b.Click("form.grantform button[type=submit]")
		b.Contains("Permission granted")
		if got := b.Text("table.resgrants tbody"); !strings.Contains(got, "Data team") || !strings.Contains(got, "developer") || !strings.Contains(got, "granted here") {
			t.Fatalf("the unit's grants after granting: %q", got)
		}

		// The project under the unit lists it as inherited via the unit.
		b.Visit("/orgs/" + api.org + "/projects/ledger")
		b.Click("a[href$='permissions?resource=project:ledger']")
		row := b.Text("table.resgrants tbody tr.inherited")
		for _, want := range []string{"Group Data team", "developer", "via group Data team", "inherited, granted on Unit Finance"} {
			if !strings.Contains(row, want) {
				t.Errorf("the project's inherited row %q lacks %q", row, want)
			}
		}
		if href, _ := b.Attr("table.resgrants tr.inherited a.button", "href"); !strings.Contains(href, "/access?") || !strings.Contains(href, "q=who") || !strings.Contains(href, "rid=ledger") {
			t.Errorf("explain link = %q, want the access explorer pre-filled for the project", href)
		}
		b.Shot("permissions-project-inherited")

		// Revoke from the project's page: a confirmation first, then gone.
		b.Click("table.resgrants tr.inherited form button[type=submit]")
		b.Contains("Revoke developer of Data team on Unit")
		b.Click("#confirm")
		b.Contains("Permission revoked")
		if got := b.Text("table.resgrants tbody"); strings.Contains(got, "Data team") {
			t.Errorf("the group's grant is still listed after revoking: %q", got)
		}

		// What a person types or edits wrong is answered in words, never a 500.
		b.Visit("/orgs/" + api.org + "/permissions?resource=organization_unit:" + unitID)
		b.SetValue("#f-principal", "")
		b.Select("#f-permission", "developer")
		b.Click("form.grantform button[type=submit]")
		if got := b.Text("#e-principal"); got == "" || b.Status() != 422 {
			t.Errorf("granting to nobody: status %d, error next to the picker %q", b.Status(), got)
		}
		for _, c := range []struct{ name, query string }{
			{"unknown unit", "resource=organization_unit:nope"},
			{"unknown project", "resource=project:nope"},
			{"another organization", "resource=organization:org0000"},
			{"unknown type", "resource=planet:x"},
			{"bad offset", "resource=project:ledger&offset=-5"},
		} {
			b.Visit("/orgs/" + api.org + "/permissions?" + c.query)
			if st := b.Status(); st >= 500 || st == 0 {
				t.Errorf("%s: status %d", c.name, st)
			}
		}

		// A unit admin may grant on the unit but not what they do not hold.
		u := b.Another()
		u.SignIn(unitAdmin, unitAdminPassword, "")
		u.Visit("/orgs/" + api.org + "/permissions?resource=organization_unit:" + unitID)
		u.Select("#f-permission", "role:organization:admin")
		u.Click("form.grantform button[type=submit]")
		if got := u.Text("#e-permission"); !strings.Contains(got, "You cannot grant role:organization:admin") {
			t.Errorf("escalation refusal next to the picker = %q", got)
		}
		u.Shot("permissions-escalation-refused")

		// Someone without the right sees the form disabled with the reason.
		rd := b.Another()
		rd.SignIn(reader, readerPassword, "")
		rd.Visit("/orgs/" + api.org + "/permissions?resource=organization_unit:" + unitID)
		if !rd.Has("form.grantform button[type=submit][disabled]") {
			t.Error("a person without organization admin rights is offered the grant button")
		}
		if got := rd.Text("form.grantform .disabled-reason"); !strings.Contains(got, "requires") {
			t.Errorf("the disabled grant button's reason = %q", got)
		}
		if rd.Has("#f-principal") {
			t.Error("the principal picker is shown to someone who may not grant")
		}
	})
}
