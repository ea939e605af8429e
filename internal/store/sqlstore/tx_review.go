package sqlstore

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

// The access review's reads start from the few rows they look for: super
// admins through a partial index (migration 00101), users of one state
// through the users_state index, confirmed two-factor enrolments from
// their own table. SQLite, which keeps no statistics here, is told the
// join order with CROSS JOIN; each dialect spells its booleans where a
// partial index must match.

var (
	qListSuperAdmins = query{
		lite: `SELECT ` + memberCols + ` FROM organization_members WHERE organization_id = ? AND is_super_admin = 1 ORDER BY user_id`,
		pg:   rebind(`SELECT ` + memberCols + ` FROM organization_members WHERE organization_id = ? AND is_super_admin ORDER BY user_id`),
	}
	qListMembersInState = newQuery(`SELECT ` + qualified("u.", userCols) + ` FROM users u CROSS JOIN organization_members m
WHERE u.state = ? AND m.organization_id = ? AND m.user_id = u.id ORDER BY u.email`)
	// People: active, not application users.
	qCountOtherMembers = newQuery(`SELECT COUNT(*) FROM users u CROSS JOIN organization_members m
WHERE (u.state < ? OR u.state > ?) AND u.is_application = ? AND m.organization_id = ? AND m.user_id = u.id`)
	qCountWithTwoFactor = newQuery(`SELECT COUNT(*) FROM two_factor t CROSS JOIN users u CROSS JOIN organization_members m
WHERE t.confirmed = ? AND u.id = t.user_id AND u.state = ? AND u.is_application = ? AND m.organization_id = ? AND m.user_id = u.id`)
	qListWithoutTwoFactor = newQuery(`SELECT ` + qualified("u.", userCols) + ` FROM users u CROSS JOIN organization_members m
WHERE u.state = ? AND u.is_application = ? AND m.organization_id = ? AND m.user_id = u.id
AND NOT EXISTS (SELECT 1 FROM two_factor t WHERE t.user_id = u.id AND t.confirmed = ?)
ORDER BY u.email LIMIT ? OFFSET ?`)
)

var qListApplicationTokens = query{
	lite: `SELECT ` + qualified("t.", tokenCols) + ` FROM users u CROSS JOIN organization_members m CROSS JOIN tokens t
WHERE u.is_application = 1 AND m.organization_id = ? AND m.user_id = u.id AND t.user_id = u.id`,
	pg: rebind(`SELECT ` + qualified("t.", tokenCols) + ` FROM users u JOIN organization_members m ON m.user_id = u.id
JOIN tokens t ON t.user_id = u.id WHERE u.is_application AND m.organization_id = ?`),
}

// ListApplicationTokens sorts in Go: an ORDER BY on the user ID leads
// SQLite to walk every user in ID order instead of the few application
// users.
func (t *reader) ListApplicationTokens(orgID string) ([]token.Token, error) {
	ts, err := listQ(t, "application tokens", qListApplicationTokens, scanToken, orgID)
	slices.SortFunc(ts, func(a, b token.Token) int {
		return cmp.Or(strings.Compare(a.UserID, b.UserID), b.CreateTime.Compare(a.CreateTime), strings.Compare(a.Hash, b.Hash))
	})
	return ts, err
}

func (t *reader) ListSuperAdmins(orgID string) ([]identity.Membership, error) {
	return listQ(t, "super admins", qListSuperAdmins, scanMember, orgID)
}

func (t *reader) ListMembersInState(orgID, state string) ([]identity.User, error) {
	return listQ(t, "members in state "+state, qListMembersInState, scanUser, state, orgID)
}

// ListWithoutTwoFactor counts by subtraction: the organization's members,
// less its application users, its people in another state and its
// active people with a confirmed second factor, each of which is read
// from a small index. Counting the remainder directly would read every
// member.
func (t *reader) ListWithoutTwoFactor(orgID string, offset, limit int) ([]identity.User, int, error) {
	if limit <= 0 || offset < 0 {
		return nil, 0, fmt.Errorf("people without two-factor: limit %d, offset %d", limit, offset)
	}
	var members, apps, others, enrolled int
	for _, c := range []struct {
		n    *int
		q    query
		args []any
	}{
		{&members, qCountOrgMembers, []any{orgID}},
		{&apps, qCountOrgApps, []any{orgID}},
		{&others, qCountOtherMembers, []any{identity.StateActive, identity.StateActive, false, orgID}},
		{&enrolled, qCountWithTwoFactor, []any{true, identity.StateActive, false, orgID}},
	} {
		if err := t.queryRow(c.q, c.args...).Scan(c.n); err != nil {
			return nil, 0, fmt.Errorf("count people without two-factor: %w", err)
		}
	}
	total := members - apps - others - enrolled
	if offset >= total {
		return nil, total, nil
	}
	us, err := listQ(t, "people without two-factor", qListWithoutTwoFactor, scanUser,
		identity.StateActive, false, orgID, true, limit, offset)
	return us, total, err
}
