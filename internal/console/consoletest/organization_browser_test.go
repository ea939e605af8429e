package consoletest_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/console/consoletest"
)

// TestOrganizationTree: units and projects are created, renamed, moved
// and deleted in the tree; refusals are shown in the API's words.
func TestOrganizationTree(t *testing.T) {
	consoletest.Run(t, func(t *testing.T, b *consoletest.Browser) {
		b.SignIn(consoletest.AdminEmail, consoletest.AdminPassword, "")
		home := b.Path()
		root := ".node.root > .row "

		// Create two units and a project under the organization.
		for _, name := range []string{"Engineering", "Platform"} {
			b.Click(root + "a[href*='/tree/units/new']")
			b.Fill("#f-name", name)
			b.Click("main form button[type=submit]")
			if got := b.Path(); got != home+"?done=unit-created" {
				t.Fatalf("creating unit %s lands on %s", name, got)
			}
			b.Contains("Unit created.")
		}
		b.Click(root + "a[href*='/tree/projects/new']")
		b.Fill("#f-name", "Bad Name!")
		b.Click("main form button[type=submit]")
		if msg := b.Text("#e-name"); msg == "" || b.Status() != 400 {
			t.Errorf("an invalid project name: status %d, error next to the field %q", b.Status(), msg)
		}
		b.Fill("#f-name", "alpha-web")
		b.Click("main form button[type=submit]")
		b.Contains("Project created.")
		tree := b.Text(".tree")
		for _, want := range []string{"Engineering", "Platform", "alpha-web"} {
			if !strings.Contains(tree, want) {
				t.Fatalf("tree lacks %s:\n%s", want, tree)
			}
		}

		// Rename the project and move it into Engineering.
		b.Click("a[aria-label='Rename or move project alpha-web']")
		b.Fill("#f-name", "alpha-api")
		b.Click("main form[action$='/rename'] button[type=submit]")
		b.Contains("Project renamed.")
		b.Click("a[aria-label='Rename or move project alpha-api']")
		b.SelectText("#f-parent", "Gatehouse / Engineering")
		b.Click("main form[action$='/move'] button[type=submit]")
		b.Contains("Project moved.")
		if got := b.Text(".node.unit:not(.root) .node.project .name"); got != "alpha-api" {
			t.Errorf("the moved project is not inside a unit: %q", got)
		}

		// Move Platform into Engineering; Engineering cannot move into
		// itself or below itself, so the picker does not offer it.
		b.Click("a[aria-label='Rename or move unit Platform']")
		b.SelectText("#f-parent", "Gatehouse / Engineering")
		b.Click("main form[action$='/move'] button[type=submit]")
		b.Contains("Unit moved.")
		b.Click("a[aria-label='Rename or move unit Engineering']")
		if opts := b.Text("#f-parent"); strings.Contains(opts, "Engineering") {
			t.Errorf("the move picker offers the unit itself or its descendants: %q", opts)
		}
		b.Fill("#f-name", "Product Engineering")
		b.Click("main form[action$='/rename'] button[type=submit]")
		b.Contains("Unit renamed.")

		// A unit that still holds things is not deleted: the API's words.
		b.Click("a[aria-label='Delete unit Product Engineering']")
		b.Contains("Delete unit Product Engineering?")
		b.Click("main form[action$='/delete'] button[type=submit]")
		if b.Status() != 409 || !b.Has(".alert.error") {
			t.Fatalf("deleting a non-empty unit: status %d, page %s", b.Status(), b.Page())
		}

		// Empty it, then delete everything.
		b.Visit(home)
		b.Click("a[aria-label='Delete project alpha-api']")
		b.Click("main form[action$='/delete'] button[type=submit]")
		b.Contains("Project deleted.")
		b.Click("a[aria-label='Delete unit Platform']")
		b.Click("main form[action$='/delete'] button[type=submit]")
		b.Contains("Unit deleted.")
		b.Click("a[aria-label='Delete unit Product Engineering']")
		b.Click("main form[action$='/delete'] button[type=submit]")
		b.Contains("Unit deleted.")
		b.Contains("No units or projects yet.")
	})
}

// TestOrganizationLargeTree: an organization with more projects than the
// tree draws at once shows each unit's count; opening a unit loads its
// projects a page at a time, in place.
func TestOrganizationLargeTree(t *testing.T) {
	consoletest.Run(t, func(t *testing.T, b *consoletest.Browser) {
		b.SignIn(consoletest.AdminEmail, consoletest.AdminPassword, "")
		home := b.Path()
		org := b.OrgID()
		admin := b.Login(consoletest.AdminEmail, consoletest.AdminPassword)
		for i := range 101 {
			name := fmt.Sprintf("p-%03d", i)
			if st := consoletest.API(t, b.Server.URL, "POST", "/v1/organization/"+org+"/projects", admin, map[string]string{"project_id": name}, nil); st != http.StatusOK && st != http.StatusCreated {
				t.Fatalf("creating project %s: %d", name, st)
			}
		}
		b.Visit(home)
		root := ".node.root > .row"
		if got := b.Text(root); !strings.Contains(got, "101 projects") {
			t.Errorf("the root's row lacks its project count: %q", got)
		}
		if b.Has(".node.project") {
			t.Fatal("a large organization's tree lists projects before a unit is opened")
		}
		b.ClickInPlace(".node.root > ul > .node.more a", ".node.root .node.project")
		if !b.Has("a[aria-label='Rename or move project p-099']") || b.Has("a[aria-label='Rename or move project p-100']") {
			t.Fatal("the opened unit does not list exactly its first page of projects")
		}
		b.Contains("Projects 1–100 of 101")
		b.ClickInPlace(".node.root .pager a[rel=next]", "a[aria-label='Rename or move project p-100']")
		if b.Has("a[aria-label='Rename or move project p-000']") {
			t.Error("the second page still lists the first")
		}
		// Without JavaScript the same links are plain pages.
		b.Visit(home + "?unit=" + b.Text(".node.root > .row .id") + "&offset=100")
		b.Contains("Projects 101–101 of 101")
	})
}
