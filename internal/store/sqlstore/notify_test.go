package sqlstore

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// TestPostgresListenAcrossStoresAndReconnects: a change committed through
// one store reaches another store's listener on the same database, and
// after the listen connection is killed the listener reconnects (with a
// Resync) and keeps receiving.
func TestPostgresListenAcrossStoresAndReconnects(t *testing.T) {
	dsn := postgresDB(t)
	writer, follower := mustOpen(t, dsn), mustOpen(t, dsn)
	ctx, cancel := context.WithCancel(t.Context())
	notices := make(chan store.Notice, 100)
	done := make(chan struct{})
	go func() { defer close(done); follower.Listen(ctx, func(n store.Notice) { notices <- n }) }()
	defer func() { cancel(); <-done }()
	next := func(what string) store.Notice {
		t.Helper()
		select {
		case n := <-notices:
			return n
		case <-time.After(10 * time.Second):
			t.Fatalf("no notice of %s within 10s", what)
		}
		return store.Notice{}
	}
	appendOne := func() int64 {
		var rev int64
		if err := writer.Write(t.Context(), func(tx store.Tx) (err error) { rev, err = tx.AppendChange([]byte("x")); return err }); err != nil {
			t.Fatal(err)
		}
		return rev
	}
	if n := next("listening"); !n.Resync {
		t.Fatalf("first notice %+v, want Resync", n)
	}
	if rev, n := appendOne(), next("a change from another store"); n.Revision != rev {
		t.Fatalf("notice %+v, want revision %d", n, rev)
	}
	if _, err := writer.writer.ExecContext(t.Context(),
		"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN "+noticeChannel+"'"); err != nil {
		t.Fatal(err)
	}
	if n := next("reconnecting"); !n.Resync {
		t.Fatalf("after the connection dropped: %+v, want Resync", n)
	}
	if rev, n := appendOne(), next("a change after reconnecting"); n.Revision != rev {
		t.Fatalf("notice %+v, want revision %d", n, rev)
	}
}
