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

// AccessReview is an organization's review: findings in the order of the
// kinds above, and the facts the findings are relative to.
type AccessReview struct {
	Findings          []Finding
	SuperAdmins       int
	TwoFactorRequired bool
	Grants            int
	Now               time.Time
}

// ReviewAccess computes an organization's access review.
func (p *Plane) ReviewAccess(ctx context.Context, a *Actor, orgID string) (AccessReview, error) {
	var out AccessReview
	err := p.read(ctx, func(tx store.Reader) error {
		o, err := p.organization(tx, orgID)
		if err != nil {
			return err
		}
		if err := p.authorize(tx, a, OpOrganizationAccessReview, orgRes(o.ID)); err != nil {
			return err
		}
		out = AccessReview{Now: p.now().UTC()}
		r := reviewer{tx: tx, orgID: o.ID, now: out.Now, users: map[string]identity.User{}}
		if err := r.load(); err != nil {
			return err
		}
		out.Grants = len(r.grants)
		pol, err := tx.GetAuthPolicy(o.ID)
		if errors.Is(err, store.ErrNotFound) {
			pol, err = identity.DefaultAuthPolicy(o.ID), nil
		}
		if err != nil {
			return err
		}
		out.TwoFactorRequired = pol.TwoFactorRequired
		for _, step := range []func() ([]Finding, error){
			r.deactivatedGrants, r.tokens, r.redundantGrants, r.orgWideGrants, r.superAdmins,
			func() ([]Finding, error) {
				if pol.TwoFactorRequired {
					return nil, nil
				}
				return r.noTwoFactor()
			},
			r.expiredInvitations,
		} {
			fs, err := step()
			if err != nil {
				return err
			}
			out.Findings = append(out.Findings, fs...)
		}
		out.SuperAdmins = r.superAdminCount
		return nil
	})
	return out, err
}

// OrganizationGrants lists every grant of an organization (the access
// review's export), ordered by resource then principal.
func (p *Plane) OrganizationGrants(ctx context.Context, a *Actor, orgID string) ([]grant.Grant, error) {
	var out []grant.Grant
	err := p.read(ctx, func(tx store.Reader) error {
		o, err := p.organization(tx, orgID)
		if err != nil {
			return err
		}
		if err := p.authorize(tx, a, OpOrganizationAccessReview, orgRes(o.ID)); err != nil {
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

// reviewer holds what the review's steps share, read once.
type reviewer struct {
	tx              store.Reader
	orgID           string
	now             time.Time
	grants          []grant.Grant
	members         []identity.Membership
	users           map[string]identity.User
	groups          map[string]identity.Group
	groupMembers    map[string]map[string]bool // group → users
	superAdminCount int
}

func (r *reviewer) load() error {
	var err error
	if r.grants, err = orgGrants(r.tx, r.orgID); err != nil {
		return err
	}
	if r.members, err = r.tx.ListMembers(r.orgID); err != nil {
		return err
	}
	for _, m := range r.members {
		u, err := r.tx.GetUser(m.UserID)
		if err != nil {
			return err
		}
		r.users[u.ID] = u
	}
	gs, err := r.tx.ListGroups(r.orgID)
	if err != nil {
		return err
	}
	r.groups, r.groupMembers = map[string]identity.Group{}, map[string]map[string]bool{}
	for _, g := range gs {
		r.groups[g.ID] = g
		ms, err := r.tx.ListGroupMembers(g.ID)
		if err != nil {
			return err
		}
		set := map[string]bool{}
		for _, m := range ms {
			set[m.UserID] = true
		}
		r.groupMembers[g.ID] = set
	}
	return nil
}

func (r *reviewer) grantFinding(kind string, g grant.Grant, detail string) Finding {
	f := Finding{Kind: kind, PrincipalType: g.PrincipalType, ResourceType: g.ResourceType, ResourceID: g.ResourceID,
		Permissions: g.Permissions, Detail: detail, Since: g.UpdateTime}
	if g.PrincipalType == grant.PrincipalUser {
		f.UserID, f.UserEmail = g.PrincipalID, r.users[g.PrincipalID].Email
	} else {
		f.GroupID, f.GroupName = g.PrincipalID, r.groups[g.PrincipalID].Name
	}
	return f
}

// deactivatedGrants: grants (through the permissions API) still held by
// deactivated users; they give nothing today and everything on
// reactivation.
func (r *reviewer) deactivatedGrants() ([]Finding, error) {
	var out []Finding
	for _, g := range r.grants {
		u, ok := r.users[g.PrincipalID]
		if g.PrincipalType != grant.PrincipalUser || !ok || u.State != identity.StateDeactivated || len(g.Permissions) == 0 {
			continue
		}
		out = append(out, r.grantFinding(FindingDeactivatedGrant, g, fmt.Sprintf("%s is deactivated but still holds %s on %s %s",
			u.Email, strings.Join(g.Permissions, ", "), g.ResourceType, g.ResourceID)))
	}
	return out, nil
}

// tokens: application-user tokens unused for StaleTokenAge (or never used
// since being created that long ago), and tokens that never expire.
func (r *reviewer) tokens() ([]Finding, error) {
	apps, err := r.tx.ListApplicationUsers(r.orgID)
	if err != nil {
		return nil, err
	}
	var stale, endless []Finding
	for _, u := range apps {
		ts, err := r.tx.ListTokens(u.ID)
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			if t.ExpiryTime != nil && !r.now.Before(*t.ExpiryTime) {
				continue // expired: it opens nothing
			}
			f := Finding{UserID: u.ID, UserEmail: u.RealName, TokenPrefix: t.Prefix}
			last := t.CreateTime
			if t.LastUsedTime != nil {
				last = *t.LastUsedTime
			}
			if r.now.Sub(last) >= StaleTokenAge {
				f.Kind, f.Since = FindingStaleToken, last
				if t.LastUsedTime == nil {
					f.Detail = fmt.Sprintf("Token %s of %s was never used since it was created %d days ago", t.Prefix, u.RealName, days(r.now.Sub(last)))
				} else {
					f.Detail = fmt.Sprintf("Token %s of %s was last used %d days ago", t.Prefix, u.RealName, days(r.now.Sub(last)))
				}
				stale = append(stale, f)
				continue
			}
			if t.ExpiryTime == nil && t.MaxAgeSeconds == nil {
				f.Kind, f.Since = FindingEndlessToken, t.CreateTime
				f.Detail = fmt.Sprintf("Token %s of %s never expires", t.Prefix, u.RealName)
				endless = append(endless, f)
			}
		}
	}
	return append(stale, endless...), nil
}

func days(d time.Duration) int { return int(d / (24 * time.Hour)) }

// redundantGrants: a direct grant to a user on a resource where a group
// the user belongs to already holds at least the same there: the seed's
// "use groups, not individual grants".
func (r *reviewer) redundantGrants() ([]Finding, error) {
	type key struct{ rt, rid string }
	groupGrants := map[key][]grant.Grant{}
	for _, g := range r.grants {
		if g.PrincipalType == grant.PrincipalGroup {
			k := key{g.ResourceType, g.ResourceID}
			groupGrants[k] = append(groupGrants[k], g)
		}
	}
	var out []Finding
	for _, g := range r.grants {
		if g.PrincipalType != grant.PrincipalUser || len(g.Permissions) == 0 {
			continue
		}
		mine, err := authz.ParseSet(g.Permissions)
		if err != nil {
			continue // a string this version does not know: not ours to judge
		}
		for _, gg := range groupGrants[key{g.ResourceType, g.ResourceID}] {
			if !r.groupMembers[gg.PrincipalID][g.PrincipalID] {
				continue
			}
			theirs, err := authz.ParseSet(gg.Permissions)
			if err != nil || mine.Expand()&^theirs.Expand() != 0 {
				continue
			}
			f := r.grantFinding(FindingRedundantGrant, g, fmt.Sprintf("%s holds %s on %s %s directly, and group %s already gives it",
				r.users[g.PrincipalID].Email, strings.Join(g.Permissions, ", "), g.ResourceType, g.ResourceID, r.groups[gg.PrincipalID].Name))
			f.GroupID, f.GroupName = gg.PrincipalID, r.groups[gg.PrincipalID].Name
			out = append(out, f)
			break
		}
	}
	return out, nil
}

// orgWideGrants: grants on the organization made only of project and
// service access, which the seed would rather see on the projects that
// need it ("use project-level permissions").
func (r *reviewer) orgWideGrants() ([]Finding, error) {
	var out []Finding
	for _, g := range r.grants {
		if g.ResourceType != grant.ResourceOrganization || len(g.Permissions) == 0 {
			continue
		}
		projectLevel := true
		for _, s := range g.Permissions {
			p, err := authz.Parse(s)
			if err != nil {
				projectLevel = false
				break
			}
			switch p.Info().Category {
			case authz.CategoryProjectRole, authz.CategoryProject, authz.CategoryService:
			default:
				projectLevel = false
			}
		}
		if !projectLevel {
			continue
		}
		who := r.users[g.PrincipalID].Email
		if g.PrincipalType == grant.PrincipalGroup {
			who = "group " + r.groups[g.PrincipalID].Name
		}
		out = append(out, r.grantFinding(FindingOrgWideGrant, g, fmt.Sprintf("%s holds %s on every project of the organization",
			who, strings.Join(g.Permissions, ", "))))
	}
	return out, nil
}

// superAdmins: every super admin when there are more than MaxSuperAdmins
// ("limit super admin access").
func (r *reviewer) superAdmins() ([]Finding, error) {
	var admins []identity.Membership
	for _, m := range r.members {
		if m.IsSuperAdmin && r.users[m.UserID].State != identity.StateDeactivated {
			admins = append(admins, m)
		}
	}
	r.superAdminCount = len(admins)
	if len(admins) <= MaxSuperAdmins {
		return nil, nil
	}
	var out []Finding
	for _, m := range admins {
		u := r.users[m.UserID]
		out = append(out, Finding{Kind: FindingSuperAdmins, UserID: u.ID, UserEmail: u.Email, Since: m.JoinTime,
			Detail: fmt.Sprintf("%s is one of %d super admins (at most %d recommended)", u.Email, len(admins), MaxSuperAdmins)})
	}
	return out, nil
}

// noTwoFactor: active people without a confirmed second factor.
func (r *reviewer) noTwoFactor() ([]Finding, error) {
	var out []Finding
	for _, m := range r.members {
		u := r.users[m.UserID]
		if u.IsApplication || u.State != identity.StateActive {
			continue
		}
		tf, err := r.tx.GetTwoFactor(u.ID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		if err == nil && tf.Confirmed {
			continue
		}
		out = append(out, Finding{Kind: FindingNoTwoFactor, UserID: u.ID, UserEmail: u.Email,
			Detail: fmt.Sprintf("%s signs in without two-factor authentication", u.Email)})
	}
	return out, nil
}

// expiredInvitations: pending invitations past their validity.
func (r *reviewer) expiredInvitations() ([]Finding, error) {
	invs, err := r.tx.ListInvitations(r.orgID, identity.InvitationPending)
	if err != nil {
		return nil, err
	}
	var out []Finding
	for _, inv := range invs {
		if !inv.Expired(r.now) {
			continue
		}
		out = append(out, Finding{Kind: FindingExpiredInvitation, Email: inv.Email, Since: inv.ExpiryTime,
			Detail: fmt.Sprintf("The invitation of %s by %s expired %d days ago", inv.Email, inv.InvitedByEmail, days(r.now.Sub(inv.ExpiryTime)))})
	}
	return out, nil
}
