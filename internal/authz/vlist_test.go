package authz

import (
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"
)

// A vlist reads back every entry while the writer appends, from the
// directory a reader loaded before the appends as well as the newest one.
func TestVlistAppendWhileReading(t *testing.T) {
	tests := []struct {
		name string
		n    int
	}{
		{"one entry", 1},
		{"one block", vblockSize},
		{"block boundary", vblockSize + 1},
		{"many blocks", 300*vblockSize + 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vals := make([]int, tc.n)
			var l vlist
			var done atomic.Bool
			var published atomic.Uint32 // entries added so far
			var wg sync.WaitGroup
			errs := make(chan string, 2)
			for range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						stop := done.Load()
						n := published.Load()
						for i := uint32(0); i < n; i += 1 + n/64 {
							if p := l.at(i); p != unsafe.Pointer(&vals[i]) {
								errs <- "entry read back wrong"
								return
							}
						}
						if stop {
							return
						}
					}
				}()
			}
			var snaps []*[]*vblock
			for i := range vals {
				if got := l.add(unsafe.Pointer(&vals[i])); got != uint32(i) {
					t.Fatalf("add %d returned %d", i, got)
				}
				published.Store(uint32(i + 1))
				if i%vblockSize == 0 {
					snaps = append(snaps, l.dir.Load())
				}
			}
			done.Store(true)
			wg.Wait()
			close(errs)
			for e := range errs {
				t.Fatal(e)
			}
			// Every directory published along the way still names the
			// blocks it had, holding the entries added since.
			for _, d := range snaps {
				for b, blk := range *d {
					for j := range vblockSize {
						i := b*vblockSize + j
						if i >= tc.n {
							break
						}
						if blk[j] != unsafe.Pointer(&vals[i]) {
							t.Fatalf("old directory of %d blocks: entry %d wrong", len(*d), i)
						}
					}
				}
			}
		})
	}
}

// The views of a lineage share one chunk directory that later revisions
// fill in place: a view taken before some chunks existed keeps reading
// its records, while newer views read the new chunks too.
func TestVvecDirectoryShared(t *testing.T) {
	tests := []struct {
		name       string
		start, add int // records at the first view, records each later revision pushes
	}{
		{"empty start", 0, vchunkMin},
		{"inside a chunk", 10, 5},
		{"across chunks", vchunkMin - 1, 3 * vchunkMin},
		{"many chunks", 3, 1000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lin := newLineage(1)
			var v vvec[int]
			v.begin(1, lin)
			for i := range tc.start {
				*v.mut(v.push()) = i
			}
			lin.newEpoch(1)
			views := []vvec[int]{v}
			for rev := int64(2); rev <= 5; rev++ {
				v.begin(rev, lin)
				lin.newEpoch(rev)
				for range tc.add {
					i := v.push()
					*v.mut(i) = int(i)
				}
				if v.n > 0 {
					*v.mut(0) = -int(rev) // a version over an old record
				}
				lin.latest = rev
				views = append(views, v)
			}
			for k, w := range views {
				if w.dir != views[len(views)-1].dir && w.n > 0 {
					t.Fatalf("view %d has a directory of its own", k)
				}
				for i := range w.n {
					want := int(i)
					if i == 0 && k > 0 {
						want = -int(w.rev)
					}
					if got := *w.at(i); got != want {
						t.Fatalf("view %d (rev %d): record %d = %d, want %d", k, w.rev, i, got, want)
					}
				}
			}
		})
	}
}
