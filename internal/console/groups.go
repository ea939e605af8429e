package console

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
)

// Admin → Groups: the seed's "Create group → Add members → Grant
// permissions".

func init() {
	route("GET /orgs/{org}/groups", inOrg, (*Console).groups)
	route("POST /orgs/{org}/groups", inOrg, (*Console).createGroup)
	route("GET /orgs/{org}/groups/{group}", inOrg, (*Console).group)
	route("POST /orgs/{org}/groups/{group}/members", inOrg, (*Console).groupMembers)
	route("POST /orgs/{org}/groups/{group}/grants", inOrg, (*Console).groupGrant)
	route("GET /orgs/{org}/groups/{group}/delete", inOrg, (*Console).deleteGroupPage)
	route("POST /orgs/{org}/groups/{group}/delete", inOrg, (*Console).deleteGroup)
	flashes["group-members-added"] = "Member added"
	flashes["group-members-removed"] = "Member removed"
	flashes["group-granted"] = "Permission granted"
	flashes["group-revoked"] = "Permission revoked"
	flashes["group-deleted"] = "Group deleted"
}

type groupsData struct {
	Groups []control.GroupWithCount
	Form   *Form
	Create *Can
}

func (c *Console) groups(w http.ResponseWriter, r *Request) error {
	return c.groupsForm(w, r, newForm(r))
}

func (c *Console) groupsForm(w http.ResponseWriter, r *Request, f *Form) error {
	gs, err := c.plane.ListGroups(r.Context(), r.Actor, r.Org.ID)
	if err != nil {
		return err
	}
	var q asker
	create := q.ask(control.OpUserGroupCreate, orgResource(r.Org))
	if err := c.may(r, &q); err != nil {
		return err
	}
	slices.SortFunc(gs, func(a, b control.GroupWithCount) int {
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	return c.render(w, r, f.Status(), "groups", groupsData{Groups: gs, Form: f, Create: create})
}

func (c *Console) createGroup(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	g, err := c.plane.CreateGroup(r.Context(), r.Actor, r.Org.ID, f.Get("name"), f.Get("description"))
	if err != nil {
		failField(c, r, f, err, map[string]string{"user_group_name": "name", "description": "description"})
		return c.groupsForm(w, r, f)
	}
	return redirect(w, r, "/orgs/"+r.Org.ID+"/groups/"+g.ID)
}

// groupGrantRow is one grant of the group, with its permissions.
type groupGrantRow struct {
	Resource string // picker value "<type>:<id>"
	Label    string
	Perms    []permissionRow
}

type permissionRow struct {
	Name    string
	Meaning string
}

// maxCandidates bounds the people a member search lists.
const maxCandidates = 25

type groupData struct {
	Group       identity.Group
	Members     []control.GroupMember
	MemberCount int
	// Prev and Next page through the members ("" for none).
	Prev, Next  string
	Query       string
	Candidates  []control.Member
	MoreFound   bool
	Grants      []groupGrantRow
	Resources   []resourceChoice
	MoreProject bool
	Permissions []permissionGroup
	MemberForm  *Form
	GrantForm   *Form
	EditMembers *Can
	Grant       *Can
	Delete      *Can
}

func (c *Console) group(w http.ResponseWriter, r *Request) error {
	return c.groupPage(w, r, blankForm(), blankForm())
}

func (c *Console) groupPage(w http.ResponseWriter, r *Request, memberForm, grantForm *Form) error {
	ctx := r.Context()
	g, err := c.plane.GetGroup(ctx, r.Actor, r.Org.ID, r.PathValue("group"))
	if err != nil {
		return err
	}
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	offset = max(offset, 0)
	page, err := c.plane.ListGroupMemberPage(ctx, r.Actor, r.Org.ID, g.ID, offset, groupMembersShown)
	if err != nil {
		return err
	}
	members := page.Members
	grants, err := c.plane.GroupGrants(ctx, r.Actor, r.Org.ID, g.ID)
	if err != nil {
		return err
	}
	d := groupData{Group: g, Members: members, MemberCount: page.Total, MemberForm: memberForm, GrantForm: grantForm, Permissions: permissionChoices()}
	if offset > 0 {
		d.Prev = groupMembersLink(r, max(min(offset, page.Total)-groupMembersShown, 0))
	}
	if end := offset + len(members); end < page.Total && len(members) > 0 {
		d.Next = groupMembersLink(r, end)
	}
	for _, gr := range grants {
		row := groupGrantRow{Resource: gr.ResourceType + ":" + gr.ResourceID, Label: resourceLabel(gr.ResourceType, gr.ResourceID)}
		if gr.ResourceType == grant.ResourceOrganization {
			row.Label = "Organization " + r.Org.Name
		}
		for _, p := range gr.Permissions {
			row.Perms = append(row.Perms, permissionRow{p, meaning(p)})
		}
		d.Grants = append(d.Grants, row)
	}
	if d.Resources, d.MoreProject, err = c.resourceChoices(r); err != nil {
		return err
	}
	var q asker
	d.EditMembers = q.ask(control.OpUserGroupMemberUpdate, orgResource(r.Org))
	d.Delete = q.ask(control.OpUserGroupDelete, orgResource(r.Org))
	if err := c.may(r, &q); err != nil {
		return err
	}
	// Granting is decided where the grant goes (a project's admin grants
	// on that project), so the form is always offered; a refusal comes
	// back in the use case's words.
	d.Grant = &Can{OK: true}
	d.Query = strings.TrimSpace(r.URL.Query().Get("q"))
	if d.Query != "" && d.EditMembers.OK {
		d.Candidates, d.MoreFound, err = c.findMembers(r, d.Query, g.ID)
		if err != nil {
			return err
		}
	}
	status := memberForm.Status()
	if status == http.StatusOK {
		status = grantForm.Status()
	}
	return c.render(w, r, status, "group", d)
}

// findMembers lists the organization's users (people and application
// users) whose email or name starts with q, or whose ID is q, leaving
// out the group's members (each row knows its groups): one page of the
// store's member search.
func (c *Console) findMembers(r *Request, q, groupID string) ([]control.Member, bool, error) {
	page, err := c.plane.ListMemberPage(r.Context(), r.Actor, r.Org.ID, control.MemberQuery{Search: q, IncludeApps: true, Limit: maxMemberSearch})
	if err != nil {
		return nil, false, err
	}
	var out []control.Member
	for _, m := range page.Rows {
		if slices.ContainsFunc(m.Groups, func(g identity.Group) bool { return g.ID == groupID }) {
			continue
		}
		if len(out) == maxCandidates {
			return out, true, nil
		}
		out = append(out, m.Member)
	}
	return out, page.Total > len(page.Rows), nil
}

// maxMemberSearch is the most rows one member search reads.
const maxMemberSearch = 100

// groupMembersShown is one page of a group's members.
const groupMembersShown = 100

func groupMembersLink(r *Request, offset int) string {
	v := url.Values{}
	if q := strings.TrimSpace(r.URL.Query().Get("q")); q != "" {
		v.Set("q", q)
	}
	if offset > 0 {
		v.Set("offset", strconv.Itoa(offset))
	}
	return "/orgs/" + r.Org.ID + "/groups/" + r.PathValue("group") + "?" + v.Encode() + "#members-h"
}

func (c *Console) groupMembers(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	op := f.Get("operation")
	ids := f.Values["user_id"]
	if op == "remove_members" {
		ok, err := c.confirmFirst(w, r, confirmation{Title: "Remove member", Button: "Remove from the group",
			Back:    "/orgs/" + r.Org.ID + "/groups/" + r.PathValue("group"),
			Message: "Remove " + cmp.Or(f.Get("name"), strings.Join(ids, ", ")) + " from the group? They lose every permission they hold through it."})
		if !ok {
			return err
		}
	}
	if len(ids) == 0 {
		f.FailMsg("", "Choose at least one user.")
		return c.groupPage(w, r, f, blankForm())
	}
	if err := c.plane.UpdateGroupMembers(r.Context(), r.Actor, r.Org.ID, r.PathValue("group"), op, ids); err != nil {
		f.Fail(c, r, "", err)
		return c.groupPage(w, r, f, blankForm())
	}
	done := "group-members-added"
	if op == "remove_members" {
		done = "group-members-removed"
	}
	return redirect(w, r, withFlash("/orgs/"+r.Org.ID+"/groups/"+r.PathValue("group"), done))
}

// groupGrant grants or revokes permissions of the group on a resource.
func (c *Console) groupGrant(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	op := f.Get("operation")
	perms := f.Values["permission"]
	typ, id := parseResource(f.Get("resource"))
	if id == "" {
		f.FailMsg("resource", "Choose where to grant.")
	}
	if len(perms) == 0 || perms[0] == "" {
		f.FailMsg("permission", "Choose a role or permission.")
	}
	if !f.OK() {
		return c.groupPage(w, r, blankForm(), f)
	}
	if op == "revoke" {
		ok, err := c.confirmFirst(w, r, confirmation{Title: "Revoke permission", Button: "Revoke " + perms[0],
			Back:    "/orgs/" + r.Org.ID + "/groups/" + r.PathValue("group"),
			Message: "Revoke " + strings.Join(perms, ", ") + " of the group on " + resourceLabel(typ, id) + "? Its members lose what it gives them there."})
		if !ok {
			return err
		}
	}
	err := c.plane.UpdatePermissions(r.Context(), r.Actor, r.Org.ID, typ, id, op,
		[]control.PrincipalPermissions{{PrincipalType: grant.PrincipalGroup, PrincipalID: r.PathValue("group"), Permissions: perms}})
	if err != nil {
		failField(c, r, f, err, map[string]string{"resource_id": "resource", "resource_type": "resource", "Project does not exist": "resource", "Account does not exist": "resource"})
		return c.groupPage(w, r, blankForm(), f)
	}
	done := "group-granted"
	if op == "revoke" {
		done = "group-revoked"
	}
	return redirect(w, r, withFlash("/orgs/"+r.Org.ID+"/groups/"+r.PathValue("group"), done))
}

func (c *Console) deleteGroupPage(w http.ResponseWriter, r *Request) error {
	g, err := c.plane.GetGroup(r.Context(), r.Actor, r.Org.ID, r.PathValue("group"))
	if err != nil {
		return err
	}
	base := "/orgs/" + r.Org.ID + "/groups/"
	return c.confirm(w, r, confirmation{Title: "Delete group", Button: "Delete " + g.Name,
		Message: "Delete the group " + g.Name + "? Its members lose every permission they hold through it.",
		Action:  base + g.ID + "/delete", Back: base + g.ID})
}

func (c *Console) deleteGroup(w http.ResponseWriter, r *Request) error {
	if err := c.plane.DeleteGroup(r.Context(), r.Actor, r.Org.ID, r.PathValue("group")); err != nil {
		return err
	}
	return redirect(w, r, withFlash("/orgs/"+r.Org.ID+"/groups", "group-deleted"))
}
