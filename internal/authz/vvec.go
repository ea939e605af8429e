package authz

import (
	"math/bits"
	"sync"
	"sync/atomic"
	"unsafe"
	"weak"
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
// read of a record that never changed (every record of a fresh Build)
// costs the chunk directory and the chunk's bitmap of versioned records
// (both small and cached) and the base record; one that changed costs
// its version slot and the version too.
type vvec[T any] struct {
	// dir is shared by the views of a lineage and filled in place: a
	// view reads only the chunks below its length, and a chunk is never
	// replaced once written. A pointer rather than a slice keeps the view
	// (copied into every Index an Apply makes) small.
	dir *vdir[T]
	n   int32
	rev int64 // the revision this view reads (and an Apply writes) at
}

// vdir is a vector's chunk directory, plus what only the lineage's
// writer reads: kept here, once per lineage, rather than in every view,
// so that the Index each Apply allocates and copies is smaller.
type vdir[T any] struct {
	chunks [vchunks]vchunk[T]
	// frozen is the length of the parent of the revision being written:
	// records below it may be read by published revisions and change
	// only through versions; records from frozen on were pushed by the
	// Apply under way and are written in place.
	frozen int32
	lin    *lineage
}

const (
	vchunkMinBits = 6
	vchunkMin     = 1 << vchunkMinBits
	// vchunks is enough chunks for every int32 index.
	vchunks = 32 - vchunkMinBits
)

// vers[j] is a *version[T], read and written atomically (as
// unsafe.Pointer: see at).
//
// has holds a bit per record, set before the record's first version is
// published and never cleared. A reader that finds the bit clear reads
// the base record without loading vers[j]: on a large index that slot is
// a cache miss of its own (8 bytes of a line no neighbouring read
// shares), where the bitmap, a bit per record, stays cached.
type vchunk[T any] struct {
	recs []T
	vers []unsafe.Pointer
	has  []uint64
}

// A version links to the one it superseded weakly, through the epoch that
// wrote it: ep is that epoch, idx the superseded version's place in the
// epoch's list. The list holds the superseded versions strongly, and an
// epoch is held by its Indexes and by the epoch before it, so a reader at
// revision r keeps every version superseded after r, which is every
// version it may walk to, and nothing older. A version nobody can read
// any more is collected by the first garbage collection after its last
// reader let go, without a pass over the chains. A zero ep means the
// base record is older.
//
// The header comes first so that the walk below the newest version
// (olderAt) is not generic: at stays small enough to inline.
type version[T any] struct {
	vhead
	v T
}

type vhead struct {
	rev int64
	ep  weak.Pointer[epoch]
	idx uint32
}

// older returns the version h superseded, or nil when that is the base
// record. It is called only by a reader that needs a version older than
// h, whose epoch then keeps the one returned live (see version).
func (h *vhead) older() *vhead {
	ep := h.ep.Value()
	if ep == nil {
		return nil
	}
	return (*vhead)(ep.old.at(h.idx))
}

// olderAt returns the newest version below h at or below rev, or nil if
// the base record is what rev reads.
//
//go:noinline
func olderAt(h *vhead, rev int64) *vhead {
	for h = h.older(); h != nil; h = h.older() {
		if h.rev <= rev {
			return h
		}
	}
	return nil
}

func (c *vchunk[T]) head(off uint32) *version[T] {
	return (*version[T])(atomic.LoadPointer(&c.vers[off]))
}

func (p *vvec[T]) Len() int { return int(p.n) }

func (p *vvec[T]) slot(i int32) (*vchunk[T], uint32) {
	x := uint32(i) + vchunkMin
	k := bits.Len32(x) - vchunkMinBits - 1
	return &p.dir.chunks[k], x - vchunkMin<<k
}

// at returns record i as of the view's revision. The record is shared
// with other revisions: callers must not write through the pointer.
func (p *vvec[T]) at(i int32) *T {
	// Written out (not through slot), and with the unsafe.Pointer form of
	// the atomic load: a check reads a dozen records, nearly always ones
	// that never changed, and an Apply reads many that did.
	x := uint32(i) + vchunkMin
	k := bits.Len32(x) - vchunkMinBits - 1
	c := &p.dir.chunks[k]
	off := x - vchunkMin<<k
	// A clear bit: no version was published before the bit was read, and
	// any published later is newer than every revision a reader holds.
	if atomic.LoadUint64(&c.has[off/64])&(1<<(off%64)) != 0 {
		// A nil slot: the writer set the bit and has not published the
		// version yet.
		if v := (*version[T])(atomic.LoadPointer(&c.vers[off])); v != nil {
			if v.rev <= p.rev {
				return &v.v
			}
			if o := olderAt(&v.vhead, p.rev); o != nil {
				return &(*version[T])(unsafe.Pointer(o)).v
			}
		}
	}
	return &c.recs[off]
}

// mut returns a writable record i for the Apply under way (between begin
// and the publication of its revision), replacing the published record by
// a new version the first time.
func (p *vvec[T]) mut(i int32) *T {
	c, off := p.slot(i)
	if i >= p.dir.frozen {
		return &c.recs[off]
	}
	head := c.head(off)
	if head != nil && head.rev == p.rev {
		return &head.v
	}
	return p.replace(c, off, head, new(version[T]))
}

// replace makes nv, a fresh version, the newest of the record at off in c,
// whose newest version is head (nil: the base record), and returns its
// record for writing.
func (p *vvec[T]) replace(c *vchunk[T], off uint32, head, nv *version[T]) *T {
	nv.rev = p.rev
	if head == nil {
		nv.v = c.recs[off]
		atomic.OrUint64(&c.has[off/64], 1<<(off%64))
	} else {
		nv.v = head.v
		ep := p.dir.lin.cur
		nv.ep, nv.idx = ep.self, ep.old.add(unsafe.Pointer(head))
	}
	// Published after head went into the epoch's list, so a reader that
	// finds nv finds head there too.
	atomic.StorePointer(&c.vers[off], unsafe.Pointer(nv))
	return &nv.v
}

// mutAll calls fn(k, r) with the writable record r of each index is[k],
// as mut gives it, with the new versions in one allocation. For records
// that are replaced together (a moved node's and its parents', the hot
// records of its children): a block lives while any of its versions is
// reachable.
func (p *vvec[T]) mutAll(is []int32, fn func(int, *T)) {
	var blk []version[T]
	frozen := p.dir.frozen
	for k, i := range is {
		c, off := p.slot(i)
		if i >= frozen {
			fn(k, &c.recs[off])
			continue
		}
		head := c.head(off)
		if head != nil && head.rev == p.rev {
			fn(k, &head.v)
			continue
		}
		if len(blk) == 0 {
			// Room for the rest: nearly always all of them need a version.
			blk = make([]version[T], len(is)-k)
		}
		fn(k, p.replace(c, off, head, &blk[0]))
		blk = blk[1:]
	}
}

// push appends a zero record and returns its index.
func (p *vvec[T]) push() int32 {
	i := p.n
	if p.dir == nil {
		p.dir = new(vdir[T])
	}
	if k := bits.Len32(uint32(i)+vchunkMin) - vchunkMinBits - 1; p.dir.chunks[k].recs == nil {
		size := vchunkMin << k
		p.dir.chunks[k] = vchunk[T]{recs: hugeSlice[T](size), vers: hugeSlice[unsafe.Pointer](size), has: make([]uint64, size/64)}
	}
	p.n++
	return i
}

// begin prepares a view copied from the parent revision for an Apply
// writing revision rev. The directory's writer fields are written under
// the lineage's lock, or before the view is published: readers never
// read them.
func (p *vvec[T]) begin(rev int64, lin *lineage) {
	if p.dir == nil {
		p.dir = new(vdir[T])
	}
	p.dir.frozen, p.dir.lin, p.rev = p.n, lin, rev
}

// clone copies the view's records into fresh chunks of a new lineage.
func (p *vvec[T]) clone(lin *lineage) vvec[T] {
	c := vvec[T]{rev: p.rev}
	c.begin(p.rev, lin)
	for i := range p.n {
		*c.mut(c.push()) = *p.at(i)
	}
	c.dir.frozen = c.n
	return c
}

// lineage is what the revisions derived from one Build share: the
// vectors' chunks and version chains, the writer lock, and the epoch
// being written.
//
// Revisions are grouped in epochs of up to epochRevs consecutive
// revisions: every Index points to its epoch, each epoch to the next one,
// and the versions an Apply supersedes go into the list of the epoch it
// writes in (see version). Holding an Index thus holds what it may read
// and nothing older; one weak pointer per epoch rather than per version
// keeps that bookkeeping off the cost of most changes.
type lineage struct {
	mu     sync.Mutex // serialises Applies
	latest int64      // the newest revision written into the vectors
	dirty  dirty      // scratch lists of the Apply under way
	cur    *epoch     // the epoch being written (writer only)
	edits  []edit     // unused edit tokens (see newEdit)
}

// epoch is referenced by every Index of its revisions.
type epoch struct {
	first int64
	revs  int // revisions published in it (writer only)
	// next is the epoch after this one: an Index of this epoch may read
	// the versions superseded in any later one. Written by the writer,
	// never read: it only keeps the later epochs live.
	next *epoch
	old  vlist // the versions superseded in this epoch
	self weak.Pointer[epoch]
	ixs  []Index // unused Indexes (writer only, see newIndex)
}

// An epoch ends after epochRevs revisions or once it holds epochVersions
// superseded versions, whichever comes first. The newest Index keeps its
// whole epoch, readers or not: counted in revisions alone, an epoch of
// 10,000-change batches kept up to 64 batches' superseded records live
// (about 450 MB at 1M grants), which the collector marked on every cycle
// and the heap grew into fresh pages for.
const (
	epochRevs     = 64
	epochVersions = 4096
)

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

// newIndex returns a zero Index of the epoch for an Apply to fill.
// Indexes come in blocks of indexBlock allocated at once, an allocation
// fewer for most Applies. A block lives while any of its Indexes does,
// and all of them are of this epoch: holding one keeps no version live
// that it would not keep alone, only the few Indexes themselves.
func (ep *epoch) newIndex() *Index {
	if len(ep.ixs) == 0 {
		ep.ixs = make([]Index, indexBlock)
	}
	ix := &ep.ixs[0]
	ep.ixs = ep.ixs[1:]
	return ix
}

// indexBlock divides epochRevs, so that an epoch of single changes
// leaves no Index of its blocks unused.
const indexBlock = 8

func newLineage(latest int64) *lineage { return &lineage{latest: latest} }

// newEpoch starts the epoch whose first revision is first, after the
// lineage's current one.
func (l *lineage) newEpoch(first int64) *epoch {
	ep := &epoch{first: first}
	ep.self = weak.Make(ep)
	if l.cur != nil {
		l.cur.next = ep
	}
	l.cur = ep
	return ep
}

// vlist is an append-only list of versions (of any type) that readers
// index while the writer appends: blocks never move, and the directory
// of blocks grows by append, its new entry written before the longer
// directory is published. A reader indexes only below the length of the
// directory it loaded, so entries the writer adds past that length, in
// the same array or a copy, are never read through it; and doubling keeps
// a new block amortised O(1), where a copy per block costs O(blocks²)
// over an epoch of large batches.
//
// An entry is written and read without atomics: a reader only reads
// entry i through the version that names it, which the writer publishes
// with an atomic store after writing the entry (replace), so the entry's
// write happens before its every read. An atomic store (an exchange on
// amd64) would wait for every store before it, the copy of the new
// version among them: a tenth of a move's time.
type vlist struct {
	dir atomic.Pointer[[]*vblock]
	n   uint32 // writer only
}

const vblockSize = 128

type vblock [vblockSize]unsafe.Pointer

// add appends v and returns its index.
func (l *vlist) add(v unsafe.Pointer) uint32 {
	i := l.n
	var dir []*vblock
	if d := l.dir.Load(); d != nil {
		dir = *d
	}
	b := int(i / vblockSize)
	if b == len(dir) {
		nd := append(dir, new(vblock))
		l.dir.Store(&nd)
		dir = nd
	}
	dir[b][i%vblockSize] = v
	l.n++
	return i
}

func (l *vlist) at(i uint32) unsafe.Pointer {
	dir := *l.dir.Load()
	return dir[i/vblockSize][i%vblockSize]
}
