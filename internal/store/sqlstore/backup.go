package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
)

// ErrBackupPostgres: Backup copies SQLite databases only; PostgreSQL has
// its own tools.
var ErrBackupPostgres = errors.New("backing up a PostgreSQL database is pg_dump's job: pg_dump --format=custom --file=gatehouse.dump <database URL>, restored with pg_restore")

// Backup writes a consistent copy of the SQLite database at dsn to output
// while servers keep using it (VACUUM INTO reads one snapshot; writers
// are not blocked in WAL mode). It applies no migrations, so a newer
// binary can back up a database before upgrading it. output must not
// exist. The copy is a plain database file: restore by stopping the
// server and putting the copy in place of the database (removing any
// -wal and -shm files beside it).
func Backup(ctx context.Context, dsn, output string) error {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return ErrBackupPostgres
	}
	if dsn == "" || strings.Contains(dsn, ":memory:") || strings.Contains(dsn, "mode=memory") {
		return fmt.Errorf("backup: %q: an on-disk database file is required", dsn)
	}
	path, _, _ := strings.Cut(dsn, "?")
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("backup: the database: %w", err)
	}
	if _, err := os.Stat(output); err == nil {
		return fmt.Errorf("backup: %s already exists; choose a new file", output)
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	db, err := sql.Open("sqlite", dsn+sep+"_pragma=busy_timeout(5000)")
	if err != nil {
		return fmt.Errorf("backup: open: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", output); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	// The copy holds credentials' ciphertexts and token hashes: owner only.
	if err := os.Chmod(output, 0o600); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}
