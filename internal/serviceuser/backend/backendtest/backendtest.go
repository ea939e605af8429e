// Package backendtest finds the real servers that service-user tests run
// against: PostgreSQL, MySQL/MariaDB and Redis/Valkey. Each comes from an
// environment variable or a default on loopback; a test is skipped only when
// the server is unreachable and its variable is unset (CI sets them, so
// there a missing server fails the test).
package backendtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/serviceuser/backend"
)

// Environment variables naming each server's admin connection URI.
const (
	PostgresEnv = "GATEHOUSE_TEST_POSTGRES"
	MySQLEnv    = "GATEHOUSE_TEST_MYSQL"
	RedisEnv    = "GATEHOUSE_TEST_REDIS"
)

// Defaults when a variable is unset: the machine's local servers.
const (
	defaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	defaultMySQL    = "mysql://root@127.0.0.1:3306/test"
	defaultRedis    = "redis://127.0.0.1:6379/0"
)

func find(t testing.TB, env, def string) string {
	t.Helper()
	uri, set := os.LookupEnv(env)
	if !set || uri == "" {
		uri, set = def, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b, err := backend.Open(ctx, uri)
	if err != nil {
		if !set {
			t.Skipf("%s is unset and %s is unreachable: %v", env, backend.Redact(uri), err)
		}
		t.Fatalf("%s=%s: %v", env, backend.Redact(uri), err)
	}
	b.Close()
	return uri
}

// Postgres returns the admin URI of the test PostgreSQL server.
func Postgres(t testing.TB) string { return find(t, PostgresEnv, defaultPostgres) }

// MySQL returns the admin URI of the test MySQL or MariaDB server.
func MySQL(t testing.TB) string { return find(t, MySQLEnv, defaultMySQL) }

// Redis returns the admin URI of the test Redis or Valkey server.
func Redis(t testing.TB) string { return find(t, RedisEnv, defaultRedis) }

// Name returns a user name unique to this test run.
func Name(prefix string) string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return prefix + "_" + hex.EncodeToString(b[:])
}
