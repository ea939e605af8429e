package control

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// OpOrganizationAccessReview is the access review of an organization and
// the export of its grants: Gatehouse's own, with no Aiven counterpart.
const OpOrganizationAccessReview Op = "OrganizationAccessReview"

func init() {
	addRequirements(map[Op]rule{
		// The review reads every grant, token and member of the
		// organization: what an organization admin may read anyway.
		OpOrganizationAccessReview: anyOf("role:organization:admin"),
	})
}

// Kinds of access-review findings, one per best practice of the seed
// ("Review users, groups, and permissions quarterly. Remove unused access").
const (
	FindingDeactivatedGrant  = "deactivated_user_grant"  // a grant still held by a deactivated user
	FindingStaleToken        = "stale_token"             // an application token unused for StaleTokenAge
	FindingEndlessToken      = "token_without_expiry"    // an application token that never expires
	FindingRedundantGrant    = "direct_grant_like_group" // a direct grant a group of the user already gives
	FindingOrgWideGrant      = "organization_wide_grant" // project-level access granted on the whole organization
	FindingSuperAdmins       = "too_many_super_admins"   // more super admins than MaxSuperAdmins
	FindingNoTwoFactor       = "no_two_factor"           // a person without two-factor where it is not required
	FindingExpiredInvitation = "expired_invitation"      // an invitation past its validity
)

// Thresholds of the review.
const (
	StaleTokenAge  = 90 * 24 * time.Hour
	MaxSuperAdmins = 2
)

// Finding is one thing the access review asks a person to look at, with
// what a one-click fix needs: the grant (principal, resource,
// permissions), the token prefix or the invitation's address.
type Finding struct {
	Kind          string
	UserID        string
	UserEmail     string
	GroupID       string // FindingRedundantGrant: the group giving the same
	GroupName     string
	PrincipalType string
	ResourceType  string
	ResourceID    string
	Permissions   []string // the grant's permissions (the fix revokes these)
	TokenPrefix   string
	Email         string    // FindingExpiredInvitation
	Since         time.Time // last use, creation or expiry, when it matters
	Detail        string
}

// AccessReview is an organization's review: one page of findings of each
// kind, in the order of the kinds above, how many there are of each kind
// in all, and the facts the findings are relative to.
type AccessReview struct {
	Findings          []Finding
	Totals            map[string]int // by kind
	SuperAdmins       int
	TwoFactorRequired bool
	Now               time.Time
}

// ReviewPage selects the findings ReviewAccess returns: Limit of each kind
// (DefaultReviewLimit when zero), from Offset for Kind.
type ReviewPage struct {
	Kind   string
	Offset int
	Limit  int
}

// DefaultReviewLimit is a review page's findings of each kind when the
// page does not say.
const DefaultReviewLimit = 50

// ReviewAccess computes one page of an organization's access review.
// Each kind of finding is read from where it can be found without
// reading the whole organization: the engine's index for direct grants
// beside a group's, the store's indexes for the rest (store.ReviewReader),
// so a review costs what it finds, not what the organization holds. Every
// kind but the few super admins is read one page and its count at a time.
func (p *Plane) ReviewAccess(ctx context.Context, a *Actor, orgID string, pg ReviewPage) (AccessReview, error) {
	if pg.Limit == 0 {
		pg.Limit = DefaultReviewLimit
	}
	if pg.Limit < 0 || pg.Limit > maxMemberPage || pg.Offset < 0 {
		return AccessReview{}, fail(ErrInvalid, "limit must be between 1 and %d and offset not negative", maxMemberPage)
	}
	var out AccessReview
	err := p.read(ctx, func(tx store.Reader) error {
		o, err := p.authorizedOrg(tx, a, OpOrganizationAccessReview, orgID)
		if err != nil {
			return err
		}
		out = AccessReview{Now: p.now().UTC(), Totals: map[string]int{}}
		r := reviewer{tx: tx, ix: p.engine.Index(), orgID: o.ID, now: out.Now, users: map[string]identity.User{}, page: pg}
		if err := r.load(); err != nil {
			return err
		}
		pol, err := tx.GetAuthPolicy(o.ID)
		if errors.Is(err, store.ErrNotFound) {
			pol, err = identity.DefaultAuthPolicy(o.ID), nil
		}
		if err != nil {
			return err
		}
		out.TwoFactorRequired = pol.TwoFactorRequired
		// Kinds in order, each one page.
		for _, kind := range findingKinds {
			if kind == FindingNoTwoFactor && pol.TwoFactorRequired {
				continue
			}
			fs, total, err := r.findings(kind)
			if err != nil {
				return err
			}
			out.Totals[kind] = total
			out.Findings = append(out.Findings, fs...)
		}
		out.SuperAdmins = r.superAdminCount
		return nil
	})
	return out, err
}

// findingKinds is the order of a review's kinds.
var findingKinds = []string{FindingDeactivatedGrant, FindingStaleToken, FindingEndlessToken, FindingRedundantGrant,
	FindingOrgWideGrant, FindingSuperAdmins, FindingNoTwoFactor, FindingExpiredInvitation}

// findings is one page of the findings of kind, and how many there are.
func (r *reviewer) findings(kind string) ([]Finding, int, error) {
	switch kind {
	case FindingDeactivatedGrant:
		return r.deactivatedGrants()
	case FindingStaleToken:
		return r.staleTokens()
	case FindingEndlessToken:
		return r.endlessTokens()
	case FindingRedundantGrant:
		return r.redundantGrants()
	case FindingOrgWideGrant:
		return r.orgWideGrants()
	case FindingSuperAdmins:
		return r.superAdmins()
	case FindingNoTwoFactor:
		return r.noTwoFactor()
	case FindingExpiredInvitation:
		return r.expiredInvitations()
	}
	return nil, 0, fmt.Errorf("access review: no finding of kind %q", kind)
}

// offset is where the page starts among the findings of kind.
func (r *reviewer) offset(kind string) int {
	if kind == r.page.Kind {
		return r.page.Offset
	}
	return 0
}

// OrganizationGrants lists every grant of an organization (the access
// review's export), ordered by resource then principal.
func (p *Plane) OrganizationGrants(ctx context.Context, a *Actor, orgID string) ([]grant.Grant, error) {
	var out []grant.Grant
	err := p.read(ctx, func(tx store.Reader) error {
		o, err := p.authorizedOrg(tx, a, OpOrganizationAccessReview, orgID)
		if err != nil {
			return err
		}
		out, err = orgGrants(tx, o.ID)
		return err
	})
	return out, err
}

func orgGrants(tx store.Reader, orgID string) ([]grant.Grant, error) {
	all, err := tx.ListAllGrants()
	if err != nil {
		return nil, err
	}
	var out []grant.Grant
	for _, g := range all {
		if g.OrganizationID == orgID {
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b grant.Grant) int {
		return strings.Compare(a.ResourceType+"\x00"+a.ResourceID+"\x00"+a.PrincipalType+"\x00"+a.PrincipalID,
			b.ResourceType+"\x00"+b.ResourceID+"\x00"+b.PrincipalType+"\x00"+b.PrincipalID)
	})
	return out, nil
}

// reviewer holds what the review's steps share.
type reviewer struct {
	tx              store.Reader
	ix              *authz.Index
	orgID           string
	now             time.Time
	page            ReviewPage
	users           map[string]identity.User // read as findings name them
	groups          map[string]identity.Group
	superAdminCount int
}

func (r *reviewer) load() error {
	gs, err := r.tx.ListGroups(r.orgID)
	if err != nil {
		return err
	}
	r.groups = make(map[string]identity.Group, len(gs))
	for _, g := range gs {
		r.groups[g.ID] = g
	}
	return nil
}

// user reads a user once per review; a missing one is the zero user.
func (r *reviewer) user(id string) (identity.User, error) {
	if u, ok := r.users[id]; ok {
		return u, nil
	}
	u, err := r.tx.GetUser(id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return u, err
	}
	r.users[id] = u
	return u, nil
}

func (r *reviewer) grantFinding(kind string, g grant.Grant, email, detail string) Finding {
	f := Finding{Kind: kind, PrincipalType: g.PrincipalType, ResourceType: g.ResourceType, ResourceID: g.ResourceID,
		Permissions: g.Permissions, Detail: detail, Since: g.UpdateTime}
	if g.PrincipalType == grant.PrincipalUser {
		f.UserID, f.UserEmail = g.PrincipalID, email
	} else {
		f.GroupID, f.GroupName = g.PrincipalID, r.groups[g.PrincipalID].Name
	}
	return f
}

// deactivatedGrants: one page of the grants (through the permissions
// API) still held by deactivated users, which give nothing today and
// everything on reactivation, by resource then user, and how many there
// are.
func (r *reviewer) deactivatedGrants() ([]Finding, int, error) {
	gs, total, err := r.tx.ListDeactivatedGrants(r.orgID, r.offset(FindingDeactivatedGrant), r.page.Limit)
	if err != nil {
		return nil, 0, err
	}
	var out []Finding
	for _, g := range gs {
		out = append(out, r.grantFinding(FindingDeactivatedGrant, g.Grant, g.Email, fmt.Sprintf("%s is deactivated but still holds %s on %s %s",
			g.Email, strings.Join(g.Permissions, ", "), g.ResourceType, g.ResourceID)))
	}
	return out, total, nil
}

// staleTokens: one page of the application-user tokens, not expired,
// unused for StaleTokenAge (or never used since being created that long
// ago), and how many there are.
func (r *reviewer) staleTokens() ([]Finding, int, error) {
	ts, total, err := r.tx.ListStaleTokens(r.orgID, r.now, r.now.Add(-StaleTokenAge), r.offset(FindingStaleToken), r.page.Limit)
	if err != nil {
		return nil, 0, err
	}
	var out []Finding
	for _, t := range ts {
		last := t.CreateTime
		if t.LastUsedTime != nil {
			last = *t.LastUsedTime
		}
		f := Finding{Kind: FindingStaleToken, UserID: t.UserID, UserEmail: t.UserName, TokenPrefix: t.Prefix, Since: last}
		if t.LastUsedTime == nil {
			f.Detail = fmt.Sprintf("Token %s of %s was never used since it was created %d days ago", t.Prefix, t.UserName, days(r.now.Sub(last)))
		} else {
			f.Detail = fmt.Sprintf("Token %s of %s was last used %d days ago", t.Prefix, t.UserName, days(r.now.Sub(last)))
		}
		out = append(out, f)
	}
	return out, total, nil
}

// endlessTokens: one page of the application-user tokens that never
// expire (stale ones are found as stale), and how many there are.
func (r *reviewer) endlessTokens() ([]Finding, int, error) {
	ts, total, err := r.tx.ListEndlessTokens(r.orgID, r.now.Add(-StaleTokenAge), r.offset(FindingEndlessToken), r.page.Limit)
	if err != nil {
		return nil, 0, err
	}
	var out []Finding
	for _, t := range ts {
		out = append(out, Finding{Kind: FindingEndlessToken, UserID: t.UserID, UserEmail: t.UserName, TokenPrefix: t.Prefix,
			Since: t.CreateTime, Detail: fmt.Sprintf("Token %s of %s never expires", t.Prefix, t.UserName)})
	}
	return out, total, nil
}

func days(d time.Duration) int { return int(d / (24 * time.Hour)) }

// redundantGrants: one page of the direct grants to users on a resource
// where a group the user belongs to already holds at least the same
// there (the seed's "use groups, not individual grants"), and how many
// there are. The engine's index finds them without reading memberships;
// only the page's grants are read from the store, for their rows.
func (r *reviewer) redundantGrants() ([]Finding, int, error) {
	overlaps, total := r.ix.Overlaps(r.orgID, r.offset(FindingRedundantGrant), r.page.Limit)
	var out []Finding
	for _, o := range overlaps {
		f, ok, err := r.redundant(o)
		if err != nil {
			return nil, 0, err
		}
		if ok {
			out = append(out, f)
		}
	}
	return out, total, nil
}

// redundant is the finding of an overlap the engine found, from the
// user's grant as stored; none when the store no longer holds it.
func (r *reviewer) redundant(o authz.Overlap) (Finding, bool, error) {
	rtype := grant.ResourceProject
	switch o.Resource.Kind {
	case authz.KindOrganization:
		rtype = grant.ResourceOrganization
	case authz.KindUnit:
		rtype = grant.ResourceUnit
	}
	g, err := r.tx.GetGrant(grant.PrincipalUser, o.User, rtype, o.Resource.ID)
	if errors.Is(err, store.ErrNotFound) {
		return Finding{}, false, nil
	}
	if err != nil {
		return Finding{}, false, err
	}
	if g.OrganizationID != r.orgID || len(g.Permissions) == 0 {
		return Finding{}, false, nil
	}
	u, err := r.user(o.User)
	if err != nil {
		return Finding{}, false, err
	}
	name := r.groups[o.Group].Name
	f := r.grantFinding(FindingRedundantGrant, g, u.Email, fmt.Sprintf("%s holds %s on %s %s directly, and group %s already gives it",
		u.Email, strings.Join(g.Permissions, ", "), g.ResourceType, g.ResourceID, name))
	f.GroupID, f.GroupName = o.Group, name
	return f, true, nil
}

// orgWideGrants: one page of the grants on the organization made only of
// project and service access, which the seed would rather see on the
// projects that need it ("use project-level permissions"), by principal,
// and how many there are.
func (r *reviewer) orgWideGrants() ([]Finding, int, error) {
	gs, total, err := r.tx.ListOrganizationWideGrants(r.orgID, projectLevel, r.offset(FindingOrgWideGrant), r.page.Limit)
	if err != nil {
		return nil, 0, err
	}
	var out []Finding
	for _, g := range gs {
		who := g.Email
		if g.PrincipalType != grant.PrincipalUser {
			who = "group " + r.groups[g.PrincipalID].Name
		}
		out = append(out, r.grantFinding(FindingOrgWideGrant, g.Grant, g.Email, fmt.Sprintf("%s holds %s on every project of the organization",
			who, strings.Join(g.Permissions, ", "))))
	}
	return out, total, nil
}

// projectLevel is every permission of project or service access, as
// grants spell them: an organization-wide grant made only of these is a
// finding.
var projectLevel = func() []string {
	var out []string
	for _, in := range authz.Catalogue() {
		switch in.Category {
		case authz.CategoryProjectRole, authz.CategoryProject, authz.CategoryService:
			if in.Grantable() {
				out = append(out, in.Name)
			}
		}
	}
	return out
}()

// superAdmins: one page of the super admins when there are more than
// MaxSuperAdmins ("limit super admin access"), and how many there are.
// Super admins are few: all are read, for their count.
func (r *reviewer) superAdmins() ([]Finding, int, error) {
	ms, err := r.tx.ListSuperAdmins(r.orgID)
	if err != nil {
		return nil, 0, err
	}
	var admins []identity.Membership
	for _, m := range ms {
		u, err := r.user(m.UserID)
		if err != nil {
			return nil, 0, err
		}
		if u.State != identity.StateDeactivated {
			admins = append(admins, m)
		}
	}
	r.superAdminCount = len(admins)
	if len(admins) <= MaxSuperAdmins {
		return nil, 0, nil
	}
	from := min(r.offset(FindingSuperAdmins), len(admins))
	var out []Finding
	for _, m := range admins[from:min(from+r.page.Limit, len(admins))] {
		u := r.users[m.UserID]
		out = append(out, Finding{Kind: FindingSuperAdmins, UserID: u.ID, UserEmail: u.Email, Since: m.JoinTime,
			Detail: fmt.Sprintf("%s is one of %d super admins (at most %d recommended)", u.Email, len(admins), MaxSuperAdmins)})
	}
	return out, len(admins), nil
}

// noTwoFactor: one page of the active people without a confirmed second
// factor, and how many there are.
func (r *reviewer) noTwoFactor() ([]Finding, int, error) {
	us, total, err := r.tx.ListWithoutTwoFactor(r.orgID, r.offset(FindingNoTwoFactor), r.page.Limit)
	if err != nil {
		return nil, 0, err
	}
	var out []Finding
	for _, u := range us {
		out = append(out, Finding{Kind: FindingNoTwoFactor, UserID: u.ID, UserEmail: u.Email,
			Detail: fmt.Sprintf("%s signs in without two-factor authentication", u.Email)})
	}
	return out, total, nil
}

// expiredInvitations: one page of the pending invitations past their
// validity, newest first, and how many there are.
func (r *reviewer) expiredInvitations() ([]Finding, int, error) {
	invs, total, err := r.tx.ListExpiredInvitations(r.orgID, r.now, r.offset(FindingExpiredInvitation), r.page.Limit)
	if err != nil {
		return nil, 0, err
	}
	var out []Finding
	for _, inv := range invs {
		out = append(out, Finding{Kind: FindingExpiredInvitation, Email: inv.Email, Since: inv.ExpiryTime,
			Detail: fmt.Sprintf("The invitation of %s by %s expired %d days ago", inv.Email, inv.InvitedByEmail, days(r.now.Sub(inv.ExpiryTime)))})
	}
	return out, total, nil
}
