package sqlstore

import (
	"fmt"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/store"
)

var (
	qRevision     = newQuery(`SELECT COALESCE(MAX(revision), 0) FROM changes`)
	qAppendChange = newQuery(`INSERT INTO changes (revision, payload, create_time)
VALUES ((SELECT COALESCE(MAX(revision), 0) + 1 FROM changes), ?, ?) RETURNING revision`)
)

func (t *reader) Revision() (int64, error) {
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
	t.notify(store.Notice{Revision: rev})
	return rev, nil
}
