package authz

import (
	"encoding/binary"
	"hash/maphash"
	"math/bits"
	"unsafe"
)

// edit is an ownership token for transient (in-place) updates. Every node or
// chunk created during one Build or Apply carries that call's token, so
// later steps of the same call can mutate it in place instead of copying
// again; once the call returns the token is dropped and the structure is
// immutable for ever. This is what makes a batch of N changes cost O(N·log)
// allocations instead of N full path copies, and Build as cheap as filling
// mutable maps. The struct must not be zero-sized: zero-sized allocations
// may share one address, which would make distinct tokens compare equal.
type edit struct{ _ byte }

// hasher gives a persistent map its hash function at the type level, so no
// function value is stored per map and nothing escapes to the heap.
type hasher[K any] interface{ hash(K) uint64 }

// intHash hashes dense uint32 indexes. splitmix64's finaliser is a
// bijection on uint64, so two distinct keys never share a full hash and the
// map never needs collision nodes for integer keys.
type intHash struct{}

func (intHash) hash(k uint32) uint64 {
	x := uint64(k) + 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// strHash hashes IDs with wyhash's construction, as the Go runtime does
// where it has no AES hashing, keyed per process so that nobody can pick
// IDs that collide. A check hashes two short IDs, and maphash.String
// spends more on its layers of calls than on the hashing.
type strHash struct{}

// strKey is random and odd (a multiplier must not be even).
var strKey = func() (k [3]uint64) {
	s := maphash.MakeSeed()
	for i := range k {
		k[i] = maphash.String(s, string(rune('a'+i))) | 1
	}
	return k
}()

func (strHash) hash(k string) uint64 {
	n := len(k)
	p := unsafe.Pointer(unsafe.StringData(k))
	seed := strKey[0]
	var a, b uint64
	switch {
	case n == 0:
	case n < 4:
		a = uint64(*(*byte)(p))<<16 | uint64(*(*byte)(unsafe.Add(p, n>>1)))<<8 | uint64(*(*byte)(unsafe.Add(p, n-1)))
	case n <= 8:
		a, b = uint64(load32(p)), uint64(load32(unsafe.Add(p, n-4)))
	case n <= 16:
		a, b = load64(p), load64(unsafe.Add(p, n-8))
	default:
		for ; n > 16; n -= 16 {
			seed = mix(load64(p)^strKey[1], load64(unsafe.Add(p, 8))^seed)
			p = unsafe.Add(p, 16)
		}
		// The last 16 bytes, overlapping what the loop took if fewer.
		a, b = load64(unsafe.Add(p, n-16)), load64(unsafe.Add(p, n-8))
	}
	return mix(strKey[2]^uint64(len(k)), mix(a^strKey[1], b^seed))
}

func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

func load32(p unsafe.Pointer) uint32 { return binary.LittleEndian.Uint32((*[4]byte)(p)[:]) }
func load64(p unsafe.Pointer) uint64 { return binary.LittleEndian.Uint64((*[8]byte)(p)[:]) }

const (
	hBits  = 5
	hMask  = 1<<hBits - 1
	hDepth = 64 // shift at which we fall back to a collision bucket
)

// hmap is a persistent hash map (a CHAMP trie: entries and sub-tries kept
// in two compact arrays selected by bitmaps). Updates copy only the path
// from the root to the changed entry, so an Index derived by Apply shares
// everything else with its parent. The zero value is an empty map.
type hmap[K comparable, V any, H hasher[K]] struct {
	root *hnode[K, V]
	n    int
}

type hnode[K comparable, V any] struct {
	dmap, cmap uint32 // bit i set: slot i holds an entry / a child
	owner      *edit
	ents       []hent[K, V]
	kids       []*hnode[K, V]
}

type hent[K comparable, V any] struct {
	k K
	v V
}

func (m hmap[K, V, H]) Len() int { return m.n }

func (m hmap[K, V, H]) get(k K) (V, bool) {
	var zero V
	n := m.root
	if n == nil {
		return zero, false
	}
	var h H
	hv := h.hash(k)
	for shift := uint(0); ; shift += hBits {
		if shift >= hDepth {
			for i := range n.ents {
				if n.ents[i].k == k {
					return n.ents[i].v, true
				}
			}
			return zero, false
		}
		bit := uint32(1) << ((hv >> shift) & hMask)
		if n.dmap&bit != 0 {
			e := &n.ents[bits.OnesCount32(n.dmap&(bit-1))]
			if e.k == k {
				return e.v, true
			}
			return zero, false
		}
		if n.cmap&bit == 0 {
			return zero, false
		}
		n = n.kids[bits.OnesCount32(n.cmap&(bit-1))]
	}
}

func (n *hnode[K, V]) editable(e *edit) *hnode[K, V] {
	if e != nil && n.owner == e {
		return n
	}
	c := &hnode[K, V]{dmap: n.dmap, cmap: n.cmap, owner: e}
	if len(n.ents) > 0 {
		c.ents = make([]hent[K, V], len(n.ents), len(n.ents)+1)
		copy(c.ents, n.ents)
	}
	if len(n.kids) > 0 {
		c.kids = make([]*hnode[K, V], len(n.kids), len(n.kids)+1)
		copy(c.kids, n.kids)
	}
	return c
}

// set returns the map with k bound to v.
func (m hmap[K, V, H]) set(e *edit, k K, v V) hmap[K, V, H] {
	var h H
	root := m.root
	if root == nil {
		root = &hnode[K, V]{owner: e}
	}
	nr, added := setNode[K, V, H](root, e, h.hash(k), 0, k, v)
	m.root = nr
	if added {
		m.n++
	}
	return m
}

func setNode[K comparable, V any, H hasher[K]](n *hnode[K, V], e *edit, hv uint64, shift uint, k K, v V) (*hnode[K, V], bool) {
	if shift >= hDepth {
		n = n.editable(e)
		for i := range n.ents {
			if n.ents[i].k == k {
				n.ents[i].v = v
				return n, false
			}
		}
		n.ents = append(n.ents, hent[K, V]{k, v})
		return n, true
	}
	bit := uint32(1) << ((hv >> shift) & hMask)
	switch {
	case n.dmap&bit != 0:
		i := bits.OnesCount32(n.dmap & (bit - 1))
		if n.ents[i].k == k {
			n = n.editable(e)
			n.ents[i].v = v
			return n, false
		}
		// Push the resident entry and the new one down into a sub-trie.
		old := n.ents[i]
		var h H
		sub := pairNode[K, V](e, h.hash(old.k), old, hv, hent[K, V]{k, v}, shift+hBits)
		n = n.editable(e)
		n.ents = append(n.ents[:i], n.ents[i+1:]...)
		n.dmap &^= bit
		j := bits.OnesCount32(n.cmap & (bit - 1))
		n.kids = insertAt(n.kids, j, sub)
		n.cmap |= bit
		return n, true
	case n.cmap&bit != 0:
		j := bits.OnesCount32(n.cmap & (bit - 1))
		nk, added := setNode[K, V, H](n.kids[j], e, hv, shift+hBits, k, v)
		if nk != n.kids[j] {
			n = n.editable(e)
			n.kids[j] = nk
		}
		return n, added
	default:
		n = n.editable(e)
		i := bits.OnesCount32(n.dmap & (bit - 1))
		n.ents = insertAt(n.ents, i, hent[K, V]{k, v})
		n.dmap |= bit
		return n, true
	}
}

func pairNode[K comparable, V any](e *edit, h1 uint64, e1 hent[K, V], h2 uint64, e2 hent[K, V], shift uint) *hnode[K, V] {
	n := &hnode[K, V]{owner: e}
	if shift >= hDepth {
		n.ents = []hent[K, V]{e1, e2}
		return n
	}
	b1, b2 := (h1>>shift)&hMask, (h2>>shift)&hMask
	if b1 == b2 {
		n.cmap = 1 << b1
		n.kids = []*hnode[K, V]{pairNode(e, h1, e1, h2, e2, shift+hBits)}
		return n
	}
	n.dmap = 1<<b1 | 1<<b2
	if b1 < b2 {
		n.ents = []hent[K, V]{e1, e2}
	} else {
		n.ents = []hent[K, V]{e2, e1}
	}
	return n
}

func insertAt[T any](s []T, i int, v T) []T {
	var zero T
	s = append(s, zero)
	copy(s[i+1:], s[i:])
	s[i] = v
	return s
}

// del returns the map without k.
func (m hmap[K, V, H]) del(e *edit, k K) hmap[K, V, H] {
	if m.root == nil {
		return m
	}
	var h H
	nr, removed := delNode(m.root, e, h.hash(k), 0, k)
	if !removed {
		return m
	}
	m.n--
	if m.n == 0 {
		nr = nil
	}
	m.root = nr
	return m
}

func delNode[K comparable, V any](n *hnode[K, V], e *edit, hv uint64, shift uint, k K) (*hnode[K, V], bool) {
	if shift >= hDepth {
		for i := range n.ents {
			if n.ents[i].k == k {
				n = n.editable(e)
				n.ents = append(n.ents[:i], n.ents[i+1:]...)
				return n, true
			}
		}
		return n, false
	}
	bit := uint32(1) << ((hv >> shift) & hMask)
	switch {
	case n.dmap&bit != 0:
		i := bits.OnesCount32(n.dmap & (bit - 1))
		if n.ents[i].k != k {
			return n, false
		}
		n = n.editable(e)
		n.ents = append(n.ents[:i], n.ents[i+1:]...)
		n.dmap &^= bit
		return n, true
	case n.cmap&bit != 0:
		j := bits.OnesCount32(n.cmap & (bit - 1))
		nk, removed := delNode(n.kids[j], e, hv, shift+hBits, k)
		if !removed {
			return n, false
		}
		n = n.editable(e)
		if len(nk.kids) == 0 && len(nk.ents) == 1 && shift+hBits < hDepth {
			// Canonical form: a sub-trie holding a single entry is
			// inlined into its parent, so shapes stay minimal and lookups
			// of a key never go deeper than necessary.
			n.kids = append(n.kids[:j], n.kids[j+1:]...)
			n.cmap &^= bit
			i := bits.OnesCount32(n.dmap & (bit - 1))
			n.ents = insertAt(n.ents, i, nk.ents[0])
			n.dmap |= bit
		} else if len(nk.kids) == 0 && len(nk.ents) == 0 {
			n.kids = append(n.kids[:j], n.kids[j+1:]...)
			n.cmap &^= bit
		} else {
			n.kids[j] = nk
		}
		return n, true
	}
	return n, false
}

// each calls fn for every entry until fn returns false. Order is the hash
// order: stable for a given map but meaningless, so callers sort.
func (m hmap[K, V, H]) each(fn func(K, V) bool) {
	if m.root != nil {
		eachNode(m.root, fn)
	}
}

func eachNode[K comparable, V any](n *hnode[K, V], fn func(K, V) bool) bool {
	for i := range n.ents {
		if !fn(n.ents[i].k, n.ents[i].v) {
			return false
		}
	}
	for _, c := range n.kids {
		if !eachNode(c, fn) {
			return false
		}
	}
	return true
}
