package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// noticeChannel is the PostgreSQL NOTIFY channel of committed changes.
const noticeChannel = "gatehouse_changes"

// maxNoticePayload stays under PostgreSQL's 8,000-byte NOTIFY payload.
const maxNoticePayload = 7000

// A notice travels as text: "r<revision>", "t<token hash>" or "u<user ID>";
// one NOTIFY carries several, separated by spaces (IDs hold none).
func encodeNotice(n store.Notice) string {
	switch {
	case n.Revision > 0:
		return "r" + strconv.FormatInt(n.Revision, 10)
	case n.TokenHash != "":
		return "t" + n.TokenHash
	case n.TokenUserID != "":
		return "u" + n.TokenUserID
	}
	return ""
}

func decodeNotices(payload string) []store.Notice {
	var out []store.Notice
	for _, f := range strings.Fields(payload) {
		switch f[0] {
		case 'r':
			if rev, err := strconv.ParseInt(f[1:], 10, 64); err == nil {
				out = append(out, store.Notice{Revision: rev})
			}
		case 't':
			out = append(out, store.Notice{TokenHash: f[1:]})
		case 'u':
			out = append(out, store.Notice{TokenUserID: f[1:]})
		}
	}
	if len(out) == 0 {
		// Something this version cannot read: re-read everything.
		out = append(out, store.Notice{Resync: true})
	}
	return out
}

// notifyInTx queues the notices of a write in its transaction.
func notifyInTx(ctx context.Context, sqlTx *sql.Tx, ns []store.Notice) error {
	var b strings.Builder
	flush := func() error {
		if b.Len() == 0 {
			return nil
		}
		_, err := sqlTx.ExecContext(ctx, "SELECT pg_notify($1, $2)", noticeChannel, b.String())
		b.Reset()
		if err != nil {
			return fmt.Errorf("notify: %w", err)
		}
		return nil
	}
	for _, n := range ns {
		e := encodeNotice(n)
		if e == "" || strings.ContainsAny(e, " \t\n") {
			continue
		}
		if b.Len()+len(e)+1 > maxNoticePayload {
			if err := flush(); err != nil {
				return err
			}
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(e)
	}
	return flush()
}

// listeners are SQLite's in-process notice subscribers.
type listeners struct {
	mu   sync.Mutex
	next int
	fns  map[int]func(store.Notice)
}

func (l *listeners) add(fn func(store.Notice)) (remove func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fns == nil {
		l.fns = map[int]func(store.Notice){}
	}
	id := l.next
	l.next++
	l.fns[id] = fn
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		delete(l.fns, id)
	}
}

func (l *listeners) deliver(ns []store.Notice) {
	if len(ns) == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, fn := range l.fns {
		for _, n := range ns {
			fn(n)
		}
	}
}

// Reconnection backoff of the PostgreSQL listen connection.
const (
	listenRetryMin = 100 * time.Millisecond
	listenRetryMax = 5 * time.Second
)

// Listen calls fn with the notices of committed writes until ctx ends. On
// PostgreSQL it holds a dedicated connection (outside the pool) that
// LISTENs on the notice channel, and reconnects with backoff when it
// drops; every (re)connection starts with a Resync notice. On SQLite the
// notices come from this store's own writes.
func (s *Store) Listen(ctx context.Context, fn func(store.Notice)) {
	if s.dialect != DialectPostgres {
		remove := s.listeners.add(fn)
		defer remove()
		fn(store.Notice{Resync: true})
		<-ctx.Done()
		return
	}
	wait := listenRetryMin
	for ctx.Err() == nil {
		started := time.Now()
		err := s.listenOnce(ctx, fn)
		if ctx.Err() != nil {
			return
		}
		if time.Since(started) > listenRetryMax {
			wait = listenRetryMin // it ran fine for a while
		}
		_ = err // the caller polls meanwhile; a log line per retry helps nobody
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(wait*2, listenRetryMax)
	}
}

func (s *Store) listenOnce(ctx context.Context, fn func(store.Notice)) error {
	conn, err := pgx.Connect(ctx, s.dsn)
	if err != nil {
		return (fmt.Errorf("listen: connect: %w", err))
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+noticeChannel); err != nil {
		return (fmt.Errorf("listen: %w", err))
	}
	fn(store.Notice{Resync: true})
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return (fmt.Errorf("listen: %w", err))
		}
		for _, notice := range decodeNotices(n.Payload) {
			fn(notice)
		}
	}
}
