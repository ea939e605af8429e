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
	route("POST /orgs/{org}/projects/{project}/invitations", inOrg, (*Console).inviteToProject)
	route("POST /orgs/{org}/projects/{project}/invitations/cancel", inOrg, (*Console).cancelProjectInvitation)
	flashes["project-invitation-cancelled"] = "Invitation cancelled"
}

// projectRoles are the roles the project invitation offers, the
// predefined ones of Aiven's project members.
var projectRoles = []string{"read_only", "developer", "operator", "admin"}

type roleChoice struct {
	Name, Meaning string
}

// projectsPerPage is one page of the project list.
const projectsPerPage = 50

// servicesShown is one page of a project's services.
const servicesShown = 100

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
	Services []org.Service // one page of them
	// ServiceCount is how many services the project has; ServicesPrev
	// and ServicesNext page through them ("" for none).
	ServiceCount               int
	ServicesPrev, ServicesNext string
	// MembersHidden: the person may not list members (the reason).
	MembersHidden string
	Roles         []roleChoice
	Form          *Form
	Invite        *Can
	CancelInvite  *Can
	// Sent is an invitation just made that could not be mailed: its link
	// and code, shown only in the answer to the form, to pass on.
	Sent *control.ProjectInviteResult
}

// project is a project's page: members and invitations with their
// roles, and its services.
func (c *Console) project(w http.ResponseWriter, r *Request) error {
	return c.projectView(w, r, blankForm(), nil, "")
}

func (c *Console) projectView(w http.ResponseWriter, r *Request, f *Form, sent *control.ProjectInviteResult, flash string) error {
	ctx := r.Context()
	p, err := c.plane.GetProject(ctx, r.Actor, r.Org.ID, r.PathValue("project"))
	if err != nil {
		return err
	}
	d := projectData{Project: p, Form: f, Sent: sent}
	for _, role := range projectRoles {
		d.Roles = append(d.Roles, roleChoice{role, meaning(role)})
	}
	var ask asker
	d.Invite = ask.ask(control.OpProjectInvite, projectResource(p.Name))
	d.CancelInvite = ask.ask(control.OpProjectInviteDelete, projectResource(p.Name))
	if err := c.may(r, &ask); err != nil {
		return err
	}
	if d.Members, err = c.plane.ListProjectMembers(ctx, r.Actor, p.Name); err != nil {
		status, msg := c.describe(r, err)
		if status != http.StatusForbidden {
			return err
		}
		d.MembersHidden = msg
	}
	svcs, err := c.plane.ListServices(ctx, r.Actor, p.Name)
	if err != nil {
		return err
	}
	// A project's services are read whole (they are the project's own,
	// a few), and shown a page at a time.
	offset, _ := strconv.Atoi(r.URL.Query().Get("soffset"))
	offset = min(max(offset, 0), len(svcs))
	end := min(offset+servicesShown, len(svcs))
	d.Services, d.ServiceCount = svcs[offset:end], len(svcs)
	link := func(off int) string { return c.projectURL(r) + "?soffset=" + strconv.Itoa(off) + "#svc-h" }
	if offset > 0 {
		d.ServicesPrev = link(max(offset-servicesShown, 0))
	}
	if end < len(svcs) {
		d.ServicesNext = link(end)
	}
	return c.renderFlash(w, r, f.Status(), "project", d, flash)
}

func (c *Console) projectURL(r *Request) string {
	return "/orgs/" + r.Org.ID + "/projects/" + url.PathEscape(r.PathValue("project"))
}

// inviteToProject invites an email address to the project with a role.
// The answer is the page itself, not a redirect: an invitation that could
// not be mailed carries its link, which is never put in a URL.
func (c *Console) inviteToProject(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	email, role := strings.TrimSpace(f.Get("email")), f.Get("role")
	if email == "" {
		f.FailMsg("email", "Enter the email address to invite.")
		return c.projectView(w, r, f, nil, "")
	}
	res, err := c.plane.InviteProjectMember(r.Context(), r.Actor, r.PathValue("project"), email, role)
	if err != nil {
		if status, _ := c.describe(r, err); status == http.StatusUnauthorized || status >= 500 {
			return err
		}
		// A role the person does not hold is refused by the escalation
		// guard in words naming the role.
		failField(c, r, f, err, map[string]string{"user_email": "email", "email": "email", "application user": "email", "already a member": "email",
			"member_type": "role", "You cannot grant": "role"})
		return c.projectView(w, r, f, nil, "")
	}
	if res.Mailed {
		return c.projectView(w, r, blankForm(), nil, "Invitation sent to "+res.Email+".")
	}
	return c.projectView(w, r, blankForm(), &res, "Invitation created for "+res.Email+"; it could not be mailed.")
}

// cancelProjectInvitation cancels a pending invitation after a
// confirmation.
func (c *Console) cancelProjectInvitation(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	email := f.Get("email")
	ok, err := c.confirmFirst(w, r, confirmation{Title: "Cancel invitation", Button: "Cancel invitation", Back: c.projectURL(r),
		Message: "Cancel the invitation of " + email + " to project " + r.PathValue("project") + "? Its link stops working."})
	if !ok {
		return err
	}
	if err := c.plane.CancelProjectInvitation(r.Context(), r.Actor, r.PathValue("project"), email); err != nil {
		if status, _ := c.describe(r, err); status == http.StatusUnauthorized || status >= 500 {
			return err
		}
		f = blankForm()
		f.Fail(c, r, "", err)
		return c.projectView(w, r, f, nil, "")
	}
	return redirect(w, r, withFlash(c.projectURL(r), "project-invitation-cancelled"))
}
