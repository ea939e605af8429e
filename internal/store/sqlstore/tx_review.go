package sqlstore

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// The access review's reads start from the few rows they look for: super
// admins through a partial index (migration 00101), users of one state
// through the users_state index, application users through theirs
// (00100), confirmed two-factor enrolments from their own table. SQLite, which keeps no statistics here, is told the
// join order with CROSS JOIN; each dialect spells its booleans where a
// partial index must match.

var (
	qListSuperAdmins = query{
		lite: `SELECT ` + memberCols + ` FROM organization_members WHERE organization_id = ? AND is_super_admin = 1 ORDER BY user_id`,
		pg:   rebind(`SELECT ` + memberCols + ` FROM organization_members WHERE organization_id = ? AND is_super_admin ORDER BY user_id`),
	}
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

func (t *reader) ListSuperAdmins(orgID string) ([]identity.Membership, error) {
	return listQ(t, "super admins", qListSuperAdmins, scanMember, orgID)
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

// The paged reads carry the count of all in every row of the page
// (COUNT(*) OVER ()), so a page is one query; only a page past the end
// counts on its own. Their orders end in a key, and text columns sort
// bytewise in both dialects (SQLite's binary collation, PostgreSQL's
// "C"), as the review sorted in memory before.

// pagedQuery is a page of a read and the count of all its rows.
type pagedQuery struct{ page, count query }

// paged builds a pagedQuery from the columns, each dialect's FROM and
// WHERE clauses ("?" placeholders) and the order.
func paged(cols, lite, pg, order string) pagedQuery {
	page := func(from string) string {
		return `SELECT ` + cols + `, COUNT(*) OVER () ` + from + ` ORDER BY ` + order + ` LIMIT ? OFFSET ?`
	}
	return pagedQuery{
		page:  query{lite: page(lite), pg: rebind(page(pg))},
		count: query{lite: `SELECT COUNT(*) ` + lite, pg: rebind(`SELECT COUNT(*) ` + pg)},
	}
}

// more scans a row whose columns after a scan function's are more's.
type more struct {
	scanner
	dest []any
}

func (m more) Scan(dest ...any) error { return m.scanner.Scan(append(dest, m.dest...)...) }

func listPage[T any](t *reader, what string, q pagedQuery, scan func(scanner) (T, error), offset, limit int, args ...any) ([]T, int, error) {
	if limit <= 0 || offset < 0 {
		return nil, 0, fmt.Errorf("%s: limit %d, offset %d", what, limit, offset)
	}
	var total int
	out, err := listQ(t, what, q.page, func(r scanner) (T, error) { return scan(more{r, []any{&total}}) },
		append(args[:len(args):len(args)], limit, offset)...)
	if err != nil || len(out) > 0 || offset == 0 {
		return out, total, err
	}
	if err := t.queryRow(q.count, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count %s: %w", what, err)
	}
	return nil, total, nil
}

func scanUserGrant(r scanner) (store.UserGrant, error) {
	var ug store.UserGrant
	g, err := scanGrant(more{r, []any{&ug.Email}})
	ug.Grant = g
	return ug, err
}

func scanUserToken(r scanner) (store.UserToken, error) {
	var ut store.UserToken
	tk, err := scanToken(more{r, []any{&ut.UserName}})
	ut.Token = tk
	return ut, err
}

// Application tokens start from the few application users (a partial
// index in each dialect).
const (
	appTokensLite = `FROM users u CROSS JOIN organization_members m CROSS JOIN tokens t
WHERE u.is_application = 1 AND m.organization_id = ? AND m.user_id = u.id AND t.user_id = u.id`
	appTokensPG = `FROM users u JOIN organization_members m ON m.user_id = u.id
JOIN tokens t ON t.user_id = u.id WHERE u.is_application AND m.organization_id = ?`
	appTokenCols = `t.hash, t.prefix, t.kind, t.user_id, t.description, t.create_time, t.expiry_time,
t.max_age_seconds, t.extend_when_used, t.ip_allowlist, t.scopes, t.last_used_time, t.last_ip,
t.last_user_agent, t.created_manually, t.auth_method, t.two_factor, u.real_name`
	appTokenOrder = `t.user_id, t.create_time DESC, t.hash`
	// Stale: not expired, last used (or created) long enough ago.
	staleTokens = ` AND (t.expiry_time IS NULL OR t.expiry_time > ?) AND COALESCE(t.last_used_time, t.create_time) <= ?`
	// Endless: no expiry of either kind, and not stale.
	endlessTokens = ` AND t.expiry_time IS NULL AND t.max_age_seconds IS NULL AND COALESCE(t.last_used_time, t.create_time) > ?`
	// Deactivated members' grants start from the users_state index, then
	// each member's grants by primary key; SQLite is kept off the grants'
	// organization index (every grant of the organization) by the unary
	// plus.
	deactivatedGrants = `FROM users u CROSS JOIN organization_members m CROSS JOIN grants g
WHERE u.state = ? AND m.organization_id = ? AND m.user_id = u.id
AND g.principal_type = ? AND g.principal_id = u.id AND g.permissions <> '[]' AND `
	deactivatedLite = deactivatedGrants + `+g.organization_id = ?`
	deactivatedPG   = deactivatedGrants + `g.organization_id = ?`
	// Grants on the organization, whose every permission is one of a
	// JSON list's; a group's finds no user.
	orgWideGrants = `FROM grants g LEFT JOIN users u ON g.principal_type = ? AND u.id = g.principal_id
WHERE g.resource_type = ? AND g.resource_id = ? AND g.permissions <> '[]'`
	orgWideLite = orgWideGrants + ` AND NOT EXISTS (SELECT 1 FROM json_each(g.permissions) p
WHERE p.value NOT IN (SELECT value FROM json_each(?)))`
	orgWidePG = orgWideGrants + ` AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements_text(g.permissions::jsonb) p(v)
WHERE p.v NOT IN (SELECT jsonb_array_elements_text(CAST(? AS jsonb))))`
	expiredInvitations = `FROM invitations WHERE organization_id = ? AND state = ? AND expiry_time <= ?`
)

var (
	qListStaleTokens       = paged(appTokenCols, appTokensLite+staleTokens, appTokensPG+staleTokens, appTokenOrder)
	qListEndlessTokens     = paged(appTokenCols, appTokensLite+endlessTokens, appTokensPG+endlessTokens, appTokenOrder)
	qListDeactivatedGrants = paged(qualified("g.", grantCols)+", u.email", deactivatedLite, deactivatedPG,
		"g.resource_type, g.resource_id, g.principal_id")
	qListOrganizationWideGrants = paged(qualified("g.", grantCols)+", COALESCE(u.email, '')", orgWideLite, orgWidePG,
		"g.principal_type, g.principal_id")
	qListExpiredInvitations = paged(invitationCols, expiredInvitations, expiredInvitations, "create_time DESC, code_hash")
)

func (t *reader) ListDeactivatedGrants(orgID string, offset, limit int) ([]store.UserGrant, int, error) {
	return listPage(t, "grants of deactivated members", qListDeactivatedGrants, scanUserGrant, offset, limit,
		identity.StateDeactivated, orgID, grant.PrincipalUser, orgID)
}

// Times compare as stored, in microseconds: a token expired at now when
// its expiry is at or before now's microsecond, which is what comparing
// the times themselves says of times read back from the store.

func (t *reader) ListStaleTokens(orgID string, now, usedBy time.Time, offset, limit int) ([]store.UserToken, int, error) {
	return listPage(t, "stale application tokens", qListStaleTokens, scanUserToken, offset, limit,
		orgID, micros(now), micros(usedBy))
}

func (t *reader) ListEndlessTokens(orgID string, usedBy time.Time, offset, limit int) ([]store.UserToken, int, error) {
	return listPage(t, "endless application tokens", qListEndlessTokens, scanUserToken, offset, limit,
		orgID, micros(usedBy))
}

func (t *reader) ListOrganizationWideGrants(orgID string, permissions []string, offset, limit int) ([]store.UserGrant, int, error) {
	perms, err := json.Marshal(nonNil(permissions))
	if err != nil {
		return nil, 0, fmt.Errorf("organization-wide grants: %w", err)
	}
	return listPage(t, "organization-wide grants", qListOrganizationWideGrants, scanUserGrant, offset, limit,
		grant.PrincipalUser, grant.ResourceOrganization, orgID, string(perms))
}

func (t *reader) ListExpiredInvitations(orgID string, now time.Time, offset, limit int) ([]identity.Invitation, int, error) {
	return listPage(t, "expired invitations", qListExpiredInvitations, scanInvitation, offset, limit,
		orgID, identity.InvitationPending, micros(now))
}
