package sqlstore

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Pages are read with LIMIT and OFFSET over an index of the page's order
// (migration 00100), and counted with a second query over the same
// filter. Searches are prefixes: a range over the email or lower-case
// name index ("\U0010FFFF" sorts after every character in SQLite's binary
// collation and in PostgreSQL's "C", the collation of every text column),
// so they too read only what they return.

const prefixEnd = "\U0010FFFF"

// memberOrders are ListMemberPage's ORDER BY clauses, ascending and
// descending.
var memberOrders = map[string][2]string{
	store.MemberSortEmail:    {"u.email", "u.email DESC"},
	store.MemberSortName:     {"lower(u.real_name), u.email", "lower(u.real_name) DESC, u.email DESC"},
	store.MemberSortState:    {"u.state, u.email", "u.state DESC, u.email DESC"},
	store.MemberSortActivity: {"COALESCE(u.last_activity, 0), u.email", "COALESCE(u.last_activity, 0) DESC, u.email DESC"},
	store.MemberSortJoined:   {"m.join_time, u.email", "m.join_time DESC, u.email DESC"},
}

func qualified(prefix, cols string) string {
	fields := strings.Split(cols, ",")
	for i, f := range fields {
		fields[i] = prefix + strings.TrimSpace(f)
	}
	return strings.Join(fields, ", ")
}

var (
	memberUserCols = qualified("m.", memberCols) + ", " + qualified("u.", userCols)
	pageProjectCol = qualified("", projectCols)
)

// sortedInMemoryBelow: an organization with fewer members than this has
// its page found by reading its memberships and sorting their users; a
// larger one by walking the users index of the page's order and keeping
// the organization's members, which stops after the page. (SQLite, which
// keeps no statistics here, is told the join order with CROSS JOIN;
// PostgreSQL plans both alike.)
const sortedInMemoryBelow = 2000

var (
	// Kept by triggers (migration 00102): one row, not every member.
	qCountOrgMembers = newQuery(`SELECT COALESCE((SELECT members FROM organization_member_counts WHERE organization_id = ?), 0)`)
	// The organization's application users, through a partial index of
	// the few application users (each dialect spells its boolean).
	qCountOrgApps = query{
		lite: `SELECT COUNT(*) FROM users u CROSS JOIN organization_members m
WHERE u.is_application = 1 AND m.organization_id = ? AND m.user_id = u.id`,
		pg: rebind(`SELECT COUNT(*) FROM users u JOIN organization_members m ON m.user_id = u.id
WHERE u.is_application AND m.organization_id = ?`),
	}
)

func (t *reader) ListMemberPage(f store.MemberFilter) ([]store.MemberUser, int, error) {
	sort := f.Sort
	if sort == "" {
		sort = store.MemberSortEmail
	}
	order, ok := memberOrders[sort]
	if !ok {
		return nil, 0, fmt.Errorf("member page: unknown order %q", f.Sort)
	}
	if f.Limit <= 0 || f.Offset < 0 {
		return nil, 0, fmt.Errorf("member page: limit %d, offset %d", f.Limit, f.Offset)
	}
	if (f.After != nil || f.Before != nil) && (f.Offset != 0 || f.After != nil && f.Before != nil) {
		return nil, 0, fmt.Errorf("member page: a cursor with offset %d or with another cursor", f.Offset)
	}
	var members int
	if err := t.queryRow(qCountOrgMembers, f.OrganizationID).Scan(&members); err != nil {
		return nil, 0, fmt.Errorf("count members: %w", err)
	}
	from := " FROM organization_members m JOIN users u ON u.id = m.user_id WHERE m.organization_id = ?"
	if members >= sortedInMemoryBelow && sort != store.MemberSortJoined {
		from = " FROM users u CROSS JOIN organization_members m WHERE m.organization_id = ? AND m.user_id = u.id"
	}
	args := []any{f.OrganizationID}
	if !f.IncludeApps {
		from += " AND u.is_application = ?"
		args = append(args, false)
	}
	search := strings.ToLower(f.Search)
	if search != "" {
		from += " AND (u.id = ? OR (u.email >= ? AND u.email < ?) OR (lower(u.real_name) >= ? AND lower(u.real_name) < ?))"
		args = append(args, f.Search, search, search+prefixEnd, search, search+prefixEnd)
	}
	total := members
	switch {
	case search != "":
		if err := t.queryRow(newQuery("SELECT COUNT(*)"+from), args...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("count members: %w", err)
		}
	case !f.IncludeApps:
		var apps int
		if err := t.queryRow(qCountOrgApps, f.OrganizationID).Scan(&apps); err != nil {
			return nil, 0, fmt.Errorf("count application users: %w", err)
		}
		total -= apps
	}
	if f.Offset >= total {
		return nil, total, nil
	}
	// A previous page is read backwards from its cursor, then turned.
	back := f.Before != nil
	dir := order[0]
	if f.Desc != back {
		dir = order[1]
	}
	if c := cmp.Or(f.After, f.Before); c != nil {
		key, err := memberKeyArg(sort, c.Key)
		if err != nil {
			return nil, 0, err
		}
		op := ">"
		if f.Desc != back {
			op = "<"
		}
		if sort == store.MemberSortEmail {
			from += " AND u.email " + op + " ?"
			args = append(args, c.Email)
		} else {
			from += " AND (" + memberKeys[sort] + ", u.email) " + op + " (?, ?)"
			args = append(args, key, c.Email)
		}
	}
	q := newQuery("SELECT " + memberUserCols + from + " ORDER BY " + dir + " LIMIT ? OFFSET ?")
	rows, err := listQ(t, "members", q, scanMemberUser, append(args, f.Limit, f.Offset)...)
	if back {
		slices.Reverse(rows)
	}
	return rows, total, err
}

// memberKeys are the sort keys of memberOrders before the email.
var memberKeys = map[string]string{
	store.MemberSortName:     "lower(u.real_name)",
	store.MemberSortState:    "u.state",
	store.MemberSortActivity: "COALESCE(u.last_activity, 0)",
	store.MemberSortJoined:   "m.join_time",
}

// memberKeyArg is a cursor's key as its column compares: times are
// integers, and an integer never equals a text in SQLite.
func memberKeyArg(sort, key string) (any, error) {
	if sort != store.MemberSortActivity && sort != store.MemberSortJoined {
		return key, nil
	}
	n, err := strconv.ParseInt(key, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("member page: cursor key %q is not a time", key)
	}
	return n, nil
}

func scanMemberUser(r scanner) (store.MemberUser, error) {
	// A membership and a user side by side: scan each into its own row
	// scanner over the shared column list.
	var mu store.MemberUser
	var jt int64
	var u userScan
	dest := append([]any{&mu.Membership.OrganizationID, &mu.Membership.UserID, &mu.Membership.IsSuperAdmin, &jt}, u.dest()...)
	if err := r.Scan(dest...); err != nil {
		return mu, err
	}
	mu.Membership.JoinTime = fromMicros(jt)
	mu.User = u.user()
	return mu, nil
}

func (t *reader) ListProjectPage(f store.ProjectFilter) ([]org.Project, int, error) {
	if f.Limit <= 0 || f.Offset < 0 {
		return nil, 0, fmt.Errorf("project page: limit %d, offset %d", f.Limit, f.Offset)
	}
	where := " FROM projects WHERE organization_id = ?"
	args := []any{f.OrganizationID}
	if f.ParentID != "" {
		where += " AND account_id = ?"
		args = append(args, f.ParentID)
	}
	if f.Search != "" {
		where += " AND name >= ? AND name < ?"
		args = append(args, f.Search, f.Search+prefixEnd)
	}
	var total int
	if err := t.queryRow(newQuery("SELECT COUNT(*)"+where), args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count projects: %w", err)
	}
	if f.Offset >= total {
		return nil, total, nil
	}
	q := newQuery("SELECT " + pageProjectCol + where + " ORDER BY name LIMIT ? OFFSET ?")
	ps, err := listQ(t, "projects", q, scanProject, append(args, f.Limit, f.Offset)...)
	return ps, total, err
}

var qCountProjectsByParent = newQuery(`SELECT account_id, COUNT(*) FROM projects WHERE organization_id = ? GROUP BY account_id`)

func (t *reader) CountProjectsByParent(orgID string) (map[string]int, error) {
	return countBy(t, "project counts", qCountProjectsByParent, orgID)
}

var qCountGroupMembers = newQuery(`SELECT m.group_id, COUNT(*) FROM user_groups g JOIN group_members m ON m.group_id = g.id
WHERE g.organization_id = ? GROUP BY m.group_id`)

func (t *reader) CountGroupMembers(orgID string) (map[string]int, error) {
	return countBy(t, "group members", qCountGroupMembers, orgID)
}

// countBy reads the (key, count) rows of q into a map.
func countBy(t *reader, what string, q query, args ...any) (map[string]int, error) {
	type count struct {
		id string
		n  int
	}
	cs, err := listQ(t, what, q, func(r scanner) (c count, err error) {
		return c, r.Scan(&c.id, &c.n)
	}, args...)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(cs))
	for _, c := range cs {
		out[c.id] = c.n
	}
	return out, nil
}

func (t *reader) ListMembersByID(orgID string, userIDs []string) ([]store.MemberUser, error) {
	if len(userIDs) == 0 {
		return []store.MemberUser{}, nil
	}
	args := make([]any, 0, len(userIDs)+1)
	args = append(args, orgID)
	for _, id := range userIDs {
		args = append(args, id)
	}
	in := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(userIDs)), ", ") + ")"
	return listQ(t, "members", newQuery("SELECT "+memberUserCols+` FROM organization_members m JOIN users u ON u.id = m.user_id
WHERE m.organization_id = ? AND m.user_id IN `+in+" ORDER BY m.user_id"), scanMemberUser, args...)
}

// ListMemberDetails reads a page's details in three queries, whatever
// the page's length.
func (t *reader) ListMemberDetails(orgID string, userIDs []string) (map[string]store.MemberDetails, error) {
	out := make(map[string]store.MemberDetails, len(userIDs))
	if len(userIDs) == 0 {
		return out, nil
	}
	args := make([]any, len(userIDs))
	for i, id := range userIDs {
		args[i] = id
		out[id] = store.MemberDetails{}
	}
	in := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(userIDs)), ", ") + ")"
	profiles, err := listQ(t, "profiles", newQuery(`SELECT user_id, job_title, department, city, country FROM user_profiles
WHERE user_id IN `+in), scanProfile, args...)
	if err != nil {
		return nil, err
	}
	for _, p := range profiles {
		d := out[p.UserID]
		d.Profile = p
		out[p.UserID] = d
	}
	confirmed, err := listQ(t, "two-factor enrolments", newQuery(`SELECT user_id FROM two_factor
WHERE confirmed = ? AND user_id IN `+in), func(r scanner) (id string, err error) { return id, r.Scan(&id) }, append([]any{true}, args...)...)
	if err != nil {
		return nil, err
	}
	for _, id := range confirmed {
		d := out[id]
		d.TwoFactor = true
		out[id] = d
	}
	type membership struct {
		user string
		g    identity.Group
	}
	groups, err := listQ(t, "groups", newQuery(`SELECT m.user_id, `+qualified("g.", groupCols)+`
FROM group_members m CROSS JOIN user_groups g
WHERE m.user_id IN `+in+` AND g.id = m.group_id AND g.organization_id = ? ORDER BY g.name`), func(r scanner) (m membership, err error) {
		var gs groupScan
		err = r.Scan(append([]any{&m.user}, gs.dest()...)...)
		m.g = gs.group()
		return m, err
	}, append(args, orgID)...)
	if err != nil {
		return nil, err
	}
	for _, m := range groups {
		d := out[m.user]
		d.Groups = append(d.Groups, m.g)
		out[m.user] = d
	}
	return out, nil
}

var (
	qCountGroupMembersOf = newQuery(`SELECT COUNT(*) FROM group_members WHERE group_id = ?`)
	qListGroupMemberPage = newQuery(`SELECT m.group_id, m.user_id, m.join_time, ` + qualified("u.", userCols) + `
FROM group_members m JOIN users u ON u.id = m.user_id WHERE m.group_id = ? ORDER BY u.email LIMIT ? OFFSET ?`)
)

func (t *reader) ListGroupMemberPage(groupID string, offset, limit int) ([]store.GroupMemberUser, int, error) {
	if limit <= 0 || offset < 0 {
		return nil, 0, fmt.Errorf("group member page: limit %d, offset %d", limit, offset)
	}
	var total int
	if err := t.queryRow(qCountGroupMembersOf, groupID).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count group members: %w", err)
	}
	if offset >= total {
		return nil, total, nil
	}
	rows, err := listQ(t, "group members", qListGroupMemberPage, func(r scanner) (store.GroupMemberUser, error) {
		var (
			gm store.GroupMemberUser
			jt int64
			u  userScan
		)
		err := r.Scan(append([]any{&gm.Member.GroupID, &gm.Member.UserID, &jt}, u.dest()...)...)
		gm.Member.JoinTime, gm.User = fromMicros(jt), u.user()
		return gm, err
	}, groupID, limit, offset)
	return rows, total, err
}
