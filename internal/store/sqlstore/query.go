package sqlstore

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// query is one SQL statement in both dialects' placeholder styles, built
// once at package init so no rewriting happens per call.
type query struct{ lite, pg string }

func newQuery(s string) query { return query{lite: s, pg: rebind(s)} }

func (q query) text(pg bool) string {
	if pg {
		return q.pg
	}
	return q.lite
}

// rebind rewrites "?" placeholders to PostgreSQL's "$1", "$2", ...,
// leaving quoted strings and identifiers alone.
func rebind(s string) string {
	var (
		b     strings.Builder
		n     int
		quote byte
	)
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Constraint violations, told apart for both drivers.

func isUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

func isForeignKeyViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23503"
}

// writeErr wraps err from a statement that inserts or updates what:
// unique violations become store.ErrConflict and foreign-key violations
// (a referenced row is missing) store.ErrNotFound.
func writeErr(what string, err error) error {
	switch {
	case isUniqueViolation(err):
		return fmt.Errorf("%s: %w (%w)", what, store.ErrConflict, err)
	case isForeignKeyViolation(err):
		return fmt.Errorf("%s: referenced row: %w (%w)", what, store.ErrNotFound, err)
	default:
		return fmt.Errorf("%s: %w", what, err)
	}
}

// Value conversions. Times are Unix microseconds in UTC, optional values
// are NULL, lists and maps are JSON.

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

func nullMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}

func fromNullMicros(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullInt[T int | int64](p *T) any {
	if p == nil {
		return nil
	}
	return int64(*p)
}

func fromNullInt[T int | int64](v sql.NullInt64) *T {
	if !v.Valid {
		return nil
	}
	n := T(v.Int64)
	return &n
}

// toJSON encodes v; nil slices and maps become "null" and so read back as
// nil, keeping nil and empty apart.
func toJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode json: %w", err)
	}
	return string(b), nil
}

func fromJSON(s string, dst any) error {
	if err := json.Unmarshal([]byte(s), dst); err != nil {
		return fmt.Errorf("decode json: %w", err)
	}
	return nil
}
