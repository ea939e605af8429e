package authz_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	. "github.com/gatehouse-dev/gatehouse/internal/authz"
)

// world draws random changes over deliberately small ID spaces, so that
// revivals, moves onto existing nodes, cycles, dangling references and
// repeated grants all happen often.
type world struct {
	r *rand.Rand
}

// The last ID of most kinds is too long to be stored inline in the check
// path's records, so their fallback to the full record is compared too.
var (
	long      = "-" + strings.Repeat("x", 60)
	wOrgs     = []string{"o0", "o1" + long}
	wUnits    = []string{"u0", "u1", "u2", "u3", "u4", "u5" + long}
	wProjects = []string{"p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7" + long}
	wServices = []string{"s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9" + long}
	wUsers    = []string{"a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7" + long}
	wGroups   = []string{"g0", "g1", "g2", "g3"}
	allPerms  = func() []Permission {
		var ps []Permission
		for _, in := range Catalogue() {
			ps = append(ps, in.Perm)
		}
		return ps
	}()
	grantable = func() []Permission {
		var ps []Permission
		for _, in := range Catalogue() {
			if in.Grantable() {
				ps = append(ps, in.Perm)
			}
		}
		return ps
	}()
)

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

func (w world) resource(k Kind) Resource {
	switch k {
	case KindOrganization:
		return Org(pick(w.r, wOrgs))
	case KindUnit:
		return Unit(pick(w.r, wUnits))
	case KindProject:
		return Project(pick(w.r, wProjects))
	default:
		return Service(pick(w.r, wServices))
	}
}

func (w world) anyResource() Resource { return w.resource(Kind(1 + w.r.IntN(4))) }

// parentFor usually returns a plausible parent kind, sometimes a wrong one.
func (w world) parentFor(k Kind) Resource {
	if w.r.IntN(20) == 0 {
		return w.anyResource()
	}
	switch k {
	case KindUnit, KindProject:
		if w.r.IntN(3) == 0 {
			return w.resource(KindOrganization)
		}
		return w.resource(KindUnit)
	case KindService:
		return w.resource(KindProject)
	}
	return Resource{}
}

func (w world) set() Set {
	switch n := w.r.IntN(20); {
	case n == 0:
		return 0 // removes the grant
	case n == 1:
		return SetOf(OrganizationSuperAdmin) // not grantable: skipped
	case n < 8:
		return SetOf(pick(w.r, []Permission{Admin, Operator, Developer, ReadOnly, RoleProjectRead, RoleProjectAdmin, RoleOrganizationAdmin}))
	default:
		var s Set
		for range 1 + w.r.IntN(3) {
			s = s.With(pick(w.r, grantable))
		}
		return s
	}
}

func (w world) principal() Principal {
	if w.r.IntN(3) == 0 {
		return GroupP(pick(w.r, wGroups))
	}
	return UserP(pick(w.r, wUsers))
}

func (w world) change() Change {
	r := w.r
	switch n := r.IntN(100); {
	case n < 22:
		k := Kind(1 + r.IntN(4))
		return UpsertNode(w.resource(k), w.parentFor(k))
	case n < 25:
		return DeleteNode(w.anyResource())
	case n < 33:
		return SetUser(pick(r, wUsers), r.IntN(7) != 0)
	case n < 34:
		return DeleteUser(pick(r, wUsers))
	case n < 38:
		return UpsertGroup(pick(r, wGroups), pick(r, wOrgs))
	case n < 39:
		return DeleteGroup(pick(r, wGroups))
	case n < 48:
		return AddMember(pick(r, wGroups), pick(r, wUsers))
	case n < 51:
		return RemoveMember(pick(r, wGroups), pick(r, wUsers))
	case n < 97:
		return SetGrant(w.principal(), w.anyResource(), w.set())
	default:
		return SetSuperAdmin(pick(r, wOrgs), pick(r, wUsers), r.IntN(3) != 0)
	}
}

// genesis populates a consistent world (every ID alive, plausible
// parents), so that random changes then mostly hit live entities and many
// checks are allowed.
func (w world) genesis() []Change {
	r := w.r
	var cs []Change
	for _, o := range wOrgs {
		cs = append(cs, UpsertNode(Org(o), Resource{}))
	}
	for i, u := range wUnits {
		parent := Org(pick(r, wOrgs))
		if i > 0 && r.IntN(2) == 0 {
			parent = Unit(wUnits[r.IntN(i)])
		}
		cs = append(cs, UpsertNode(Unit(u), parent))
	}
	for _, p := range wProjects {
		cs = append(cs, UpsertNode(Project(p), w.parentFor(KindProject)))
	}
	for _, s := range wServices {
		cs = append(cs, UpsertNode(Service(s), Project(pick(r, wProjects))))
	}
	for _, u := range wUsers {
		cs = append(cs, SetUser(u, r.IntN(8) != 0))
	}
	for _, g := range wGroups {
		cs = append(cs, UpsertGroup(g, pick(r, wOrgs)))
		for _, u := range wUsers {
			if r.IntN(3) == 0 {
				cs = append(cs, AddMember(g, u))
			}
		}
	}
	for range 20 {
		cs = append(cs, SetGrant(w.principal(), w.anyResource(), w.set()))
	}
	return cs
}

// everyResource lists all IDs the world can name, plus one never used.
func everyResource() []Resource {
	var out []Resource
	for _, id := range wOrgs {
		out = append(out, Org(id))
	}
	for _, id := range wUnits {
		out = append(out, Unit(id))
	}
	for _, id := range wProjects {
		out = append(out, Project(id))
	}
	for _, id := range wServices {
		out = append(out, Service(id))
	}
	return append(out, Project("nope"), Resource{Kind: 9, ID: "p0"})
}

var allowedChecks atomic.Int64

var everyUser = append(slices.Clone(wUsers), "nobody")

// compare checks every (user, resource, permission) triple of the world
// against the oracle and returns the number of checks made.
func compare(t *testing.T, ix *Index, m *ref, label string) int {
	t.Helper()
	n := 0
	for _, u := range everyUser {
		for _, res := range everyResource() {
			want := m.effective(u, res)
			if got := ix.Effective(u, res); got != want {
				t.Fatalf("%s: Effective(%s, %v) = %v, want %v", label, u, res, got, want)
			}
			for _, p := range allPerms {
				n++
				if want.Has(p) {
					allowedChecks.Add(1)
				}
				if got := ix.Check(u, p, res); got != want.Has(p) {
					t.Fatalf("%s: Check(%s, %v, %v) = %v, want %v\n%+v", label, u, p, res, got, want.Has(p), ix.Explain(u, p, res))
				}
			}
			if ix.Check(u, 0, res) {
				t.Fatalf("%s: zero Permission allowed", label)
			}
		}
		// The same questions as one batch per user.
		var reqs []Requirement
		for _, res := range everyResource() {
			for _, p := range allPerms {
				reqs = append(reqs, Requirement{Need: SetOf(p), Resource: res})
			}
		}
		for i, got := range ix.CheckBatch(u, reqs, nil) {
			if want := m.effective(u, reqs[i].Resource)&reqs[i].Need != 0; got != want {
				t.Fatalf("%s: CheckBatch(%s)[%v on %v] = %v, want %v", label, u, reqs[i].Need, reqs[i].Resource, got, want)
			}
		}
	}
	return n
}

// compareLists checks Resources (through paging) and Principals for a
// random sample of questions.
func compareLists(t *testing.T, r *rand.Rand, ix *Index, m *ref, label string) {
	t.Helper()
	for range 4 {
		u, p, k := pick(r, everyUser), pick(r, allPerms), Kind(1+r.IntN(4))
		want := m.resources(u, p, k)
		var got []string
		limit := 1 + r.IntN(4)
		for cursor, pages := "", 0; ; pages++ {
			ids, next := ix.Resources(u, p, k, cursor, limit)
			got = append(got, ids...)
			if next == "" || pages > 100 {
				break
			}
			cursor = next
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%s: Resources(%s, %v, %v) = %v, want %v", label, u, p, k, got, want)
		}
		res := pick(r, everyResource())
		gu, gg := ix.Principals(res, p)
		wu, wg := m.principals(res, p)
		if !slices.Equal(gu, wu) || !slices.Equal(gg, wg) {
			t.Fatalf("%s: Principals(%v, %v) = %v %v, want %v %v", label, res, p, gu, gg, wu, wg)
		}
	}
}

func shuffled(r *rand.Rand, s Snapshot) Snapshot {
	r.Shuffle(len(s.Nodes), func(i, j int) { s.Nodes[i], s.Nodes[j] = s.Nodes[j], s.Nodes[i] })
	r.Shuffle(len(s.Grants), func(i, j int) { s.Grants[i], s.Grants[j] = s.Grants[j], s.Grants[i] })
	return s
}

// TestPropertyEngineMatchesReference is the main correctness net: random
// worlds, random change sequences applied incrementally, every answer
// compared with the naive oracle, the incremental index compared with a
// fresh Build of the same facts, and old revisions checked to be untouched
// by later Applies (copy-on-write). It makes over a million checks; -short
// makes a quarter of them.
func TestPropertyEngineMatchesReference(t *testing.T) {
	const steps = 13
	cases := 8 // 8 × 14 states × ~12k checks ≈ 1.3M checks
	if !fullProperty() {
		cases = 2
	}
	var total atomic.Int64
	t.Run("group", func(t *testing.T) {
		for c := range cases {
			t.Run(fmt.Sprintf("seed%d", c), func(t *testing.T) {
				t.Parallel()
				total.Add(int64(runProperty(t, uint64(c), steps)))
			})
		}
	})
	t.Logf("%d checks compared, %d of them allowed", total.Load(), allowedChecks.Load())
	if !t.Failed() && fullProperty() && total.Load() < 1_000_000 {
		t.Fatalf("only %d checks compared, want >= 1,000,000", total.Load())
	}
}

// fullProperty reports whether the property tests run at full size
// (over a million checks each): set GATEHOUSE_AUTHZ_PROPERTY=full. The
// default size keeps a race-enabled run of the package short; -short
// makes them smaller still.
func fullProperty() bool { return os.Getenv("GATEHOUSE_AUTHZ_PROPERTY") == "full" }

// propertySeeds is how many worlds the variant property tests run.
func propertySeeds() int {
	if fullProperty() {
		return 3
	}
	return 1
}

// TestPropertyInterleavedUpdates publishes random changes through an
// Engine, as a change-log follower does, one at a time or in batches of
// up to 64, and asks random questions between every two revisions: the
// incremental paths (records replaced, one revision published per batch)
// are where new bugs would hide. Each batch is checked to be published
// whole: a reader of the previous revision keeps its answers, the new one
// has all of the batch. The full run makes over a million random checks.
func TestPropertyInterleavedUpdates(t *testing.T) {
	const seeds, checksPerChange = 8, 48
	steps := 2700 // 8 × 2,700 × 48 ≈ 1.04M checks
	switch {
	case testing.Short():
		steps = 100
	case !fullProperty():
		steps = 500
	}
	var total atomic.Int64
	t.Run("group", func(t *testing.T) {
		for c := range seeds {
			t.Run(fmt.Sprintf("seed%d", c), func(t *testing.T) {
				t.Parallel()
				total.Add(int64(runInterleaved(t, uint64(5000+c), steps, checksPerChange)))
			})
		}
	})
	t.Logf("%d random checks interleaved with updates", total.Load())
	if !t.Failed() && fullProperty() && total.Load() < 1_000_000 {
		t.Fatalf("only %d checks, want >= 1,000,000", total.Load())
	}
}

func runInterleaved(t *testing.T, seed uint64, steps, perChange int) int {
	r := rand.New(rand.NewPCG(seed, 0x1e7e))
	w := world{r}
	m := newRef()
	e := NewEngine()
	rev := int64(1)
	genesis := w.genesis()
	for _, c := range genesis {
		m.apply(c)
	}
	e.Apply(rev, genesis) // some random grants do not fit: skipped by both
	checks := 0
	for step := range steps {
		// Mostly single changes; one step in eight a batch, published as
		// one revision.
		var batch []Change
		n := 1
		if r.IntN(8) == 0 {
			n = 2 + r.IntN(63)
		}
		prev, prevRef := e.Index(), m
		if n > 1 {
			prevRef = m.clone()
		}
		for range n {
			c := w.change()
			batch = append(batch, c)
			m.apply(c)
		}
		rev++
		e.Apply(rev, batch)
		ix := e.Index()
		if ix.Revision() != rev {
			t.Fatalf("seed %d step %d: revision %d, want %d", seed, step, ix.Revision(), rev)
		}
		label := fmt.Sprintf("seed %d step %d after %d change(s), the last %s", seed, step, n, batch[n-1].Op)
		for range perChange {
			u, res, p := pick(r, everyUser), pick(r, everyResource()), pick(r, allPerms)
			want := m.effective(u, res)
			if got := ix.Check(u, p, res); got != want.Has(p) {
				t.Fatalf("%s: Check(%s, %v, %v) = %v, want %v\n%+v",
					label, u, p, res, got, want.Has(p), ix.Explain(u, p, res))
			}
			checks++
			if n > 1 {
				// The revision before the batch answers as before it.
				if got, want := prev.Check(u, p, res), prevRef.effective(u, res).Has(p); got != want {
					t.Fatalf("%s: previous revision's Check(%s, %v, %v) = %v, want %v", label, u, p, res, got, want)
				}
				checks++
			}
		}
		if step%50 == 0 || n > 1 {
			compareLists(t, r, ix, m, label)
		}
	}
	want := m.snapshot()
	if got := e.Index().Snapshot(); !reflect.DeepEqual(got, want) {
		t.Fatalf("seed %d: facts after %d single changes differ from the oracle's", seed, steps)
	}
	return checks
}

// TestPropertyTrieGrants reruns the comparison with principals switching to
// the trie representation after two grants (and back below one), which
// the small worlds would otherwise never reach.
func TestPropertyTrieGrants(t *testing.T) {
	defer SetSmallGrants(2)()
	n := 0
	for c := range propertySeeds() {
		n += runProperty(t, uint64(1000+c), 10)
	}
	t.Logf("%d checks compared", n)
}

// TestPropertyNodeDeltas reruns the comparison with the grants on nodes
// (and children, members, ...) kept as a base and a delta from one entry
// on, and the delta folded after three changes, which the small worlds
// would otherwise never reach.
func TestPropertyNodeDeltas(t *testing.T) {
	defer SetDeltaLimits(1, 3)()
	n := 0
	for c := range propertySeeds() {
		n += runProperty(t, uint64(3000+c), 10)
	}
	t.Logf("%d checks compared", n)
}

// TestPropertySpilled reruns the comparison with the check path's inline
// limits at one group and one grant, so most users take the spilled path
// to their full record, and users move between the two as they change.
func TestPropertySpilled(t *testing.T) {
	defer SetInlineLimits(1, 1)()
	n := 0
	for c := range propertySeeds() {
		n += runProperty(t, uint64(2000+c), 10)
	}
	t.Logf("%d checks compared", n)
}

// TestPropertyListingStrategies reruns the comparison with Resources
// forced into each of its strategies, which the small worlds would
// otherwise rarely leave: scans testing every node as Check does, scans
// over the marked grants, and walks that give up half-way.
func TestPropertyListingStrategies(t *testing.T) {
	tests := []struct {
		name                   string
		maxHeld, budget, ratio int
	}{
		{"scan by check", -1, 0, 0},
		{"scan over marks", -1, 0, 1 << 20},
		{"walk gives up", 1 << 20, 3, 1 << 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer SetListingLimits(tc.maxHeld, tc.budget, tc.ratio)()
			for c := range propertySeeds() {
				runProperty(t, uint64(3000+c), 10)
			}
		})
	}
}

// TestDictionaryRebuild adds enough IDs one revision at a time to force
// the dictionaries' overlay to be folded into new tables several times.
func TestDictionaryRebuild(t *testing.T) {
	ix := Build(Snapshot{Nodes: []Node{{Resource: Org("o")}}}, 1)
	for i := range 3000 {
		ix = ix.Apply(int64(i+2), []Change{
			SetUser(fmt.Sprintf("u%d", i), true),
			UpsertNode(Project(fmt.Sprintf("p%d", i)), Org("o")),
			SetGrant(UserP(fmt.Sprintf("u%d", i)), Project(fmt.Sprintf("p%d", i)), SetOf(ReadOnly)),
		})
	}
	for i := range 3000 {
		u, p := fmt.Sprintf("u%d", i), fmt.Sprintf("p%d", i)
		if !ix.Check(u, ProjectServicesRead, Project(p)) {
			t.Fatalf("%s lost access to %s", u, p)
		}
		if ix.Check(u, ProjectServicesRead, Project(fmt.Sprintf("p%d", (i+1)%3000))) {
			t.Fatalf("%s reaches a neighbour's project", u)
		}
	}
	if ix.Check("u3000", ProjectServicesRead, Project("p1")) {
		t.Fatal("unknown user allowed")
	}
}

func runProperty(t *testing.T, seed uint64, steps int) int {
	r := rand.New(rand.NewPCG(seed, 0x9a7e))
	w := world{r}
	m := newRef()
	for _, c := range w.genesis() {
		m.apply(c)
	}
	for range 60 + r.IntN(60) {
		m.apply(w.change())
	}
	ix, err := BuildChecked(shuffled(r, m.snapshot()), 1)
	if err != nil {
		t.Fatalf("seed %d: Build of a consistent snapshot reported: %v", seed, err)
	}
	checks := compare(t, ix, m, fmt.Sprintf("seed %d build", seed))
	rev := int64(1)
	for step := range steps {
		label := fmt.Sprintf("seed %d step %d", seed, step)
		prev, prevSnap, prevRef := ix, ix.Snapshot(), m.clone()
		var batch []Change
		for range 1 + r.IntN(12) {
			c := w.change()
			batch = append(batch, c)
			m.apply(c)
		}
		rev++
		ix = ix.Apply(rev, batch)
		if ix.Revision() != rev {
			t.Fatalf("%s: revision %d, want %d", label, ix.Revision(), rev)
		}
		// Replaying an old revision is a no-op.
		if again := ix.Apply(rev, []Change{DeleteUser("a0"), DeleteNode(Org("o0"))}); again != ix {
			t.Fatalf("%s: replay of revision %d changed the index", label, rev)
		}
		checks += compare(t, ix, m, label)
		compareLists(t, r, ix, m, label)

		// Copy-on-write: the previous revision still answers as before.
		if got := prev.Snapshot(); !reflect.DeepEqual(got, prevSnap) {
			t.Fatalf("%s: previous revision was modified by Apply", label)
		}
		if step%4 == 0 {
			checks += compare(t, prev, prevRef, label+" (previous revision)")
		}

		// Incremental == rebuilt from the same facts.
		want := m.snapshot()
		if got := ix.Snapshot(); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: incremental facts differ from the oracle's\n got %+v\nwant %+v", label, got, want)
		}
		fresh := Build(shuffled(r, m.snapshot()), rev)
		if !reflect.DeepEqual(fresh.Snapshot(), want) {
			t.Fatalf("%s: rebuilt facts differ from the oracle's", label)
		}
		if fresh.Stats() != ix.Stats() {
			t.Fatalf("%s: stats incremental %+v, rebuilt %+v", label, ix.Stats(), fresh.Stats())
		}
		for range 200 {
			u, res := pick(r, everyUser), pick(r, everyResource())
			need := SetOf(pick(r, allPerms), pick(r, allPerms))
			if a, b := ix.CheckAny(u, need, res), fresh.CheckAny(u, need, res); a != b || a != (m.effective(u, res)&need != 0) {
				t.Fatalf("%s: CheckAny(%s, %v, %v) incremental %v rebuilt %v", label, u, need, res, a, b)
			}
			checks++
		}
	}
	return checks
}
