package console

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/grant"
)

func init() {
	route("GET /orgs/{org}/access/review", inOrg, (*Console).review)
	route("GET /orgs/{org}/access/review/grants.csv", inOrg, (*Console).grantsCSV)
	route("POST /orgs/{org}/access/review/fix", inOrg, (*Console).reviewFix)
}

// findingsShown is one page of one kind of finding.
const findingsShown = 50

// reviewKinds are the review's sections, in order, with their words.
var reviewKinds = []struct {
	Kind, Title, Advice string
}{
	{control.FindingDeactivatedGrant, "Grants held by deactivated users", "They give nothing today, and everything again on reactivation. Revoke them."},
	{control.FindingStaleToken, "Application tokens unused for 90 days", "Unused access is risk without benefit: revoke it."},
	{control.FindingEndlessToken, "Application tokens that never expire", "Give tokens an expiry; revoke those nobody needs."},
	{control.FindingRedundantGrant, "Direct grants a group already gives", "Use groups, not individual grants: the group keeps the access, the direct grant can go."},
	{control.FindingOrgWideGrant, "Organization-wide grants of project access", "Use project-level permissions: grant these on the projects that need them."},
	{control.FindingSuperAdmins, "More than two super admins", "Limit super admin access to the few who need it."},
	{control.FindingNoTwoFactor, "People without two-factor authentication", "This organization does not require two-factor authentication."},
	{control.FindingExpiredInvitation, "Invitations past their validity", "They can no longer be accepted: cancel them, invite again if needed."},
}

type reviewSection struct {
	Kind, Title, Advice string
	Rows                []findingRow
	Total               int
	More                string // link to the next page of this kind
	Prev                string
}

type findingRow struct {
	control.Finding
	Fix    string // "revoke_grant", "revoke_token", "cancel_invitation", "revoke_super_admin" or ""
	Can    *Can
	Label  string // the fix button's words
	Link   string // where to act when there is no one-click fix
	LinkTo string
	Perms  string
	Self   bool
}

type reviewData struct {
	Review   control.AccessReview
	Sections []reviewSection
	Kind     string // one kind only (paging), "" for all
	Message  string
	Total    int
}

// review is the organization's access review: the findings of
// control.Plane.ReviewAccess, each with its one-click fix when there is
// one, offered only when the person may take it.
func (c *Console) review(w http.ResponseWriter, r *Request) error {
	return c.renderReview(w, r, http.StatusOK, "", reviewFlash(r.URL.Query().Get("fixed")))
}

func reviewFlash(key string) string {
	return map[string]string{
		"revoke_grant":       "Grant revoked.",
		"revoke_token":       "Token revoked.",
		"cancel_invitation":  "Invitation cancelled.",
		"revoke_super_admin": "Super admin access revoked.",
	}[key]
}

func (c *Console) renderReview(w http.ResponseWriter, r *Request, status int, message, flash string) error {
	q := r.URL.Query()
	kind := q.Get("kind")
	offset, _ := strconv.Atoi(q.Get("offset"))
	offset = max(offset, 0)
	// The use case pages each kind: findingsShown of each, from offset
	// for the kind asked for.
	rev, err := c.plane.ReviewAccess(r.Context(), r.Actor, r.Org.ID, control.ReviewPage{Kind: kind, Offset: offset, Limit: findingsShown})
	if err != nil {
		return err
	}
	d := reviewData{Review: rev, Kind: kind, Message: message}
	for _, n := range rev.Totals {
		d.Total += n
	}
	var ask asker
	for _, k := range reviewKinds {
		if d.Kind != "" && d.Kind != k.Kind {
			continue
		}
		s := reviewSection{Kind: k.Kind, Title: k.Title, Advice: k.Advice, Total: rev.Totals[k.Kind]}
		from := 0
		if d.Kind != "" {
			from = min(offset, s.Total)
			if from > 0 {
				s.Prev = reviewURL(r, k.Kind, max(from-findingsShown, 0))
			}
		}
		for _, f := range rev.Findings {
			if f.Kind == k.Kind {
				s.Rows = append(s.Rows, c.findingRow(r, &ask, f))
			}
		}
		if to := from + len(s.Rows); to < s.Total {
			s.More = reviewURL(r, k.Kind, to)
		}
		d.Sections = append(d.Sections, s)
	}
	if err := c.may(r, &ask); err != nil {
		return err
	}
	return c.renderFlash(w, r, status, "review", d, flash)
}

func reviewURL(r *Request, kind string, offset int) string {
	v := url.Values{"kind": {kind}}
	if offset > 0 {
		v.Set("offset", strconv.Itoa(offset))
	}
	return "/orgs/" + r.Org.ID + "/access/review?" + v.Encode()
}

// findingRow decides a finding's fix and asks whether the person may
// take it.
func (c *Console) findingRow(r *Request, ask *asker, f control.Finding) findingRow {
	row := findingRow{Finding: f, Perms: strings.Join(f.Permissions, ", ")}
	switch f.Kind {
	case control.FindingDeactivatedGrant, control.FindingRedundantGrant:
		row.Fix, row.Label = "revoke_grant", "Revoke grant"
		row.Can = ask.ask(control.OpPermissionsUpdate, control.AccessResource{Type: f.ResourceType, ID: f.ResourceID})
	case control.FindingStaleToken, control.FindingEndlessToken:
		row.Fix, row.Label = "revoke_token", "Revoke token"
		row.Can = ask.ask(control.OpApplicationUserAccessTokenDelete, orgResource(r.Org))
	case control.FindingExpiredInvitation:
		row.Fix, row.Label = "cancel_invitation", "Cancel invitation"
		row.Can = ask.ask(control.OpOrganizationUserInvitationDelete, orgResource(r.Org))
	case control.FindingSuperAdmins:
		row.Self = f.UserID == r.Actor.User.ID
		if !row.Self {
			row.Fix, row.Label = "revoke_super_admin", "Revoke super admin"
			row.Can = ask.ask(control.OpOrganizationUserUpdate, orgResource(r.Org))
		}
	case control.FindingOrgWideGrant:
		if len(f.Permissions) > 0 {
			row.Link, row.LinkTo = accessURL(r, url.Values{"q": {"who"}, "permission": {f.Permissions[0]}, "rtype": {grant.ResourceOrganization}}), "See who holds it"
		}
	case control.FindingNoTwoFactor:
		row.Link, row.LinkTo = "/orgs/"+r.Org.ID+"/authentication", "Require two-factor"
	}
	return row
}

// reviewFix applies one finding's fix through the use case the API
// calls for it, then shows the review again.
func (c *Console) reviewFix(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	ctx := r.Context()
	cf := confirmation{Back: "/orgs/" + r.Org.ID + "/access/review"}
	// The finding's own words (posted with the fix) say what is meant.
	what := strings.TrimSpace(f.Get("detail"))
	if what != "" {
		what = " (" + what + ")"
	}
	switch f.Get("fix") {
	case "revoke_grant":
		cf.Title = "Revoke grant"
		cf.Message = "Revoke " + strings.Join(f.Values["permission"], ", ") + " on " + resourceLabel(f.Get("resource_type"), f.Get("resource_id")) +
			what + "? What it gives is gone at once."
	case "revoke_token":
		cf.Title = "Revoke token"
		cf.Message = "Revoke the token " + f.Get("token_prefix") + what + "? Whatever uses it stops working at once."
	case "cancel_invitation":
		cf.Title = "Cancel invitation"
		cf.Message = "Cancel the invitation of " + f.Get("email") + what + "? Its link stops working."
	case "revoke_super_admin":
		cf.Title = "Revoke super admin"
		cf.Message = "Revoke super admin access" + what + "? They keep only what their grants give."
	}
	cf.Button = cf.Title
	if cf.Title != "" {
		if ok, err := c.confirmFirst(w, r, cf); !ok {
			return err
		}
	}
	var err error
	switch fix := f.Get("fix"); fix {
	case "revoke_grant":
		err = c.plane.UpdatePermissions(ctx, r.Actor, r.Org.ID, f.Get("resource_type"), f.Get("resource_id"), "revoke",
			[]control.PrincipalPermissions{{PrincipalType: f.Get("principal_type"), PrincipalID: f.Get("principal_id"), Permissions: f.Values["permission"]}})
	case "revoke_token":
		err = c.plane.RevokeApplicationToken(ctx, r.Actor, r.Org.ID, f.Get("user_id"), f.Get("token_prefix"))
	case "cancel_invitation":
		err = c.plane.CancelInvitation(ctx, r.Actor, r.Org.ID, f.Get("email"))
	case "revoke_super_admin":
		no := false
		_, err = c.plane.UpdateMember(ctx, r.Actor, r.Org.ID, f.Get("user_id"), control.MemberUpdate{IsSuperAdmin: &no})
	default:
		return c.renderReview(w, r, http.StatusBadRequest, "This fix is not one the access review offers.", "")
	}
	if err != nil {
		status, msg := c.describe(r, err)
		if status == http.StatusUnauthorized || status >= 500 {
			return err
		}
		return c.renderReview(w, r, status, msg, "")
	}
	return redirect(w, r, "/orgs/"+r.Org.ID+"/access/review?fixed="+url.QueryEscape(f.Get("fix")))
}

// grantsCSV exports every grant of the organization.
func (c *Console) grantsCSV(w http.ResponseWriter, r *Request) error {
	grants, err := c.plane.OrganizationGrants(r.Context(), r.Actor, r.Org.ID)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="grants-`+r.Org.ID+`.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"resource_type", "resource_id", "principal_type", "principal_id", "permissions", "membership", "create_time", "update_time"})
	for _, g := range grants {
		row := []string{g.ResourceType, g.ResourceID, g.PrincipalType, g.PrincipalID,
			strings.Join(g.Permissions, " "), strings.Join(g.Membership, " "),
			g.CreateTime.UTC().Format(time.RFC3339), g.UpdateTime.UTC().Format(time.RFC3339)}
		for i := range row {
			row[i] = csvSafe(row[i])
		}
		_ = cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a cell from being read as a formula by spreadsheets.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
