package control

import (
	"context"
	"sync/atomic"
)

// A request's revision: the change-log revision its writes made, which the
// transport answers with so that a client can ask any server for a
// decision at least that new (read-your-writes across servers, like
// SpiceDB's ZedTokens).

type revisionKey struct{}

// WithRevisionNote returns a context in which the writes of Plane note the
// revision they made; WrittenRevision reads it back.
func WithRevisionNote(ctx context.Context) context.Context {
	return context.WithValue(ctx, revisionKey{}, new(atomic.Int64))
}

// ResetRevisionNote forgets what writes noted under ctx (see
// WithRevisionNote): its context serves another request.
func ResetRevisionNote(ctx context.Context) {
	if n, ok := ctx.Value(revisionKey{}).(*atomic.Int64); ok {
		n.Store(0)
	}
}

// WrittenRevision is the newest revision a write made under ctx (see
// WithRevisionNote), 0 when none wrote.
func WrittenRevision(ctx context.Context) int64 {
	if n, ok := ctx.Value(revisionKey{}).(*atomic.Int64); ok {
		return n.Load()
	}
	return 0
}

// noteRevision records that a write under ctx is reflected at rev.
func noteRevision(ctx context.Context, rev int64) {
	n, ok := ctx.Value(revisionKey{}).(*atomic.Int64)
	if !ok {
		return
	}
	for {
		cur := n.Load()
		if rev <= cur || n.CompareAndSwap(cur, rev) {
			return
		}
	}
}

// AwaitRevision makes sure this server's decisions reflect at least
// revision rev, pulling the change log when needed; past a bounded wait it
// answers ErrConflict.
func (p *Plane) AwaitRevision(ctx context.Context, rev int64) error {
	return p.waitRevision(ctx, rev)
}
