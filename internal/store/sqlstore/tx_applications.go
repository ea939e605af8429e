package sqlstore

import (
	"fmt"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

const revokedTokenCols = `hash, prefix, kind, user_id, user_email, organization_ids, reason, revoke_time`

var (
	// Through the partial index of application users (migration 00100),
	// so the organization's other members are not read; each dialect
	// spells its boolean.
	qListApplicationUsers = query{
		lite: `SELECT ` + qualified("u.", userCols) + ` FROM users u CROSS JOIN organization_members m
WHERE u.is_application = 1 AND m.organization_id = ? AND m.user_id = u.id ORDER BY u.id`,
		pg: rebind(`SELECT ` + qualified("u.", userCols) + ` FROM users u JOIN organization_members m ON m.user_id = u.id
WHERE u.is_application AND m.organization_id = ? ORDER BY u.id`),
	}
	qUpdateTokenDescription = newQuery(`UPDATE tokens SET description = ? WHERE hash = ?`)
	qDeleteUserTokens       = newQuery(`DELETE FROM tokens WHERE user_id = ?`)
	qAddRevokedToken        = newQuery(`INSERT INTO revoked_tokens (` + revokedTokenCols + `)
VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	qGetRevokedToken    = newQuery(`SELECT ` + revokedTokenCols + ` FROM revoked_tokens WHERE hash = ?`)
	qPruneRevokedTokens = newQuery(`DELETE FROM revoked_tokens WHERE revoke_time < ?`)
)

func (t *reader) ListApplicationUsers(orgID string) ([]identity.User, error) {
	return listQ(t, "application users", qListApplicationUsers, scanUser, orgID)
}

func (t *tx) UpdateTokenDescription(hash, description string) error {
	n, err := t.exec(qUpdateTokenDescription, description, hash)
	return mustAffect("token", n, err)
}

func (t *tx) DeleteUserTokens(userID string) (int, error) {
	n, err := t.exec(qDeleteUserTokens, userID)
	if err != nil {
		return 0, writeErr(fmt.Sprintf("tokens of user %q", userID), err)
	}
	if n > 0 {
		t.notify(store.Notice{TokenUserID: userID})
	}
	return int(n), nil
}

func (t *tx) AddRevokedTokens(ts ...store.RevokedToken) error {
	for _, r := range ts {
		orgs, err := toJSON(r.OrganizationIDs)
		if err != nil {
			return err
		}
		if _, err := t.exec(qAddRevokedToken, r.Hash, r.Prefix, string(r.Kind), r.UserID, r.UserEmail, orgs,
			r.Reason, micros(r.RevokeTime)); err != nil {
			// The hash is a secret's digest: name the token by prefix only.
			return writeErr(fmt.Sprintf("revoked token %q", r.Prefix), err)
		}
	}
	return nil
}

func scanRevokedToken(r scanner) (store.RevokedToken, error) {
	var (
		rt   store.RevokedToken
		orgs string
		at   int64
	)
	if err := r.Scan(&rt.Hash, &rt.Prefix, &rt.Kind, &rt.UserID, &rt.UserEmail, &orgs, &rt.Reason, &at); err != nil {
		return rt, err
	}
	rt.RevokeTime = fromMicros(at)
	return rt, fromJSON(orgs, &rt.OrganizationIDs)
}

func (t *reader) GetRevokedToken(hash string) (store.RevokedToken, error) {
	return get(t, "revoked token", qGetRevokedToken, scanRevokedToken, hash)
}

func (t *tx) PruneRevokedTokens(before time.Time) (int, error) {
	n, err := t.exec(qPruneRevokedTokens, micros(before))
	if err != nil {
		return 0, writeErr("revoked tokens", err)
	}
	return int(n), nil
}
