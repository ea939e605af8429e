package authz

import (
	"math"
	"math/bits"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"
)

// A vvec is a vector of records addressed by dense index, shared by every
// revision of a lineage (the revisions Apply derives from one Build) and
// updated in place. Each record has a base copy in a chunk and, once it
// has changed after being published, a chain of versions, newest first,
// each stamped with the revision that wrote it. A view of the vector at
// revision r reads the newest version at or below r, or the base copy if
// there is none: later versions are invisible to it, so an Index keeps
// answering at its revision while newer ones are published.
//
// A change therefore costs one allocation per record it replaces (a copy
// of that record, linked to the version it supersedes) and one atomic
// store, whatever the size of the vector: no path from a root is copied,
// and the garbage a change leaves is the records it replaced, once no
// Index can read them. Within one Apply, a record already replaced at
// the revision being written is changed in place: no reader can see that
// revision yet.
//
// Chunks never move: chunk k holds records [64·(2^k−1), 64·(2^(k+1)−1)),
// so a vector grows by adding a chunk twice the size of the last, and a
// read costs the chunk directory (small, cached), the version slot and,
// when the slot is empty (every record of a fresh Build), the base record,
// the last two independent of each other.
type vvec[T any] struct {
	dir []vchunk[T]
	n   int32
	// frozen is the length of the parent revision: records below it may
	// be read by published revisions and change only through versions;
	// records from frozen on were pushed by the Apply under way and are
	// written in place.
	frozen int32
	rev    int64 // the revision this view reads (and an Apply writes) at
	w      *vwriter
}

const (
	vchunkMinBits = 6
	vchunkMin     = 1 << vchunkMinBits
)

// vers[j] and version.prev are *version[T], read and written atomically
// (as unsafe.Pointer: see at).
type vchunk[T any] struct {
	recs []T
	vers []unsafe.Pointer
}

type version[T any] struct {
	v    T
	rev  int64
	prev unsafe.Pointer // nil: the base record is older (or no reader needs older)
}

func (v *version[T]) older() *version[T] { return (*version[T])(atomic.LoadPointer(&v.prev)) }

func (v *version[T]) setOlder(o *version[T]) { atomic.StorePointer(&v.prev, unsafe.Pointer(o)) }

func (c *vchunk[T]) head(off uint32) *version[T] {
	return (*version[T])(atomic.LoadPointer(&c.vers[off]))
}

// vwriter is the writer's bookkeeping for one vector of a lineage, used
// under the lineage's lock only: the records whose chains may hold
// versions no reader needs any more.
type vwriter struct {
	lin     *lineage
	pending []int32
	swept   int64 // minLive at the last sweep
}

func (p *vvec[T]) Len() int { return int(p.n) }

func (p *vvec[T]) slot(i int32) (*vchunk[T], uint32) {
	x := uint32(i) + vchunkMin
	k := bits.Len32(x) - vchunkMinBits - 1
	return &p.dir[k], x - vchunkMin<<k
}

// at returns record i as of the view's revision. The record is shared
// with other revisions: callers must not write through the pointer.
func (p *vvec[T]) at(i int32) *T {
	// Written out (not through slot), and with the unsafe.Pointer forms
	// of the atomic loads, to stay within the inliner's budget: a check
	// reads a dozen records.
	x := uint32(i) + vchunkMin
	k := bits.Len32(x) - vchunkMinBits - 1
	c := &p.dir[k]
	off := x - vchunkMin<<k
	for v := (*version[T])(atomic.LoadPointer(&c.vers[off])); v != nil; v = (*version[T])(atomic.LoadPointer(&v.prev)) {
		if v.rev <= p.rev {
			return &v.v
		}
	}
	return &c.recs[off]
}

// mut returns a writable record i for the Apply under way (between begin
// and the publication of its revision), replacing the published record by
// a new version the first time.
func (p *vvec[T]) mut(i int32) *T {
	c, off := p.slot(i)
	if i >= p.frozen {
		return &c.recs[off]
	}
	head := c.head(off)
	if head != nil && head.rev == p.rev {
		return &head.v
	}
	nv := &version[T]{rev: p.rev}
	if head == nil {
		nv.v = c.recs[off]
	} else {
		nv.v = head.v
		nv.prev = unsafe.Pointer(head) // nv is not shared yet
	}
	atomic.StorePointer(&c.vers[off], unsafe.Pointer(nv))
	if head != nil {
		// Drop what is below head if no reader needs it. That is O(1);
		// trimming deeper is left to sweep, which walks chains only when
		// the oldest live revision has moved. Every chain of two versions
		// or more is pending for it.
		long := head.older() != nil
		if !long {
			p.w.pending = append(p.w.pending, i)
		} else if head.rev <= p.w.lin.minLive.Load() {
			head.setOlder(nil)
		}
	}
	return &nv.v
}

// trim drops the versions older than the newest one at or below min (the
// oldest revision any Index still reads), and reports whether the chain
// still holds more than one version.
func trim[T any](head *version[T], min int64) bool {
	for v := head; v != nil; v = v.older() {
		if v.rev <= min {
			if v.older() != nil {
				v.setOlder(nil)
			}
			return v != head
		}
	}
	return head.older() != nil
}

// push appends a zero record and returns its index.
func (p *vvec[T]) push() int32 {
	i := p.n
	if k := bits.Len32(uint32(i)+vchunkMin) - vchunkMinBits - 1; k == len(p.dir) {
		size := vchunkMin << k
		p.dir = append(p.dir, vchunk[T]{recs: hugeSlice[T](size), vers: hugeSlice[unsafe.Pointer](size)})
	}
	p.n++
	return i
}

// begin prepares a view copied from the parent revision for an Apply
// writing revision rev.
func (p *vvec[T]) begin(rev int64, lin *lineage) {
	p.frozen, p.rev = p.n, rev
	if p.w == nil || p.w.lin != lin {
		p.w = &vwriter{lin: lin}
	}
}

// clone copies the view's records into fresh chunks of a new lineage.
func (p *vvec[T]) clone(lin *lineage) vvec[T] {
	c := vvec[T]{rev: p.rev, w: &vwriter{lin: lin}}
	for i := range p.n {
		*c.mut(c.push()) = *p.at(i)
	}
	c.frozen = c.n
	return c
}

// sweep trims the chains of records written more than once, when older
// revisions were released since the last sweep, so that versions of
// records that are not written again do not stay. It runs at most once
// per release of an epoch (in practice once per garbage collection), and
// walks only the chains that may hold more than one version.
func (p *vvec[T]) sweep() {
	w := p.w
	min := w.lin.minLive.Load()
	if len(w.pending) == 0 || min == w.swept {
		return
	}
	w.swept = min
	slices.Sort(w.pending)
	all := slices.Compact(w.pending)
	keep := all[:0]
	for _, i := range all {
		c, off := p.slot(i)
		if trim(c.head(off), min) {
			keep = append(keep, i)
		}
	}
	w.pending = keep
}

// lineage is what the revisions derived from one Build share: the
// vectors' chunks and version chains, the writer lock, and which
// revisions some Index may still read.
//
// Liveness is tracked per epoch of up to epochRevs consecutive revisions:
// every Index points to its epoch, and a cleanup registered on the epoch
// runs once the collector finds no Index of it left. The oldest live
// epoch's first revision bounds what a reader may ask for, so versions
// below it can go. One cleanup per epoch rather than per Index keeps the
// registration off the cost of most changes.
type lineage struct {
	mu     sync.Mutex // serialises Applies
	latest int64      // the newest revision written into the vectors
	dirty  dirty      // scratch lists of the Apply under way
	edits  []edit     // unused edit tokens (see newEdit)

	live    sync.Mutex // guards epochs: cleanups run on their own goroutine
	epochs  []liveEpoch
	minLive atomic.Int64
}

type liveEpoch struct {
	first int64
	dead  bool
}

// epoch is referenced by every Index of its revisions.
type epoch struct {
	lin   *lineage
	first int64
	revs  int // revisions published in it (writer only)
}

const epochRevs = 64

// newEdit returns an edit token no Apply of the lineage has used. Tokens
// come from a block of 64 allocated at once: a token only needs to be
// unique, and an array that keeps its token keeps at most 64 bytes with
// it, not an allocation per Apply.
func (l *lineage) newEdit() *edit {
	if len(l.edits) == 0 {
		l.edits = make([]edit, 64)
	}
	e := &l.edits[0]
	l.edits = l.edits[1:]
	return e
}

func newLineage(latest int64) *lineage {
	l := &lineage{latest: latest}
	l.minLive.Store(latest)
	return l
}

func (l *lineage) newEpoch(first int64) *epoch {
	ep := &epoch{lin: l, first: first}
	l.live.Lock()
	l.epochs = append(l.epochs, liveEpoch{first: first})
	if len(l.epochs) == 1 {
		l.minLive.Store(first)
	}
	l.live.Unlock()
	runtime.AddCleanup(ep, l.retire, first)
	return ep
}

// retire records that no Index of the epoch starting at first is left.
func (l *lineage) retire(first int64) {
	l.live.Lock()
	defer l.live.Unlock()
	for i := range l.epochs {
		if l.epochs[i].first == first {
			l.epochs[i].dead = true
			break
		}
	}
	k := 0
	for k < len(l.epochs) && l.epochs[k].dead {
		k++
	}
	if k == 0 {
		return
	}
	l.epochs = slices.Delete(l.epochs, 0, k)
	if len(l.epochs) > 0 {
		l.minLive.Store(l.epochs[0].first)
	} else {
		// No Index left to read anything: the next Apply (there can be
		// none without an Index) would start a new epoch.
		l.minLive.Store(math.MaxInt64)
	}
}
