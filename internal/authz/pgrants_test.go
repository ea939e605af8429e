package authz

import (
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestPgrantsPersistent sets and deletes random grants across the
// array/trie boundary both ways and requires every earlier version to
// read back as it was, in node order: the arrays of a published version
// are shared by the next one and must never change.
func TestPgrantsPersistent(t *testing.T) {
	for _, tc := range []struct {
		name        string
		small, keys int
	}{
		{"arrays only", 32, 20},
		{"crossing to the trie and back", 8, 40},
		{"trie mostly", 2, 40},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := smallGrants
			smallGrants = tc.small
			defer func() { smallGrants = old }()
			r := rand.New(rand.NewPCG(11, uint64(tc.small)))
			var g pgrants
			want := map[int32]grantVal{}
			var versions []pgrants
			var wants []map[int32]grantVal
			for step := range 2000 {
				n := int32(r.IntN(tc.keys))
				// Drift between mostly adding and mostly deleting, so
				// the set grows past smallGrants and shrinks back.
				if r.IntN(100) < 30+40*(step/250%2) {
					g = g.del(&edit{}, n)
					delete(want, n)
				} else {
					v := grantVal{Set(r.Uint64() &^ 1), Set(r.Uint64())}
					g = g.set(&edit{}, n, v)
					want[n] = v
				}
				versions = append(versions, g)
				wants = append(wants, maps.Clone(want))
			}
			for k, v := range versions {
				w := wants[k]
				if v.Len() != len(w) {
					t.Fatalf("version %d: %d grants, want %d", k, v.Len(), len(w))
				}
				for n, gv := range w {
					if got, ok := v.get(n); !ok || got != gv {
						t.Fatalf("version %d: node %d = %v %v, want %v", k, n, got, ok, gv)
					}
				}
				if _, ok := v.get(int32(tc.keys)); ok {
					t.Fatalf("version %d: absent node found", k)
				}
				var seen []int32
				v.each(func(n uint32, gv grantVal) bool {
					if w[int32(n)] != gv {
						t.Fatalf("version %d: each gave node %d = %v, want %v", k, n, gv, w[int32(n)])
					}
					seen = append(seen, int32(n))
					return true
				})
				if len(seen) != len(w) {
					t.Fatalf("version %d: each visited %d grants, want %d", k, len(seen), len(w))
				}
				if v.big.n == 0 && !slices.IsSorted(seen) {
					t.Fatalf("version %d: flat arrays out of order: %v", k, seen)
				}
			}
		})
	}
}

// TestPgrantsOneAllocation pins the cost of a change to a flat set: one
// allocation for an insertion, a replacement or a removal.
func TestPgrantsOneAllocation(t *testing.T) {
	var g pgrants
	for n := range int32(10) {
		g = g.set(&edit{}, n*2, grantVal{Set(n) << 1, Set(n)})
	}
	e := &edit{}
	for _, tc := range []struct {
		name string
		do   func() pgrants
	}{
		{"insert", func() pgrants { return g.set(e, 7, grantVal{2, 2}) }},
		{"replace", func() pgrants { return g.set(e, 8, grantVal{2, 2}) }},
		{"remove", func() pgrants { return g.del(e, 8) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if a := testing.AllocsPerRun(100, func() { tc.do() }); a != 1 {
				t.Errorf("%v allocations, want 1", a)
			}
		})
	}
}
