package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// reader implements store.Reader over one *sql.Tx, and tx adds the writes
// of store.Tx. Read hands fn a *reader, which has no write methods, so
// not even a type assertion reaches one; the database refuses writes on
// the read path as well (see Store.Read).
//
// Uniqueness is enforced without letting the statement fail where
// possible: inserts use ON CONFLICT DO NOTHING and report ErrConflict when
// no row was written, and updates that could collide check first (writes
// are serialised, so the check cannot race). A failed statement aborts a
// whole PostgreSQL transaction, and callers may reasonably carry on after
// an ErrConflict (treating "already a member" as success, say); this keeps
// both dialects behaving alike. Constraint errors that still happen are
// mapped by writeErr.
type reader struct {
	ctx context.Context
	tx  *sql.Tx
	pg  bool
}

type tx struct {
	*reader
	// notices are what this write tells listeners once it commits.
	notices []store.Notice
}

func (t *tx) notify(n store.Notice) { t.notices = append(t.notices, n) }

var (
	_ store.Reader = (*reader)(nil)
	_ store.Tx     = (*tx)(nil)
)

type scanner interface{ Scan(dest ...any) error }

func (t *tx) exec(q query, args ...any) (int64, error) {
	res, err := t.tx.ExecContext(t.ctx, q.text(t.pg), args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (t *reader) queryRow(q query, args ...any) *sql.Row {
	return t.tx.QueryRowContext(t.ctx, q.text(t.pg), args...)
}

// get scans the single row q returns, mapping no row to ErrNotFound.
func get[T any](t *reader, what string, q query, scan func(scanner) (T, error), args ...any) (T, error) {
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
func list[T any](t *reader, what, sqlText string, scan func(scanner) (T, error), args ...any) ([]T, error) {
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

func listQ[T any](t *reader, what string, q query, scan func(scanner) (T, error), args ...any) ([]T, error) {
	return list(t, what, q.text(t.pg), scan, args...)
}

// exists reports whether q returns a row.
func (t *reader) exists(q query, args ...any) (bool, error) {
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
	keys, err := listQ(t.reader, what, q, func(r scanner) (k string, err error) { return k, r.Scan(&k) }, args...)
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
