package authz

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// collideHash sends every key to one of four hashes, so tries go to full
// depth and exercise the collision buckets that real 64-bit hashes almost
// never reach.
type collideHash struct{}

func (collideHash) hash(k string) uint64 { return uint64(len(k)%4) * 0x9e3779b97f4a7c15 }

func testHmapAgainstMap[H hasher[string]](t *testing.T, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 1))
	var m hmap[string, int, H]
	want := map[string]int{}
	var versions []hmap[string, int, H]
	var wants []map[string]int
	for step := range 3000 {
		e := &edit{}
		for range 1 + r.IntN(5) {
			k := fmt.Sprintf("k%d", r.IntN(200))
			if r.IntN(3) == 0 {
				m = m.del(e, k)
				delete(want, k)
			} else {
				m = m.set(e, k, step)
				want[k] = step
			}
		}
		if step%100 == 0 {
			snap := map[string]int{}
			for k, v := range want {
				snap[k] = v
			}
			versions, wants = append(versions, m), append(wants, snap)
		}
	}
	versions, wants = append(versions, m), append(wants, want)
	// Every saved version still holds exactly its own contents.
	for i, v := range versions {
		if v.Len() != len(wants[i]) {
			t.Fatalf("version %d: len %d, want %d", i, v.Len(), len(wants[i]))
		}
		for k, x := range wants[i] {
			if got, ok := v.get(k); !ok || got != x {
				t.Fatalf("version %d: get(%s) = %v %v, want %v", i, k, got, ok, x)
			}
		}
		n := 0
		v.each(func(k string, x int) bool {
			n++
			if wants[i][k] != x {
				t.Fatalf("version %d: each saw %s=%d", i, k, x)
			}
			return true
		})
		if n != len(wants[i]) {
			t.Fatalf("version %d: each saw %d entries", i, n)
		}
		if _, ok := v.get("absent"); ok {
			t.Fatal("absent key found")
		}
	}
}

func TestHmapPersistent(t *testing.T) {
	for seed := range uint64(3) {
		testHmapAgainstMap[strHash](t, seed)
		testHmapAgainstMap[collideHash](t, seed)
	}
}

// TestStrHash checks the ID hash on what the ID tables and maps rely on:
// equal IDs hash equal whatever their memory; IDs that differ in any one
// byte, or only in length, hash apart at every length the hash reads
// differently (short, 4-8, 9-16 and longer, across block edges); and
// generated IDs spread over a table's slots and tags.
func TestStrHash(t *testing.T) {
	h := strHash{}.hash
	t.Run("equal", func(t *testing.T) {
		for n := range 40 {
			s := strings.Repeat("x", n)
			if h(s) != h(strings.Clone(s)) {
				t.Fatalf("length %d: a copy hashes differently", n)
			}
		}
	})
	t.Run("one byte apart", func(t *testing.T) {
		seen := map[uint64]string{}
		add := func(s string) {
			if o, ok := seen[h(s)]; ok && o != s {
				t.Fatalf("%q and %q hash alike", o, s)
			}
			seen[h(s)] = s
		}
		for n := range 40 {
			base := []byte(strings.Repeat("a", n))
			add(string(base))
			for i := range n {
				b := slices.Clone(base)
				b[i] = 'b'
				add(string(b))
			}
		}
	})
	t.Run("spread", func(t *testing.T) {
		const n = 100_000
		tab := newItable(n)
		tags := map[uint64]int{}
		hs := make([]uint64, n)
		for i := range int32(n) {
			hs[i] = strHash{}.hash(fmt.Sprintf("user-%06d", i))
			tab.insert(hs[i], i)
			tags[hs[i]>>32]++
		}
		// Linear probing at this load (0.76) takes 2.6 slots a lookup on
		// average; a hash that ignored some bytes would pile IDs up.
		probes := 0
		for i, k := range hs {
			for pos := k & tab.mask; ; pos = (pos + 1) & tab.mask {
				probes++
				if int32(uint32(tab.slots[pos])-1) == int32(i) {
					break
				}
			}
		}
		if mean := float64(probes) / n; mean > 4 {
			t.Errorf("%.1f slots a lookup on average, want under 4", mean)
		}
		if len(tags) < n-10 {
			t.Errorf("%d distinct tags for %d IDs", len(tags), n)
		}
	})
}
