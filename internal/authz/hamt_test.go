package authz

import (
	"fmt"
	"math/rand/v2"
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
