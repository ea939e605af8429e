package console

import (
	"net/http"

	"github.com/gatehouse-dev/gatehouse/internal/control"
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/org"
)

func init() {
	route("GET /orgs/{org}", inOrg, (*Console).organization)
}

// projectsShown bounds the projects listed under one unit.
const projectsShown = 100

// servicesShown bounds the projects whose services the tree lists: beyond
// it the tree shows projects only, so the page stays fast on large
// organizations.
const servicesShown = 100

// unitNode is a unit in the organization tree.
type unitNode struct {
	Unit     org.Unit
	Root     bool
	Units    []*unitNode
	Projects []*projectNode
	// MoreProjects counts the projects beyond projectsShown, not listed.
	MoreProjects int

	AddUnit, AddProject, Manage, Delete *Can
}

type projectNode struct {
	Project  org.Project
	Services []org.Service
	Manage   *Can
	Delete   *Can
	// ServicesUnknown: the services were not listed (too many projects,
	// or the person may not list them).
	ServicesUnknown bool
}

type organizationData struct {
	Tree     *unitNode
	Units    int
	Projects int
}

func (c *Console) organization(w http.ResponseWriter, r *Request) error {
	tree, units, projects, err := c.orgTree(r)
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
	walk(tree)
	if err := c.may(r, &q); err != nil {
		return err
	}
	return c.render(w, r, http.StatusOK, "organization", organizationData{Tree: tree, Units: units, Projects: projects})
}

// orgTree builds r.Org's hierarchy from the use cases the API lists it
// with: units, projects, and the services of the first servicesShown
// projects.
func (c *Console) orgTree(r *Request) (*unitNode, int, int, error) {
	ctx := r.Context()
	all, err := c.plane.ListUnits(ctx, r.Actor)
	if err != nil {
		return nil, 0, 0, err
	}
	nodes := map[string]*unitNode{}
	var units []org.Unit
	for _, u := range all {
		if u.OrganizationID == r.Org.ID {
			units = append(units, u)
			nodes[u.ID] = &unitNode{Unit: u, Root: u.IsRoot()}
		}
	}
	root := nodes[r.Org.AccountID]
	if root == nil {
		root = &unitNode{Unit: org.Unit{ID: r.Org.AccountID, OrganizationID: r.Org.ID, Name: r.Org.Name}, Root: true}
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
	projects, err := c.plane.ListProjects(ctx, r.Actor, r.Org.ID)
	if err != nil {
		return nil, 0, 0, err
	}
	slices.SortFunc(projects, func(a, b org.Project) int { return strings.Compare(a.Name, b.Name) })
	for i, p := range projects {
		pn := &projectNode{Project: p}
		if i < servicesShown && len(projects) <= servicesShown {
			svcs, err := c.plane.ListServices(ctx, r.Actor, p.Name)
			if err == nil {
				pn.Services = svcs
			} else {
				pn.ServicesUnknown = true
			}
		} else {
			pn.ServicesUnknown = true
		}
		parent := nodes[p.AccountID]
		if parent == nil {
			parent = root
		}
		if len(parent.Projects) >= projectsShown {
			parent.MoreProjects++
			continue
		}
		parent.Projects = append(parent.Projects, pn)
	}
	return root, len(units), len(projects), nil
}
