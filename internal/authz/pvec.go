package authz

import "unsafe"

// A pvec is a persistent vector of records addressed by dense index: a
// radix trie of fixed-fanout inner nodes over small leaves of records.
// An update copies one leaf and the inner nodes above it, so its cost does
// not grow with the vector: at 100,000 records a change copies five small
// nodes (about 1 KB for the largest records). That size is what a single
// published change costs, in copying and, above all, in garbage the
// collector must later trace through a heap of hundreds of megabytes.
// Within one edit (a Build or one Apply of a batch) the nodes it created
// are mutated in place, so a batch copies each path once.
//
// The top inner levels are few and stay in cache, so a random read still
// costs about one miss: the leaf.
const (
	leafBits = 2
	leafSize = 1 << leafBits
	fanBits  = 4
	fanout   = 1 << fanBits
)

type pvec[T any] struct {
	root      unsafe.Pointer // *pleaf[T] when levels is 0, else *pinner
	n         int
	levels    uint  // inner levels above the leaves
	rootOwner *edit // the edit that made a root leaf (levels 0)
}

// An inner node records which of its leaves its own edit made (lowned),
// so that leaves carry nothing but records: a leaf of four 128-byte
// records is 512 bytes, allocated 64-byte aligned, and no record
// straddles more cache lines than it must.
type pinner struct {
	owner  *edit
	lowned uint16 // bit j: kids[j] is a leaf made by owner (bottom level only)
	kids   [fanout]unsafe.Pointer
}

type pleaf[T any] struct {
	v [leafSize]T
}

func (p *pvec[T]) Len() int { return p.n }

// at returns a pointer into shared, immutable storage: callers must not
// write through it.
func (p *pvec[T]) at(i int32) *T {
	n := p.root
	for l := p.levels; l > 0; l-- {
		n = (*pinner)(n).kids[(uint32(i)>>(leafBits+fanBits*(l-1)))&(fanout-1)]
	}
	return &(*pleaf[T])(n).v[i&(leafSize-1)]
}

// mut returns a writable pointer to record i, copying its leaf and the
// inner nodes above it unless this edit already owns them. Missing nodes
// (past the end, during push) are created empty.
func (p *pvec[T]) mut(e *edit, i int32) *T {
	slot := &p.root
	owned := p.rootOwner == e
	var parent *pinner
	var j uint32
	for l := p.levels; l > 0; l-- {
		n := (*pinner)(*slot)
		switch {
		case n == nil:
			n = &pinner{owner: e}
			*slot = unsafe.Pointer(n)
		case n.owner != e:
			c := new(pinner)
			c.owner, c.kids = e, n.kids
			*slot, n = unsafe.Pointer(c), c
		}
		j = (uint32(i) >> (leafBits + fanBits*(l-1))) & (fanout - 1)
		parent, slot = n, &n.kids[j]
	}
	if parent != nil {
		owned = parent.lowned&(1<<j) != 0
	}
	lf := (*pleaf[T])(*slot)
	switch {
	case lf == nil:
		lf = new(pleaf[T])
		*slot = unsafe.Pointer(lf)
	case !owned:
		c := new(pleaf[T])
		*c = *lf
		*slot, lf = unsafe.Pointer(c), c
	default:
		return &lf.v[i&(leafSize-1)]
	}
	if parent != nil {
		parent.lowned |= 1 << j
	} else {
		p.rootOwner = e
	}
	return &lf.v[i&(leafSize-1)]
}

// grow adds inner levels until index i fits.
func (p *pvec[T]) grow(e *edit, i int) {
	for i >= leafSize<<(fanBits*p.levels) {
		r := &pinner{owner: e}
		r.kids[0] = p.root
		if p.levels == 0 && p.root != nil && p.rootOwner == e {
			r.lowned = 1
		}
		p.root = unsafe.Pointer(r)
		p.levels++
	}
}

// push appends a zero record and returns its index.
func (p *pvec[T]) push(e *edit) int32 {
	i := p.n
	p.grow(e, i)
	p.n++
	p.mut(e, int32(i)) // creates the leaf (zeroed) if it is new
	return int32(i)
}

// newPvecArena returns a vector of n records set by fill, owned by e,
// whose leaves are one allocation, so that neighbouring indexes are
// neighbours in memory as long as they are not changed. The mid nodes
// point into the array, which keeps it alive while any revision uses one
// of its leaves; later edits copy leaves out of it as usual.
func newPvecArena[T any](e *edit, n int, fill func(i int32, r *T)) pvec[T] {
	var p pvec[T]
	if n == 0 {
		return p
	}
	arena := make([]pleaf[T], (n+leafSize-1)/leafSize)
	p.grow(e, n-1)
	p.n = n
	for li := range arena {
		slot := &p.root
		i := uint32(li) << leafBits
		var parent *pinner
		var j uint32
		for l := p.levels; l > 0; l-- {
			in := (*pinner)(*slot)
			if in == nil {
				in = &pinner{owner: e}
				*slot = unsafe.Pointer(in)
			}
			j = (i >> (leafBits + fanBits*(l-1))) & (fanout - 1)
			parent, slot = in, &in.kids[j]
		}
		*slot = unsafe.Pointer(&arena[li])
		if parent != nil {
			parent.lowned |= 1 << j
		} else {
			p.rootOwner = e
		}
	}
	for i := range int32(n) {
		fill(i, p.at(i))
	}
	return p
}
