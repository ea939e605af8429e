package sqlstore

import (
	"fmt"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

var (
	qGetSSOIdentity    = newQuery(`SELECT method_id, subject, user_id, create_time FROM sso_identities WHERE method_id = ? AND subject = ?`)
	qCreateSSOIdentity = newQuery(`INSERT INTO sso_identities (method_id, subject, user_id, create_time) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	// A live ticket blocks the insert; an expired one is overwritten, so
	// a ticket ID is unusable exactly while its ticket lives.
	qPutSSOTicket = newQuery(`INSERT INTO sso_tickets (kind, id, data, expire_time) VALUES (?, ?, ?, ?)
ON CONFLICT (kind, id) DO UPDATE SET data = excluded.data, expire_time = excluded.expire_time WHERE sso_tickets.expire_time <= ?`)
	qGetSSOTicket     = newQuery(`SELECT id, kind, data, expire_time FROM sso_tickets WHERE kind = ? AND id = ? AND expire_time > ?`)
	qDeleteSSOTicket  = newQuery(`DELETE FROM sso_tickets WHERE kind = ? AND id = ?`)
	qExpireSSOTickets = newQuery(`DELETE FROM sso_tickets WHERE expire_time <= ?`)
)

func scanSSOIdentity(r scanner) (identity.SSOIdentity, error) {
	var (
		i  identity.SSOIdentity
		ct int64
	)
	err := r.Scan(&i.MethodID, &i.Subject, &i.UserID, &ct)
	i.CreateTime = fromMicros(ct)
	return i, err
}

func scanSSOTicket(r scanner) (identity.SSOTicket, error) {
	var (
		t  identity.SSOTicket
		et int64
	)
	err := r.Scan(&t.ID, &t.Kind, &t.Data, &et)
	t.ExpireTime = fromMicros(et)
	return t, err
}

func (t *reader) GetSSOIdentity(methodID, subject string) (identity.SSOIdentity, error) {
	return get(t, fmt.Sprintf("identity %q at authentication method %q", subject, methodID), qGetSSOIdentity, scanSSOIdentity, methodID, subject)
}

func (t *tx) CreateSSOIdentity(i identity.SSOIdentity) error {
	what := fmt.Sprintf("identity %q at authentication method %q", i.Subject, i.MethodID)
	if err := t.require(what, ref{"authentication method", qGetAuthMethodExists, i.MethodID}, ref{"user", qUserExists, i.UserID}); err != nil {
		return err
	}
	n, err := t.exec(qCreateSSOIdentity, i.MethodID, i.Subject, i.UserID, micros(i.CreateTime))
	return mustInsert(what, n, err)
}

func (t *tx) PutSSOTicket(tk identity.SSOTicket, now time.Time) error {
	n, err := t.exec(qPutSSOTicket, tk.Kind, tk.ID, tk.Data, micros(tk.ExpireTime), micros(now))
	return mustInsert(fmt.Sprintf("%s ticket", tk.Kind), n, err)
}

func (t *tx) TakeSSOTicket(kind, id string, now time.Time) (identity.SSOTicket, error) {
	tk, err := get(t.reader, kind+" ticket", qGetSSOTicket, scanSSOTicket, kind, id, micros(now))
	if err != nil {
		return tk, err
	}
	if _, err := t.exec(qDeleteSSOTicket, kind, id); err != nil {
		return tk, writeErr(kind+" ticket", err)
	}
	return tk, nil
}

func (t *tx) DeleteExpiredSSOTickets(now time.Time) (int, error) {
	n, err := t.exec(qExpireSSOTickets, micros(now))
	if err != nil {
		return 0, writeErr("expired sso tickets", err)
	}
	return int(n), nil
}

var _ store.SSOTx = (*tx)(nil)
