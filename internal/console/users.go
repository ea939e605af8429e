package console

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
)

// Admin → Users: the seed's "Invite users → Enter email addresses → Send
// invitations" and "Find user → Actions → Deactivate".

func init() {
	route("GET /orgs/{org}/users", inOrg, (*Console).users)
	route("POST /orgs/{org}/users/invite", inOrg, (*Console).inviteUsers)
	route("POST /orgs/{org}/users/invitations/resend", inOrg, (*Console).resendInvitation)
	route("GET /orgs/{org}/users/invitations/cancel", inOrg, (*Console).cancelInvitationPage)
	route("POST /orgs/{org}/users/invitations/cancel", inOrg, (*Console).cancelInvitation)
	route("GET /orgs/{org}/users/{user}", inOrg, (*Console).user)
	route("GET /orgs/{org}/users/{user}/state", inOrg, (*Console).userStatePage)
	route("POST /orgs/{org}/users/{user}/state", inOrg, (*Console).userState)
	route("GET /orgs/{org}/users/{user}/super-admin", inOrg, (*Console).superAdminPage)
	route("POST /orgs/{org}/users/{user}/super-admin", inOrg, (*Console).superAdmin)
	route("GET /orgs/{org}/users/{user}/password-reset", inOrg, (*Console).passwordResetPage)
	route("POST /orgs/{org}/users/{user}/password-reset", inOrg, (*Console).passwordReset)
	route("GET /orgs/{org}/users/{user}/remove", inOrg, (*Console).removeUserPage)
	route("POST /orgs/{org}/users/{user}/remove", inOrg, (*Console).removeUser)
	flashes["invited"] = "Invitations sent"
	flashes["invitation-resent"] = "Invitation sent again"
	flashes["invitation-cancelled"] = "Invitation cancelled"
	flashes["user-deactivated"] = "User deactivated: their sessions and tokens ended"
	flashes["user-activated"] = "User reactivated"
	flashes["super-admin-made"] = "Now a super admin"
	flashes["super-admin-revoked"] = "No longer a super admin"
	flashes["user-removed"] = "User removed from the organization"
}

// usersPerPage is the Users table's page size: the page never renders
// more rows, however large the organization.
const usersPerPage = 50

// memberTypes are the project roles an invitation may carry.
var memberTypes = []string{"developer", "operator", "read_only", "admin"}

type usersData struct {
	Page        control.MemberPage
	Query       string
	Sort        string
	Desc        bool
	PageNo      int
	Pages       int
	HasNext     bool
	First, Last int
	Invitations []identity.Invitation
	Form        *Form
	Projects    []org.Project
	MoreProject bool
	Roles       []string
	Invite      *Can
	Manage      *Can
}

// sortLink is the link of a column header: sorting by col, flipping the
// direction when it already sorts by col.
func (d usersData) SortLink(col string) string {
	v := url.Values{}
	if d.Query != "" {
		v.Set("q", d.Query)
	}
	v.Set("sort", col)
	if d.Sort == col && !d.Desc {
		v.Set("dir", "desc")
	}
	return "?" + v.Encode()
}

// Sorted is the aria-sort value of a column header.
func (d usersData) Sorted(col string) string {
	if d.Sort != col {
		return "none"
	}
	if d.Desc {
		return "descending"
	}
	return "ascending"
}

// PrevLink is the link to the page before this one: the first page
// plainly, a deeper one as the members before this page's first row.
func (d usersData) PrevLink() string {
	if d.PageNo <= 2 {
		return d.pageLink(1, "", control.MemberCursor{})
	}
	return d.pageLink(d.PageNo-1, "before", d.Page.Prev)
}

// NextLink is the link to the page after this one: the members after
// this page's last row.
func (d usersData) NextLink() string { return d.pageLink(d.PageNo+1, "after", d.Page.Next) }

// pageLink is the link to page n with the current search and order,
// from the cursor c when side is "after" or "before".
func (d usersData) pageLink(n int, side string, c control.MemberCursor) string {
	v := url.Values{}
	if side != "" {
		v.Set(side, c.Email)
		if d.Sort != "email" { // by email, the email is the key
			v.Set("key", c.Key)
		}
	}
	if d.Query != "" {
		v.Set("q", d.Query)
	}
	if d.Sort != "" {
		v.Set("sort", d.Sort)
	}
	if d.Desc {
		v.Set("dir", "desc")
	}
	v.Set("page", strconv.Itoa(n))
	return "?" + v.Encode()
}

func (c *Console) users(w http.ResponseWriter, r *Request) error {
	f := blankForm()
	f.Values.Set("member_type", "developer")
	return c.usersPage(w, r, f)
}

func (c *Console) usersPage(w http.ResponseWriter, r *Request, f *Form) error {
	ctx := r.Context()
	qs := r.URL.Query()
	d := usersData{Query: strings.TrimSpace(qs.Get("q")), Sort: qs.Get("sort"), Desc: qs.Get("dir") == "desc", Form: f, Roles: memberTypes}
	switch d.Sort {
	case "email", "name", "state", "activity", "joined":
	default:
		d.Sort = "email"
	}
	d.PageNo, _ = strconv.Atoi(qs.Get("page"))
	d.PageNo = max(d.PageNo, 1)
	// Next and previous links carry the place of the page's last or first
	// row, so a deep page is read from there (the page number is only
	// shown); a bare page number is read from its offset.
	mq := control.MemberQuery{Search: d.Query, Sort: d.Sort, Desc: d.Desc, Limit: usersPerPage}
	switch {
	case qs.Has("after"):
		mq.After = &control.MemberCursor{Key: qs.Get("key"), Email: qs.Get("after")}
	case qs.Has("before"):
		mq.Before = &control.MemberCursor{Key: qs.Get("key"), Email: qs.Get("before")}
	default:
		mq.Offset = (d.PageNo - 1) * usersPerPage
	}
	page, err := c.plane.ListMemberPage(ctx, r.Actor, r.Org.ID, mq)
	if err != nil {
		return err
	}
	d.Page = page
	d.Pages = max(1, (page.Total+usersPerPage-1)/usersPerPage)
	d.HasNext = d.PageNo < d.Pages && len(page.Rows) == usersPerPage
	if len(page.Rows) > 0 {
		d.First, d.Last = (d.PageNo-1)*usersPerPage+1, (d.PageNo-1)*usersPerPage+len(page.Rows)
	}
	var q asker
	d.Invite = q.ask(control.OpOrganizationUserInvite, orgResource(r.Org))
	d.Manage = q.ask(control.OpOrganizationUserUpdate, orgResource(r.Org))
	if err := c.may(r, &q); err != nil {
		return err
	}
	if d.Invite.OK {
		if d.Invitations, err = c.plane.ListInvitations(ctx, r.Actor, r.Org.ID); err != nil {
			return err
		}
		slices.SortFunc(d.Invitations, func(a, b identity.Invitation) int { return b.CreateTime.Compare(a.CreateTime) })
		page, err := c.plane.ListProjectPage(ctx, r.Actor, r.Org.ID, control.ProjectQuery{Limit: maxProjectChoices})
		if err != nil {
			return err
		}
		d.Projects, d.MoreProject = page.Projects, page.Total > len(page.Projects)
	}
	return c.render(w, r, f.Status(), "users", d)
}

// maxInvites bounds the addresses of one invitation form.
const maxInvites = 100

// inviteUsers invites each address typed, then, when a project is
// chosen, invites it to the project with the role. Addresses that fail
// are kept in the field with the API's words for each.
func (c *Console) inviteUsers(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	emails := splitList(f.Get("emails"))
	project, role := strings.TrimSpace(f.Get("project")), f.Get("member_type")
	switch {
	case len(emails) == 0:
		f.FailMsg("emails", "Enter at least one email address.")
	case len(emails) > maxInvites:
		f.FailMsg("emails", "Invite at most "+strconv.Itoa(maxInvites)+" addresses at once.")
	}
	if !f.OK() {
		return c.usersPage(w, r, f)
	}
	var failed, msgs []string
	for _, e := range emails {
		err := c.plane.Invite(r.Context(), r.Actor, r.Org.ID, e)
		if err == nil && project != "" {
			_, err = c.plane.InviteProjectMember(r.Context(), r.Actor, project, e, role)
		}
		if err != nil {
			_, msg := c.describe(r, err)
			failed = append(failed, e)
			msgs = append(msgs, e+": "+msg)
		}
	}
	if len(failed) > 0 {
		f.Values.Set("emails", strings.Join(failed, "\n"))
		msg := strings.Join(msgs, " · ")
		if len(failed) < len(emails) {
			msg += " (the other addresses were invited)"
		}
		f.FailMsg("emails", msg)
		return c.usersPage(w, r, f)
	}
	return redirect(w, r, withFlash("/orgs/"+r.Org.ID+"/users", "invited"))
}

func (c *Console) resendInvitation(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	if err := c.plane.Invite(r.Context(), r.Actor, r.Org.ID, f.Get("email")); err != nil {
		f.Fail(c, r, "", err)
		return c.usersPage(w, r, f)
	}
	return redirect(w, r, withFlash("/orgs/"+r.Org.ID+"/users", "invitation-resent"))
}

func (c *Console) cancelInvitationPage(w http.ResponseWriter, r *Request) error {
	email := r.URL.Query().Get("email")
	base := "/orgs/" + r.Org.ID + "/users"
	return c.confirm(w, r, confirmation{Title: "Cancel invitation", Button: "Cancel invitation",
		Message: "Cancel the invitation of " + email + "? The emailed link stops working.",
		Action:  base + "/invitations/cancel", Back: base, Fields: map[string]string{"email": email}})
}

func (c *Console) cancelInvitation(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	if err := c.plane.CancelInvitation(r.Context(), r.Actor, r.Org.ID, f.Get("email")); err != nil {
		return err
	}
	return redirect(w, r, withFlash("/orgs/"+r.Org.ID+"/users", "invitation-cancelled"))
}

type userData struct {
	Member     control.Member
	Managed    bool
	TwoFactor  bool
	Groups     []identity.Group
	Update     *Can
	Reset      *Can
	Remove     *Can
	SuperAdmin Can // make or revoke: super admins only
	// TemporaryPassword is a reset's new password when it could not be
	// mailed: shown once, in the answer to the POST.
	TemporaryPassword string
	Mailed            bool
}

func (c *Console) user(w http.ResponseWriter, r *Request) error {
	return c.userPage(w, r, userData{}, "")
}

// notManaged is why the managed-user actions are not offered.
const notManaged = "only for managed users (their email is in a verified domain of this organization)"

func (c *Console) userPage(w http.ResponseWriter, r *Request, d userData, flash string) error {
	ctx := r.Context()
	m, err := c.plane.GetMember(ctx, r.Actor, r.Org.ID, r.PathValue("user"))
	if err != nil {
		return err
	}
	if m.User.IsApplication {
		return redirect(w, r, "/orgs/"+r.Org.ID+"/applications/"+m.User.ID)
	}
	row, err := c.plane.GetMemberRow(ctx, r.Actor, r.Org.ID, m.User.ID)
	if err != nil {
		return err
	}
	d.Member = m
	d.Managed, d.TwoFactor, d.Groups = row.Managed, row.TwoFactor, row.Groups
	var q asker
	d.Update = q.ask(control.OpOrganizationUserUpdate, orgResource(r.Org))
	d.Reset = q.ask(control.OpOrganizationUserPasswordReset, orgResource(r.Org))
	d.Remove = q.ask(control.OpOrganizationUserDelete, orgResource(r.Org))
	if err := c.may(r, &q); err != nil {
		return err
	}
	if !d.Managed {
		for _, can := range []*Can{d.Update, d.Reset} {
			if can.OK {
				*can = Can{Reason: notManaged}
			}
		}
	}
	me, err := c.plane.GetMember(ctx, r.Actor, r.Org.ID, r.Actor.User.ID)
	if err != nil {
		return err
	}
	d.SuperAdmin = Can{OK: me.IsSuperAdmin}
	if !me.IsSuperAdmin {
		d.SuperAdmin.Reason = "requires super admin of this organization"
	}
	return c.renderFlash(w, r, http.StatusOK, "user", d, flash)
}

func (c *Console) userBase(r *Request) string {
	return "/orgs/" + r.Org.ID + "/users/" + r.PathValue("user")
}

func (c *Console) memberFor(r *Request) (control.Member, error) {
	return c.plane.GetMember(r.Context(), r.Actor, r.Org.ID, r.PathValue("user"))
}

func (c *Console) userStatePage(w http.ResponseWriter, r *Request) error {
	m, err := c.memberFor(r)
	if err != nil {
		return err
	}
	cf := confirmation{Action: c.userBase(r) + "/state", Back: c.userBase(r)}
	if m.User.State == identity.StateActive {
		cf.Title, cf.Button, cf.Fields = "Deactivate user", "Deactivate "+m.User.Email, map[string]string{"state": identity.StateDeactivated}
		cf.Message = "Deactivate " + m.User.Email + "? They cannot sign in, and their sessions and tokens end at once. You can reactivate them later."
	} else {
		cf.Title, cf.Button, cf.Fields = "Reactivate user", "Reactivate "+m.User.Email, map[string]string{"state": identity.StateActive}
		cf.Message = "Reactivate " + m.User.Email + "? They can sign in again with their password."
	}
	return c.confirm(w, r, cf)
}

func (c *Console) userState(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	state := f.Get("state")
	if _, err := c.plane.UpdateMember(r.Context(), r.Actor, r.Org.ID, r.PathValue("user"), control.MemberUpdate{State: state}); err != nil {
		return err
	}
	done := "user-activated"
	if state == identity.StateDeactivated {
		done = "user-deactivated"
	}
	return redirect(w, r, withFlash(c.userBase(r), done))
}

func (c *Console) superAdminPage(w http.ResponseWriter, r *Request) error {
	m, err := c.memberFor(r)
	if err != nil {
		return err
	}
	cf := confirmation{Action: c.userBase(r) + "/super-admin", Back: c.userBase(r)}
	if m.IsSuperAdmin {
		cf.Title, cf.Button, cf.Fields = "Revoke super admin", "Revoke super admin", map[string]string{"value": "false"}
		cf.Message = m.User.Email + " will no longer be a super admin of " + r.Org.Name + "; they keep the permissions granted to them."
	} else {
		cf.Title, cf.Button, cf.Fields = "Make super admin", "Make "+m.User.Email+" a super admin", map[string]string{"value": "true"}
		cf.Message = m.User.Email + " will have every permission in " + r.Org.Name + ", including deleting it and managing super admins. Keep super admins few."
	}
	return c.confirm(w, r, cf)
}

func (c *Console) superAdmin(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	v := f.Get("value") == "true"
	if _, err := c.plane.UpdateMember(r.Context(), r.Actor, r.Org.ID, r.PathValue("user"), control.MemberUpdate{IsSuperAdmin: &v}); err != nil {
		return err
	}
	done := "super-admin-revoked"
	if v {
		done = "super-admin-made"
	}
	return redirect(w, r, withFlash(c.userBase(r), done))
}

func (c *Console) passwordResetPage(w http.ResponseWriter, r *Request) error {
	m, err := c.memberFor(r)
	if err != nil {
		return err
	}
	return c.confirm(w, r, confirmation{Title: "Reset password", Button: "Reset password", Action: c.userBase(r) + "/password-reset", Back: c.userBase(r),
		Message: "Replace the password of " + m.User.Email + " with a new random one? Their sessions and personal tokens end; the new password is emailed to them."})
}

func (c *Console) passwordReset(w http.ResponseWriter, r *Request) error {
	res, err := c.plane.ResetManagedUserPassword(r.Context(), r.Actor, r.Org.ID, r.PathValue("user"))
	if err != nil {
		return err
	}
	flash := "Password reset and emailed to the user"
	if !res.Emailed {
		flash = "Password reset"
	}
	return c.userPage(w, r, userData{TemporaryPassword: res.TemporaryPassword, Mailed: res.Emailed}, flash)
}

func (c *Console) removeUserPage(w http.ResponseWriter, r *Request) error {
	m, err := c.memberFor(r)
	if err != nil {
		return err
	}
	return c.confirm(w, r, confirmation{Title: "Remove user", Button: "Remove " + m.User.Email, Action: c.userBase(r) + "/remove", Back: c.userBase(r),
		Message: "Remove " + m.User.Email + " from " + r.Org.Name + "? They lose every permission in it, directly and through groups."})
}

func (c *Console) removeUser(w http.ResponseWriter, r *Request) error {
	if err := c.plane.RemoveMember(r.Context(), r.Actor, r.Org.ID, r.PathValue("user")); err != nil {
		return err
	}
	return redirect(w, r, withFlash("/orgs/"+r.Org.ID+"/users", "user-removed"))
}
