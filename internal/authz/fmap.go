package authz

import (
	"cmp"
	"slices"
)

// flatMax is the largest fmap kept in sorted arrays (a variable only so
// tests can force the trie representation). A project holds about a
// hundred grants: as a trie that is three or four levels, and a change
// copies each level's node and arrays, three or four allocations and as
// many cache misses; as arrays it is one allocation. Past this size the
// arrays cost more than the path, and the trie takes over.
var flatMax = 512

// An fmap of up to flatSmall entries is one sorted array, copied whole by
// a change. A larger one is a base array that published revisions share
// plus a sorted delta of at most deltaMax entries (overrides, additions
// and deletions of base entries) that a change copies instead: copying a
// project's hundred grants (1.6 KB) on every change was most of a grant's
// time and of the garbage that drives the collector. A full delta is
// folded into a new base, once per deltaMax changes of that map.
// (Variables only so tests can make small maps take this form.)
var (
	flatSmall = 32
	deltaMax  = 16
)

// fent is one entry of an fmap.
type fent[V comparable] struct {
	k uint32
	v V
}

// dent is one entry of an fmap's delta: a new value for k, or (del) the
// removal of base entry k. A delta holds one entry per key at most, and a
// deletion only of a key the base holds; fresh marks the keys the base
// does not hold, so that removing them needs no search of the base.
type dent[V comparable] struct {
	k     uint32
	del   bool
	fresh bool // k is not in the base
	v     V
}

// fmap is a persistent map keyed by dense indexes that a change replaces
// with one allocation: sorted arrays (base and delta, see flatSmall) while
// at most flatMax entries, a persistent trie past that. It holds the
// grants on a node (keyed by principal key: userKey or groupKey) and, with
// empty values, the sets of children, members, super admins and groups.
// An array is never changed once published: owner is the edit that
// allocated the delta, or the base if ownBase, the only one that may
// change it in place (as a batch does when it touches a record twice).
type fmap[V comparable] struct {
	base    []fent[V]
	delta   []dent[V]
	owner   *edit
	n       int32 // entries, when not big
	ownBase bool  // owner allocated base; the delta is then empty
	big     hmap[uint32, V, intHash]
}

type (
	ngrants = fmap[Set]
	set32   = fmap[struct{}]
)

func (g *fmap[V]) Len() int {
	if g.big.n > 0 {
		return g.big.n
	}
	return int(g.n)
}

// each calls fn on the entries in key order until it returns false.
func (g *fmap[V]) each(fn func(uint32, V) bool) {
	if g.big.n > 0 {
		g.big.each(fn)
		return
	}
	base, delta := g.base, g.delta
	if len(delta) == 0 {
		for _, x := range base {
			if !fn(x.k, x.v) {
				return
			}
		}
		return
	}
	i := 0
	for _, d := range delta {
		for ; i < len(base) && base[i].k < d.k; i++ {
			if !fn(base[i].k, base[i].v) {
				return
			}
		}
		if i < len(base) && base[i].k == d.k {
			i++
		}
		if !d.del && !fn(d.k, d.v) {
			return
		}
	}
	for ; i < len(base); i++ {
		if !fn(base[i].k, base[i].v) {
			return
		}
	}
}

// keys appends the keys in order to dst and returns it.
func (g *fmap[V]) keys(dst []int32) []int32 {
	if g.big.n > 0 || len(g.delta) > 0 {
		g.each(func(k uint32, _ V) bool {
			dst = append(dst, int32(k))
			return true
		})
		return dst
	}
	for _, x := range g.base {
		dst = append(dst, int32(x.k))
	}
	return dst
}

func cmpFent[V comparable](x fent[V], k uint32) int { return cmp.Compare(x.k, k) }

func cmpDent[V comparable](x dent[V], k uint32) int { return cmp.Compare(x.k, k) }

// inPlace reports whether e may change the base in place.
func (g *fmap[V]) inPlace(e *edit) bool { return e != nil && g.owner == e && g.ownBase }

// fold merges the delta into a new base owned by e, with room for extra
// more entries.
func (g *fmap[V]) fold(e *edit, extra int) {
	base := g.base
	s := make([]fent[V], 0, int(g.n)+extra)
	i := 0
	for _, d := range g.delta {
		j := i
		for j < len(base) && base[j].k < d.k {
			j++
		}
		s = append(s, base[i:j]...)
		i = j
		if i < len(base) && base[i].k == d.k {
			i++
		}
		if !d.del {
			s = append(s, fent[V]{d.k, d.v})
		}
	}
	g.base, g.delta, g.owner, g.ownBase = append(s, base[i:]...), nil, e, true
}

// putDelta stores d at position j of the delta (replacing the entry there
// if it has d's key), copying the delta unless e allocated it. It returns
// false, changing nothing, when the delta must be folded first.
func (g *fmap[V]) putDelta(e *edit, j int, d dent[V]) bool {
	replace := j < len(g.delta) && g.delta[j].k == d.k
	if e != nil && g.owner == e && !g.ownBase {
		if replace {
			g.delta[j] = d
		} else if len(g.delta) < deltaMax {
			g.delta = insertAt(g.delta, j, d)
		} else {
			return false
		}
		return true
	}
	if !replace && len(g.delta) >= deltaMax {
		return false
	}
	s := make([]dent[V], 0, len(g.delta)+1)
	s = append(s, g.delta[:j]...)
	s = append(s, d)
	if replace {
		j++
	}
	g.delta = append(s, g.delta[j:]...)
	g.owner, g.ownBase = e, false
	return true
}

// dropDelta removes delta entry j (a fresh one).
func (g *fmap[V]) dropDelta(e *edit, j int) {
	if e != nil && g.owner == e && !g.ownBase {
		g.delta = slices.Delete(g.delta, j, j+1)
		return
	}
	s := make([]dent[V], 0, len(g.delta)-1)
	g.delta = append(append(s, g.delta[:j]...), g.delta[j+1:]...)
	g.owner, g.ownBase = e, false
}

// presence is what a caller knows of a key before changing it: with
// absent or present, a change that goes to the delta skips the search of
// the base, a few dependent cache misses on a large map.
type presence uint8

const (
	unknown presence = iota
	absent
	present
)

func (g fmap[V]) set(e *edit, k uint32, v V) fmap[V] { return g.put(e, k, v, unknown) }

func (g fmap[V]) del(e *edit, k uint32) fmap[V] { return g.remove(e, k, unknown) }

// put sets k to v; p must be unknown or true of k.
func (g fmap[V]) put(e *edit, k uint32, v V, p presence) fmap[V] {
	if g.big.n > 0 {
		g.big = g.big.set(e, k, v)
		return g
	}
	j, inDelta := slices.BinarySearchFunc(g.delta, k, cmpDent[V])
	if inDelta {
		d := g.delta[j]
		if !d.del && d.v == v {
			return g
		}
		if d.del {
			g.n++
		}
		g.putDelta(e, j, dent[V]{k: k, fresh: d.fresh, v: v}) // replacing: never full
		return g
	}
	// k is in the base or nowhere. The base is searched only if the
	// change may not go to the delta, or the caller does not know.
	i := -1
	if p == unknown || g.inPlace(e) || int(g.n) <= flatSmall {
		var inBase bool
		i, inBase = slices.BinarySearchFunc(g.base, k, cmpFent[V])
		switch {
		case !inBase:
			p = absent
		case g.base[i].v == v:
			return g
		default:
			p = present
		}
	}
	if p == absent {
		if int(g.n) >= flatMax {
			var big hmap[uint32, V, intHash]
			g.each(func(k uint32, v V) bool {
				big = big.set(e, k, v)
				return true
			})
			return fmap[V]{big: big.set(e, k, v)}
		}
		g.n++
	}
	if !g.inPlace(e) {
		if int(g.n) > flatSmall && g.putDelta(e, j, dent[V]{k: k, fresh: p == absent, v: v}) {
			return g
		}
		g.fold(e, 0) // n counts k already
		i, _ = slices.BinarySearchFunc(g.base, k, cmpFent[V])
	}
	if p == absent {
		g.base = insertAt(g.base, i, fent[V]{k, v})
	} else {
		g.base[i].v = v
	}
	return g
}

// remove deletes k; p must be unknown or true of k.
func (g fmap[V]) remove(e *edit, k uint32, p presence) fmap[V] {
	if g.big.n > 0 {
		g.big = g.big.del(e, k)
		if g.big.n <= flatMax/2 {
			// Back to an array so a shrinking node gets cheap again.
			s := fmap[V]{base: make([]fent[V], 0, g.big.n), owner: e, ownBase: true, n: int32(g.big.n)}
			g.big.each(func(k uint32, v V) bool {
				s.base = append(s.base, fent[V]{k, v})
				return true
			})
			slices.SortFunc(s.base, func(a, b fent[V]) int { return cmpFent(a, b.k) })
			return s
		}
		return g
	}
	if p == absent {
		return g
	}
	j, inDelta := slices.BinarySearchFunc(g.delta, k, cmpDent[V])
	if inDelta {
		d := g.delta[j]
		if d.del {
			return g
		}
		if g.n == 1 {
			return fmap[V]{}
		}
		g.n--
		switch {
		case int(g.n) < flatSmall:
			g.foldWithout(e, k)
		case d.fresh:
			g.dropDelta(e, j)
		default:
			g.putDelta(e, j, dent[V]{k: k, del: true}) // replacing: never full
		}
		return g
	}
	i := -1
	if p == unknown || g.inPlace(e) || int(g.n) <= flatSmall {
		var inBase bool
		if i, inBase = slices.BinarySearchFunc(g.base, k, cmpFent[V]); !inBase {
			return g
		}
	}
	if g.n == 1 {
		return fmap[V]{}
	}
	g.n--
	switch {
	case g.inPlace(e):
		g.base = slices.Delete(g.base, i, i+1)
	case int(g.n) >= flatSmall && g.putDelta(e, j, dent[V]{k: k, del: true}):
	default:
		g.foldWithout(e, k)
	}
	return g
}

// foldWithout folds the map, which still holds k, into a new base owned
// by e, and removes k from it.
func (g *fmap[V]) foldWithout(e *edit, k uint32) {
	g.fold(e, 1)
	i, _ := slices.BinarySearchFunc(g.base, k, cmpFent[V])
	g.base = slices.Delete(g.base, i, i+1)
}
