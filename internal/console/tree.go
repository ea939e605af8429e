package console

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/org"
)

// Editing the organization's hierarchy: units and projects are created,
// renamed, moved and deleted through the same use cases as the API's
// account and project endpoints. Each action is a plain form, so it works
// without JavaScript; deleting asks for confirmation on a page of its own.

func init() {
	route("GET /orgs/{org}/tree/units/new", inOrg, (*Console).newUnitPage)
	route("POST /orgs/{org}/tree/units/new", inOrg, (*Console).createUnit)
	route("GET /orgs/{org}/tree/units/{unit}", inOrg, (*Console).unitPage)
	route("POST /orgs/{org}/tree/units/{unit}/rename", inOrg, (*Console).renameUnit)
	route("POST /orgs/{org}/tree/units/{unit}/move", inOrg, (*Console).moveUnit)
	route("GET /orgs/{org}/tree/units/{unit}/delete", inOrg, (*Console).deleteUnitPage)
	route("POST /orgs/{org}/tree/units/{unit}/delete", inOrg, (*Console).deleteUnit)

	route("GET /orgs/{org}/tree/projects/new", inOrg, (*Console).newProjectPage)
	route("POST /orgs/{org}/tree/projects/new", inOrg, (*Console).createProject)
	route("GET /orgs/{org}/tree/projects/{project}", inOrg, (*Console).projectPage)
	route("POST /orgs/{org}/tree/projects/{project}/rename", inOrg, (*Console).renameProject)
	route("POST /orgs/{org}/tree/projects/{project}/move", inOrg, (*Console).moveProject)
	route("GET /orgs/{org}/tree/projects/{project}/delete", inOrg, (*Console).deleteProjectPage)
	route("POST /orgs/{org}/tree/projects/{project}/delete", inOrg, (*Console).deleteProject)
}

// unitChoice is one entry of a unit picker: the unit and its path from the
// organization ("Acme / Engineering / Backend").
type unitChoice struct {
	ID   string
	Path string
}

// orgUnits lists r.Org's units with their paths, the root first, then by
// path.
func (c *Console) orgUnits(r *Request) ([]org.Unit, []unitChoice, error) {
	all, err := c.plane.ListUnits(r.Context(), r.Actor)
	if err != nil {
		return nil, nil, err
	}
	byID := map[string]org.Unit{}
	var units []org.Unit
	for _, u := range all {
		if u.OrganizationID == r.Org.ID {
			byID[u.ID] = u
			units = append(units, u)
		}
	}
	var choices []unitChoice
	for _, u := range units {
		var parts []string
		for cur, seen := u, 0; seen < 64; seen++ {
			name := cur.Name
			if cur.IsRoot() {
				name = r.Org.Name
			}
			parts = append(parts, name)
			p, ok := byID[cur.ParentID]
			if !ok {
				break
			}
			cur = p
		}
		slices.Reverse(parts)
		choices = append(choices, unitChoice{ID: u.ID, Path: strings.Join(parts, " / ")})
	}
	slices.SortFunc(choices, func(a, b unitChoice) int {
		if a.ID == r.Org.AccountID {
			return -1
		}
		if b.ID == r.Org.AccountID {
			return 1
		}
		return strings.Compare(strings.ToLower(a.Path), strings.ToLower(b.Path))
	})
	return units, choices, nil
}

// parentChoice is the unit named by the "parent" value, or the root.
func parentOf(r *Request, choices []unitChoice, id string) unitChoice {
	for _, ch := range choices {
		if ch.ID == id {
			return ch
		}
	}
	for _, ch := range choices {
		if ch.ID == r.Org.AccountID {
			return ch
		}
	}
	return unitChoice{ID: r.Org.AccountID, Path: r.Org.Name}
}

// treeForm is the data of the hierarchy's forms.
type treeForm struct {
	Form    *Form
	Kind    string // "unit" or "project"
	Name    string // the unit's or project's current name
	ID      string // unit ID or project name
	Parent  unitChoice
	Choices []unitChoice
	// Can* say which forms the person may submit.
	CanRename, CanMove, CanDelete Can
	CanCreate                     Can
}

func (c *Console) orgHome(r *Request, flash string) string {
	return withFlash("/orgs/"+url.PathEscape(r.Org.ID), flash)
}

// --- units ---

func (c *Console) newUnitPage(w http.ResponseWriter, r *Request) error {
	return c.newNode(w, r, "unit", newForm(r), r.URL.Query().Get("parent"))
}

func (c *Console) newNode(w http.ResponseWriter, r *Request, kind string, f *Form, parentID string) error {
	_, choices, err := c.orgUnits(r)
	if err != nil {
		return err
	}
	d := treeForm{Form: f, Kind: kind, Parent: parentOf(r, choices, parentID), Choices: choices}
	var q asker
	op := control.OpAccountCreate
	if kind == "project" {
		op = control.OpOrganizationProjectsCreate
	}
	can := q.ask(op, unitResource(r.Org, d.Parent.ID))
	if err := c.may(r, &q); err != nil {
		return err
	}
	d.CanCreate = *can
	return c.render(w, r, f.Status(), "treenew", d)
}

func (c *Console) createUnit(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	name := strings.TrimSpace(f.Get("name"))
	if name == "" {
		f.FailMsg("name", "Enter a name for the unit.")
	} else if _, err := c.plane.CreateUnit(r.Context(), r.Actor, name, f.Get("parent")); err != nil {
		f.Fail(c, r, "name", err)
	}
	if !f.OK() {
		return c.newNode(w, r, "unit", f, f.Get("parent"))
	}
	return redirect(w, r, c.orgHome(r, "unit-created"))
}

// unitIn loads a unit of r.Org; another organization's is not found.
func (c *Console) unitIn(r *Request) (org.Unit, error) {
	u, err := c.plane.GetUnit(r.Context(), r.Actor, r.PathValue("unit"))
	if err != nil {
		return u, err
	}
	if u.OrganizationID != r.Org.ID {
		return u, control.ErrNotFound
	}
	return u, nil
}

func (c *Console) unitPage(w http.ResponseWriter, r *Request) error {
	return c.unitForm(w, r, newForm(r), "treeunit")
}

func (c *Console) unitForm(w http.ResponseWriter, r *Request, f *Form, page string) error {
	u, err := c.unitIn(r)
	if err != nil {
		return err
	}
	units, choices, err := c.orgUnits(r)
	if err != nil {
		return err
	}
	// A unit cannot move below itself: leave it and its descendants out
	// of the picker (the use case refuses a cycle anyway).
	below := descendants(units, u.ID)
	choices = slices.DeleteFunc(choices, func(ch unitChoice) bool { return below[ch.ID] })
	d := treeForm{Form: f, Kind: "unit", Name: u.Name, ID: u.ID, Parent: parentOf(r, choices, u.ParentID), Choices: choices}
	var q asker
	res := unitResource(r.Org, u.ID)
	rename, move, del := q.ask(control.OpAccountUpdate, res), q.ask(control.OpAccountMove, res), q.ask(control.OpAccountDelete, res)
	if err := c.may(r, &q); err != nil {
		return err
	}
	d.CanRename, d.CanMove, d.CanDelete = *rename, *move, *del
	if u.IsRoot() {
		d.CanMove = Can{Reason: "the organization's root cannot move"}
		d.CanDelete = Can{Reason: "the organization's root is deleted with the organization"}
	}
	return c.render(w, r, f.Status(), page, d)
}

// descendants is the set of id and every unit below it.
func descendants(units []org.Unit, id string) map[string]bool {
	out := map[string]bool{id: true}
	for changed := true; changed; {
		changed = false
		for _, u := range units {
			if !out[u.ID] && out[u.ParentID] {
				out[u.ID], changed = true, true
			}
		}
	}
	return out
}

func (c *Console) renameUnit(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	name := strings.TrimSpace(f.Get("name"))
	if name == "" {
		f.FailMsg("name", "Enter the unit's new name.")
	} else if _, err := c.plane.RenameUnit(r.Context(), r.Actor, r.PathValue("unit"), name); err != nil {
		f.Fail(c, r, "name", err)
	}
	if !f.OK() {
		return c.unitForm(w, r, f, "treeunit")
	}
	return redirect(w, r, c.orgHome(r, "unit-renamed"))
}

func (c *Console) moveUnit(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	if _, err := c.plane.MoveUnit(r.Context(), r.Actor, r.PathValue("unit"), f.Get("parent")); err != nil {
		f.Fail(c, r, "parent", err)
		return c.unitForm(w, r, f, "treeunit")
	}
	return redirect(w, r, c.orgHome(r, "unit-moved"))
}

func (c *Console) deleteUnitPage(w http.ResponseWriter, r *Request) error {
	return c.unitForm(w, r, newForm(r), "treedelete")
}

func (c *Console) deleteUnit(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	if err := c.plane.DeleteUnit(r.Context(), r.Actor, r.PathValue("unit")); err != nil {
		f.Fail(c, r, "", err)
		return c.unitForm(w, r, f, "treedelete")
	}
	return redirect(w, r, c.orgHome(r, "unit-deleted"))
}

// --- projects ---

func (c *Console) newProjectPage(w http.ResponseWriter, r *Request) error {
	return c.newNode(w, r, "project", newForm(r), r.URL.Query().Get("parent"))
}

func (c *Console) createProject(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	name := strings.TrimSpace(f.Get("name"))
	parent := f.Get("parent")
	if name == "" {
		f.FailMsg("name", "Enter a name for the project.")
	} else if _, err := c.plane.CreateProject(r.Context(), r.Actor, r.Org.ID, control.ProjectInput{Name: name, ParentID: &parent}); err != nil {
		f.Fail(c, r, "name", err)
	}
	if !f.OK() {
		return c.newNode(w, r, "project", f, parent)
	}
	return redirect(w, r, c.orgHome(r, "project-created"))
}

func (c *Console) projectPage(w http.ResponseWriter, r *Request) error {
	return c.projectForm(w, r, newForm(r), "treeproject")
}

func (c *Console) projectForm(w http.ResponseWriter, r *Request, f *Form, page string) error {
	p, err := c.plane.GetProject(r.Context(), r.Actor, r.Org.ID, r.PathValue("project"))
	if err != nil {
		return err
	}
	_, choices, err := c.orgUnits(r)
	if err != nil {
		return err
	}
	d := treeForm{Form: f, Kind: "project", Name: p.Name, ID: p.Name, Parent: parentOf(r, choices, p.AccountID), Choices: choices}
	var q asker
	res := projectResource(p.Name)
	rename, move, del := q.ask(control.OpOrganizationProjectsUpdate, res), q.ask(control.OpProjectMove, res), q.ask(control.OpOrganizationProjectsDelete, res)
	if err := c.may(r, &q); err != nil {
		return err
	}
	d.CanRename, d.CanMove, d.CanDelete = *rename, *move, *del
	return c.render(w, r, f.Status(), page, d)
}

func (c *Console) renameProject(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	name := strings.TrimSpace(f.Get("name"))
	if name == "" {
		f.FailMsg("name", "Enter the project's new name.")
	} else if _, err := c.plane.UpdateProject(r.Context(), r.Actor, r.Org.ID, control.ProjectInput{Name: r.PathValue("project"), NewName: &name}); err != nil {
		f.Fail(c, r, "name", err)
	}
	if !f.OK() {
		return c.projectForm(w, r, f, "treeproject")
	}
	return redirect(w, r, c.orgHome(r, "project-renamed"))
}

func (c *Console) moveProject(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	parent := f.Get("parent")
	if _, err := c.plane.UpdateProject(r.Context(), r.Actor, r.Org.ID, control.ProjectInput{Name: r.PathValue("project"), ParentID: &parent}); err != nil {
		f.Fail(c, r, "parent", err)
		return c.projectForm(w, r, f, "treeproject")
	}
	return redirect(w, r, c.orgHome(r, "project-moved"))
}

func (c *Console) deleteProjectPage(w http.ResponseWriter, r *Request) error {
	return c.projectForm(w, r, newForm(r), "treedelete")
}

func (c *Console) deleteProject(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	if err := c.plane.DeleteProject(r.Context(), r.Actor, r.Org.ID, r.PathValue("project")); err != nil {
		f.Fail(c, r, "", err)
		return c.projectForm(w, r, f, "treedelete")
	}
	return redirect(w, r, c.orgHome(r, "project-deleted"))
}

func init() {
	for code, text := range map[string]string{
		"unit-created":    "Unit created.",
		"unit-renamed":    "Unit renamed.",
		"unit-moved":      "Unit moved.",
		"unit-deleted":    "Unit deleted.",
		"project-created": "Project created.",
		"project-renamed": "Project renamed.",
		"project-moved":   "Project moved.",
		"project-deleted": "Project deleted.",
	} {
		flashes[code] = text
	}
}
