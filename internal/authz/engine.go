package authz

import (
	"sync"
	"sync/atomic"
)

// Engine publishes the current Index. Readers load the pointer and query an
// immutable Index, so they never block and never see a half-applied batch
// (its versions carry a revision no published Index reads yet); writers
// are serialised and swap in a new Index atomically.
type Engine struct {
	cur atomic.Pointer[Index]
	mu  sync.Mutex // serialises writers only
}

// NewEngine returns an Engine holding an empty Index at revision 0.
func NewEngine() *Engine {
	e := &Engine{}
	e.cur.Store(&Index{})
	return e
}

// Index returns the current Index; hold it to answer several questions
// against one consistent revision.
func (e *Engine) Index() *Index { return e.cur.Load() }

// Load replaces the state with a full build of s at revision (used at start
// and after the store detects a gap in its change log). It returns the
// errors of skipped facts, if any.
func (e *Engine) Load(s Snapshot, revision int64) error {
	ix, err := BuildChecked(s, revision)
	e.mu.Lock()
	e.cur.Store(ix)
	e.mu.Unlock()
	return err
}

// Apply applies changes at revision and publishes the result. A revision
// at or below the current one is ignored, so at-least-once delivery of a
// change log is safe. It returns the errors of skipped changes, if any.
func (e *Engine) Apply(revision int64, changes []Change) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	old := e.cur.Load()
	ix, err := old.ApplyChecked(revision, changes)
	if ix != old {
		e.cur.Store(ix)
	}
	return err
}

// Revision is the current revision.
func (e *Engine) Revision() int64 { return e.Index().Revision() }

// Check is Index().Check.
func (e *Engine) Check(user string, perm Permission, res Resource) bool {
	return e.Index().Check(user, perm, res)
}

// CheckAny is Index().CheckAny.
func (e *Engine) CheckAny(user string, need Set, res Resource) bool {
	return e.Index().CheckAny(user, need, res)
}

// Effective is Index().Effective.
func (e *Engine) Effective(user string, res Resource) Set { return e.Index().Effective(user, res) }

// Explain is Index().Explain.
func (e *Engine) Explain(user string, perm Permission, res Resource) Explanation {
	return e.Index().Explain(user, perm, res)
}

// IsSuperAdmin is Index().IsSuperAdmin.
func (e *Engine) IsSuperAdmin(org, user string) bool { return e.Index().IsSuperAdmin(org, user) }
