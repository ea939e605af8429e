package sqlstore

import (
	"fmt"

	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
)

const groupCols = `id, organization_id, name, description, managed_by_scim, create_time, update_time`

var (
	qCreateGroup = newQuery(`INSERT INTO user_groups (` + groupCols + `)
VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	qGetGroup  = newQuery(`SELECT ` + groupCols + ` FROM user_groups WHERE id = ?`)
	qGroupKeys = newQuery(`SELECT id FROM user_groups WHERE id = ?
OR (name = ? AND organization_id = (SELECT organization_id FROM user_groups WHERE id = ?))`)
	qUpdateGroup     = newQuery(`UPDATE user_groups SET name = ?, description = ?, update_time = ? WHERE id = ?`)
	qDeleteGroup     = newQuery(`DELETE FROM user_groups WHERE id = ?`)
	qListGroups      = newQuery(`SELECT ` + groupCols + ` FROM user_groups WHERE organization_id = ? ORDER BY name`)
	qAddGroupMember  = newQuery(`INSERT INTO group_members (group_id, user_id, join_time) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`)
	qRemoveGroupMemb = newQuery(`DELETE FROM group_members WHERE group_id = ? AND user_id = ?`)
	qListGroupMembs  = newQuery(`SELECT group_id, user_id, join_time FROM group_members WHERE group_id = ? ORDER BY user_id`)
	qListUserGroups  = newQuery(`SELECT g.id, g.organization_id, g.name, g.description, g.managed_by_scim,
g.create_time, g.update_time FROM user_groups g JOIN group_members m ON m.group_id = g.id
WHERE g.organization_id = ? AND m.user_id = ? ORDER BY g.name`)
	qListAllGroups      = newQuery(`SELECT ` + groupCols + ` FROM user_groups ORDER BY id`)
	qListAllGroupMembs  = newQuery(`SELECT group_id, user_id, join_time FROM group_members ORDER BY group_id, user_id`)
	qGroupExists        = newQuery(`SELECT 1 FROM user_groups WHERE id = ?`)
	qUserExists         = newQuery(`SELECT 1 FROM users WHERE id = ?`)
	qOrganizationExists = newQuery(`SELECT 1 FROM organizations WHERE id = ?`)
)

func scanGroup(r scanner) (identity.Group, error) {
	var gs groupScan
	err := r.Scan(gs.dest()...)
	return gs.group(), err
}

// groupScan holds a user_groups row's columns (groupCols) while it is
// scanned, alone or beside another table's columns.
type groupScan struct {
	g      identity.Group
	ct, ut int64
}

func (s *groupScan) dest() []any {
	return []any{&s.g.ID, &s.g.OrganizationID, &s.g.Name, &s.g.Description, &s.g.ManagedBySCIM, &s.ct, &s.ut}
}

func (s *groupScan) group() identity.Group {
	g := s.g
	g.CreateTime, g.UpdateTime = fromMicros(s.ct), fromMicros(s.ut)
	return g
}

func scanGroupMember(r scanner) (identity.GroupMember, error) {
	var (
		m  identity.GroupMember
		jt int64
	)
	err := r.Scan(&m.GroupID, &m.UserID, &jt)
	m.JoinTime = fromMicros(jt)
	return m, err
}

// CreateGroup reports ErrNotFound for a missing organization.
func (t *tx) CreateGroup(g identity.Group) error {
	what := fmt.Sprintf("group %q (name %q)", g.ID, g.Name)
	if err := t.require(what, ref{"organization", qOrganizationExists, g.OrganizationID}); err != nil {
		return err
	}
	n, err := t.exec(qCreateGroup, g.ID, g.OrganizationID, g.Name, g.Description, g.ManagedBySCIM,
		micros(g.CreateTime), micros(g.UpdateTime))
	return mustInsert(what, n, err)
}

func (t *reader) GetGroup(id string) (identity.Group, error) {
	return get(t, fmt.Sprintf("group %q", id), qGetGroup, scanGroup, id)
}

func (t *tx) UpdateGroup(g identity.Group) error {
	what := fmt.Sprintf("group %q (name %q)", g.ID, g.Name)
	if err := t.checkKey(what, g.ID, qGroupKeys, g.ID, g.Name, g.ID); err != nil {
		return err
	}
	n, err := t.exec(qUpdateGroup, g.Name, g.Description, micros(g.UpdateTime), g.ID)
	return mustAffect(what, n, err)
}

// DeleteGroup relies on ON DELETE CASCADE for the memberships and removes
// the group's grants itself.
func (t *tx) DeleteGroup(id string) error {
	what := fmt.Sprintf("group %q", id)
	n, err := t.exec(qDeleteGroup, id)
	if err := mustAffect(what, n, err); err != nil {
		return err
	}
	if _, err := t.exec(qDeletePrincipalGrants, grant.PrincipalGroup, id); err != nil {
		return fmt.Errorf("%s: delete grants: %w", what, err)
	}
	return nil
}

func (t *reader) ListGroups(orgID string) ([]identity.Group, error) {
	return listQ(t, "groups", qListGroups, scanGroup, orgID)
}

// AddGroupMember reports ErrNotFound for a missing group or user.
func (t *tx) AddGroupMember(m identity.GroupMember) error {
	what := fmt.Sprintf("member %q of group %q", m.UserID, m.GroupID)
	if err := t.require(what, ref{"group", qGroupExists, m.GroupID}, ref{"user", qUserExists, m.UserID}); err != nil {
		return err
	}
	if _, err := t.exec(qAddGroupMember, m.GroupID, m.UserID, micros(m.JoinTime)); err != nil {
		return writeErr(what, err)
	}
	return nil
}

func (t *tx) RemoveGroupMember(groupID, userID string) error {
	if _, err := t.exec(qRemoveGroupMemb, groupID, userID); err != nil {
		return fmt.Errorf("remove member %q of group %q: %w", userID, groupID, err)
	}
	return nil
}

func (t *reader) ListGroupMembers(groupID string) ([]identity.GroupMember, error) {
	return listQ(t, "group members", qListGroupMembs, scanGroupMember, groupID)
}

func (t *reader) ListUserGroups(orgID, userID string) ([]identity.Group, error) {
	return listQ(t, "groups", qListUserGroups, scanGroup, orgID, userID)
}

func (t *reader) ListAllGroups() ([]identity.Group, error) {
	return listQ(t, "groups", qListAllGroups, scanGroup)
}

func (t *reader) ListAllGroupMembers() ([]identity.GroupMember, error) {
	return listQ(t, "group members", qListAllGroupMembs, scanGroupMember)
}
