package authz

import "slices"

// flatNodeGrants is the largest grant count a node keeps in one sorted
// array (a variable only so tests can force the trie representation). A
// project holds about a hundred grants: as a trie that is three or four
// levels, and a change copies each level's node and arrays, three or four
// allocations and as many cache misses; as an array it is one allocation
// and one sequential copy of a couple of kilobytes. Past this size the
// copy costs more than the path, and the trie takes over.
var flatNodeGrants = 512

// nent is one grant on a node: principal key (userKey or groupKey) and the
// set as granted.
type nent struct {
	pk  uint32
	set Set
}

// ngrants is the set of grants on a node, keyed by principal key: a sorted
// array while at most flatNodeGrants, a persistent trie past that. An
// array is never changed once published: owner is the edit that
// allocated it, the only one that may change it in place (as a batch does
// when it touches a node twice).
type ngrants struct {
	flat  []nent
	owner *edit
	big   hmap[uint32, Set, intHash]
}

func (g *ngrants) Len() int {
	if g.big.n > 0 {
		return g.big.n
	}
	return len(g.flat)
}

func (g *ngrants) each(fn func(uint32, Set) bool) {
	if g.big.n > 0 {
		g.big.each(fn)
		return
	}
	for _, x := range g.flat {
		if !fn(x.pk, x.set) {
			return
		}
	}
}

func cmpNent(x nent, pk uint32) int {
	switch {
	case x.pk < pk:
		return -1
	case x.pk > pk:
		return 1
	}
	return 0
}

// writable returns the array for in-place changes by e, copied (with room
// for extra more entries) unless e allocated it.
func (g *ngrants) writable(e *edit, extra int) []nent {
	if e != nil && g.owner == e {
		return g.flat
	}
	s := make([]nent, len(g.flat), len(g.flat)+extra)
	copy(s, g.flat)
	g.flat, g.owner = s, e
	return s
}

func (g ngrants) set(e *edit, pk uint32, s Set) ngrants {
	if g.big.n > 0 {
		g.big = g.big.set(e, pk, s)
		return g
	}
	i, found := slices.BinarySearchFunc(g.flat, pk, cmpNent)
	if found {
		if g.flat[i].set != s {
			g.writable(e, 0)[i].set = s
		}
		return g
	}
	if len(g.flat) >= flatNodeGrants {
		var big hmap[uint32, Set, intHash]
		for _, x := range g.flat {
			big = big.set(e, x.pk, x.set)
		}
		return ngrants{big: big.set(e, pk, s)}
	}
	g.flat = insertAt(g.writable(e, 1), i, nent{pk, s})
	return g
}

func (g ngrants) del(e *edit, pk uint32) ngrants {
	if g.big.n > 0 {
		g.big = g.big.del(e, pk)
		if g.big.n <= flatNodeGrants/2 {
			// Back to an array so a shrinking node gets cheap again.
			s := ngrants{flat: make([]nent, 0, g.big.n), owner: e}
			g.big.each(func(k uint32, v Set) bool {
				s.flat = append(s.flat, nent{k, v})
				return true
			})
			slices.SortFunc(s.flat, func(a, b nent) int { return cmpNent(a, b.pk) })
			return s
		}
		return g
	}
	i, found := slices.BinarySearchFunc(g.flat, pk, cmpNent)
	if !found {
		return g
	}
	if len(g.flat) == 1 {
		return ngrants{}
	}
	if e != nil && g.owner == e {
		g.flat = slices.Delete(g.flat, i, i+1)
		return g
	}
	s := make([]nent, 0, len(g.flat)-1)
	g.flat = append(append(s, g.flat[:i]...), g.flat[i+1:]...)
	g.owner = e
	return g
}
