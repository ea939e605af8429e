package control

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Member operations (Aiven's organization user handler).
const (
	OpOrganizationUserList   Op = "OrganizationUserList"
	OpOrganizationUserGet    Op = "OrganizationUserGet"
	OpOrganizationUserUpdate Op = "OrganizationUserUpdate"
	OpOrganizationUserDelete Op = "OrganizationUserDelete"
)

func init() {
	addRequirements(map[Op]rule{
		// Aiven lists no permission for reading members: any member may.
		OpOrganizationUserList:   {member: true},
		OpOrganizationUserGet:    {member: true},
		OpOrganizationUserUpdate: anyOf("organization:users:write"),
		OpOrganizationUserDelete: anyOf("organization:users:write"),
	})
}

// Member is an organization membership with its person.
type Member struct {
	identity.Membership
	User    identity.User
	Profile identity.Profile
	// ManagedBySCIM: the organization's identity provider provisioned the
	// person through SCIM, so only a super admin edits them by hand.
	ManagedBySCIM bool
}

// ListMembers lists an organization's members; application users only
// when includeApps is set (Aiven's default).
func (p *Plane) ListMembers(ctx context.Context, a *Actor, orgID string, includeApps bool) ([]Member, error) {
	var out []Member
	err := p.read(ctx, func(tx store.Reader) error {
		o, err := p.authorizedOrg(tx, a, OpOrganizationUserList, orgID)
		if err != nil {
			return err
		}
		ms, err := tx.ListMembers(o.ID)
		if err != nil {
			return err
		}
		for _, m := range ms {
			mem, err := p.loadMember(tx, m)
			if err != nil {
				return err
			}
			if mem.User.IsApplication && !includeApps {
				continue
			}
			out = append(out, mem)
		}
		return nil
	})
	return out, err
}

func (p *Plane) loadMember(tx store.Reader, m identity.Membership) (Member, error) {
	u, err := tx.GetUser(m.UserID)
	if err != nil {
		return Member{}, err
	}
	prof, err := tx.GetProfile(u.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return Member{}, err
	}
	scim, err := tx.IsSCIMUser(m.OrganizationID, u.ID)
	if err != nil {
		return Member{}, err
	}
	return Member{Membership: m, User: u, Profile: prof, ManagedBySCIM: scim}, nil
}

// member loads one member of o, or answers 404.
func (p *Plane) member(tx store.Reader, o org.Organization, userID string) (Member, error) {
	if err := org.ValidateID("member_user_id", org.PrefixUser, userID); err != nil {
		return Member{}, err
	}
	m, err := tx.GetMember(o.ID, userID)
	if err != nil {
		return Member{}, notFound(err, "User not found in this organization")
	}
	return p.loadMember(tx, m)
}

// GetMember returns one member.
func (p *Plane) GetMember(ctx context.Context, a *Actor, orgID, userID string) (Member, error) {
	var out Member
	err := p.read(ctx, func(tx store.Reader) error {
		o, err := p.authorizedOrg(tx, a, OpOrganizationUserGet, orgID)
		if err != nil {
			return err
		}
		out, err = p.member(tx, o, userID)
		return err
	})
	return out, err
}

// ProfileUpdate holds optional profile changes; nil leaves a field alone.
type ProfileUpdate struct {
	RealName   *string
	JobTitle   *string
	Department *string
	City       *string
	Country    *string
}

func (u ProfileUpdate) empty() bool {
	return u.RealName == nil && u.JobTitle == nil && u.Department == nil && u.City == nil && u.Country == nil
}

const maxProfileField = 256

func (u ProfileUpdate) validate() error {
	if u.RealName != nil {
		if err := org.ValidateName("real_name", *u.RealName); err != nil {
			return err
		}
	}
	for name, v := range map[string]*string{"job_title": u.JobTitle, "department": u.Department, "city": u.City} {
		if v != nil && (utf8.RuneCountInString(*v) > maxProfileField || strings.ContainsAny(*v, "\x00\n\r")) {
			return fail(ErrInvalid, "%s must be at most %d characters on one line", name, maxProfileField)
		}
	}
	if u.Country != nil && *u.Country != "" && (len(*u.Country) != 2 || strings.ToUpper(*u.Country) != *u.Country) {
		return fail(ErrInvalid, "country must be an ISO 3166-1 alpha-2 code such as \"FI\"")
	}
	return nil
}

// apply writes the changes to u and prof, reporting what changed.
func (u ProfileUpdate) apply(usr *identity.User, prof *identity.Profile) []string {
	var changed []string
	set := func(name string, dst *string, v *string) {
		if v != nil && *v != *dst {
			*dst = *v
			changed = append(changed, name)
		}
	}
	set("real_name", &usr.RealName, u.RealName)
	set("job_title", &prof.JobTitle, u.JobTitle)
	set("department", &prof.Department, u.Department)
	set("city", &prof.City, u.City)
	set("country", &prof.Country, u.Country)
	return changed
}

// saveProfile stores changed profile fields.
func saveProfile(tx store.Tx, u identity.User, prof identity.Profile, now time.Time) error {
	u.UpdateTime = now
	if err := tx.UpdateUser(u); err != nil {
		return err
	}
	prof.UserID = u.ID
	return tx.SetProfile(prof)
}

// MemberUpdate is a change to a member: profile fields (for users this
// organization manages), the super-admin flag, or the account state.
type MemberUpdate struct {
	ProfileUpdate
	IsSuperAdmin *bool
	State        string // "", "active" or "deactivated"
}

// UpdateMember changes a member. Profile edits and state changes apply to
// users the organization manages (their verified domain), by an actor
// holding at least the user's access (guardTarget); only super admins
// change the super-admin flag, never on application users, and the last
// super admin can be neither demoted nor deactivated. Deactivation ends
// the user's sessions and tokens at once.
func (p *Plane) UpdateMember(ctx context.Context, a *Actor, orgID, userID string, in MemberUpdate) (Member, error) {
	if err := in.validate(); err != nil {
		return Member{}, err
	}
	switch in.State {
	case "", identity.StateActive, identity.StateDeactivated:
	case "deleted":
		return Member{}, fail(ErrInvalid, "state \"deleted\" is not supported: remove the user from the organization with DELETE instead")
	default:
		return Member{}, fail(ErrInvalid, "state must be \"active\" or \"deactivated\"")
	}
	var out Member
	stateChanged := false
	err := p.write(ctx, func(tx store.Tx) error {
		o, err := p.authorizedOrg(tx, a, OpOrganizationUserUpdate, orgID)
		if err != nil {
			return err
		}
		m, err := p.member(tx, o, userID)
		if err != nil {
			return err
		}
		if !in.ProfileUpdate.empty() || in.State != "" && in.State != m.User.State {
			if err := p.guardSCIMManaged(a, o, m.ManagedBySCIM, "User "+m.User.Email); err != nil {
				return err
			}
		}
		managed := m.User.ManagingOrgID == o.ID
		now := p.now().UTC()
		var events []string
		if !in.ProfileUpdate.empty() {
			if !managed && m.User.ID != a.User.ID {
				return fail(ErrForbidden, "Only users managed by this organization (through a verified domain) can have their profile edited by it")
			}
			if m.User.ID == a.User.ID && m.User.ManagingOrgID != "" && !managed {
				return fail(ErrForbidden, "Managed users cannot edit their own profile; ask an admin of the managing organization")
			}
			if err := p.guardTarget(tx, a, o, m.User, "edit the profile of"); err != nil {
				return err
			}
			if changed := in.ProfileUpdate.apply(&m.User, &m.Profile); len(changed) > 0 {
				if err := saveProfile(tx, m.User, m.Profile, now); err != nil {
					return err
				}
				events = append(events, "user_update", fmt.Sprintf("Updated %s of %s", strings.Join(changed, ", "), m.User.Email))
			}
		}
		if in.IsSuperAdmin != nil && *in.IsSuperAdmin != m.IsSuperAdmin {
			ev, err := p.setSuperAdmin(tx, a, o, &m, *in.IsSuperAdmin)
			if err != nil {
				return err
			}
			events = append(events, ev...)
		}
		if in.State != "" && in.State != m.User.State {
			ev, err := p.setState(tx, a, o, &m, in.State, now)
			if err != nil {
				return err
			}
			stateChanged = true
			events = append(events, ev...)
		}
		for i := 0; i < len(events); i += 2 {
			if err := p.event(tx, a, eventOf{org: o.ID, account: o.AccountID, action: events[i], desc: events[i+1]}); err != nil {
				return err
			}
		}
		out = m
		return nil
	})
	if err == nil && stateChanged {
		// Cached tokens of this server stop at once; other servers' caches
		// expire within tokenCacheTTL.
		p.tokens.dropUser(userID)
	}
	return out, err
}

func (p *Plane) setSuperAdmin(tx store.Tx, a *Actor, o org.Organization, m *Member, on bool) ([]string, error) {
	if !p.engine.IsSuperAdmin(o.ID, a.User.ID) {
		return nil, fail(ErrForbidden, "Only super admins can change is_super_admin")
	}
	if on && m.User.IsApplication {
		return nil, fail(ErrInvalid, "Application users cannot be super admins")
	}
	if on && !m.User.Active() {
		return nil, fail(ErrInvalid, "A deactivated user cannot be made a super admin")
	}
	if !on {
		if err := p.keepASuperAdmin(tx, o.ID, m.User.ID, "demote"); err != nil {
			return nil, err
		}
	}
	m.IsSuperAdmin = on
	if err := tx.UpdateMember(m.Membership); err != nil {
		return nil, err
	}
	if err := p.record(tx, superAdminChange(o.ID, m.User.ID, on)); err != nil {
		return nil, err
	}
	if on {
		return []string{"user_super_admin_grant", "Made " + m.User.Email + " a super admin"}, nil
	}
	return []string{"user_super_admin_revoke", "Removed super admin from " + m.User.Email}, nil
}

// keepASuperAdmin refuses an action that would leave the organization
// without an active super admin.
func (p *Plane) keepASuperAdmin(tx store.Reader, orgID, userID, verb string) error {
	ms, err := tx.ListMembers(orgID)
	if err != nil {
		return err
	}
	others := 0
	for _, m := range ms {
		if !m.IsSuperAdmin || m.UserID == userID {
			continue
		}
		u, err := tx.GetUser(m.UserID)
		if err != nil {
			return err
		}
		if u.Active() {
			others++
		}
	}
	if others == 0 {
		return fail(ErrConflict, "Cannot %s the last super admin of the organization; make someone else super admin first", verb)
	}
	return nil
}

func (p *Plane) setState(tx store.Tx, a *Actor, o org.Organization, m *Member, state string, now time.Time) ([]string, error) {
	if m.User.ManagingOrgID != o.ID {
		return nil, fail(ErrForbidden, "Only users managed by this organization (through a verified domain) can be deactivated or reactivated; remove other users instead")
	}
	if err := p.guardTarget(tx, a, o, m.User, "deactivate or reactivate"); err != nil {
		return nil, err
	}
	if state == identity.StateDeactivated {
		if m.User.ID == a.User.ID {
			return nil, fail(ErrInvalid, "You cannot deactivate yourself")
		}
		if m.IsSuperAdmin {
			if err := p.keepASuperAdmin(tx, o.ID, m.User.ID, "deactivate"); err != nil {
				return nil, err
			}
		}
	}
	m.User.State, m.User.UpdateTime = state, now
	if err := tx.UpdateUser(m.User); err != nil {
		return nil, err
	}
	if err := p.record(tx, userChange(m.User.ID, state == identity.StateActive)); err != nil {
		return nil, err
	}
	if state == identity.StateActive {
		return []string{"user_activate", "Reactivated " + m.User.Email}, nil
	}
	return []string{"user_deactivate", "Deactivated " + m.User.Email + "; their sessions and tokens stopped working"}, nil
}

// RemoveMember removes a person from an organization, with their group
// memberships, grants (on the organization, its units and its projects)
// and super-admin flag there, in one transaction: their access to the
// organization ends with the commit. Their account stays. Only an actor
// holding at least the person's access removes them (guardTarget).
func (p *Plane) RemoveMember(ctx context.Context, a *Actor, orgID, userID string) error {
	return p.write(ctx, func(tx store.Tx) error {
		o, err := p.authorizedOrg(tx, a, OpOrganizationUserDelete, orgID)
		if err != nil {
			return err
		}
		m, err := p.member(tx, o, userID)
		if err != nil {
			return err
		}
		if m.User.IsApplication {
			// Removing only the membership would leave its tokens alive.
			return fail(ErrInvalid, "%s is an application user: delete it with DELETE /v1/organization/%s/application-users/%s, which also revokes its tokens",
				m.User.Email, o.ID, m.User.ID)
		}
		if err := p.guardSCIMManaged(a, o, m.ManagedBySCIM, "User "+m.User.Email); err != nil {
			return err
		}
		if err := p.guardTarget(tx, a, o, m.User, "remove"); err != nil {
			return err
		}
		return p.dropMember(tx, a, o, m, "")
	})
}

// dropMember removes m from o with their group memberships, grants and
// super-admin flag there, keeping an active super admin, and logs it;
// via names the channel ("SCIM") when not the API.
func (p *Plane) dropMember(tx store.Tx, a *Actor, o org.Organization, m Member, via string) error {
	var changes []authz.Change
	if m.IsSuperAdmin {
		if err := p.keepASuperAdmin(tx, o.ID, m.User.ID, "remove"); err != nil {
			return err
		}
		changes = append(changes, superAdminChange(o.ID, m.User.ID, false))
	}
	groups, err := tx.ListUserGroups(o.ID, m.User.ID)
	if err != nil {
		return err
	}
	for _, g := range groups {
		if err := tx.RemoveGroupMember(g.ID, m.User.ID); err != nil {
			return err
		}
		changes = append(changes, authz.RemoveMember(g.ID, m.User.ID))
	}
	grants, err := tx.ListPrincipalGrants(grant.PrincipalUser, m.User.ID)
	if err != nil {
		return err
	}
	for _, g := range grants {
		if g.OrganizationID != o.ID {
			continue
		}
		g.Permissions, g.Membership, g.UpdateTime = nil, nil, p.now().UTC()
		if err := tx.SetGrant(g); err != nil {
			return err
		}
		changes = append(changes, grantChange(g))
	}
	if err := tx.RemoveMember(o.ID, m.User.ID); err != nil {
		return err
	}
	if err := p.record(tx, changes...); err != nil {
		return err
	}
	if via != "" {
		via = " through " + via
	}
	return p.event(tx, a, eventOf{org: o.ID, account: o.AccountID, action: "user_remove", desc: fmt.Sprintf("Removed %s from the organization%s (%d groups, %d grants)", m.User.Email, via, len(groups), len(changes)-len(groups)-boolInt(m.IsSuperAdmin))})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
