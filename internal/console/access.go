package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/grant"
)

func init() {
	route("GET /orgs/{org}/access", inOrg, (*Console).access)
}

// reachPerPage and whoShown bound the explorer's tables.
const (
	reachPerPage = 25
	whoShown     = 100
)

// accessData is the access explorer: three questions, the one asked (Q)
// answered below its form.
type accessData struct {
	Q          string // "can", "reach" or "who"
	Principal  string
	Permission string
	RType      string
	RID        string
	Kind       string
	Errors     map[string]string
	Message    string
	Catalogue  []authz.Info

	Who       *control.Member // the principal of "can" and "reach"
	WhoName   string
	Verdict   *verdictView
	Reach     []reachRow
	ReachNext string
	Asked     bool
	Users     []whoUser
	Groups    []whoGroup
	MoreUsers int
}

// verdictView is an explanation drawn as paths: grant → level → group →
// role → permission.
type verdictView struct {
	Allowed     bool
	SuperAdmin  bool
	Deactivated bool
	Resource    string
	Path        []string // from the resource up to the organization
	Top         string   // the organization, where super admins hold everything
	Steps       []pathStep
}

type pathStep struct {
	Level   string // "project web", "unit Engineering", ...
	Group   string // "" for a grant to the user itself
	GroupID string
	Granted []string
	Roles   []string // what of Granted gives the permission
	Gives   bool
	Source  string
}

type reachRow struct {
	Resource string
	Roles    []string
	Check    string // link to "can" on this resource
}

type whoUser struct {
	ID, Email, Name string
	Application     bool
	Check           string
}

type whoGroup struct {
	ID, Name string
}

// access is the access explorer. Its URL is what other pages link to,
// pre-filled (see doc.go):
//
//	?q=can&principal=<user ID or email>&permission=<perm>&rtype=<type>&rid=<id>
//	?q=reach&principal=<user ID or email>&permission=<perm>&kind=project|service|organization_unit
//	?q=who&permission=<perm>&rtype=<type>&rid=<id>
func (c *Console) access(w http.ResponseWriter, r *Request) error {
	q := r.URL.Query()
	d := &accessData{Q: q.Get("q"), Principal: strings.TrimSpace(q.Get("principal")),
		Permission: strings.TrimSpace(q.Get("permission")), RType: q.Get("rtype"), RID: strings.TrimSpace(q.Get("rid")),
		Kind: q.Get("kind"), Errors: map[string]string{}, Catalogue: authz.Catalogue()}
	if d.RType == "" {
		d.RType = grant.ResourceProject
	}
	if d.Kind == "" {
		d.Kind = "project"
	}
	status := http.StatusOK
	switch d.Q {
	case "can":
		status = c.accessCan(r, d)
	case "reach":
		status = c.accessReach(r, d)
	case "who":
		status = c.accessWho(r, d)
	case "":
		d.Q = "can"
	default:
		d.Q, d.Message, status = "can", "Choose one of the three questions.", http.StatusBadRequest
	}
	if status == http.StatusUnauthorized {
		return control.ErrUnauthenticated
	}
	if d.Permission == "" {
		d.Permission = "project:services:read"
	}
	return c.render(w, r, status, "access", d)
}

// failed records err next to the field it concerns and returns its status.
func (c *Console) accessFailed(r *Request, d *accessData, field string, err error) int {
	status, msg := c.describe(r, err)
	switch {
	case status >= 500 || status == http.StatusUnauthorized:
		d.Message = msg
	case field == "" && strings.HasPrefix(strings.ToLower(msg), "permission"):
		d.Errors["permission"] = msg
	case field == "" && (strings.Contains(strings.ToLower(msg), "resource") || status == http.StatusNotFound):
		d.Errors["rid"] = msg
	case field == "":
		d.Message = msg
	default:
		d.Errors[field] = msg
	}
	return status
}

// principal resolves the principal field to a member.
func (c *Console) accessPrincipal(r *Request, d *accessData) (control.Member, int) {
	if d.Principal == "" {
		d.Errors["principal"] = "Enter a user's email address or ID."
		return control.Member{}, http.StatusUnprocessableEntity
	}
	m, err := c.plane.FindMember(r.Context(), r.Actor, r.Org.ID, d.Principal)
	if err != nil {
		return m, c.accessFailed(r, d, "principal", err)
	}
	d.Who = &m
	d.WhoName = m.User.Email
	if m.User.IsApplication && m.User.RealName != "" {
		d.WhoName = m.User.RealName + " (application user)"
	}
	return m, 0
}

func (d *accessData) resource(r *Request) control.AccessResource {
	if d.RType == grant.ResourceOrganization && d.RID == "" {
		d.RID = r.Org.ID
	}
	return control.AccessResource{Type: d.RType, ID: d.RID}
}

func (c *Console) accessCan(r *Request, d *accessData) int {
	m, status := c.accessPrincipal(r, d)
	if d.Permission == "" {
		d.Errors["permission"] = "Enter a permission or role."
		status = http.StatusUnprocessableEntity
	}
	res := d.resource(r)
	if res.ID == "" {
		d.Errors["rid"] = "Enter the resource's name or ID."
		status = http.StatusUnprocessableEntity
	}
	if status != 0 {
		return status
	}
	ex, _, err := c.plane.Explain(r.Context(), r.Actor, r.Org.ID, control.AccessCheck{UserID: m.User.ID, Permission: d.Permission, Resource: res})
	if err != nil {
		return c.accessFailed(r, d, "", err)
	}
	d.Asked = true
	v := &verdictView{Allowed: ex.Allowed, SuperAdmin: ex.SuperAdmin, Deactivated: ex.Deactivated, Resource: c.levelName(r, ex.Resource)}
	for _, p := range ex.Path {
		v.Path = append(v.Path, c.levelName(r, p))
	}
	if len(v.Path) > 0 {
		v.Top = v.Path[len(v.Path)-1]
	}
	groups := map[string]string{}
	for i, g := range ex.Grants {
		st := pathStep{Level: c.levelName(r, g.Level), GroupID: g.Group, Granted: g.Granted.Strings(), Gives: g.Gives}
		if i < len(ex.Sources) {
			st.Source = ex.Sources[i]
		}
		if g.Group != "" {
			if _, ok := groups[g.Group]; !ok {
				groups[g.Group] = g.Group
				if gr, err := c.plane.GetGroup(r.Context(), r.Actor, r.Org.ID, g.Group); err == nil {
					groups[g.Group] = gr.Name
				}
			}
			st.Group = groups[g.Group]
		}
		st.Roles = giving(g.Granted, ex.Perm)
		v.Steps = append(v.Steps, st)
	}
	d.Verdict = v
	return http.StatusOK
}

// giving lists what of granted gives perm: the permission itself or the
// roles whose closure holds it.
func giving(granted authz.Set, perm authz.Permission) []string {
	var out []string
	for _, p := range granted.Perms() {
		if p.Closure().Has(perm) {
			out = append(out, p.String())
		}
	}
	return out
}

// levelName words a node of the hierarchy for a person.
func (c *Console) levelName(r *Request, res authz.Resource) string {
	switch res.Kind {
	case authz.KindOrganization:
		if res.ID == r.Org.ID {
			return "organization " + r.Org.Name
		}
	case authz.KindUnit:
		if res.ID == r.Org.AccountID {
			return "organization " + r.Org.Name
		}
		if u, err := c.plane.GetUnit(r.Context(), r.Actor, res.ID); err == nil {
			return "unit " + u.Name
		}
	}
	return res.Kind.String() + " " + res.ID
}

func (c *Console) accessReach(r *Request, d *accessData) int {
	m, status := c.accessPrincipal(r, d)
	if status != 0 {
		return status
	}
	ids, next, err := c.plane.AccessibleResources(r.Context(), r.Actor, r.Org.ID, m.User.ID, d.Permission, d.Kind, r.URL.Query().Get("after"), reachPerPage)
	if err != nil {
		if status, msg := c.describe(r, err); strings.Contains(msg, "resource_type") {
			d.Errors["kind"] = msg
			return status
		}
		return c.accessFailed(r, d, "", err)
	}
	d.Asked = true
	rtype := map[string]string{"project": grant.ResourceProject, "service": "service", "organization_unit": grant.ResourceUnit}[d.Kind]
	for _, id := range ids {
		row := reachRow{Resource: id, Check: accessURL(r, url.Values{"q": {"can"}, "principal": {m.User.ID},
			"permission": {d.Permission}, "rtype": {rtype}, "rid": {id}})}
		if ex, _, err := c.plane.Explain(r.Context(), r.Actor, r.Org.ID,
			control.AccessCheck{UserID: m.User.ID, Permission: d.Permission, Resource: control.AccessResource{Type: rtype, ID: id}}); err == nil {
			if ex.SuperAdmin {
				row.Roles = append(row.Roles, "super admin")
			}
			seen := map[string]bool{}
			for _, g := range ex.Grants {
				if !g.Gives {
					continue
				}
				for _, s := range giving(g.Granted, ex.Perm) {
					if !seen[s] {
						seen[s] = true
						row.Roles = append(row.Roles, s)
					}
				}
			}
		}
		d.Reach = append(d.Reach, row)
	}
	if next != "" {
		d.ReachNext = accessURL(r, url.Values{"q": {"reach"}, "principal": {d.Principal}, "permission": {d.Permission},
			"kind": {d.Kind}, "after": {next}})
	}
	return http.StatusOK
}

func (c *Console) accessWho(r *Request, d *accessData) int {
	res := d.resource(r)
	status := 0
	if d.Permission == "" {
		d.Errors["permission"] = "Enter a permission or role."
		status = http.StatusUnprocessableEntity
	}
	if res.ID == "" {
		d.Errors["rid"] = "Enter the resource's name or ID."
		status = http.StatusUnprocessableEntity
	}
	if status != 0 {
		return status
	}
	users, groups, _, err := c.plane.AccessPrincipals(r.Context(), r.Actor, r.Org.ID, d.Permission, res)
	if err != nil {
		return c.accessFailed(r, d, "", err)
	}
	d.Asked = true
	if len(users) > whoShown {
		d.MoreUsers = len(users) - whoShown
		users = users[:whoShown]
	}
	for _, id := range users {
		u := whoUser{ID: id, Email: id, Check: accessURL(r, url.Values{"q": {"can"}, "principal": {id},
			"permission": {d.Permission}, "rtype": {res.Type}, "rid": {res.ID}})}
		if m, err := c.plane.GetMember(r.Context(), r.Actor, r.Org.ID, id); err == nil {
			u.Email, u.Name, u.Application = m.User.Email, m.User.RealName, m.User.IsApplication
			if u.Application && u.Name != "" {
				u.Email = u.Name
			}
		}
		d.Users = append(d.Users, u)
	}
	for _, id := range groups {
		g := whoGroup{ID: id, Name: id}
		if gr, err := c.plane.GetGroup(r.Context(), r.Actor, r.Org.ID, id); err == nil {
			g.Name = gr.Name
		}
		d.Groups = append(d.Groups, g)
	}
	return http.StatusOK
}

// accessURL is the explorer's URL in r's organization with v.
func accessURL(r *Request, v url.Values) string {
	return "/orgs/" + r.Org.ID + "/access?" + v.Encode()
}
