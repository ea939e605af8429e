package sqlstore

import (
	"database/sql"
	"fmt"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

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

func (t *reader) GetToken(hash string) (token.Token, error) {
	// The hash is a secret's digest: keep it out of error messages.
	return get(t, "token", qGetToken, scanToken, hash)
}

func (t *reader) GetTokenByPrefix(userID, prefix string) (token.Token, error) {
	return get(t, fmt.Sprintf("token %q of user %q", prefix, userID), qGetTokenByPrefix, scanToken, prefix, userID)
}

func (t *tx) TouchToken(hash string, at time.Time, ip, userAgent string, expiry *time.Time) error {
	n, err := t.exec(qTouchToken, micros(at), ip, userAgent, nullMicros(expiry), hash)
	return mustAffect("token", n, err)
}

func (t *tx) DeleteToken(hash string) error {
	n, err := t.exec(qDeleteToken, hash)
	if err == nil && n > 0 {
		t.notify(store.Notice{TokenHash: hash})
	}
	return mustAffect("token", n, err)
}

func (t *reader) ListTokens(userID string) ([]token.Token, error) {
	return listQ(t, "tokens", qListTokens, scanToken, userID)
}
