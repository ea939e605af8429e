package authz

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"
)

// chainLen counts the versions of record i, newest first.
func chainLen[T any](p *vvec[T], i int32) int {
	c, off := p.slot(i)
	n := 0
	if v := c.head(off); v != nil {
		for h := &v.vhead; h != nil; h = h.older() {
			n++
		}
	}
	return n
}

// TestVvecRevisions writes a vector over several revisions (in place for
// records pushed by the same revision, by versions otherwise), one epoch
// per revision, and checks that every view keeps reading its own
// revision, before and after other views are released and collected, and
// that the versions only released views could read are dropped.
func TestVvecRevisions(t *testing.T) {
	const n = 3*vchunkMin + 100 // several chunks, the last partial
	lin := newLineage(1)
	var v vvec[int]
	v.begin(1, lin)
	for i := range n {
		*v.mut(v.push()) = i
	}
	type view struct {
		v    vvec[int]
		ep   *epoch // what an Index of the view would hold
		want func(i int) int
		n    int
	}
	views := []view{{v, lin.newEpoch(1), func(i int) int { return i }, n}}
	changed := []int32{0, vchunkMin - 1, vchunkMin, 200, n - 1}
	for rev := int64(2); rev <= 6; rev++ {
		v.begin(rev, lin)
		ep := lin.newEpoch(rev)
		for _, i := range changed {
			*v.mut(i) = -int(rev)
			*v.mut(i) -= 1000 // a second write in the same revision is in place
		}
		*v.mut(v.push()) = int(rev) * 10
		lin.latest = rev
		r := rev
		views = append(views, view{v, ep, func(i int) int {
			for _, c := range changed {
				if int32(i) == c {
					return -int(r) - 1000
				}
			}
			if i >= n {
				return (i - n + 2) * 10
			}
			return i
		}, n + int(rev) - 1})
	}
	check := func(t *testing.T, keep ...int) {
		t.Helper()
		for _, k := range keep {
			tc := views[k]
			if tc.v.Len() != tc.n {
				t.Fatalf("view %d: Len = %d, want %d", k, tc.v.Len(), tc.n)
			}
			for i := range tc.n {
				if got := *tc.v.at(int32(i)); got != tc.want(i) {
					t.Fatalf("view %d (revision %d): at(%d) = %d, want %d", k, tc.v.rev, i, got, tc.want(i))
				}
			}
		}
	}
	t.Run("every view", func(t *testing.T) { check(t, 0, 1, 2, 3, 4, 5) })
	// Exactly the changed records are flagged as versioned: a missing bit
	// hides versions from readers, a stray one costs them the slot load
	// the bitmap saves.
	for i := range int32(v.Len()) {
		c, off := v.slot(i)
		if got, want := c.has[off/64]>>(off%64)&1 == 1, slices.Contains(changed, i); got != want {
			t.Errorf("record %d: versioned bit %v, want %v", i, got, want)
		}
	}
	if got := chainLen(&v, 200); got != 5 {
		t.Fatalf("record 200 has %d versions, want 5", got)
	}
	// Release every view but those kept, and collect: the versions only
	// released views could read go, what a kept view reads stays.
	release := func(keep ...int) {
		for k := range views {
			if !slices.Contains(keep, k) {
				views[k].ep = nil
			}
		}
		runtime.GC()
		runtime.GC()
	}
	release(2, 5)
	t.Run("revisions 3 and 6 held", func(t *testing.T) { check(t, 2, 5) })
	// Revision 3 walks from revision 6 down to its own version; the one
	// of revision 2 stays too (superseded in epoch 3).
	if got := chainLen(&v, 200); got != 5 {
		t.Errorf("with revision 3 held, record 200 has %d versions, want 5 (revisions 6 to 2)", got)
	}
	release(5)
	t.Run("revision 6 held", func(t *testing.T) { check(t, 5) })
	// What epoch 6 superseded (revision 5) stays until epoch 6 goes.
	if got := chainLen(&v, 200); got != 2 {
		t.Errorf("with revision 6 held, record 200 has %d versions, want 2 (revisions 6 and 5)", got)
	}
}

// TestLineageReleasesRevisions publishes revisions, drops every Index but
// the newest, and expects the collector to drop the versions of a record
// changed in every revision that only the released Indexes could read.
func TestLineageReleasesRevisions(t *testing.T) {
	s := Snapshot{
		Nodes: []Node{{Resource: Org("o")}, {Resource: Project("p"), Parent: Org("o")}},
		Users: []User{{ID: "u", Active: true}},
	}
	ix := Build(s, 1)
	held := ix
	sets := []Set{SetOf(ReadOnly), SetOf(Developer)}
	for rev := int64(2); rev < 4*epochRevs; rev++ {
		ix = ix.Apply(rev, []Change{SetGrant(UserP("u"), Project("p"), sets[rev%2])})
	}
	u, _ := ix.userIdx("u")
	if got := chainLen(&ix.users, u); got < 3*epochRevs {
		t.Fatalf("with revision 1 held, the user has %d versions, want every one", got)
	}
	if held.Check("u", ProjectServicesRead, Project("p")) {
		t.Fatal("revision 1 sees a later grant")
	}
	runtime.KeepAlive(held)
	held = nil
	runtime.GC()
	runtime.GC()
	if got := chainLen(&ix.users, u); got > epochRevs+1 {
		t.Fatalf("after release, the user has %d versions, want at most %d", got, epochRevs+1)
	}
	rev := ix.Revision() + 1
	ix = ix.Apply(rev, []Change{SetGrant(UserP("u"), Project("p"), SetOf(Admin))})
	if got := chainLen(&ix.users, u); got > epochRevs+1 {
		t.Fatalf("after release, the user has %d versions, want at most %d", got, epochRevs+1)
	}
	if !ix.Check("u", ProjectServicesWrite, Project("p")) {
		t.Fatalf("revision %d lost its grant", rev)
	}
}

// TestLineageReleasesLargeBatches publishes batches that each supersede
// more than epochVersions versions, holding only the newest Index: each
// batch then closes its epoch, and once collected a record changed by
// every batch keeps the versions of the last two at most, not those of
// every batch of a 64-revision epoch.
func TestLineageReleasesLargeBatches(t *testing.T) {
	s, users, projects, _ := heldWorld(epochVersions + 100)
	ix := Build(s, 1)
	sets := []Set{SetOf(ReadOnly), SetOf(Developer)}
	batch := make([]Change, len(users))
	const batches = 12
	for rev := int64(2); rev < 2+batches; rev++ {
		for k, u := range users {
			batch[k] = SetGrant(UserP(u), Project(projects[0]), sets[rev%2])
		}
		ix = ix.Apply(rev, batch)
	}
	runtime.GC()
	runtime.GC()
	u, _ := ix.userIdx(users[0])
	if got := chainLen(&ix.users, u); got > 2 {
		t.Fatalf("after %d batches of %d changes, the user keeps %d versions, want at most 2", batches, len(batch), got)
	}
	if got, want := ix.Effective(users[0], Project(projects[0])), sets[(1+batches)%2].Expand(); got != want {
		t.Fatalf("the newest revision answers %v, want %v", got, want)
	}
}

// TestHeldRevisionsSurviveTrimming publishes many revisions of a few
// records, holds a random selection of them for a while, and collects
// garbage often, so versions are dropped while
// revisions are held and released. Every held revision must keep
// answering as it did when it was published.
func TestHeldRevisionsSurviveTrimming(t *testing.T) {
	s, users, projects, answers := heldWorld(4)
	type heldIndex struct {
		ix   *Index
		want []Set
	}
	r := rand.New(rand.NewPCG(9, 9))
	sets := []Set{SetOf(ReadOnly), SetOf(Developer), SetOf(Admin), 0}
	e := NewEngine()
	if err := e.Load(s, 1); err != nil {
		t.Fatal(err)
	}
	var held []heldIndex
	verify := func(step int) {
		t.Helper()
		for _, h := range held {
			if got := answers(h.ix); !reflect.DeepEqual(got, h.want) {
				t.Fatalf("step %d: revision %d answers %v, published %v", step, h.ix.Revision(), got, h.want)
			}
		}
	}
	for step := range 3000 {
		rev := e.Revision() + 1
		var batch []Change
		for range 1 + r.IntN(3) {
			batch = append(batch, SetGrant(UserP(pick(r, users)), Project(pick(r, projects)), pick(r, sets)))
		}
		if err := e.Apply(rev, batch); err != nil {
			t.Fatal(err)
		}
		if r.IntN(10) == 0 {
			ix := e.Index()
			held = append(held, heldIndex{ix, answers(ix)})
		}
		if len(held) > 0 && r.IntN(16) == 0 {
			k := r.IntN(len(held))
			held = append(held[:k], held[k+1:]...)
		}
		if step%100 == 99 {
			runtime.GC()
			verify(step)
		}
	}
	verify(3000)
	held = nil
	runtime.GC()
	runtime.GC()
	ix := e.Index()
	for _, u := range users {
		i, _ := ix.userIdx(u)
		if got := chainLen(&ix.users, i); got > epochRevs+1 {
			t.Fatalf("user %s keeps %d versions after every older revision was released, want at most %d", u, got, epochRevs+1)
		}
	}
}

// heldWorld is an organization with n active users and n projects, and
// answers lists every user's effective permissions on every project: what
// a held revision must keep answering.
func heldWorld(n int) (s Snapshot, users, projects []string, answers func(*Index) []Set) {
	s = Snapshot{Nodes: []Node{{Resource: Org("o")}}}
	for i := range n {
		u, p := fmt.Sprintf("u%d", i), fmt.Sprintf("p%d", i)
		users, projects = append(users, u), append(projects, p)
		s.Users = append(s.Users, User{ID: u, Active: true})
		s.Nodes = append(s.Nodes, Node{Resource: Project(p), Parent: Org("o")})
	}
	answers = func(ix *Index) []Set {
		var out []Set
		for _, u := range users {
			for _, p := range projects {
				out = append(out, ix.Effective(u, Project(p)))
			}
		}
		return out
	}
	return s, users, projects, answers
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// TestHeldRevisionsUnderConcurrentWrites has readers hold Indexes for a
// while and re-read them while the writer publishes revisions and the
// collector runs: a held Index must keep answering as when it was
// published, whatever was superseded and dropped meanwhile (run with
// -race).
func TestHeldRevisionsUnderConcurrentWrites(t *testing.T) {
	s, users, projects, answers := heldWorld(3)
	e := NewEngine()
	if err := e.Load(s, 1); err != nil {
		t.Fatal(err)
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	for g := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 5))
			for !stop.Load() {
				ix := e.Index()
				want := answers(ix)
				// Hold it across a few of the writer's revisions.
				for range 1 + r.IntN(50) {
					runtime.Gosched()
				}
				if got := answers(ix); !reflect.DeepEqual(got, want) {
					t.Errorf("revision %d answers %v, first %v", ix.Revision(), got, want)
					return
				}
			}
		}()
	}
	r := rand.New(rand.NewPCG(8, 8))
	sets := []Set{SetOf(ReadOnly), SetOf(Developer), SetOf(Admin), 0}
	for rev := int64(2); rev < 3*epochRevs*10; rev++ {
		c := SetGrant(UserP(pick(r, users)), Project(pick(r, projects)), pick(r, sets))
		if err := e.Apply(rev, []Change{c}); err != nil {
			t.Fatal(err)
		}
		if rev%100 == 0 {
			runtime.GC()
		}
	}
	stop.Store(true)
	wg.Wait()
}

// TestLineageEditsAreUnique draws edit tokens across several blocks: an
// Apply may change in place only what its own token allocated, so no two
// Applies may share one.
func TestLineageEditsAreUnique(t *testing.T) {
	lin := newLineage(1)
	seen := map[*edit]int{}
	for i := range 200 {
		e := lin.newEdit()
		if j, dup := seen[e]; dup {
			t.Fatalf("token %d is token %d again", i, j)
		}
		seen[e] = i
	}
}

// TestVvecMutAll writes records of each kind with mutAll (a base record,
// a record versioned in an earlier revision, one already replaced in the
// revision being written, one pushed by it) and checks that the new
// revision reads the writes, the older ones do not, and the new versions
// share one allocation.
func TestVvecMutAll(t *testing.T) {
	lin := newLineage(1)
	var v vvec[int]
	v.begin(1, lin)
	for i := range 200 {
		*v.mut(v.push()) = i
	}
	lin.newEpoch(1)
	v1 := v
	v.begin(2, lin)
	*v.mut(3) = -2
	v2 := v
	v.begin(3, lin)
	*v.mut(7) = -3
	pushed := v.push()
	*v.mut(pushed) = 500
	v.mutAll([]int32{3, 7, 10, pushed, 150}, func(_ int, x *int) { *x += 1000 })
	tests := []struct {
		name string
		v    vvec[int]
		want map[int32]int
	}{
		{"revision 1", v1, map[int32]int{3: 3, 7: 7, 10: 10, 150: 150}},
		{"revision 2", v2, map[int32]int{3: -2, 7: 7, 10: 10, 150: 150}},
		{"revision 3", v, map[int32]int{3: 998, 7: 997, 10: 1010, 150: 1150, pushed: 1500}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for i, want := range tc.want {
				if got := *tc.v.at(i); got != want {
					t.Errorf("at(%d) = %d, want %d", i, got, want)
				}
			}
		})
	}
	// Records 3, 10 and 150 got new versions, in that order, side by side;
	// base records replaced by a later revision take one allocation.
	step := unsafe.Sizeof(version[int]{})
	a, b, c := uintptr(unsafe.Pointer(v.at(3))), uintptr(unsafe.Pointer(v.at(10))), uintptr(unsafe.Pointer(v.at(150)))
	if b-a != step || c-b != step {
		t.Errorf("versions at %#x, %#x, %#x: not one block of %d-byte versions", a, b, c, step)
	}
	rev := int64(3)
	is := make([]int32, 10)
	allocs := testing.AllocsPerRun(10, func() {
		rev++
		v.begin(rev, lin)
		for j := range is {
			is[j] = int32(rev*10 + int64(j))
		}
		v.mutAll(is, func(k int, x *int) { *x = -k })
	})
	if allocs != 1 {
		t.Errorf("mutAll of %d base records: %v allocations, want 1", len(is), allocs)
	}
}
