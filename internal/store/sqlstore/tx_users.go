package sqlstore

import (
	"database/sql"
	"fmt"

	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
)

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
	var u userScan
	err := r.Scan(u.dest()...)
	return u.user(), err
}

// userScan holds a users row's columns (userCols) while it is scanned,
// alone or beside another table's columns.
type userScan struct {
	u               identity.User
	ct, ut          int64
	lastAct, pwdUpd sql.NullInt64
}

func (s *userScan) dest() []any {
	return []any{&s.u.ID, &s.u.Email, &s.u.RealName, &s.u.PasswordHash, &s.u.State, &s.u.IsApplication,
		&s.ct, &s.ut, &s.lastAct, &s.u.ManagingOrgID, &s.pwdUpd}
}

func (s *userScan) user() identity.User {
	u := s.u
	u.CreateTime, u.UpdateTime = fromMicros(s.ct), fromMicros(s.ut)
	u.LastActivity, u.PasswordUpdated = fromNullMicros(s.lastAct), fromNullMicros(s.pwdUpd)
	return u
}

func (t *reader) CountUsers() (int, error) {
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

func (t *reader) GetUser(id string) (identity.User, error) {
	return get(t, fmt.Sprintf("user %q", id), qGetUser, scanUser, id)
}

func (t *reader) GetUserByEmail(email string) (identity.User, error) {
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

func (t *reader) ListUsers() ([]identity.User, error) {
	return listQ(t, "users", qListUsers, scanUser)
}
