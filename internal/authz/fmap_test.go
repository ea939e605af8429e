package authz

import (
	"maps"
	"math/rand/v2"
	"testing"
)

// TestFmapPersistent changes an fmap in edits of several steps (so some
// changes land in place, in arrays their edit allocated) across the
// array/trie boundary both ways, and requires every earlier version to
// read back as it was: a published array must never change.
func TestFmapPersistent(t *testing.T) {
	for _, tc := range []struct {
		name       string
		flat, keys int
	}{
		{"arrays only", 512, 100},
		{"crossing to the trie and back", 16, 60},
		{"trie mostly", 2, 40},
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
			for step := range 2000 {
				e := &edit{}
				for range 1 + r.IntN(4) {
					k := uint32(r.IntN(tc.keys))
					// Deletions dominate in phases so the map shrinks back
					// below the trie threshold.
					if r.IntN(10) < 3+4*(step/250%2) {
						m = m.del(e, k)
						delete(want, k)
					} else {
						v := Set(1 + r.IntN(5))
						m = m.set(e, k, v)
						want[k] = v
					}
				}
				versions, wants = append(versions, m), append(wants, maps.Clone(want))
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
			}
		})
	}
}
