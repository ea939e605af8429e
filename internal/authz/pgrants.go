package authz

import (
	"slices"
	"unsafe"
)

// smallGrants is the largest grant count kept in flat arrays (a variable
// only so tests can force the trie representation). A check scans
// a principal's grants once per ancestor; a flat array of node indexes is
// one or two cache lines, where a trie costs a dependent miss per level.
// Copying up to this many entries on each change is still cheap.
var smallGrants = 32

// pgrants is the set of grants a principal holds, keyed by node index:
// two parallel sorted arrays while small, a persistent trie once large
// (say, a user granted 10,000 projects). Values are never modified in
// place: every change produces new arrays or a new trie path. The two
// arrays of a change share one allocation (see alloc): the node indexes
// stay dense for the scan of get, and a change costs one allocation.
type pgrants struct {
	nodes []int32
	vals  []grantVal
	big   hmap[uint32, grantVal, intHash]
}

func (g *pgrants) Len() int {
	if g.big.n > 0 {
		return g.big.n
	}
	return len(g.nodes)
}

func (g *pgrants) get(n int32) (grantVal, bool) {
	if g.big.n > 0 {
		return g.big.get(uint32(n))
	}
	for i, x := range g.nodes {
		if x == n {
			return g.vals[i], true
		}
	}
	return grantVal{}, false
}

func (g pgrants) set(e *edit, n int32, v grantVal) pgrants {
	if g.big.n > 0 {
		g.big = g.big.set(e, uint32(n), v)
		return g
	}
	i, found := slices.BinarySearch(g.nodes, n)
	if found {
		g.vals = slices.Clone(g.vals)
		g.vals[i] = v
		return g
	}
	if len(g.nodes) >= smallGrants {
		var big hmap[uint32, grantVal, intHash]
		for j, x := range g.nodes {
			big = big.set(e, uint32(x), g.vals[j])
		}
		return pgrants{big: big.set(e, uint32(n), v)}
	}
	s := alloc(len(g.nodes) + 1)
	copy(s.nodes, g.nodes[:i])
	copy(s.vals, g.vals[:i])
	s.nodes[i], s.vals[i] = n, v
	copy(s.nodes[i+1:], g.nodes[i:])
	copy(s.vals[i+1:], g.vals[i:])
	return s
}

// alloc returns flat arrays of n entries in one allocation: the values
// first, then the node indexes packed four to a value slot. Both parts
// are free of pointers, and either slice keeps the whole block live.
func alloc(n int) pgrants {
	if n == 0 {
		return pgrants{}
	}
	buf := make([]grantVal, n+(n+3)/4)
	return pgrants{
		nodes: unsafe.Slice((*int32)(unsafe.Pointer(&buf[n:][0])), n),
		vals:  buf[:n:n],
	}
}

func (g pgrants) del(e *edit, n int32) pgrants {
	if g.big.n > 0 {
		g.big = g.big.del(e, uint32(n))
		if g.big.n <= smallGrants/2 {
			// Back to flat arrays so a shrinking holder gets fast again.
			s, j := alloc(g.big.n), 0
			g.big.each(func(k uint32, v grantVal) bool {
				s.nodes[j], s.vals[j] = int32(k), v
				j++
				return true
			})
			sortParallel(s.nodes, s.vals)
			return s
		}
		return g
	}
	i, found := slices.BinarySearch(g.nodes, n)
	if !found {
		return g
	}
	if len(g.nodes) == 1 {
		return pgrants{}
	}
	s := alloc(len(g.nodes) - 1)
	copy(s.nodes, g.nodes[:i])
	copy(s.vals, g.vals[:i])
	copy(s.nodes[i:], g.nodes[i+1:])
	copy(s.vals[i:], g.vals[i+1:])
	return s
}

func (g *pgrants) each(fn func(uint32, grantVal) bool) {
	if g.big.n > 0 {
		g.big.each(fn)
		return
	}
	for i, x := range g.nodes {
		if !fn(uint32(x), g.vals[i]) {
			return
		}
	}
}

func sortParallel(nodes []int32, vals []grantVal) {
	idx := make([]int, len(nodes))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return int(nodes[a]) - int(nodes[b]) })
	n2, v2 := slices.Clone(nodes), slices.Clone(vals)
	for i, j := range idx {
		nodes[i], vals[i] = n2[j], v2[j]
	}
}
