package console

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/org"
)

func init() {
	route("GET /orgs/{org}", inOrg, (*Console).organization)
}

// projectsShown bounds the projects listed at once: an organization with
// at most this many shows every project in its tree (with their services);
// a larger one shows each unit's project count and lists the projects of
// the one unit asked for (?unit=<id>), projectsShown at a time
// (&offset=<n>), so the page costs the same at ten projects or ten
// thousand.
const projectsShown = 100

// unitNode is a unit in the organization tree.
type unitNode struct {
	Unit     org.Unit
	Root     bool
	Units    []*unitNode
	Projects []*projectNode
	// Count is how many projects the person sees directly in the unit;
	// Open says whether they are listed (Projects, from Offset).
	Count  int
	Open   bool
	Offset int
	// Prev and Next page through an open unit's projects ("" for none);
	// Last is the position of its last project listed.
	Prev, Next string
	Last       int

	AddUnit, AddProject, Manage, Delete *Can
}

type projectNode struct {
	Project  org.Project
	Services []org.Service
	Manage   *Can
	Delete   *Can
}

type organizationData struct {
	Tree     *unitNode
	Units    int
	Projects int
	// Paged: the organization is too large to draw whole; units open one
	// at a time.
	Paged bool
}

func (c *Console) organization(w http.ResponseWriter, r *Request) error {
	d, err := c.orgTree(r)
	if err != nil {
		return err
	}
	// Ask the engine which actions to offer on every node shown.
	var q asker
	var walk func(n *unitNode)
	walk = func(n *unitNode) {
		res := unitResource(r.Org, n.Unit.ID)
		n.AddUnit = q.ask(control.OpAccountCreate, res)
		n.AddProject = q.ask(control.OpOrganizationProjectsCreate, res)
		n.Manage = q.ask(control.OpAccountUpdate, res)
		n.Delete = q.ask(control.OpAccountDelete, res)
		for _, p := range n.Projects {
			pr := projectResource(p.Project.Name)
			p.Manage = q.ask(control.OpOrganizationProjectsUpdate, pr)
			p.Delete = q.ask(control.OpOrganizationProjectsDelete, pr)
		}
		for _, u := range n.Units {
			walk(u)
		}
	}
	walk(d.Tree)
	if err := c.may(r, &q); err != nil {
		return err
	}
	return c.render(w, r, http.StatusOK, "organization", d)
}

// orgTree builds r.Org's hierarchy from the use cases the API lists it
// with: every unit with its project count, and the projects of the whole
// organization when it is small or of the unit asked for when not.
func (c *Console) orgTree(r *Request) (organizationData, error) {
	ctx := r.Context()
	all, err := c.plane.ListUnits(ctx, r.Actor)
	if err != nil {
		return organizationData{}, err
	}
	counts, err := c.plane.CountProjects(ctx, r.Actor, r.Org.ID)
	if err != nil {
		return organizationData{}, err
	}
	nodes := map[string]*unitNode{}
	var units []org.Unit
	for _, u := range all {
		if u.OrganizationID == r.Org.ID {
			units = append(units, u)
			nodes[u.ID] = &unitNode{Unit: u, Root: u.IsRoot(), Count: counts[u.ID]}
		}
	}
	root := nodes[r.Org.AccountID]
	if root == nil {
		root = &unitNode{Unit: org.Unit{ID: r.Org.AccountID, OrganizationID: r.Org.ID, Name: r.Org.Name}, Root: true, Count: counts[r.Org.AccountID]}
		nodes[root.Unit.ID] = root
	}
	slices.SortFunc(units, func(a, b org.Unit) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	for _, u := range units {
		if u.ID == root.Unit.ID {
			continue
		}
		parent := nodes[u.ParentID]
		if parent == nil {
			parent = root
		}
		parent.Units = append(parent.Units, nodes[u.ID])
	}
	d := organizationData{Tree: root, Units: len(units)}
	for _, n := range counts {
		d.Projects += n
	}
	if d.Projects <= projectsShown {
		page, err := c.plane.ListProjectPage(ctx, r.Actor, r.Org.ID, control.ProjectQuery{Limit: projectsShown})
		if err != nil {
			return d, err
		}
		for _, n := range nodes {
			n.Open = true
		}
		for _, p := range page.Projects {
			pn := &projectNode{Project: p}
			// A service list the person may not read is left out.
			if svcs, err := c.plane.ListServices(ctx, r.Actor, p.Name); err == nil {
				pn.Services = svcs
			}
			parent := nodes[p.AccountID]
			if parent == nil {
				parent = root
			}
			parent.Projects = append(parent.Projects, pn)
		}
		return d, nil
	}
	d.Paged = true
	q := r.URL.Query()
	open := nodes[q.Get("unit")]
	if open == nil {
		return d, nil
	}
	open.Open = true
	open.Offset, _ = strconv.Atoi(q.Get("offset"))
	open.Offset = max(open.Offset, 0)
	page, err := c.plane.ListProjectPage(ctx, r.Actor, r.Org.ID, control.ProjectQuery{ParentID: open.Unit.ID, Offset: open.Offset, Limit: projectsShown})
	if err != nil {
		return d, err
	}
	for _, p := range page.Projects {
		open.Projects = append(open.Projects, &projectNode{Project: p})
	}
	open.Last = open.Offset + len(page.Projects)
	link := func(offset int) string {
		v := url.Values{"unit": {open.Unit.ID}}
		if offset > 0 {
			v.Set("offset", strconv.Itoa(offset))
		}
		return "?" + v.Encode() + "#unit-" + open.Unit.ID
	}
	if open.Offset > 0 {
		open.Prev = link(max(min(open.Offset, page.Total)-projectsShown, 0))
	}
	if end := open.Offset + len(page.Projects); end < page.Total && len(page.Projects) > 0 {
		open.Next = link(end)
	}
	return d, nil
}
