package sqlstore

import (
	"fmt"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
)

const memberCols = `organization_id, user_id, is_super_admin, join_time`

var (
	qAddMember = newQuery(`INSERT INTO organization_members (` + memberCols + `)
VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	qGetMember      = newQuery(`SELECT ` + memberCols + ` FROM organization_members WHERE organization_id = ? AND user_id = ?`)
	qUpdateMember   = newQuery(`UPDATE organization_members SET is_super_admin = ? WHERE organization_id = ? AND user_id = ?`)
	qRemoveMember   = newQuery(`DELETE FROM organization_members WHERE organization_id = ? AND user_id = ?`)
	qListMembers    = newQuery(`SELECT ` + memberCols + ` FROM organization_members WHERE organization_id = ? ORDER BY user_id`)
	qListUserMember = newQuery(`SELECT ` + memberCols + ` FROM organization_members WHERE user_id = ? ORDER BY organization_id`)
	qListAllMembers = newQuery(`SELECT ` + memberCols + ` FROM organization_members ORDER BY organization_id, user_id`)
)

func scanMember(r scanner) (identity.Membership, error) {
	var (
		m  identity.Membership
		jt int64
	)
	err := r.Scan(&m.OrganizationID, &m.UserID, &m.IsSuperAdmin, &jt)
	m.JoinTime = fromMicros(jt)
	return m, err
}

func memberWhat(orgID, userID string) string {
	return fmt.Sprintf("member %q of organization %q", userID, orgID)
}

// AddMember reports ErrNotFound for a missing organization or user.
func (t *tx) AddMember(m identity.Membership) error {
	what := memberWhat(m.OrganizationID, m.UserID)
	if err := t.require(what, ref{"organization", qOrganizationExists, m.OrganizationID},
		ref{"user", qUserExists, m.UserID}); err != nil {
		return err
	}
	n, err := t.exec(qAddMember, m.OrganizationID, m.UserID, m.IsSuperAdmin, micros(m.JoinTime))
	return mustInsert(what, n, err)
}

func (t *reader) GetMember(orgID, userID string) (identity.Membership, error) {
	return get(t, memberWhat(orgID, userID), qGetMember, scanMember, orgID, userID)
}

func (t *tx) UpdateMember(m identity.Membership) error {
	n, err := t.exec(qUpdateMember, m.IsSuperAdmin, m.OrganizationID, m.UserID)
	return mustAffect(memberWhat(m.OrganizationID, m.UserID), n, err)
}

func (t *tx) RemoveMember(orgID, userID string) error {
	n, err := t.exec(qRemoveMember, orgID, userID)
	return mustAffect(memberWhat(orgID, userID), n, err)
}

func (t *reader) ListMembers(orgID string) ([]identity.Membership, error) {
	return listQ(t, "members", qListMembers, scanMember, orgID)
}

func (t *reader) ListUserMemberships(userID string) ([]identity.Membership, error) {
	return listQ(t, "memberships", qListUserMember, scanMember, userID)
}

func (t *reader) ListAllMembers() ([]identity.Membership, error) {
	return listQ(t, "members", qListAllMembers, scanMember)
}
