package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/audit"
	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

// tx implements store.Tx over one *sql.Tx.
//
// Uniqueness is enforced without letting the statement fail where
// possible: inserts use ON CONFLICT DO NOTHING and report ErrConflict when
// no row was written, and updates that could collide check first (writes
// are serialised, so the check cannot race). A failed statement aborts a
// whole PostgreSQL transaction, and callers may reasonably carry on after
// an ErrConflict (treating "already a member" as success, say); this keeps
// both dialects behaving alike. Constraint errors that still happen are
// mapped by writeErr.
type tx struct {
	ctx context.Context
	tx  *sql.Tx
	pg  bool
}

var _ store.Tx = (*tx)(nil)

type scanner interface{ Scan(dest ...any) error }

func (t *tx) exec(q query, args ...any) (int64, error) {
	res, err := t.tx.ExecContext(t.ctx, q.text(t.pg), args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (t *tx) queryRow(q query, args ...any) *sql.Row {
	return t.tx.QueryRowContext(t.ctx, q.text(t.pg), args...)
}

// get scans the single row q returns, mapping no row to ErrNotFound.
func get[T any](t *tx, what string, q query, scan func(scanner) (T, error), args ...any) (T, error) {
	v, err := scan(t.queryRow(q, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return v, fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	if err != nil {
		return v, fmt.Errorf("get %s: %w", what, err)
	}
	return v, nil
}

// list scans every row of a query.
func list[T any](t *tx, what, sqlText string, scan func(scanner) (T, error), args ...any) ([]T, error) {
	rows, err := t.tx.QueryContext(t.ctx, sqlText, args...)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list %s: %w", what, err)
	}
	return out, nil
}

func listQ[T any](t *tx, what string, q query, scan func(scanner) (T, error), args ...any) ([]T, error) {
	return list(t, what, q.text(t.pg), scan, args...)
}

// exists reports whether q returns a row.
func (t *tx) exists(q query, args ...any) (bool, error) {
	var one int
	err := t.queryRow(q, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// checkKey runs q, which selects the key column of the row being updated
// (self) and of any other row holding the unique value it is about to get.
// It reports ErrNotFound if self is missing and ErrConflict if another row
// holds the value.
func (t *tx) checkKey(what, self string, q query, args ...any) error {
	keys, err := listQ(t, what, q, func(r scanner) (k string, err error) { return k, r.Scan(&k) }, args...)
	if err != nil {
		return err
	}
	found, taken := false, false
	for _, k := range keys {
		if k == self {
			found = true
		} else {
			taken = true
		}
	}
	switch {
	case !found:
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	case taken:
		return fmt.Errorf("%s: %w", what, store.ErrConflict)
	}
	return nil
}

// ref names a row a new or updated row points to.
type ref struct {
	name string
	q    query // selects 1 when the row exists
	id   string
}

// require reports ErrNotFound for the first missing ref. Checking before
// writing, instead of letting a foreign key fail, keeps a PostgreSQL
// transaction usable after the error; writes are serialised, so the
// check cannot race.
func (t *tx) require(what string, refs ...ref) error {
	for _, r := range refs {
		ok, err := t.exists(r.q, r.id)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if !ok {
			return fmt.Errorf("%s: %s %q: %w", what, r.name, r.id, store.ErrNotFound)
		}
	}
	return nil
}

// mustAffect turns "no row changed" into ErrNotFound.
func mustAffect(what string, n int64, err error) error {
	if err != nil {
		return writeErr(what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	return nil
}

// mustInsert turns "ON CONFLICT DO NOTHING skipped the row" into ErrConflict.
func mustInsert(what string, n int64, err error) error {
	if err != nil {
		return writeErr(what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, store.ErrConflict)
	}
	return nil
}

// ---- change log ----

var (
	qRevision     = newQuery(`SELECT COALESCE(MAX(revision), 0) FROM changes`)
	qAppendChange = newQuery(`INSERT INTO changes (revision, payload, create_time)
VALUES ((SELECT COALESCE(MAX(revision), 0) + 1 FROM changes), ?, ?) RETURNING revision`)
)

func (t *tx) Revision() (int64, error) {
	var rev int64
	if err := t.queryRow(qRevision).Scan(&rev); err != nil {
		return 0, fmt.Errorf("revision: %w", err)
	}
	return rev, nil
}

// AppendChange numbers the entry MAX+1 rather than with a sequence: writes
// are serialised, so this is race-free, and unlike a PostgreSQL sequence
// it leaves no gap when a transaction rolls back.
func (t *tx) AppendChange(payload []byte) (int64, error) {
	if payload == nil {
		payload = []byte{}
	}
	var rev int64
	if err := t.queryRow(qAppendChange, payload, micros(time.Now())).Scan(&rev); err != nil {
		return 0, fmt.Errorf("append change: %w", err)
	}
	return rev, nil
}

// ---- users ----

const userCols = `id, email, real_name, password_hash, state, is_application,
create_time, update_time, last_activity, managing_org_id, password_updated`

var (
	qCountUsers = newQuery(`SELECT COUNT(*) FROM users`)
	qCreateUser = newQuery(`INSERT INTO users (` + userCols + `)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	qGetUser        = newQuery(`SELECT ` + userCols + ` FROM users WHERE id = ?`)
	qGetUserByEmail = newQuery(`SELECT ` + userCols + ` FROM users WHERE email = ?`)
	qUserKeys       = newQuery(`SELECT id FROM users WHERE id = ? OR email = ?`)
	qUpdateUser     = newQuery(`UPDATE users SET email = ?, real_name = ?, password_hash = ?,
state = ?, update_time = ?, last_activity = ?, managing_org_id = ?, password_updated = ? WHERE id = ?`)
	qDeleteUser = newQuery(`DELETE FROM users WHERE id = ?`)
	qListUsers  = newQuery(`SELECT ` + userCols + ` FROM users ORDER BY id`)
	// Grants name their principal polymorphically, so no foreign key
	// removes them.
	qDeletePrincipalGrants = newQuery(`DELETE FROM grants WHERE principal_type = ? AND principal_id = ?`)
	qDeleteResourceGrants  = newQuery(`DELETE FROM grants WHERE resource_type = ? AND resource_id = ?`)
)

func scanUser(r scanner) (identity.User, error) {
	var (
		u               identity.User
		ct, ut          int64
		lastAct, pwdUpd sql.NullInt64
	)
	err := r.Scan(&u.ID, &u.Email, &u.RealName, &u.PasswordHash, &u.State, &u.IsApplication,
		&ct, &ut, &lastAct, &u.ManagingOrgID, &pwdUpd)
	u.CreateTime, u.UpdateTime = fromMicros(ct), fromMicros(ut)
	u.LastActivity, u.PasswordUpdated = fromNullMicros(lastAct), fromNullMicros(pwdUpd)
	return u, err
}

func (t *tx) CountUsers() (int, error) {
	var n int
	if err := t.queryRow(qCountUsers).Scan(&n); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

func (t *tx) CreateUser(u identity.User) error {
	n, err := t.exec(qCreateUser, u.ID, u.Email, u.RealName, u.PasswordHash, u.State, u.IsApplication,
		micros(u.CreateTime), micros(u.UpdateTime), nullMicros(u.LastActivity), u.ManagingOrgID,
		nullMicros(u.PasswordUpdated))
	return mustInsert(fmt.Sprintf("user %q (email %q)", u.ID, u.Email), n, err)
}

func (t *tx) GetUser(id string) (identity.User, error) {
	return get(t, fmt.Sprintf("user %q", id), qGetUser, scanUser, id)
}

func (t *tx) GetUserByEmail(email string) (identity.User, error) {
	return get(t, fmt.Sprintf("user with email %q", email), qGetUserByEmail, scanUser, email)
}

// UpdateUser writes every field but ID, IsApplication and CreateTime:
// besides the fields the interface lists, the update, last-activity and
// password-change times, which nothing else can set.
func (t *tx) UpdateUser(u identity.User) error {
	what := fmt.Sprintf("user %q (email %q)", u.ID, u.Email)
	if err := t.checkKey(what, u.ID, qUserKeys, u.ID, u.Email); err != nil {
		return err
	}
	n, err := t.exec(qUpdateUser, u.Email, u.RealName, u.PasswordHash, u.State, micros(u.UpdateTime),
		nullMicros(u.LastActivity), u.ManagingOrgID, nullMicros(u.PasswordUpdated), u.ID)
	return mustAffect(what, n, err)
}

// DeleteUser relies on ON DELETE CASCADE for tokens, organization and
// group memberships, and removes the user's grants itself.
func (t *tx) DeleteUser(id string) error {
	what := fmt.Sprintf("user %q", id)
	n, err := t.exec(qDeleteUser, id)
	if err := mustAffect(what, n, err); err != nil {
		return err
	}
	if _, err := t.exec(qDeletePrincipalGrants, grant.PrincipalUser, id); err != nil {
		return fmt.Errorf("%s: delete grants: %w", what, err)
	}
	return nil
}

func (t *tx) ListUsers() ([]identity.User, error) {
	return listQ(t, "users", qListUsers, scanUser)
}

// ---- organization members ----

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

func (t *tx) GetMember(orgID, userID string) (identity.Membership, error) {
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

func (t *tx) ListMembers(orgID string) ([]identity.Membership, error) {
	return listQ(t, "members", qListMembers, scanMember, orgID)
}

func (t *tx) ListUserMemberships(userID string) ([]identity.Membership, error) {
	return listQ(t, "memberships", qListUserMember, scanMember, userID)
}

func (t *tx) ListAllMembers() ([]identity.Membership, error) {
	return listQ(t, "members", qListAllMembers, scanMember)
}

// ---- tokens ----

const tokenCols = `hash, prefix, kind, user_id, description, create_time, expiry_time,
max_age_seconds, extend_when_used, ip_allowlist, scopes, last_used_time, last_ip,
last_user_agent, created_manually, auth_method, two_factor`

var (
	qCreateToken = newQuery(`INSERT INTO tokens (` + tokenCols + `)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	qGetToken         = newQuery(`SELECT ` + tokenCols + ` FROM tokens WHERE hash = ?`)
	qGetTokenByPrefix = newQuery(`SELECT ` + tokenCols + ` FROM tokens WHERE prefix = ? AND user_id = ?`)
	// A nil expiry leaves the stored one alone: a caller that does not
	// extend tokens must not make one immortal by passing nil.
	qTouchToken = newQuery(`UPDATE tokens SET last_used_time = ?, last_ip = ?, last_user_agent = ?,
expiry_time = COALESCE(?, expiry_time) WHERE hash = ?`)
	qDeleteToken = newQuery(`DELETE FROM tokens WHERE hash = ?`)
	qListTokens  = newQuery(`SELECT ` + tokenCols + ` FROM tokens WHERE user_id = ? ORDER BY create_time DESC, hash`)
)

func scanToken(r scanner) (token.Token, error) {
	var (
		tk                token.Token
		ct                int64
		expiry, lastUsed  sql.NullInt64
		maxAge            sql.NullInt64
		allowlist, scopes string
	)
	err := r.Scan(&tk.Hash, &tk.Prefix, &tk.Kind, &tk.UserID, &tk.Description, &ct, &expiry,
		&maxAge, &tk.ExtendWhenUsed, &allowlist, &scopes, &lastUsed, &tk.LastIP,
		&tk.LastUserAgent, &tk.CreatedManually, &tk.AuthMethod, &tk.TwoFactor)
	if err != nil {
		return tk, err
	}
	tk.CreateTime = fromMicros(ct)
	tk.ExpiryTime, tk.LastUsedTime = fromNullMicros(expiry), fromNullMicros(lastUsed)
	tk.MaxAgeSeconds = fromNullInt[int64](maxAge)
	if err := fromJSON(allowlist, &tk.IPAllowlist); err != nil {
		return tk, err
	}
	return tk, fromJSON(scopes, &tk.Scopes)
}

func (t *tx) CreateToken(tk token.Token) error {
	what := fmt.Sprintf("token with prefix %q", tk.Prefix)
	if err := t.require(what, ref{"user", qUserExists, tk.UserID}); err != nil {
		return err
	}
	allowlist, err := toJSON(tk.IPAllowlist)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	scopes, err := toJSON(tk.Scopes)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	n, err := t.exec(qCreateToken, tk.Hash, tk.Prefix, string(tk.Kind), tk.UserID, tk.Description,
		micros(tk.CreateTime), nullMicros(tk.ExpiryTime), nullInt(tk.MaxAgeSeconds), tk.ExtendWhenUsed,
		allowlist, scopes, nullMicros(tk.LastUsedTime), tk.LastIP, tk.LastUserAgent, tk.CreatedManually,
		tk.AuthMethod, tk.TwoFactor)
	return mustInsert(what, n, err)
}

func (t *tx) GetToken(hash string) (token.Token, error) {
	// The hash is a secret's digest: keep it out of error messages.
	return get(t, "token", qGetToken, scanToken, hash)
}

func (t *tx) GetTokenByPrefix(userID, prefix string) (token.Token, error) {
	return get(t, fmt.Sprintf("token %q of user %q", prefix, userID), qGetTokenByPrefix, scanToken, prefix, userID)
}

func (t *tx) TouchToken(hash string, at time.Time, ip, userAgent string, expiry *time.Time) error {
	n, err := t.exec(qTouchToken, micros(at), ip, userAgent, nullMicros(expiry), hash)
	return mustAffect("token", n, err)
}

func (t *tx) DeleteToken(hash string) error {
	n, err := t.exec(qDeleteToken, hash)
	return mustAffect("token", n, err)
}

func (t *tx) ListTokens(userID string) ([]token.Token, error) {
	return listQ(t, "tokens", qListTokens, scanToken, userID)
}

// ---- organizations ----

const orgCols = `id, name, tier, account_id, create_time, update_time`

var (
	qCreateOrg = newQuery(`INSERT INTO organizations (` + orgCols + `)
VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	qGetOrg    = newQuery(`SELECT ` + orgCols + ` FROM organizations WHERE id = ?`)
	qUpdateOrg = newQuery(`UPDATE organizations SET name = ?, tier = ?, update_time = ? WHERE id = ?`)
	qDeleteOrg = newQuery(`DELETE FROM organizations WHERE id = ?`)
	// Events have no foreign key (see the schema), so they go explicitly.
	qDeleteOrgEvents = newQuery(`DELETE FROM events WHERE organization_id = ?`)
	qListOrgs        = newQuery(`SELECT ` + orgCols + ` FROM organizations ORDER BY id`)
)

func scanOrg(r scanner) (org.Organization, error) {
	var (
		o      org.Organization
		ct, ut int64
	)
	err := r.Scan(&o.ID, &o.Name, &o.Tier, &o.AccountID, &ct, &ut)
	o.CreateTime, o.UpdateTime = fromMicros(ct), fromMicros(ut)
	return o, err
}

func (t *tx) CreateOrganization(o org.Organization) error {
	n, err := t.exec(qCreateOrg, o.ID, o.Name, o.Tier, o.AccountID, micros(o.CreateTime), micros(o.UpdateTime))
	return mustInsert(fmt.Sprintf("organization %q", o.ID), n, err)
}

func (t *tx) GetOrganization(id string) (org.Organization, error) {
	return get(t, fmt.Sprintf("organization %q", id), qGetOrg, scanOrg, id)
}

func (t *tx) UpdateOrganization(o org.Organization) error {
	n, err := t.exec(qUpdateOrg, o.Name, o.Tier, micros(o.UpdateTime), o.ID)
	return mustAffect(fmt.Sprintf("organization %q", o.ID), n, err)
}

// DeleteOrganization relies on ON DELETE CASCADE from organizations to
// units, projects (and so services), memberships, groups (and so group
// memberships) and grants (every grant records its organization), and
// deletes the events itself.
func (t *tx) DeleteOrganization(id string) error {
	what := fmt.Sprintf("organization %q", id)
	n, err := t.exec(qDeleteOrg, id)
	if err := mustAffect(what, n, err); err != nil {
		return err
	}
	if _, err := t.exec(qDeleteOrgEvents, id); err != nil {
		return fmt.Errorf("%s: delete events: %w", what, err)
	}
	return nil
}

func (t *tx) ListOrganizations() ([]org.Organization, error) {
	return listQ(t, "organizations", qListOrgs, scanOrg)
}

// ---- units ----

const unitCols = `id, organization_id, name, parent_id, create_time, update_time`

var (
	qCreateUnit = newQuery(`INSERT INTO units (` + unitCols + `)
VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	qGetUnit      = newQuery(`SELECT ` + unitCols + ` FROM units WHERE id = ?`)
	qUpdateUnit   = newQuery(`UPDATE units SET name = ?, parent_id = ?, update_time = ? WHERE id = ?`)
	qDeleteUnit   = newQuery(`DELETE FROM units WHERE id = ?`)
	qListUnits    = newQuery(`SELECT ` + unitCols + ` FROM units WHERE organization_id = ? ORDER BY id`)
	qListAllUnits = newQuery(`SELECT ` + unitCols + ` FROM units ORDER BY id`)
	qUnitHasChild = newQuery(`SELECT 1 FROM units WHERE parent_id = ? LIMIT 1`)
	qUnitExists   = newQuery(`SELECT 1 FROM units WHERE id = ?`)
)

func scanUnit(r scanner) (org.Unit, error) {
	var (
		u      org.Unit
		parent sql.NullString
		ct, ut int64
	)
	err := r.Scan(&u.ID, &u.OrganizationID, &u.Name, &parent, &ct, &ut)
	u.ParentID = parent.String
	u.CreateTime, u.UpdateTime = fromMicros(ct), fromMicros(ut)
	return u, err
}

// unitRefs are the rows a unit points to.
func unitRefs(u org.Unit, withOrg bool) []ref {
	var refs []ref
	if withOrg {
		refs = append(refs, ref{"organization", qOrganizationExists, u.OrganizationID})
	}
	if u.ParentID != "" {
		refs = append(refs, ref{"parent unit", qUnitExists, u.ParentID})
	}
	return refs
}

// CreateUnit reports ErrNotFound for a missing organization or parent.
func (t *tx) CreateUnit(u org.Unit) error {
	what := fmt.Sprintf("unit %q", u.ID)
	if err := t.require(what, unitRefs(u, true)...); err != nil {
		return err
	}
	n, err := t.exec(qCreateUnit, u.ID, u.OrganizationID, u.Name, nullString(u.ParentID),
		micros(u.CreateTime), micros(u.UpdateTime))
	return mustInsert(what, n, err)
}

func (t *tx) GetUnit(id string) (org.Unit, error) {
	return get(t, fmt.Sprintf("unit %q", id), qGetUnit, scanUnit, id)
}

// UpdateUnit reports ErrNotFound for a missing unit or parent.
func (t *tx) UpdateUnit(u org.Unit) error {
	what := fmt.Sprintf("unit %q", u.ID)
	if err := t.require(what, unitRefs(u, false)...); err != nil {
		return err
	}
	n, err := t.exec(qUpdateUnit, u.Name, nullString(u.ParentID), micros(u.UpdateTime), u.ID)
	return mustAffect(what, n, err)
}

// DeleteUnit refuses (org.ErrNotEmpty) to delete a unit that still has
// sub-units, which the parent foreign key would reject anyway; checking
// first keeps the PostgreSQL transaction usable.
func (t *tx) DeleteUnit(id string) error {
	what := fmt.Sprintf("unit %q", id)
	has, err := t.exists(qUnitHasChild, id)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if has {
		return fmt.Errorf("%s has units: %w", what, org.ErrNotEmpty)
	}
	n, err := t.exec(qDeleteUnit, id)
	if err := mustAffect(what, n, err); err != nil {
		return err
	}
	if _, err := t.exec(qDeleteResourceGrants, grant.ResourceUnit, id); err != nil {
		return fmt.Errorf("%s: delete grants: %w", what, err)
	}
	return nil
}

func (t *tx) ListUnits(orgID string) ([]org.Unit, error) {
	return listQ(t, "units", qListUnits, scanUnit, orgID)
}

func (t *tx) ListAllUnits() ([]org.Unit, error) {
	return listQ(t, "units", qListAllUnits, scanUnit)
}

// ---- projects ----

const projectCols = `name, organization_id, parent_id, account_id, billing_group_id,
default_cloud, base_port, tags, tech_emails, create_time, update_time`

var (
	qCreateProject = newQuery(`INSERT INTO projects (` + projectCols + `)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	qGetProject   = newQuery(`SELECT ` + projectCols + ` FROM projects WHERE name = ?`)
	qProjectKeys  = newQuery(`SELECT name FROM projects WHERE name = ? OR name = ?`)
	qUpdateProjct = newQuery(`UPDATE projects SET name = ?, organization_id = ?, parent_id = ?,
account_id = ?, billing_group_id = ?, default_cloud = ?, base_port = ?, tags = ?, tech_emails = ?,
update_time = ? WHERE name = ?`)
	qRenameProjectGrants = newQuery(`UPDATE grants SET resource_id = ? WHERE resource_type = ? AND resource_id = ?`)
	qRenameProjectEvents = newQuery(`UPDATE events SET project = ? WHERE project = ?`)
	qDeleteProject       = newQuery(`DELETE FROM projects WHERE name = ?`)
	qListProjects        = newQuery(`SELECT ` + projectCols + ` FROM projects WHERE organization_id = ? ORDER BY name`)
	qListProjectsIn      = newQuery(`SELECT ` + projectCols + ` FROM projects WHERE parent_id = ? ORDER BY name`)
	qListAllProjects     = newQuery(`SELECT ` + projectCols + ` FROM projects ORDER BY name`)
	qProjectExists       = newQuery(`SELECT 1 FROM projects WHERE name = ?`)
)

func scanProject(r scanner) (org.Project, error) {
	var (
		p           org.Project
		basePort    sql.NullInt64
		tags, email string
		ct, ut      int64
	)
	err := r.Scan(&p.Name, &p.OrganizationID, &p.ParentID, &p.AccountID, &p.BillingGroupID,
		&p.DefaultCloud, &basePort, &tags, &email, &ct, &ut)
	if err != nil {
		return p, err
	}
	p.BasePort = fromNullInt[int](basePort)
	p.CreateTime, p.UpdateTime = fromMicros(ct), fromMicros(ut)
	if err := fromJSON(tags, &p.Tags); err != nil {
		return p, err
	}
	return p, fromJSON(email, &p.TechEmails)
}

func projectJSON(p org.Project) (tags, emails string, err error) {
	if tags, err = toJSON(p.Tags); err != nil {
		return "", "", err
	}
	emails, err = toJSON(p.TechEmails)
	return tags, emails, err
}

// CreateProject reports ErrNotFound for a missing organization.
func (t *tx) CreateProject(p org.Project) error {
	what := fmt.Sprintf("project %q", p.Name)
	if err := t.require(what, ref{"organization", qOrganizationExists, p.OrganizationID}); err != nil {
		return err
	}
	tags, emails, err := projectJSON(p)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	n, err := t.exec(qCreateProject, p.Name, p.OrganizationID, p.ParentID, p.AccountID, p.BillingGroupID,
		p.DefaultCloud, nullInt(p.BasePort), tags, emails, micros(p.CreateTime), micros(p.UpdateTime))
	return mustInsert(what, n, err)
}

func (t *tx) GetProject(name string) (org.Project, error) {
	return get(t, fmt.Sprintf("project %q", name), qGetProject, scanProject, name)
}

// UpdateProject replaces every field but CreateTime, which records when
// the project was created whatever the caller passes. A rename reaches
// services through ON UPDATE CASCADE and grants and events (which name
// the project without a foreign key) through explicit updates.
func (t *tx) UpdateProject(name string, p org.Project) error {
	what := fmt.Sprintf("project %q", name)
	if p.Name != name {
		what = fmt.Sprintf("project %q (renamed %q)", name, p.Name)
	}
	if err := t.checkKey(what, name, qProjectKeys, name, p.Name); err != nil {
		return err
	}
	tags, emails, err := projectJSON(p)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	n, err := t.exec(qUpdateProjct, p.Name, p.OrganizationID, p.ParentID, p.AccountID, p.BillingGroupID,
		p.DefaultCloud, nullInt(p.BasePort), tags, emails, micros(p.UpdateTime), name)
	if err := mustAffect(what, n, err); err != nil {
		return err
	}
	if p.Name == name {
		return nil
	}
	if _, err := t.exec(qRenameProjectGrants, p.Name, grant.ResourceProject, name); err != nil {
		return fmt.Errorf("%s: rename in grants: %w", what, err)
	}
	if _, err := t.exec(qRenameProjectEvents, p.Name, name); err != nil {
		return fmt.Errorf("%s: rename in events: %w", what, err)
	}
	return nil
}

// DeleteProject relies on ON DELETE CASCADE for services and removes the
// grants on the project itself. Its events stay in the log.
func (t *tx) DeleteProject(name string) error {
	what := fmt.Sprintf("project %q", name)
	n, err := t.exec(qDeleteProject, name)
	if err := mustAffect(what, n, err); err != nil {
		return err
	}
	if _, err := t.exec(qDeleteResourceGrants, grant.ResourceProject, name); err != nil {
		return fmt.Errorf("%s: delete grants: %w", what, err)
	}
	return nil
}

func (t *tx) ListProjects(orgID string) ([]org.Project, error) {
	return listQ(t, "projects", qListProjects, scanProject, orgID)
}

func (t *tx) ListProjectsIn(parentID string) ([]org.Project, error) {
	return listQ(t, "projects", qListProjectsIn, scanProject, parentID)
}

func (t *tx) ListAllProjects() ([]org.Project, error) {
	return listQ(t, "projects", qListAllProjects, scanProject)
}

// ---- services ----

const serviceCols = `project, name, type, plan, cloud, tags, tech_emails,
termination_protection, user_config, create_time, update_time`

var (
	qCreateService = newQuery(`INSERT INTO services (` + serviceCols + `)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	qGetService    = newQuery(`SELECT ` + serviceCols + ` FROM services WHERE project = ? AND name = ?`)
	qUpdateService = newQuery(`UPDATE services SET plan = ?, cloud = ?, tags = ?, tech_emails = ?,
termination_protection = ?, user_config = ?, update_time = ? WHERE project = ? AND name = ?`)
	qDeleteService   = newQuery(`DELETE FROM services WHERE project = ? AND name = ?`)
	qListServices    = newQuery(`SELECT ` + serviceCols + ` FROM services WHERE project = ? ORDER BY name`)
	qListAllServices = newQuery(`SELECT ` + serviceCols + ` FROM services ORDER BY project, name`)
)

func scanService(r scanner) (org.Service, error) {
	var (
		s                    org.Service
		tags, emails, config string
		ct, ut               int64
	)
	err := r.Scan(&s.Project, &s.Name, &s.Type, &s.Plan, &s.Cloud, &tags, &emails,
		&s.TerminationProtection, &config, &ct, &ut)
	if err != nil {
		return s, err
	}
	s.CreateTime, s.UpdateTime = fromMicros(ct), fromMicros(ut)
	if err := fromJSON(tags, &s.Tags); err != nil {
		return s, err
	}
	if err := fromJSON(emails, &s.TechEmails); err != nil {
		return s, err
	}
	return s, fromJSON(config, &s.UserConfig)
}

func serviceJSON(s org.Service) (tags, emails, config string, err error) {
	if tags, err = toJSON(s.Tags); err != nil {
		return
	}
	if emails, err = toJSON(s.TechEmails); err != nil {
		return
	}
	config, err = toJSON(s.UserConfig)
	return
}

func serviceWhat(project, name string) string {
	return fmt.Sprintf("service %q of project %q", name, project)
}

// CreateService reports ErrNotFound for a missing project.
func (t *tx) CreateService(s org.Service) error {
	what := serviceWhat(s.Project, s.Name)
	if err := t.require(what, ref{"project", qProjectExists, s.Project}); err != nil {
		return err
	}
	tags, emails, config, err := serviceJSON(s)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	n, err := t.exec(qCreateService, s.Project, s.Name, s.Type, s.Plan, s.Cloud, tags, emails,
		s.TerminationProtection, config, micros(s.CreateTime), micros(s.UpdateTime))
	return mustInsert(what, n, err)
}

func (t *tx) GetService(project, name string) (org.Service, error) {
	return get(t, serviceWhat(project, name), qGetService, scanService, project, name)
}

// UpdateService writes the plan, cloud, tags, technical emails,
// termination protection, user config and update time; project, name,
// type and create time are fixed.
func (t *tx) UpdateService(s org.Service) error {
	what := serviceWhat(s.Project, s.Name)
	tags, emails, config, err := serviceJSON(s)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	n, err := t.exec(qUpdateService, s.Plan, s.Cloud, tags, emails, s.TerminationProtection, config,
		micros(s.UpdateTime), s.Project, s.Name)
	return mustAffect(what, n, err)
}

func (t *tx) DeleteService(project, name string) error {
	n, err := t.exec(qDeleteService, project, name)
	return mustAffect(serviceWhat(project, name), n, err)
}

func (t *tx) ListServices(project string) ([]org.Service, error) {
	return listQ(t, "services", qListServices, scanService, project)
}

func (t *tx) ListAllServices() ([]org.Service, error) {
	return listQ(t, "services", qListAllServices, scanService)
}

// ---- events ----

const eventCols = `id, organization_id, account_id, project, service, actor_user_id,
actor_email, action_type, description, client_ip, create_time`

var qAppendEvent = newQuery(`INSERT INTO events (organization_id, account_id, project, service,
actor_user_id, actor_email, action_type, description, client_ip, create_time)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`)

func scanEvent(r scanner) (audit.Event, error) {
	var (
		e  audit.Event
		ct int64
	)
	err := r.Scan(&e.ID, &e.OrganizationID, &e.AccountID, &e.Project, &e.Service, &e.ActorUserID,
		&e.ActorEmail, &e.ActionType, &e.Description, &e.ClientIP, &ct)
	e.CreateTime = fromMicros(ct)
	return e, err
}

func (t *tx) AppendEvent(e audit.Event) (int64, error) {
	var id int64
	err := t.queryRow(qAppendEvent, e.OrganizationID, e.AccountID, e.Project, e.Service, e.ActorUserID,
		e.ActorEmail, e.ActionType, e.Description, e.ClientIP, micros(e.CreateTime)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("append event: %w", err)
	}
	return id, nil
}

// ListEvents builds its query per filter; each condition is backed by an
// index on (column, id DESC).
func (t *tx) ListEvents(f store.EventFilter) ([]audit.Event, error) {
	var (
		conds []string
		args  []any
	)
	if f.OrganizationID != "" {
		conds = append(conds, "organization_id = ?")
		args = append(args, f.OrganizationID)
	}
	if len(f.AccountIDs) > 0 {
		conds = append(conds, "account_id IN (?"+strings.Repeat(", ?", len(f.AccountIDs)-1)+")")
		for _, id := range f.AccountIDs {
			args = append(args, id)
		}
	}
	if f.Project != "" {
		conds = append(conds, "project = ?")
		args = append(args, f.Project)
	}
	if f.BeforeID > 0 {
		conds = append(conds, "id < ?")
		args = append(args, f.BeforeID)
	}
	var b strings.Builder
	b.WriteString("SELECT " + eventCols + " FROM events")
	if len(conds) > 0 {
		b.WriteString(" WHERE " + strings.Join(conds, " AND "))
	}
	b.WriteString(" ORDER BY id DESC")
	if f.Limit > 0 {
		b.WriteString(" LIMIT ?")
		args = append(args, f.Limit)
	}
	q := b.String()
	if t.pg {
		q = rebind(q)
	}
	return list(t, "events", q, scanEvent, args...)
}

// ---- groups ----

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
	var (
		g      identity.Group
		ct, ut int64
	)
	err := r.Scan(&g.ID, &g.OrganizationID, &g.Name, &g.Description, &g.ManagedBySCIM, &ct, &ut)
	g.CreateTime, g.UpdateTime = fromMicros(ct), fromMicros(ut)
	return g, err
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

func (t *tx) GetGroup(id string) (identity.Group, error) {
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

func (t *tx) ListGroups(orgID string) ([]identity.Group, error) {
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

func (t *tx) ListGroupMembers(groupID string) ([]identity.GroupMember, error) {
	return listQ(t, "group members", qListGroupMembs, scanGroupMember, groupID)
}

func (t *tx) ListUserGroups(orgID, userID string) ([]identity.Group, error) {
	return listQ(t, "groups", qListUserGroups, scanGroup, orgID, userID)
}

func (t *tx) ListAllGroups() ([]identity.Group, error) {
	return listQ(t, "groups", qListAllGroups, scanGroup)
}

func (t *tx) ListAllGroupMembers() ([]identity.GroupMember, error) {
	return listQ(t, "group members", qListAllGroupMembs, scanGroupMember)
}

// ---- grants ----

const grantCols = `principal_type, principal_id, resource_type, resource_id, organization_id,
permissions, create_time, update_time`

var (
	// An upsert keeps the original create time.
	qSetGrant = newQuery(`INSERT INTO grants (` + grantCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (principal_type, principal_id, resource_type, resource_id) DO UPDATE SET
organization_id = excluded.organization_id, permissions = excluded.permissions,
update_time = excluded.update_time`)
	qDeleteGrant = newQuery(`DELETE FROM grants WHERE principal_type = ? AND principal_id = ?
AND resource_type = ? AND resource_id = ?`)
	qListGrants = newQuery(`SELECT ` + grantCols + ` FROM grants WHERE resource_type = ? AND resource_id = ?
ORDER BY principal_type, principal_id`)
	qListPrincipalGrants = newQuery(`SELECT ` + grantCols + ` FROM grants WHERE principal_type = ? AND principal_id = ?
ORDER BY resource_type, resource_id`)
	qListAllGrants = newQuery(`SELECT ` + grantCols + ` FROM grants
ORDER BY principal_type, principal_id, resource_type, resource_id`)
)

func scanGrant(r scanner) (grant.Grant, error) {
	var (
		g      grant.Grant
		perms  string
		ct, ut int64
	)
	err := r.Scan(&g.PrincipalType, &g.PrincipalID, &g.ResourceType, &g.ResourceID, &g.OrganizationID,
		&perms, &ct, &ut)
	if err != nil {
		return g, err
	}
	g.CreateTime, g.UpdateTime = fromMicros(ct), fromMicros(ut)
	return g, fromJSON(perms, &g.Permissions)
}

// SetGrant reports ErrNotFound for a missing organization. Principals and
// resources are not checked: they are polymorphic references.
func (t *tx) SetGrant(g grant.Grant) error {
	what := fmt.Sprintf("grant of %s %q on %s %q", g.PrincipalType, g.PrincipalID, g.ResourceType, g.ResourceID)
	if len(g.Permissions) == 0 {
		if _, err := t.exec(qDeleteGrant, g.PrincipalType, g.PrincipalID, g.ResourceType, g.ResourceID); err != nil {
			return fmt.Errorf("delete %s: %w", what, err)
		}
		return nil
	}
	if err := t.require(what, ref{"organization", qOrganizationExists, g.OrganizationID}); err != nil {
		return err
	}
	perms, err := toJSON(g.Permissions)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if _, err := t.exec(qSetGrant, g.PrincipalType, g.PrincipalID, g.ResourceType, g.ResourceID,
		g.OrganizationID, perms, micros(g.CreateTime), micros(g.UpdateTime)); err != nil {
		return writeErr(what, err)
	}
	return nil
}

func (t *tx) ListGrants(resourceType, resourceID string) ([]grant.Grant, error) {
	return listQ(t, "grants", qListGrants, scanGrant, resourceType, resourceID)
}

func (t *tx) ListPrincipalGrants(principalType, principalID string) ([]grant.Grant, error) {
	return listQ(t, "grants", qListPrincipalGrants, scanGrant, principalType, principalID)
}

func (t *tx) ListAllGrants() ([]grant.Grant, error) {
	return listQ(t, "grants", qListAllGrants, scanGrant)
}
