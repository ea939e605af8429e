package server

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/secret"
	"github.com/gatehouse-dev/gatehouse/internal/store/sqlstore"
)

// keyFileSuffix names the key file kept next to a SQLite database.
const keyFileSuffix = ".secret-key"

var errNoPostgresKey = errors.New("GATEHOUSE_SECRET_KEY is required with PostgreSQL: every server sharing the database needs the same key " +
	"(generate one with: openssl rand -base64 32)")

// requireKey refuses a PostgreSQL configuration without a key.
func requireKey(cfg Config) error {
	pg := strings.HasPrefix(cfg.Database, "postgres://") || strings.HasPrefix(cfg.Database, "postgresql://")
	if pg && strings.TrimSpace(cfg.SecretKey) == "" && cfg.SecretKeyFile == "" {
		return errNoPostgresKey
	}
	return nil
}

// secretKeys returns the keys that encrypt service-user credentials.
//
// Gatehouse never stores a credential in plain text and never derives a
// key from something else it stores. With GATEHOUSE_SECRET_KEY set, those
// keys are used. Without it, a SQLite installation (one server, one file)
// keeps its key in a file next to the database, created with mode 0600 on
// first start; the database alone then does not reveal the credentials.
// PostgreSQL installations may run several servers that must share the key,
// and a key file on one of them would silently differ from the others', so
// they must configure the key.
func secretKeys(cfg Config, dialect string, log *slog.Logger) ([][]byte, error) {
	if cfg.SecretKeyFile != "" {
		b, err := os.ReadFile(cfg.SecretKeyFile)
		if err != nil {
			return nil, fmt.Errorf("secret key file: %w", err)
		}
		keys, err := secret.ParseKeys(string(b))
		if err != nil || len(keys) == 0 {
			return nil, fmt.Errorf("secret key file %s: %w", cfg.SecretKeyFile, errors.Join(err, secret.ErrBadKey))
		}
		return keys, nil
	}
	if strings.TrimSpace(cfg.SecretKey) != "" {
		keys, err := secret.ParseKeys(cfg.SecretKey)
		if err != nil {
			return nil, fmt.Errorf("GATEHOUSE_SECRET_KEY: %w", err)
		}
		return keys, nil
	}
	if dialect != sqlstore.DialectSQLite {
		return nil, errNoPostgresKey
	}
	path := sqlitePath(cfg.Database) + keyFileSuffix
	b, err := os.ReadFile(path)
	if err == nil {
		if fi, serr := os.Stat(path); serr == nil && fi.Mode().Perm()&0o077 != 0 {
			log.Warn("secret key file is readable by other users; chmod 600 it", "path", path)
		}
		keys, err := secret.ParseKeys(string(b))
		if err != nil || len(keys) == 0 {
			return nil, fmt.Errorf("secret key file %s: %w", path, errors.Join(err, secret.ErrBadKey))
		}
		return keys, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("secret key file: %w", err)
	}
	key := secret.NewKey()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("creating the secret key file: %w", err)
	}
	_, werr := f.WriteString(secret.EncodeKey(key) + "\n")
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("writing the secret key file: %w", err)
	}
	log.Warn("generated a secret key for service-user credentials; back it up with the database, without it the credentials cannot be read",
		"path", path, "key_id", secret.KeyID(key))
	return [][]byte{key}, nil
}

// sqlitePath strips query parameters from a SQLite DSN.
func sqlitePath(dsn string) string {
	path, _, _ := strings.Cut(strings.TrimPrefix(dsn, "file:"), "?")
	return path
}
