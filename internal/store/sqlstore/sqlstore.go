// Package sqlstore implements store.Store over database/sql for two
// dialects: SQLite (modernc.org/sqlite, no cgo) for single-node installs and
// PostgreSQL (pgx) for several servers sharing one database.
//
// Both dialects share the query text: queries are written with "?"
// placeholders and rewritten once, at package init, to "$n" for PostgreSQL.
// Times are stored as Unix microseconds (UTC) and lists and maps as JSON
// text, so the two schemas differ only in column types.
//
// Writes are serialised in both dialects, which is what makes change-log
// revisions gapless and commit-ordered: SQLite writes go through a single
// connection that takes the write lock at BEGIN, and PostgreSQL writes take
// a transaction-scoped advisory lock first.
package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/gatehouse-dev/gatehouse/internal/store"

	// Drivers: "pgx" and "sqlite".
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

// Dialect names returned by Store.Dialect.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// writeLockID is the PostgreSQL advisory lock every Write holds until it
// commits. It serialises writers across servers, so a revision is only
// assigned once every smaller revision has committed: a follower reading
// "revision > N" can never miss a row that commits later with a smaller
// revision. (goose's migration lock uses a different ID.)
const writeLockID int64 = 0x67617465686f7573 // "gatehous"

// Pool sizes. SQLite's reader does not block the writer in WAL mode;
// PostgreSQL's pool is shared by readers
// and the (locally serialised) writer.
const (
	postgresMaxConns = 16
	// sqliteReaders is one: measured on the 2-core machine, one read
	// connection serves 9,100 project reads a second with a 56 ms worst
	// case, while two or more contend on the WAL's shared-memory locks and
	// stall for seconds in SQLite's busy handler (docs/performance.md).
	// Reads take microseconds, so queueing for one connection is cheap.
	sqliteReaders = 1
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// Store is a store.Store backed by SQLite or PostgreSQL.
type Store struct {
	dialect string
	// writer runs Write transactions. On SQLite it is a separate
	// single-connection pool whose transactions BEGIN IMMEDIATE; on
	// PostgreSQL it is the same pool as reader.
	writer *sql.DB
	reader *sql.DB
	// batch queues Writes within this process for group commit, so on
	// PostgreSQL waiting writers queue here instead of each holding a
	// pooled connection while blocked on the advisory lock.
	batch writeBatcher
	// applied counts the migrations Open applied (for tests).
	applied int
	// dsn is PostgreSQL's, for the dedicated listen connection.
	dsn string
	// listeners get SQLite's notices (PostgreSQL's come from the server).
	listeners listeners
}

var _ store.Store = (*Store)(nil)

// SQLite synchronous modes (PRAGMA synchronous) a store may run with.
// In WAL mode, NORMAL syncs only at checkpoints: an OS crash or power loss
// can drop the last commits, so an acknowledged revocation could come back.
// FULL syncs the WAL at every commit; EXTRA also syncs the directory.
const (
	SynchronousNormal = "NORMAL"
	SynchronousFull   = "FULL"
	SynchronousExtra  = "EXTRA"
)

// ErrSynchronous is returned for an unknown synchronous mode.
var ErrSynchronous = errors.New("sqlite synchronous mode must be NORMAL, FULL or EXTRA")

// Option configures Open.
type Option func(*options)

type options struct {
	synchronous string
}

// WithSynchronous sets SQLite's synchronous mode (SynchronousFull by
// default: an access-control store keeps what it acknowledged). Case does
// not matter; PostgreSQL ignores it.
func WithSynchronous(mode string) Option {
	return func(o *options) { o.synchronous = strings.ToUpper(strings.TrimSpace(mode)) }
}

// ParseSynchronous checks a synchronous mode ("" is the default, FULL).
func ParseSynchronous(mode string) (string, error) {
	switch m := strings.ToUpper(strings.TrimSpace(mode)); m {
	case "":
		return SynchronousFull, nil
	case SynchronousNormal, SynchronousFull, SynchronousExtra:
		return m, nil
	}
	return "", fmt.Errorf("%w, not %q", ErrSynchronous, mode)
}

// Open opens the store named by dsn and applies pending migrations. A DSN
// starting with postgres:// or postgresql:// selects PostgreSQL; anything
// else is a SQLite file path (optionally with modernc.org/sqlite query
// parameters). In-memory SQLite databases are refused: the separate reader
// and writer pools would each see their own empty database.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	var (
		s   *Store
		err error
	)
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		s, err = openPostgres(ctx, dsn)
	default:
		var sync string
		if sync, err = ParseSynchronous(o.synchronous); err != nil {
			return nil, err
		}
		s, err = openSQLite(ctx, dsn, sync)
	}
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func openSQLite(ctx context.Context, path, synchronous string) (*Store, error) {
	if path == "" || strings.Contains(path, ":memory:") || strings.Contains(path, "mode=memory") {
		return nil, fmt.Errorf("sqlite: %q: an on-disk database file is required", path)
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	// busy_timeout lets the writer wait out a checkpoint and lets Open
	// wait for another process holding the write lock.
	common := "_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)"
	writer, err := sql.Open("sqlite", path+sep+common+
		"&_pragma=journal_mode(WAL)&_pragma=synchronous("+synchronous+")&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite: open writer: %w", err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	// Connect the writer first: it switches the file to WAL mode, which
	// the readers rely on and do not set themselves.
	if err := writer.PingContext(ctx); err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite: connect %q: %w", path, err)
	}
	// query_only makes a stray write on the read pool fail instead of
	// taking the write lock behind the writer's back.
	reader, err := sql.Open("sqlite", path+sep+common+"&_pragma=query_only(1)")
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite: open reader: %w", err)
	}
	reader.SetMaxOpenConns(sqliteReaders)
	reader.SetMaxIdleConns(sqliteReaders)
	return &Store{dialect: DialectSQLite, writer: writer, reader: reader}, nil
}

func openPostgres(ctx context.Context, dsn string) (*Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	db.SetMaxOpenConns(postgresMaxConns)
	db.SetMaxIdleConns(postgresMaxConns / 2)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	return &Store{dialect: DialectPostgres, writer: db, reader: db, dsn: dsn}, nil
}

// migrate applies the embedded migrations of s's dialect.
func (s *Store) migrate(ctx context.Context) error {
	fsys, err := fs.Sub(migrations, "migrations/"+s.dialect)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	// Features number their migrations as they are planned, not as they
	// land, and each only adds its own tables and columns; applying a
	// lower-numbered one after a higher one is therefore safe, and a
	// database that was migrated by an intermediate build still upgrades.
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true), goose.WithAllowOutofOrder(true)}
	dialect := goose.DialectSQLite3
	if s.dialect == DialectPostgres {
		dialect = goose.DialectPostgres
		// A session lock lets several servers start against one
		// database at once: one migrates, the others wait and find
		// nothing to do. Poll every second (goose's default is 5s) for
		// up to five minutes.
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
		if err != nil {
			return fmt.Errorf("migrations: locker: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, s.writer, fsys, opts...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	s.applied = len(res)
	return nil
}

// Dialect returns DialectSQLite or DialectPostgres.
func (s *Store) Dialect() string { return s.dialect }

// Pools returns the store's connection pools by name ("writer" and
// "reader" on SQLite, "main" on PostgreSQL, whose one pool serves both),
// for their statistics.
func (s *Store) Pools() map[string]*sql.DB {
	if s.writer == s.reader {
		return map[string]*sql.DB{"main": s.writer}
	}
	return map[string]*sql.DB{"writer": s.writer, "reader": s.reader}
}

// Read runs fn in a read-only transaction. On PostgreSQL it is REPEATABLE
// READ so that fn sees one snapshot across its statements, as a SQLite read
// transaction does in WAL mode (a follower reading Revision and then the
// full state must get a consistent pair). fn's Reader has no writes; the
// database refuses them too (READ ONLY here, query_only on SQLite's read
// pool), which keeps the read pool from writing behind the writer's back
// should raw SQL ever reach it.
func (s *Store) Read(ctx context.Context, fn func(store.Reader) error) error {
	var opts *sql.TxOptions
	if s.dialect == DialectPostgres {
		opts = &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead}
	}
	sqlTx, err := s.reader.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	// Nothing to commit: rolling back also covers fn panicking.
	defer sqlTx.Rollback()
	return fn(&reader{ctx: ctx, tx: sqlTx, pg: s.dialect == DialectPostgres})
}

// Write runs fn in a read-write transaction and commits it when fn returns
// nil. The transaction is rolled back if fn returns an error or panics (the
// panic continues in the caller after the rollback).
//
// Writes are group-committed: concurrent writes queue, and one of them at a
// time runs a batch of the queued ones in one database transaction (see
// runBatch), each in a savepoint of its own, so each keeps its own error
// and rollback while the batch shares one BEGIN, one write lock and one
// COMMIT (one WAL flush). They run one after the other, in queue order, so
// each sees the ones before it exactly as if they had committed
// separately: the guarantees (serialised writes, gapless commit-ordered
// revisions) are unchanged. A write whose caller gives up before its batch
// starts is skipped; one who gives up while it runs gets it rolled back.
func (s *Store) Write(ctx context.Context, fn func(store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("begin write: %w", err)
	}
	r := &writeReq{ctx: ctx, fn: fn, done: make(chan struct{})}
	s.batch.mu.Lock()
	s.batch.queue = append(s.batch.queue, r)
	lead := !s.batch.leading
	s.batch.leading = true
	s.batch.mu.Unlock()
	if lead {
		go s.lead()
	}
	select {
	case <-r.done:
	case <-ctx.Done():
		if r.state.CompareAndSwap(reqQueued, reqAbandoned) {
			return fmt.Errorf("begin write: %w", ctx.Err())
		}
		<-r.done // already running: it finishes and says how
	}
	if r.panicked != nil {
		panic(r.panicked)
	}
	return r.err
}

// writeReq is one Write waiting for, or run by, a batch.
type writeReq struct {
	ctx      context.Context // the caller's: once cancelled, the write rolls back
	fn       func(store.Tx) error
	state    atomic.Int32 // reqQueued, then reqTaken by a batch or reqAbandoned by its caller
	err      error
	panicked any
	done     chan struct{}
}

const (
	reqQueued int32 = iota
	reqTaken
	reqAbandoned
)

// writeBatcher queues writes for group commit.
type writeBatcher struct {
	mu      sync.Mutex
	queue   []*writeReq
	leading bool // a goroutine is running batches
}

// maxBatch bounds one group commit. Each write of a batch is a PostgreSQL
// subtransaction; a backend caches 64 subtransaction IDs, and past that
// every other session's snapshot checks go to pg_subtrans (a known
// slowdown), so batches stay below it. A variable so that benchmarks can
// compare one write per commit.
var maxBatch = 60

// batchTimeout bounds one batch's transaction: it outlives any single
// caller's context, since it commits several callers' writes.
const batchTimeout = time.Minute

// lead runs batches until the queue is empty.
func (s *Store) lead() {
	normal := false
	defer func() {
		if normal {
			return
		}
		// A write called runtime.Goexit on this goroutine: hand the
		// queue to a new leader.
		s.batch.mu.Lock()
		again := len(s.batch.queue) > 0
		s.batch.leading = again
		s.batch.mu.Unlock()
		if again {
			go s.lead()
		}
	}()
	for {
		s.batch.mu.Lock()
		n := min(len(s.batch.queue), maxBatch)
		if n == 0 {
			s.batch.leading = false
			s.batch.mu.Unlock()
			normal = true
			return
		}
		batch := s.batch.queue[:n:n]
		s.batch.queue = s.batch.queue[n:]
		s.batch.mu.Unlock()
		var run []*writeReq
		for _, r := range batch {
			if r.state.CompareAndSwap(reqQueued, reqTaken) {
				run = append(run, r)
			}
		}
		if len(run) > 0 {
			s.runBatch(run)
		}
	}
}

// runBatch runs writes in one transaction and commits those that
// succeeded. With more than one write, each runs in a savepoint: a write
// that fails or panics is rolled back to it alone. A failed BEGIN, lock or
// COMMIT fails every write of the batch (none of them committed).
func (s *Store) runBatch(run []*writeReq) {
	finished := false
	defer func() {
		if !finished {
			// fn called runtime.Goexit: nothing of the batch commits.
			for _, r := range run {
				if r.err == nil && r.panicked == nil {
					r.err = errors.New("write aborted: a write of its batch exited its goroutine")
				}
				close(r.done)
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	failAll := func(err error) {
		for _, r := range run {
			if r.err == nil && r.panicked == nil {
				r.err = err
			}
		}
	}
	sqlTx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		failAll(fmt.Errorf("begin write: %w", err))
		finished = true
		s.finish(run)
		return
	}
	defer sqlTx.Rollback() // no-op after Commit
	pg := s.dialect == DialectPostgres
	if pg {
		if _, err := sqlTx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", writeLockID); err != nil {
			failAll(fmt.Errorf("write lock: %w", err))
			finished = true
			s.finish(run)
			return
		}
	}
	single := len(run) == 1
	var notices []store.Notice
	ok := 0
	for _, r := range run {
		if !single {
			if _, err := sqlTx.ExecContext(ctx, "SAVEPOINT gatehouse_write"); err != nil {
				r.err = fmt.Errorf("savepoint: %w", err)
				continue
			}
		}
		t := &tx{reader: &reader{ctx: ctx, tx: sqlTx, pg: pg}}
		r.panicked, r.err = callWrite(r.fn, t)
		if r.err == nil && r.panicked == nil && r.ctx.Err() != nil {
			// The caller gave up while its write ran: it is not
			// committed, as a lone transaction's commit would fail.
			r.err = fmt.Errorf("commit: %w", r.ctx.Err())
		}
		if r.err == nil && r.panicked == nil {
			ok++
			notices = append(notices, t.notices...)
			if !single {
				if _, err := sqlTx.ExecContext(ctx, "RELEASE SAVEPOINT gatehouse_write"); err != nil {
					failAll(fmt.Errorf("release savepoint: %w", err))
					finished = true
					s.finish(run)
					return
				}
			}
			continue
		}
		if single {
			break
		}
		if _, err := sqlTx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT gatehouse_write"); err != nil {
			failAll(fmt.Errorf("rolling back a failed write: %w", err))
			finished = true
			s.finish(run)
			return
		}
		if _, err := sqlTx.ExecContext(ctx, "RELEASE SAVEPOINT gatehouse_write"); err != nil {
			failAll(fmt.Errorf("release savepoint: %w", err))
			finished = true
			s.finish(run)
			return
		}
	}
	if ok > 0 {
		err := error(nil)
		if pg && len(notices) > 0 {
			// Queued in the transaction: PostgreSQL delivers them to
			// every listener when, and only if, it commits, in commit
			// order.
			err = notifyInTx(ctx, sqlTx, notices)
		}
		if err == nil {
			if err = sqlTx.Commit(); err != nil {
				err = fmt.Errorf("commit: %w", err)
			}
		}
		if err != nil {
			failAll(err)
		} else if !pg {
			// One server per SQLite file: its own listeners are all
			// there is.
			s.listeners.deliver(notices)
		}
	}
	finished = true
	s.finish(run)
}

// finish wakes the callers of a batch.
func (s *Store) finish(run []*writeReq) {
	for _, r := range run {
		close(r.done)
	}
}

// callWrite runs one write's callback, catching a panic for its caller.
func callWrite(fn func(store.Tx) error, t *tx) (panicked any, err error) {
	defer func() {
		if v := recover(); v != nil {
			panicked = v
		}
	}()
	return nil, fn(t)
}

var qChanges = newQuery(`SELECT revision, payload, create_time FROM changes
WHERE revision > ? ORDER BY revision LIMIT ?`)

// Changes returns change-log entries with revision > after, oldest first,
// at most limit of them; limit <= 0 means no limit.
func (s *Store) Changes(ctx context.Context, after int64, limit int) ([]store.Change, error) {
	if limit <= 0 {
		limit = -1 // SQLite's "no limit"; PostgreSQL gets NULL below.
	}
	var lim any = limit
	if limit < 0 && s.dialect == DialectPostgres {
		lim = nil // LIMIT NULL: no limit
	}
	rows, err := s.reader.QueryContext(ctx, qChanges.text(s.dialect == DialectPostgres), after, lim)
	if err != nil {
		return nil, fmt.Errorf("list changes: %w", err)
	}
	defer rows.Close()
	var out []store.Change
	for rows.Next() {
		var (
			c  store.Change
			ct int64
		)
		if err := rows.Scan(&c.Revision, &c.Payload, &ct); err != nil {
			return nil, fmt.Errorf("list changes: %w", err)
		}
		c.CreateTime = fromMicros(ct)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list changes: %w", err)
	}
	return out, nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.writer.PingContext(ctx); err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	if s.reader != s.writer {
		if err := s.reader.PingContext(ctx); err != nil {
			return fmt.Errorf("ping: %w", err)
		}
	}
	return nil
}

// Close closes the connection pools.
func (s *Store) Close() error {
	err := s.writer.Close()
	if s.reader != s.writer {
		err = errors.Join(err, s.reader.Close())
	}
	return err
}
