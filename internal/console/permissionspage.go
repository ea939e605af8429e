package console

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
)

// The Permissions page of an organization, unit or project: who holds
// what there, granted on it or inherited from a unit or the organization
// above, with grant and revoke. Every level is read through
// control.Plane.Permissions, the use case behind the API's
// GET /v1/organization/{org}/permissions/{type}/{id}, so a level the
// person may not read is named with the reason instead of listed.

func init() {
	route("GET /orgs/{org}/permissions", inOrg, (*Console).permissions)
	route("POST /orgs/{org}/permissions", inOrg, (*Console).changePermission)
	flashes["permission-granted"] = "Permission granted"
	flashes["permission-revoked"] = "Permission revoked"
}

// permissionRowsShown bounds one page of the grants listed.
const permissionRowsShown = 200

// maxPrincipalChoices bounds the users and the groups the principal
// picker lists; a search narrows them.
const maxPrincipalChoices = 25

// grantLevel is the resource itself or one of its ancestors.
type grantLevel struct {
	Type, ID string
	Value    string // picker value "<type>:<id>"
	Label    string // "Unit Finance"
	Here     bool
	Hidden   string // why its grants are not shown, when they are not
	Revoke   *Can
}

// grantRow is one permission string one principal holds on a level.
type grantRow struct {
	Level         *grantLevel
	PrincipalType string
	PrincipalID   string
	Principal     string // email or group name
	Application   bool
	Permission    string
	Meaning       string
	Explore       string // the access explorer, pre-filled
}

// principalChoice is one entry of the principal picker, posted as
// "<principal type>:<id>".
type principalChoice struct {
	Value string
	Label string
}

type permissionsData struct {
	Levels      []*grantLevel
	Rows        []grantRow
	Total       int
	From, To    int
	First       int // From+1, as people count
	RevokeError string
	Prev, Next  string
	Query       string // the principal search
	Principals  []principalChoice
	MorePeople  bool
	Permissions []permissionGroup
	Form        *Form
	Grant       *Can
	Self        string // this page's URL
	Events      string
	Edit        string // the unit's or project's own page
}

func (c *Console) permissions(w http.ResponseWriter, r *Request) error {
	return c.permissionsPage(w, r, blankForm())
}

// errNoResource: the page was asked about a unit or organization that is
// not this organization's.
var errNoResource = fmt.Errorf("%w: no such unit or organization here", control.ErrNotFound)

// grantLevels is the resource named by the "resource" value followed by
// its ancestors, nearest first, up to the organization.
func (c *Console) grantLevels(r *Request, value string) ([]*grantLevel, error) {
	ctx := r.Context()
	org0 := &grantLevel{Type: grant.ResourceOrganization, ID: r.Org.ID, Label: "Organization " + r.Org.Name}
	if strings.TrimSpace(value) == "" {
		return []*grantLevel{org0}, nil
	}
	typ, id := parseResource(value)
	if typ == grant.ResourceOrganization || (typ == grant.ResourceUnit && id == r.Org.AccountID) {
		if id != r.Org.ID && id != r.Org.AccountID {
			return nil, errNoResource
		}
		return []*grantLevel{org0}, nil
	}
	var levels []*grantLevel
	unitID := id
	if typ == grant.ResourceProject {
		p, err := c.plane.GetProject(ctx, r.Actor, r.Org.ID, id)
		if err != nil {
			return nil, err
		}
		levels = append(levels, &grantLevel{Type: grant.ResourceProject, ID: p.Name, Label: "Project " + p.Name})
		unitID = p.AccountID
	}
	units, err := c.plane.ListUnits(ctx, r.Actor)
	if err != nil {
		return nil, err
	}
	byID := map[string]org.Unit{}
	for _, u := range units {
		if u.OrganizationID == r.Org.ID {
			byID[u.ID] = u
		}
	}
	if _, ok := byID[unitID]; !ok && typ == grant.ResourceUnit {
		return nil, errNoResource
	}
	for depth := 0; depth < 64; depth++ { // the bound stops a cycle
		u, ok := byID[unitID]
		if !ok || u.IsRoot() {
			break
		}
		levels = append(levels, &grantLevel{Type: grant.ResourceUnit, ID: u.ID, Label: "Unit " + unitPath(byID, u)})
		unitID = u.ParentID
	}
	return append(levels, org0), nil
}

func (c *Console) permissionsPage(w http.ResponseWriter, r *Request, f *Form) error {
	ctx := r.Context()
	q := r.URL.Query()
	value := q.Get("resource")
	if r.Method == http.MethodPost {
		// A revoke of an inherited grant is posted to the ancestor's
		// resource from the page of the resource below (back).
		value = cmp.Or(f.Get("back"), f.Get("resource"))
	}
	levels, err := c.grantLevels(r, value)
	if err != nil {
		return err
	}
	levels[0].Here = true
	for _, l := range levels {
		l.Value = l.Type + ":" + l.ID
	}
	here := levels[0]
	d := permissionsData{Levels: levels, Form: f, Permissions: permissionChoices(), Query: strings.TrimSpace(q.Get("pq"))}
	d.Self = "/orgs/" + r.Org.ID + "/permissions?resource=" + url.QueryEscape(here.Value)
	switch here.Type {
	case grant.ResourceUnit:
		d.Events = "/orgs/" + r.Org.ID + "/events?unit=" + url.QueryEscape(here.ID)
		d.Edit = "/orgs/" + r.Org.ID + "/tree/units/" + url.PathEscape(here.ID)
	case grant.ResourceProject:
		d.Events = "/orgs/" + r.Org.ID + "/events?project=" + url.QueryEscape(here.ID)
		d.Edit = "/orgs/" + r.Org.ID + "/projects/" + url.PathEscape(here.ID)
	default:
		d.Events = "/orgs/" + r.Org.ID + "/events"
		d.Edit = "/orgs/" + r.Org.ID
	}

	var ask asker
	d.Grant = ask.ask(control.OpPermissionsUpdate, accessResource(r, here))
	var all []grantRow
	for _, l := range levels {
		l.Revoke = ask.ask(control.OpPermissionsUpdate, accessResource(r, l))
		gs, err := c.plane.Permissions(ctx, r.Actor, r.Org.ID, l.Type, l.ID)
		if err != nil {
			if !isForbidden(err) {
				return err
			}
			_, l.Hidden = c.describe(r, err)
			continue
		}
		slices.SortFunc(gs, func(a, b grant.Grant) int {
			return strings.Compare(a.PrincipalType+a.PrincipalID, b.PrincipalType+b.PrincipalID)
		})
		for _, g := range gs {
			for _, p := range g.Permissions {
				all = append(all, grantRow{Level: l, PrincipalType: g.PrincipalType, PrincipalID: g.PrincipalID, Permission: p, Meaning: meaning(p)})
			}
		}
	}
	if err := c.may(r, &ask); err != nil {
		return err
	}

	d.Total = len(all)
	offset, _ := strconv.Atoi(q.Get("offset"))
	d.From = min(max(offset, 0), len(all))
	d.To = min(d.From+permissionRowsShown, len(all))
	if d.From > 0 {
		d.Prev = d.Self + "&offset=" + strconv.Itoa(max(d.From-permissionRowsShown, 0))
	}
	if d.To < len(all) {
		d.Next = d.Self + "&offset=" + strconv.Itoa(d.To)
	}
	d.Rows, d.First = all[d.From:d.To], d.From+1
	if f.Get("operation") == "revoke" {
		d.RevokeError, d.Form = f.Message, blankForm()
	}
	if err := c.namePrincipals(r, here, d.Rows); err != nil {
		return err
	}
	if d.Grant.OK {
		if d.Principals, d.MorePeople, err = c.principalChoices(r, d.Query); err != nil {
			return err
		}
	}
	return c.render(w, r, f.Status(), "permissions", d)
}

// accessResource names a level as MayDo and the access explorer do.
func accessResource(r *Request, l *grantLevel) control.AccessResource {
	switch l.Type {
	case grant.ResourceUnit:
		return unitResource(r.Org, l.ID)
	case grant.ResourceProject:
		return projectResource(l.ID)
	}
	return orgResource(r.Org)
}

// namePrincipals fills in the emails and group names of the listed rows
// (a page of them, so the look-ups stay bounded) and their links to the
// access explorer, asked about the resource the page is for.
func (c *Console) namePrincipals(r *Request, here *grantLevel, rows []grantRow) error {
	ctx := r.Context()
	groups := map[string]string{}
	// One read names every user of the page; someone who may read grants
	// but not members sees IDs.
	var ids []string
	for _, row := range rows {
		if row.PrincipalType == grant.PrincipalUser {
			ids = append(ids, row.PrincipalID)
		}
	}
	users := map[string]identity.User{}
	if len(ids) > 0 {
		ms, err := c.plane.MemberUsers(ctx, r.Actor, r.Org.ID, ids)
		if err != nil && !isForbidden(err) {
			return err
		}
		users = ms
	}
	rid := here.ID
	if here.Type == grant.ResourceOrganization {
		rid = ""
	}
	for i := range rows {
		row := &rows[i]
		v := url.Values{"permission": {row.Permission}, "rtype": {here.Type}, "rid": {rid}}
		if row.PrincipalType == grant.PrincipalGroup {
			name, ok := groups[row.PrincipalID]
			if !ok {
				// Someone who may read grants but not groups sees IDs.
				if g, err := c.plane.GetGroup(ctx, r.Actor, r.Org.ID, row.PrincipalID); err == nil {
					name = g.Name
				}
				groups[row.PrincipalID] = name
			}
			row.Principal = name
			v.Set("q", "who")
		} else {
			row.Principal = row.PrincipalID
			if u, ok := users[row.PrincipalID]; ok {
				row.Principal, row.Application = u.Email, u.IsApplication
				if u.IsApplication {
					row.Principal = u.RealName
				}
			}
			v.Set("q", "can")
			v.Set("principal", row.PrincipalID)
		}
		row.Explore = accessURL(r, v)
	}
	return nil
}

// principalChoices are the groups and, once a search is typed, the users
// (people and application users) matching it, at most
// maxPrincipalChoices of each.
func (c *Console) principalChoices(r *Request, search string) ([]principalChoice, bool, error) {
	ctx := r.Context()
	var out []principalChoice
	gs, more, err := c.plane.FindGroups(ctx, r.Actor, r.Org.ID, search, maxPrincipalChoices)
	if err != nil && !isForbidden(err) {
		return nil, false, err
	}
	for _, g := range gs {
		out = append(out, principalChoice{grant.PrincipalGroup + ":" + g.ID, "Group " + g.Name})
	}
	if search == "" {
		// People are found by searching: an organization may hold
		// thousands, and the first few by email are rarely the ones.
		return out, more, nil
	}
	page, err := c.plane.ListMemberPage(ctx, r.Actor, r.Org.ID, control.MemberQuery{Search: search, Limit: maxPrincipalChoices, IncludeApps: true})
	if err != nil {
		if !isForbidden(err) {
			return nil, false, err
		}
		// Without the right to list members, groups are the choice.
		return out, more, nil
	}
	for _, m := range page.Rows {
		if !m.User.Active() {
			continue
		}
		label := m.User.Email
		if m.User.IsApplication {
			label = "Application user " + m.User.RealName
		}
		out = append(out, principalChoice{grant.PrincipalUser + ":" + m.User.ID, label})
	}
	return out, more || page.Total > len(page.Rows), nil
}

// changePermission grants or revokes one permission of one principal on
// the posted resource; a revoke is confirmed first.
func (c *Console) changePermission(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	op := f.Get("operation")
	typ, id := parseResource(f.Get("resource"))
	if typ == grant.ResourceOrganization || id == r.Org.AccountID {
		typ, id = grant.ResourceOrganization, r.Org.ID
	}
	ptype, pid, _ := strings.Cut(f.Get("principal"), ":")
	perm := strings.TrimSpace(f.Get("permission"))
	back := cmp.Or(f.Get("back"), f.Get("resource"))
	target := "/orgs/" + r.Org.ID + "/permissions?resource=" + url.QueryEscape(back)
	if op == "revoke" {
		ok, err := c.confirmFirst(w, r, confirmation{Title: "Revoke permission", Button: "Revoke " + perm, Back: target,
			Message: "Revoke " + perm + " of " + f.Get("name") + " on " + resourceLabel(typ, id) + "? Whoever holds it through this grant loses it."})
		if !ok {
			return err
		}
	}
	if pid == "" {
		f.FailMsg("principal", "Choose who to grant to.")
	}
	if perm == "" {
		f.FailMsg("permission", "Choose a role or permission.")
	}
	if f.OK() {
		err := c.plane.UpdatePermissions(r.Context(), r.Actor, r.Org.ID, typ, id, op,
			[]control.PrincipalPermissions{{PrincipalType: ptype, PrincipalID: pid, Permissions: []string{perm}}})
		if err == nil {
			done := "permission-granted"
			if op == "revoke" {
				done = "permission-revoked"
			}
			return redirect(w, r, withFlash(target, done))
		}
		if status, _ := c.describe(r, err); status == http.StatusUnauthorized || status >= 500 {
			return err
		}
		if op == "revoke" {
			// A revoke posted from a row has no field of its own.
			f.Fail(c, r, "", err)
		} else {
			// An escalation refusal names the permission; an unknown or
			// deactivated principal names the user or group.
			failField(c, r, f, err, map[string]string{"You cannot grant": "permission", "permissions[": "permission",
				"principal": "principal", "User ": "principal", "Group": "principal", "group": "principal"})
		}
	}
	return c.permissionsPage(w, r, f)
}

// isForbidden reports whether err is a refusal (a 403), which a page shows
// in words rather than as an error page.
func isForbidden(err error) bool {
	return errors.Is(err, control.ErrForbidden)
}
