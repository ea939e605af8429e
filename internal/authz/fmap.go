package authz

import "slices"

// flatMax is the largest fmap kept in one sorted array (a variable only
// so tests can force the trie representation). A project holds about a
// hundred grants: as a trie that is three or four
// levels, and a change copies each level's node and arrays, three or four
// allocations and as many cache misses; as an array it is one allocation
// and one sequential copy of a couple of kilobytes. Past this size the
// copy costs more than the path, and the trie takes over.
var flatMax = 512

// fent is one entry of an fmap.
type fent[V comparable] struct {
	k uint32
	v V
}

// fmap is a persistent map keyed by dense indexes that a change replaces
// with one allocation: a sorted array while at most flatMax entries, a
// persistent trie past that. It holds the grants on a node
// (keyed by principal key: userKey or groupKey) and, with empty values,
// the sets of children, members, super admins and groups. An array is
// never changed once published: owner is the edit that allocated it, the
// only one that may change it in place (as a batch does when it touches a
// record twice).
type fmap[V comparable] struct {
	flat  []fent[V]
	owner *edit
	big   hmap[uint32, V, intHash]
}

type (
	ngrants = fmap[Set]
	set32   = fmap[struct{}]
)

func (g *fmap[V]) Len() int {
	if g.big.n > 0 {
		return g.big.n
	}
	return len(g.flat)
}

func (g *fmap[V]) each(fn func(uint32, V) bool) {
	if g.big.n > 0 {
		g.big.each(fn)
		return
	}
	for _, x := range g.flat {
		if !fn(x.k, x.v) {
			return
		}
	}
}

func cmpFent[V comparable](x fent[V], k uint32) int {
	switch {
	case x.k < k:
		return -1
	case x.k > k:
		return 1
	}
	return 0
}

// writable returns the array for in-place changes by e, copied (with room
// for extra more entries) unless e allocated it.
func (g *fmap[V]) writable(e *edit, extra int) []fent[V] {
	if e != nil && g.owner == e {
		return g.flat
	}
	s := make([]fent[V], len(g.flat), len(g.flat)+extra)
	copy(s, g.flat)
	g.flat, g.owner = s, e
	return s
}

func (g fmap[V]) set(e *edit, k uint32, v V) fmap[V] {
	if g.big.n > 0 {
		g.big = g.big.set(e, k, v)
		return g
	}
	i, found := slices.BinarySearchFunc(g.flat, k, cmpFent[V])
	if found {
		if g.flat[i].v != v {
			g.writable(e, 0)[i].v = v
		}
		return g
	}
	if len(g.flat) >= flatMax {
		var big hmap[uint32, V, intHash]
		for _, x := range g.flat {
			big = big.set(e, x.k, x.v)
		}
		return fmap[V]{big: big.set(e, k, v)}
	}
	g.flat = insertAt(g.writable(e, 1), i, fent[V]{k, v})
	return g
}

func (g fmap[V]) del(e *edit, k uint32) fmap[V] {
	if g.big.n > 0 {
		g.big = g.big.del(e, k)
		if g.big.n <= flatMax/2 {
			// Back to an array so a shrinking node gets cheap again.
			s := fmap[V]{flat: make([]fent[V], 0, g.big.n), owner: e}
			g.big.each(func(k uint32, v V) bool {
				s.flat = append(s.flat, fent[V]{k, v})
				return true
			})
			slices.SortFunc(s.flat, func(a, b fent[V]) int { return cmpFent(a, b.k) })
			return s
		}
		return g
	}
	i, found := slices.BinarySearchFunc(g.flat, k, cmpFent[V])
	if !found {
		return g
	}
	if len(g.flat) == 1 {
		return fmap[V]{}
	}
	if e != nil && g.owner == e {
		g.flat = slices.Delete(g.flat, i, i+1)
		return g
	}
	s := make([]fent[V], 0, len(g.flat)-1)
	g.flat = append(append(s, g.flat[:i]...), g.flat[i+1:]...)
	g.owner = e
	return g
}
