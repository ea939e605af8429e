package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/store/storetest"
)

// postgresEnv names the variable holding a PostgreSQL DSN for the tests.
// Each store gets its own database created on that server.
const postgresEnv = "GATEHOUSE_TEST_POSTGRES"

func openSQLiteTest(t *testing.T) store.Store {
	t.Helper()
	return mustOpen(t, filepath.Join(t.TempDir(), "gatehouse.db"))
}

func mustOpen(t *testing.T, dsn string) *Store {
	t.Helper()
	s, err := Open(t.Context(), dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSQLite(t *testing.T) {
	storetest.RunAll(t, openSQLiteTest)
}

func TestSQLiteDialect(t *testing.T) {
	if d := mustOpen(t, filepath.Join(t.TempDir(), "g.db")).Dialect(); d != DialectSQLite {
		t.Errorf("Dialect = %q", d)
	}
}

func TestSQLiteRefusesMemory(t *testing.T) {
	for _, dsn := range []string{"", ":memory:", "file::memory:?cache=shared", "file:x?mode=memory"} {
		if s, err := Open(t.Context(), dsn); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", dsn)
		}
	}
}

// TestSQLiteReopen checks that reopening a database keeps its rows and
// applies no migration twice.
func TestSQLiteReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if s.applied == 0 {
		t.Fatal("first Open applied no migrations")
	}
	err = s.Write(t.Context(), func(tx store.Tx) error {
		return tx.CreateUser(identity.User{ID: "u1", Email: "u1@example.com", State: identity.StateActive})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = mustOpen(t, path)
	if s.applied != 0 {
		t.Errorf("reopen applied %d migrations", s.applied)
	}
	err = s.Read(t.Context(), func(tx store.Reader) error {
		_, err := tx.GetUser("u1")
		return err
	})
	if err != nil {
		t.Errorf("row lost on reopen: %v", err)
	}
}

// TestSQLiteReadDuringWrite checks that a Read is not blocked by an open
// Write (WAL mode, separate read pool).
func TestSQLiteReadDuringWrite(t *testing.T) {
	s := mustOpen(t, filepath.Join(t.TempDir(), "gatehouse.db"))
	inWrite, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.Write(t.Context(), func(tx store.Tx) error {
			if err := tx.CreateUser(identity.User{ID: "u1", Email: "u1@example.com"}); err != nil {
				return err
			}
			close(inWrite)
			<-release
			return nil
		})
	}()
	<-inWrite
	var n int
	err := s.Read(t.Context(), func(tx store.Reader) (err error) {
		n, err = tx.CountUsers()
		return err
	})
	close(release)
	if err != nil {
		t.Fatalf("Read during Write: %v", err)
	}
	if n != 0 {
		t.Errorf("Read saw %d uncommitted users", n)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// postgresDB creates a fresh database on the server named by
// GATEHOUSE_TEST_POSTGRES (skipping the test when unset), dropped when the
// test ends, and returns its DSN.
func postgresDB(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv(postgresEnv)
	if dsn == "" {
		t.Skipf("%s not set", postgresEnv)
	}
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	var b [6]byte
	rand.Read(b[:])
	name := "gh_test_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(t.Context(), "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	// Registered before the store's Close, so it runs after it (cleanups
	// run last-in first-out); FORCE ends any connection left over. t.Context
	// is already cancelled when cleanups run.
	t.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

func openPostgresTest(t *testing.T) store.Store {
	t.Helper()
	return mustOpen(t, postgresDB(t))
}

func TestPostgres(t *testing.T) {
	if os.Getenv(postgresEnv) == "" {
		t.Skipf("%s not set", postgresEnv)
	}
	storetest.RunAll(t, openPostgresTest)
}

func TestPostgresDialect(t *testing.T) {
	if d := mustOpen(t, postgresDB(t)).Dialect(); d != DialectPostgres {
		t.Errorf("Dialect = %q", d)
	}
}

// TestPostgresConcurrentOpen checks that servers starting together on one
// database migrate it once, the others waiting on goose's session lock.
func TestPostgresConcurrentOpen(t *testing.T) {
	dsn := postgresDB(t)
	const n = 4
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		applied int
		errs    []error
	)
	for range n {
		wg.Go(func() {
			s, err := Open(t.Context(), dsn)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			applied += s.applied
			t.Cleanup(func() { s.Close() })
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	entries, err := migrations.ReadDir("migrations/postgres")
	if err != nil {
		t.Fatal(err)
	}
	if applied != len(entries) {
		t.Errorf("%d migrations applied in all, want %d (each once)", applied, len(entries))
	}
}

// TestReadRefusesSQLWrites checks the database's own defence under the
// Reader type: a statement that writes fails on the read path of both
// dialects (query_only on SQLite's read pool, READ ONLY on PostgreSQL).
func TestReadRefusesSQLWrites(t *testing.T) {
	for _, c := range []struct {
		name string
		open func(*testing.T) store.Store
	}{
		{"SQLite", openSQLiteTest},
		{"Postgres", openPostgresTest},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := c.open(t)
			err := s.Read(t.Context(), func(r store.Reader) error {
				_, err := r.(*reader).tx.ExecContext(t.Context(), "DELETE FROM users")
				return err
			})
			if err == nil {
				t.Fatal("a DELETE on the read path succeeded")
			}
		})
	}
}

func TestRebind(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"None", "SELECT 1", "SELECT 1"},
		{"Several", "a = ? AND b IN (?, ?)", "a = $1 AND b IN ($2, $3)"},
		{"QuotedLeftAlone", `x = '?' AND "y?" = ?`, `x = '?' AND "y?" = $1`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := rebind(c.in); got != c.want {
				t.Errorf("rebind(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

// appendFromAll appends perStore changes through each store concurrently
// and checks the log is gapless. Several stores on one database stand for
// several servers: only the database-level lock (BEGIN IMMEDIATE on SQLite,
// the advisory lock on PostgreSQL) keeps them apart.
func appendFromAll(t *testing.T, stores []*Store, perStore int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(stores)*2)
	for _, s := range stores {
		for range 2 {
			wg.Go(func() {
				for range perStore / 2 {
					err := s.Write(t.Context(), func(tx store.Tx) error {
						_, err := tx.AppendChange([]byte("x"))
						return err
					})
					if err != nil {
						errs <- err
						return
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	cs, err := stores[0].Changes(t.Context(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != len(stores)*perStore {
		t.Fatalf("%d changes, want %d", len(cs), len(stores)*perStore)
	}
	for i, c := range cs {
		if c.Revision != int64(i+1) {
			t.Fatalf("change %d has revision %d", i, c.Revision)
		}
	}
}

func TestSQLiteSeveralStoresWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	first := mustOpen(t, path)
	appendFromAll(t, []*Store{first, mustOpen(t, path), mustOpen(t, path)}, 40)
}

func TestPostgresSeveralStoresWrite(t *testing.T) {
	dsn := postgresDB(t)
	first := mustOpen(t, dsn)
	appendFromAll(t, []*Store{first, mustOpen(t, dsn), mustOpen(t, dsn)}, 40)
}
