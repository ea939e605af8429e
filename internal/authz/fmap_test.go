package authz

import (
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestFmapPersistent changes an fmap in edits of several steps (so some
// changes land in place, in arrays their edit allocated) across the
// boundaries of its representations both ways (one array, base plus
// delta, delta folds, trie), and requires every earlier version to read
// back as it was: a published array must never change.
func TestFmapPersistent(t *testing.T) {
	for _, tc := range []struct {
		name       string
		flat, keys int
		delta      bool // some version must have a delta
	}{
		{"arrays only", 512, 100, true},
		{"around the delta threshold", 512, 60, true},
		{"one array only", 512, 30, false},
		{"with a delta, crossing to the trie and back", 64, 120, true},
		{"crossing to the trie and back", 16, 60, false},
		{"trie mostly", 2, 40, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := flatMax
			flatMax = tc.flat
			defer func() { flatMax = old }()
			r := rand.New(rand.NewPCG(7, uint64(tc.flat)))
			var m fmap[Set]
			want := map[uint32]Set{}
			var versions []fmap[Set]
			var wants []map[uint32]Set
			sawDelta := false
			for step := range 2000 {
				e := &edit{}
				steps := 1 + r.IntN(4)
				if r.IntN(20) == 0 {
					steps = 40 // long enough to fill a delta it owns
				}
				for range steps {
					k := uint32(r.IntN(tc.keys))
					// Deletions dominate in phases so the map shrinks back
					// below the trie threshold.
					// Half the changes tell what the caller knows of k.
					p := unknown
					if r.IntN(2) == 0 {
						p = absent
						if _, ok := want[k]; ok {
							p = present
						}
					}
					if r.IntN(10) < 3+4*(step/250%2) {
						m = m.remove(e, k, p)
						delete(want, k)
					} else {
						v := Set(1 + r.IntN(5))
						m = m.put(e, k, v, p)
						want[k] = v
					}
				}
				checkFmap(t, &m)
				sawDelta = sawDelta || len(m.delta) > 0
				versions, wants = append(versions, m), append(wants, maps.Clone(want))
			}
			if sawDelta != tc.delta {
				t.Fatalf("a version had a delta: %v, want %v", sawDelta, tc.delta)
			}
			for i, v := range versions {
				got := map[uint32]Set{}
				prev, sorted := int64(-1), true
				v.each(func(k uint32, s Set) bool {
					got[k] = s
					sorted = sorted && int64(k) > prev
					prev = int64(k)
					return true
				})
				if !maps.Equal(got, wants[i]) || v.Len() != len(wants[i]) {
					t.Fatalf("version %d: got %v (len %d), want %v", i, got, v.Len(), wants[i])
				}
				if v.big.n == 0 && !sorted {
					t.Fatalf("version %d: array out of order", i)
				}
				keys := v.keys(nil)
				if len(keys) != len(got) || !slices.IsSorted(keys) && v.big.n == 0 {
					t.Fatalf("version %d: keys %v, want those of %v", i, keys, got)
				}
				for _, k := range keys {
					if _, ok := got[uint32(k)]; !ok {
						t.Fatalf("version %d: keys %v, want those of %v", i, keys, got)
					}
				}
			}
		})
	}
}

// checkFmap checks the invariants of an fmap's arrays.
func checkFmap[V comparable](t *testing.T, m *fmap[V]) {
	t.Helper()
	if m.big.n > 0 {
		return
	}
	if len(m.delta) > deltaMax || m.ownBase && len(m.delta) > 0 {
		t.Fatalf("delta of %d entries (ownBase %v)", len(m.delta), m.ownBase)
	}
	if len(m.delta) > 0 && int(m.n) < flatSmall {
		t.Fatalf("small map of %d entries kept a delta", m.n)
	}
	n := len(m.base)
	for i, d := range m.delta {
		if i > 0 && m.delta[i-1].k >= d.k {
			t.Fatalf("delta out of order: %v", m.delta)
		}
		_, inBase := slices.BinarySearchFunc(m.base, d.k, cmpFent[V])
		if d.fresh == inBase {
			t.Fatalf("entry %d fresh %v, in the base %v", d.k, d.fresh, inBase)
		}
		switch {
		case d.del && !inBase:
			t.Fatalf("deletion of %d, not in the base", d.k)
		case d.del:
			n--
		case !inBase:
			n++
		}
	}
	for i := 1; i < len(m.base); i++ {
		if m.base[i-1].k >= m.base[i].k {
			t.Fatalf("base out of order")
		}
	}
	if n != int(m.n) {
		t.Fatalf("len %d, entries %d", m.n, n)
	}
}
