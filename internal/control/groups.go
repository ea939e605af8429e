package control

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Group limits, from Aiven's Terraform provider.
const (
	maxGroupName        = 128
	maxGroupDescription = 4096
	maxMembersPerCall   = 1000
)

func validateGroup(name, desc *string) error {
	if name != nil {
		if strings.TrimSpace(*name) == "" || utf8.RuneCountInString(*name) > maxGroupName {
			return fail(ErrInvalid, "user_group_name must be 1 to %d characters", maxGroupName)
		}
	}
	if desc != nil && utf8.RuneCountInString(*desc) > maxGroupDescription {
		return fail(ErrInvalid, "description must be at most %d characters", maxGroupDescription)
	}
	return nil
}

// GroupWithCount is a group and its number of members.
type GroupWithCount struct {
	identity.Group
	MemberCount int
}

// CreateGroup creates a group in an organization.
func (p *Plane) CreateGroup(ctx context.Context, a *Actor, orgID, name, desc string) (identity.Group, error) {
	if err := validateGroup(&name, &desc); err != nil {
		return identity.Group{}, err
	}
	var g identity.Group
	err := p.write(ctx, func(tx store.Tx) error {
		o, err := p.authorizedOrg(tx, a, OpUserGroupCreate, orgID)
		if err != nil {
			return err
		}
		now := p.now().UTC()
		g = identity.Group{ID: org.NewID(org.PrefixGroup), OrganizationID: o.ID, Name: name, Description: desc, CreateTime: now, UpdateTime: now}
		if err := tx.CreateGroup(g); err != nil {
			return conflict(err, fmt.Sprintf("Group %q already exists", name))
		}
		if err := p.record(tx, authz.UpsertGroup(g.ID, o.ID)); err != nil {
			return err
		}
		return p.event(tx, a, eventOf{org: o.ID, account: o.AccountID, action: "user_group_create", desc: fmt.Sprintf("Created group %q", name)})
	})
	return g, err
}

// group loads a group of orgID.
func (p *Plane) group(tx store.Reader, orgID, id string) (identity.Group, error) {
	if err := org.ValidateID("user_group_id", org.PrefixGroup, id); err != nil {
		return identity.Group{}, err
	}
	g, err := tx.GetGroup(id)
	if err != nil {
		return g, notFound(err, "User group not found")
	}
	if g.OrganizationID != orgID {
		return g, fail(ErrNotFound, "User group not found")
	}
	return g, nil
}

// orgGroup loads an organization, authorizes op on it, and loads one of its
// groups: the opening of every operation on a group.
func (p *Plane) orgGroup(tx store.Reader, a *Actor, op Op, orgID, id string) (org.Organization, identity.Group, error) {
	o, err := p.organization(tx, orgID)
	if err != nil {
		return o, identity.Group{}, err
	}
	if err := p.authorize(tx, a, op, orgRes(o.ID)); err != nil {
		return o, identity.Group{}, err
	}
	g, err := p.group(tx, o.ID, id)
	return o, g, err
}

// ListGroups lists an organization's groups with member counts.
func (p *Plane) ListGroups(ctx context.Context, a *Actor, orgID string) ([]GroupWithCount, error) {
	var out []GroupWithCount
	err := p.read(ctx, func(tx store.Reader) error {
		o, err := p.authorizedOrg(tx, a, OpUserGroupsList, orgID)
		if err != nil {
			return err
		}
		gs, err := tx.ListGroups(o.ID)
		if err != nil {
			return err
		}
		counts, err := tx.CountGroupMembers(o.ID)
		if err != nil {
			return err
		}
		for _, g := range gs {
			out = append(out, GroupWithCount{Group: g, MemberCount: counts[g.ID]})
		}
		return nil
	})
	return out, err
}

// FindGroups lists at most limit of an organization's groups whose name
// contains search (any case; every group when empty) or whose ID is
// search, ordered by name, and whether more match. It is ListGroups for
// pickers: no member counts, so its cost does not grow with memberships.
func (p *Plane) FindGroups(ctx context.Context, a *Actor, orgID, search string, limit int) ([]identity.Group, bool, error) {
	if limit <= 0 {
		return nil, false, fail(ErrInvalid, "limit must be positive")
	}
	var out []identity.Group
	more := false
	err := p.read(ctx, func(tx store.Reader) error {
		o, err := p.authorizedOrg(tx, a, OpUserGroupsList, orgID)
		if err != nil {
			return err
		}
		gs, err := tx.ListGroups(o.ID)
		if err != nil {
			return err
		}
		needle := strings.ToLower(strings.TrimSpace(search))
		for _, g := range gs {
			if needle == "" || strings.Contains(strings.ToLower(g.Name), needle) || g.ID == search {
				out = append(out, g)
			}
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	slices.SortFunc(out, func(x, y identity.Group) int {
		return cmp.Or(strings.Compare(strings.ToLower(x.Name), strings.ToLower(y.Name)), strings.Compare(x.ID, y.ID))
	})
	if len(out) > limit {
		out, more = out[:limit], true
	}
	return out, more, nil
}

// GetGroup returns one group.
func (p *Plane) GetGroup(ctx context.Context, a *Actor, orgID, id string) (identity.Group, error) {
	var g identity.Group
	err := p.read(ctx, func(tx store.Reader) error {
		var err error
		_, g, err = p.orgGroup(tx, a, OpUserGroupGet, orgID, id)
		return err
	})
	return g, err
}

// UpdateGroup renames a group or changes its description.
func (p *Plane) UpdateGroup(ctx context.Context, a *Actor, orgID, id string, name, desc *string) (identity.Group, error) {
	if err := validateGroup(name, desc); err != nil {
		return identity.Group{}, err
	}
	var g identity.Group
	err := p.write(ctx, func(tx store.Tx) error {
		o, grp, err := p.orgGroup(tx, a, OpUserGroupUpdate, orgID, id)
		if err != nil {
			return err
		}
		if err := p.guardSCIMManaged(a, o, grp.ManagedBySCIM, fmt.Sprintf("Group %q", grp.Name)); err != nil {
			return err
		}
		g = grp
		if name != nil {
			g.Name = *name
		}
		if desc != nil {
			g.Description = *desc
		}
		g.UpdateTime = p.now().UTC()
		if err := tx.UpdateGroup(g); err != nil {
			return conflict(err, fmt.Sprintf("Group %q already exists", g.Name))
		}
		return p.event(tx, a, eventOf{org: o.ID, account: o.AccountID, action: "user_group_update", desc: fmt.Sprintf("Updated group %q", g.Name)})
	})
	return g, err
}

// DeleteGroup deletes a group, its memberships and its grants.
func (p *Plane) DeleteGroup(ctx context.Context, a *Actor, orgID, id string) error {
	return p.write(ctx, func(tx store.Tx) error {
		o, g, err := p.orgGroup(tx, a, OpUserGroupDelete, orgID, id)
		if err != nil {
			return err
		}
		if err := p.guardSCIMManaged(a, o, g.ManagedBySCIM, fmt.Sprintf("Group %q", g.Name)); err != nil {
			return err
		}
		if err := p.guardGroupWithGrants(tx, a, o, g); err != nil {
			return err
		}
		if err := tx.DeleteGroup(g.ID); err != nil {
			return err
		}
		if err := p.record(tx, authz.DeleteGroup(g.ID)); err != nil {
			return err
		}
		return p.event(tx, a, eventOf{org: o.ID, account: o.AccountID, action: "user_group_delete", desc: fmt.Sprintf("Deleted group %q", g.Name)})
	})
}

// guardGroupWithGrants is Aiven's escalation guard: organization:groups:write
// alone manages only groups that hold no permissions; changing who is in a
// group that holds permissions needs role:organization:admin on the
// organization (or super admin), since it hands those permissions out.
func (p *Plane) guardGroupWithGrants(tx store.Reader, a *Actor, o org.Organization, g identity.Group) error {
	grants, err := tx.ListPrincipalGrants(grant.PrincipalGroup, g.ID)
	if err != nil || len(grants) == 0 {
		return err
	}
	if p.engine.Check(a.User.ID, authz.MustParse("role:organization:admin"), orgRes(o.ID)) {
		return nil
	}
	return fail(ErrForbidden, "Group %q holds permissions; changing its members needs role:organization:admin (organization:groups:write covers only groups without permissions)", g.Name)
}

// GroupMember is a member with the user's details.
type GroupMember struct {
	identity.GroupMember
	User identity.User
}

// ListGroupMembers lists a group's members.
func (p *Plane) ListGroupMembers(ctx context.Context, a *Actor, orgID, id string) ([]GroupMember, error) {
	var out []GroupMember
	err := p.read(ctx, func(tx store.Reader) error {
		_, g, err := p.orgGroup(tx, a, OpUserGroupMembersList, orgID, id)
		if err != nil {
			return err
		}
		ms, err := tx.ListGroupMembers(g.ID)
		if err != nil {
			return err
		}
		for _, m := range ms {
			u, err := tx.GetUser(m.UserID)
			if err != nil {
				return err
			}
			out = append(out, GroupMember{GroupMember: m, User: u})
		}
		return nil
	})
	return out, err
}

// GroupMemberPage is one page of a group's members, by email, and how
// many it has.
type GroupMemberPage struct {
	Members []GroupMember
	Total   int
}

// ListGroupMemberPage is ListGroupMembers a page at a time, read with
// its users in one query (store.Reader.ListGroupMemberPage).
func (p *Plane) ListGroupMemberPage(ctx context.Context, a *Actor, orgID, id string, offset, limit int) (GroupMemberPage, error) {
	if limit <= 0 || limit > maxMemberPage || offset < 0 {
		return GroupMemberPage{}, fail(ErrInvalid, "limit must be between 1 and %d and offset not negative", maxMemberPage)
	}
	var out GroupMemberPage
	err := p.read(ctx, func(tx store.Reader) error {
		_, g, err := p.orgGroup(tx, a, OpUserGroupMembersList, orgID, id)
		if err != nil {
			return err
		}
		page, total, err := tx.ListGroupMemberPage(g.ID, offset, limit)
		if err != nil {
			return err
		}
		out = GroupMemberPage{Total: total, Members: make([]GroupMember, len(page))}
		for i, m := range page {
			out.Members[i] = GroupMember{GroupMember: m.Member, User: m.User}
		}
		return nil
	})
	return out, err
}

// UpdateGroupMembers adds or removes members ("add_members",
// "remove_members"). Members must belong to the organization.
func (p *Plane) UpdateGroupMembers(ctx context.Context, a *Actor, orgID, id, operation string, userIDs []string) error {
	if operation != "add_members" && operation != "remove_members" {
		return fail(ErrInvalid, "operation must be add_members or remove_members")
	}
	if len(userIDs) == 0 {
		return fail(ErrInvalid, "member_ids must not be empty")
	}
	if len(userIDs) > maxMembersPerCall {
		return fail(ErrInvalid, "at most %d member_ids per call", maxMembersPerCall)
	}
	return p.write(ctx, func(tx store.Tx) error {
		o, g, err := p.orgGroup(tx, a, OpUserGroupMemberUpdate, orgID, id)
		if err != nil {
			return err
		}
		if err := p.guardSCIMManaged(a, o, g.ManagedBySCIM, fmt.Sprintf("Group %q", g.Name)); err != nil {
			return err
		}
		if err := p.guardGroupWithGrants(tx, a, o, g); err != nil {
			return err
		}
		now := p.now().UTC()
		var changes []authz.Change
		for _, uid := range userIDs {
			if _, err := tx.GetMember(o.ID, uid); err != nil {
				return notFound(err, fmt.Sprintf("User %s is not a member of organization %s", uid, o.ID))
			}
			if operation == "add_members" {
				err = tx.AddGroupMember(identity.GroupMember{GroupID: g.ID, UserID: uid, JoinTime: now})
				changes = append(changes, authz.AddMember(g.ID, uid))
			} else {
				err = tx.RemoveGroupMember(g.ID, uid)
				changes = append(changes, authz.RemoveMember(g.ID, uid))
			}
			if err != nil {
				return err
			}
		}
		if err := p.record(tx, changes...); err != nil {
			return err
		}
		verb := "Added"
		if operation == "remove_members" {
			verb = "Removed"
		}
		return p.event(tx, a, eventOf{org: o.ID, account: o.AccountID, action: "user_group_members_update", desc: fmt.Sprintf("%s %d member(s) of group %q: %s", verb, len(userIDs), g.Name, strings.Join(userIDs, ", "))})
	})
}

// UserGroups lists the groups of an organization a member belongs to.
func (p *Plane) UserGroups(ctx context.Context, a *Actor, orgID, userID string) ([]identity.Group, error) {
	var out []identity.Group
	err := p.read(ctx, func(tx store.Reader) error {
		o, err := p.authorizedOrg(tx, a, OpUserUserGroupsList, orgID)
		if err != nil {
			return err
		}
		if _, err := tx.GetMember(o.ID, userID); err != nil {
			return notFound(err, "User is not a member of this organization")
		}
		out, err = tx.ListUserGroups(o.ID, userID)
		return err
	})
	return out, err
}
