package fgapeer

import (
	"context"
	"database/sql"

	"github.com/oklog/ulid/v2"
	openfgav1 "github.com/openfga/api/proto/openfga/v1"
	"github.com/openfga/openfga/pkg/storage/sqlite"
	"github.com/openfga/openfga/pkg/tuple"
)

// bulkLoader inserts tuples straight into the SQLite datastore's tuple
// table, in its own layout, in one transaction, as a restore from a dump
// would. The datastore's Write reads and locks every tuple it writes and
// logs a change for it: about a millisecond per tuple on this machine,
// which would keep the large size loading for over half an hour. Updates
// go through the server's Write API.
type bulkLoader struct {
	db    *sql.DB
	tx    *sql.Tx
	stmt  *sql.Stmt
	store string
}

func newBulkLoader(ctx context.Context, uri, store string) (*bulkLoader, error) {
	dsn, err := sqlite.PrepareDSN(uri)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	b := &bulkLoader{db: db, store: store}
	if b.tx, err = db.BeginTx(ctx, nil); err != nil {
		_ = db.Close()
		return nil, err
	}
	b.stmt, err = b.tx.PrepareContext(ctx, `INSERT INTO tuple (store, object_type, object_id, relation,
		user_object_type, user_object_id, user_relation, user_type, ulid, inserted_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, datetime('subsec'))`)
	if err != nil {
		b.rollback()
		return nil, err
	}
	return b, nil
}

func (b *bulkLoader) add(ctx context.Context, tk *openfgav1.TupleKey) error {
	ot, oid := tuple.SplitObject(tk.GetObject())
	ut, uid, urel := tuple.ToUserParts(tk.GetUser())
	_, err := b.stmt.ExecContext(ctx, b.store, ot, oid, tk.GetRelation(), ut, uid, urel,
		tuple.GetUserTypeFromUser(tk.GetUser()), ulid.Make().String())
	return err
}

func (b *bulkLoader) commit() error {
	err := b.tx.Commit()
	b.tx = nil
	if cerr := b.db.Close(); err == nil {
		err = cerr
	}
	return err
}

func (b *bulkLoader) rollback() {
	if b.tx != nil {
		_ = b.tx.Rollback()
		b.tx = nil
		_ = b.db.Close()
	}
}
