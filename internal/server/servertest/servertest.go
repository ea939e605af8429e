// Package servertest starts a real Gatehouse server on a loopback port for
// integration tests, on a fresh SQLite file, or on a fresh PostgreSQL
// database when GATEHOUSE_TEST_POSTGRES holds a DSN and the test asks for it.
package servertest

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/server"
	"github.com/gatehouse-dev/gatehouse/internal/store/storetest"
)

// Admin credentials every test server is bootstrapped with.
const (
	AdminEmail    = "admin@example.com"
	AdminPassword = "correct horse battery staple"
	// SecretKey encrypts service-user credentials; every test server
	// shares it, so servers on one database (replicas) read each other's.
	SecretKey = "6BXKBSL6F0NIvmoECCymAjKTidZ1epMlrb1aw8sGkL8="
)

// Instance is a running server.
type Instance struct {
	URL      string // http://127.0.0.1:port
	Database string
	stop     context.CancelFunc
	done     chan error
}

// SQLite and Postgres return fresh databases for a server (see storetest).
var (
	SQLite   = storetest.SQLite
	Postgres = storetest.Postgres
)

// Start runs a server on database (see SQLite and Postgres) and stops it
// when the test ends. Passwords are hashed at identity.FastPasswordParams'
// cost. Each configure function may adjust the configuration
// (mail relay, public URL ...) before the server starts.
func Start(t testing.TB, database string, configure ...func(*server.Config)) *Instance {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	inst := &Instance{Database: database, stop: cancel, done: make(chan error, 1)}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() && os.Getenv("GATEHOUSE_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	cfg := server.Config{Listen: "127.0.0.1:0", Database: database, AdminEmail: AdminEmail, AdminPassword: AdminPassword,
		FollowInterval: 100 * time.Millisecond, SecretKey: SecretKey, PasswordParams: identity.FastPasswordParams}
	for _, c := range configure {
		c(&cfg)
	}
	go func() { inst.done <- server.Run(ctx, cfg, log, io.Discard, ready) }()
	select {
	case addr := <-ready:
		inst.URL = "http://" + addr
	case err := <-inst.done:
		cancel()
		t.Fatalf("server did not start: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("server did not start within 30s")
	}
	t.Cleanup(inst.Stop)
	return inst
}

// passwords hashes passwords at test servers' cost.
var passwords = identity.NewPasswordHasher(identity.FastPasswordParams)

// HashPassword returns a hash of pw that test servers verify, made as
// cheaply as theirs (identity.FastPasswordParams), for users a test puts
// into a store directly.
func HashPassword(t testing.TB, pw string) string {
	t.Helper()
	h, err := passwords.Hash(pw)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// Stop shuts the server down and waits for it.
func (i *Instance) Stop() {
	if i.stop == nil {
		return
	}
	i.stop()
	i.stop = nil
	select {
	case <-i.done:
	case <-time.After(15 * time.Second):
	}
}
