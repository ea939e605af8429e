package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/org"
)

func init() {
	route("GET /orgs/{org}/projects", inOrg, (*Console).projects)
	route("GET /orgs/{org}/projects/{project}", inOrg, (*Console).project)
}

// projectsPerPage is one page of the project list.
const projectsPerPage = 50

type projectsData struct {
	Search   string
	Projects []org.Project
	Total    int
	Prev     string
	Next     string
}

// projects lists the organization's projects the person can see, in
// name order, searched by a name prefix and paged by the store.
func (c *Console) projects(w http.ResponseWriter, r *Request) error {
	q := r.URL.Query()
	d := projectsData{Search: strings.TrimSpace(q.Get("q"))}
	offset, _ := strconv.Atoi(q.Get("offset"))
	offset = max(offset, 0)
	page, err := c.plane.ListProjectPage(r.Context(), r.Actor, r.Org.ID, control.ProjectQuery{Search: d.Search, Offset: offset, Limit: projectsPerPage})
	if err != nil {
		return err
	}
	d.Projects, d.Total = page.Projects, page.Total
	link := func(off int) string {
		v := url.Values{}
		if d.Search != "" {
			v.Set("q", d.Search)
		}
		if off > 0 {
			v.Set("offset", strconv.Itoa(off))
		}
		return "/orgs/" + r.Org.ID + "/projects?" + v.Encode()
	}
	if offset > 0 {
		d.Prev = link(max(min(offset, d.Total)-projectsPerPage, 0))
	}
	if end := offset + len(d.Projects); end < d.Total && len(d.Projects) > 0 {
		d.Next = link(end)
	}
	return c.render(w, r, http.StatusOK, "projects", d)
}

type projectData struct {
	Project  org.Project
	Members  control.ProjectMembers
	Services []org.Service
	// MembersHidden: the person may not list members (the reason).
	MembersHidden string
}

// project is a project's page: members and invitations with their
// roles, and its services.
func (c *Console) project(w http.ResponseWriter, r *Request) error {
	ctx := r.Context()
	p, err := c.plane.GetProject(ctx, r.Actor, r.Org.ID, r.PathValue("project"))
	if err != nil {
		return err
	}
	d := projectData{Project: p}
	if d.Members, err = c.plane.ListProjectMembers(ctx, r.Actor, p.Name); err != nil {
		status, msg := c.describe(r, err)
		if status != http.StatusForbidden {
			return err
		}
		d.MembersHidden = msg
	}
	if d.Services, err = c.plane.ListServices(ctx, r.Actor, p.Name); err != nil {
		return err
	}
	return c.render(w, r, http.StatusOK, "project", d)
}
