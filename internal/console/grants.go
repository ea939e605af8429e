package console

import (
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/org"
)

// The grant picker shared by the groups page and the Permissions
// sections: every grantable role and permission string with its one-line
// meaning from the decision engine's catalogue, and the resources of the
// organization a grant can be held on.

// permissionGroup is one <optgroup> of the permission picker.
type permissionGroup struct {
	Label   string
	Options []authz.Info
}

// permissionChoices lists the grantable, current strings by category, in
// the catalogue's order.
func permissionChoices() []permissionGroup {
	var out []permissionGroup
	for _, info := range authz.Catalogue() {
		if !info.Grantable() || info.Deprecated {
			continue
		}
		label := info.Category.String()
		if len(out) == 0 || out[len(out)-1].Label != label {
			out = append(out, permissionGroup{Label: label})
		}
		out[len(out)-1].Options = append(out[len(out)-1].Options, info)
	}
	return out
}

// meaning is the catalogue's one line for a permission string.
func meaning(s string) string {
	p, err := authz.Parse(s)
	if err != nil {
		return ""
	}
	return p.Info().Meaning
}

// resourceChoice is one resource a grant may be held on, as the picker
// posts it: "<type>:<id>".
type resourceChoice struct {
	Value string
	Label string
}

// maxProjectChoices bounds the projects the resource picker lists, so the
// page stays small in organizations of thousands of projects; others are
// reached by typing the project's name.
const maxProjectChoices = 300

// resourceChoices are the organization, its units (by path) and its
// projects, as far as the person may list them. more reports projects
// left out.
func (c *Console) resourceChoices(r *Request) (out []resourceChoice, more bool, err error) {
	ctx := r.Context()
	out = append(out, resourceChoice{grant.ResourceOrganization + ":" + r.Org.ID, "Organization " + r.Org.Name})
	units, err := c.plane.ListUnits(ctx, r.Actor)
	if err != nil {
		return nil, false, err
	}
	byID := map[string]org.Unit{}
	for _, u := range units {
		if u.OrganizationID == r.Org.ID {
			byID[u.ID] = u
		}
	}
	var unitChoices []resourceChoice
	for _, u := range byID {
		if u.IsRoot() || u.ID == r.Org.AccountID {
			continue
		}
		unitChoices = append(unitChoices, resourceChoice{grant.ResourceUnit + ":" + u.ID, "Unit " + unitPath(byID, u)})
	}
	slices.SortFunc(unitChoices, func(a, b resourceChoice) int { return strings.Compare(a.Label, b.Label) })
	out = append(out, unitChoices...)
	page, err := c.plane.ListProjectPage(ctx, r.Actor, r.Org.ID, control.ProjectQuery{Limit: maxProjectChoices})
	if err != nil {
		return nil, false, err
	}
	for _, p := range page.Projects {
		out = append(out, resourceChoice{grant.ResourceProject + ":" + p.Name, "Project " + p.Name})
	}
	return out, page.Total > len(page.Projects), nil
}

// unitPath is "Parent / Child" for a unit below the organization.
func unitPath(byID map[string]org.Unit, u org.Unit) string {
	parts := []string{u.Name}
	for i := 0; i < 32; i++ { // units nest a few levels; the bound stops a cycle
		p, ok := byID[u.ParentID]
		if !ok || p.IsRoot() {
			break
		}
		parts = append(parts, p.Name)
		u = p
	}
	slices.Reverse(parts)
	return strings.Join(parts, " / ")
}

// parseResource splits a picker value "<type>:<id>"; a bare name typed
// instead is a project.
func parseResource(v string) (typ, id string) {
	v = strings.TrimSpace(v)
	for _, t := range []string{grant.ResourceOrganization, grant.ResourceUnit, grant.ResourceProject} {
		if rest, ok := strings.CutPrefix(v, t+":"); ok {
			return t, rest
		}
	}
	return grant.ResourceProject, v
}

// resourceLabel names a grant's resource for people.
func resourceLabel(typ, id string) string {
	switch typ {
	case grant.ResourceOrganization:
		return "Organization"
	case grant.ResourceUnit:
		return "Unit " + id
	case grant.ResourceProject:
		return "Project " + id
	}
	return typ + " " + id
}
