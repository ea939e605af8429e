package authz

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
	"testing"
	"time"
)

// chainLen counts the versions of record i, newest first.
func chainLen[T any](p *vvec[T], i int32) int {
	c, off := p.slot(i)
	n := 0
	for v := c.head(off); v != nil; v = v.older() {
		n++
	}
	return n
}

// TestVvecRevisions writes a vector over several revisions (in place for
// records pushed by the same revision, by versions otherwise) and checks
// that every view keeps reading its own revision, before and after the
// chains are trimmed to what the oldest view needs.
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
		want func(i int) int
		n    int
	}
	views := []view{{v, func(i int) int { return i }, n}}
	changed := []int32{0, vchunkMin - 1, vchunkMin, 200, n - 1}
	for rev := int64(2); rev <= 6; rev++ {
		v.begin(rev, lin)
		for _, i := range changed {
			*v.mut(i) = -int(rev)
			*v.mut(i) -= 1000 // a second write in the same revision is in place
		}
		*v.mut(v.push()) = int(rev) * 10
		lin.latest = rev
		r := rev
		views = append(views, view{v, func(i int) int {
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
	check := func(t *testing.T, from int) {
		t.Helper()
		for k, tc := range views[from:] {
			if tc.v.Len() != tc.n {
				t.Fatalf("view %d: Len = %d, want %d", from+k, tc.v.Len(), tc.n)
			}
			for i := range tc.n {
				if got := *tc.v.at(int32(i)); got != tc.want(i) {
					t.Fatalf("view %d (revision %d): at(%d) = %d, want %d", from+k, tc.v.rev, i, got, tc.want(i))
				}
			}
		}
	}
	t.Run("every view", func(t *testing.T) { check(t, 0) })
	if got := chainLen(&v, 200); got != 5 {
		t.Fatalf("record 200 has %d versions, want 5", got)
	}
	if got := len(v.w.pending); got != len(changed) {
		t.Fatalf("%d chains pending, want %d", got, len(changed))
	}
	// Revisions below 6 released: a write over a version at or below 6
	// drops what is below that version.
	lin.minLive.Store(6)
	v.begin(7, lin)
	*v.mut(200) = 7
	lin.latest = 7
	if got := chainLen(&v, 200); got != 2 { // revisions 7 and 6
		t.Fatalf("after a write at minLive 6: %d versions, want 2", got)
	}
	t.Run("live views after a trim", func(t *testing.T) { check(t, 5) })
	// A sweep trims the chains that were not written again.
	v.w.pending = append(v.w.pending, 0, 0) // duplicates are allowed
	v.sweep()
	if got := len(v.w.pending); got != 1 {
		t.Errorf("%d chains pending after the sweep, want 1 (record 200)", got)
	}
	for _, i := range changed {
		want := 1 // revision 6
		if i == 200 {
			want = 2 // revisions 7 and 6
		}
		if got := chainLen(&v, i); got != want {
			t.Errorf("record %d after a sweep at minLive 6: %d versions, want %d", i, got, want)
		}
	}
	t.Run("live views after a sweep", func(t *testing.T) { check(t, 5) })
}

// TestLineageReleasesRevisions publishes revisions, drops every Index but
// the newest, and expects the collector's cleanups to raise the oldest
// live revision, so that the next sweep trims the chain of a record
// changed in every revision.
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
	lin := ix.lin
	deadline := time.Now().Add(10 * time.Second)
	for lin.minLive.Load() < ix.ep.first && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	if got := lin.minLive.Load(); got < ix.ep.first {
		t.Fatalf("oldest live revision %d, want at least %d (the live epoch's first)", got, ix.ep.first)
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

// TestHeldRevisionsSurviveTrimming publishes many revisions of a few
// records, holds a random selection of them for a while, and collects
// garbage often, so chains are trimmed while
// revisions are held and released. Every held revision must keep
// answering as it did when it was published.
func TestHeldRevisionsSurviveTrimming(t *testing.T) {
	s := Snapshot{Nodes: []Node{{Resource: Org("o")}}}
	var users, projects []string
	for i := range 4 {
		u, p := fmt.Sprintf("u%d", i), fmt.Sprintf("p%d", i)
		users, projects = append(users, u), append(projects, p)
		s.Users = append(s.Users, User{ID: u, Active: true})
		s.Nodes = append(s.Nodes, Node{Resource: Project(p), Parent: Org("o")})
	}
	answers := func(ix *Index) []Set {
		var out []Set
		for _, u := range users {
			for _, p := range projects {
				out = append(out, ix.Effective(u, Project(p)))
			}
		}
		return out
	}
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
	if min := e.Index().lin.minLive.Load(); min <= 1 {
		t.Fatalf("oldest live revision still %d after releasing revisions", min)
	}
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

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
