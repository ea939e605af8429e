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

func TestPvecCopyOnWrite(t *testing.T) {
	const n = 3*fanout*fanout*leafSize + 100 // several inner levels, the last partial
	var v pvec[int]
	e1 := &edit{}
	for i := range n {
		*v.mut(e1, v.push(e1)) = i
	}
	old := v
	e2 := &edit{}
	for _, i := range []int32{500, fanout * leafSize, n - 1} {
		*v.mut(e2, i) = -1
	}
	grown := v
	e3 := &edit{}
	*v.mut(e3, v.push(e3)) = n
	tests := []struct {
		name string
		v    pvec[int]
		want func(i int) int
		n    int
	}{
		{"original", old, func(i int) int { return i }, n},
		{"edited", grown, func(i int) int {
			if i == 500 || i == fanout*leafSize || i == n-1 {
				return -1
			}
			return i
		}, n},
		{"appended", v, func(i int) int {
			if i == 500 || i == fanout*leafSize || i == n-1 {
				return -1
			}
			return i
		}, n + 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.v.Len() != tc.n {
				t.Fatalf("Len = %d, want %d", tc.v.Len(), tc.n)
			}
			for i := range n {
				if got := *tc.v.at(int32(i)); got != tc.want(i) {
					t.Fatalf("at(%d) = %d, want %d", i, got, tc.want(i))
				}
			}
		})
	}
	if *v.at(n) != n {
		t.Fatal("appended record lost")
	}
}

func TestPvecArena(t *testing.T) {
	const n = 2*fanout*fanout*leafSize + 7
	e1 := &edit{}
	v := newPvecArena(e1, n, func(i int32, r *int) { *r = int(i) })
	old := v
	e2 := &edit{}
	*v.mut(e2, 5) = -1
	*v.mut(e2, v.push(e2)) = n
	if v.Len() != n+1 || old.Len() != n {
		t.Fatalf("lengths %d, %d", v.Len(), old.Len())
	}
	for i := range int32(n) {
		want := int(i)
		if got := *old.at(i); got != want {
			t.Fatalf("old at(%d) = %d, want %d", i, got, want)
		}
		if i == 5 {
			want = -1
		}
		if got := *v.at(i); got != want {
			t.Fatalf("new at(%d) = %d, want %d", i, got, want)
		}
	}
	if *v.at(n) != n {
		t.Fatal("appended record lost")
	}
}
