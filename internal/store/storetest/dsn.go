package storetest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver for creating test databases
)

// PostgresEnv names the environment variable holding the test PostgreSQL
// server's DSN.
const PostgresEnv = "GATEHOUSE_TEST_POSTGRES"

// SQLite returns the path of a fresh SQLite database file in t's temporary
// directory.
func SQLite(t testing.TB) string { return filepath.Join(t.TempDir(), "gatehouse.db") }

// Postgres creates a fresh database on the test PostgreSQL server, dropped
// when the test ends, and returns its DSN. It skips the test when
// GATEHOUSE_TEST_POSTGRES is not set.
func Postgres(t testing.TB) string {
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skip(PostgresEnv + " is not set")
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "gh_t_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		admin.Close()
		t.Fatalf("creating test database: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
