package authz_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/authz/authztest"
)

// The large dataset takes seconds to generate and index, so benchmarks
// share one copy, built on first use (never during plain `go test`).
//
// Once indexed, the dataset's snapshot is dropped and its grants kept as
// grantRefs: a million Grant structs are two million string pointers
// that every garbage collection during a benchmark would mark, work that
// belongs to the harness (a server does not hold its snapshot), not to
// the engine. The grants read back identical, in the same order, so the
// benchmarks draw the same questions and changes as before.
var large struct {
	once   sync.Once
	d      *authztest.Dataset
	ix     *Index
	grants []grantRef
}

// grantRef is a grant of a dataset without pointers: its principal and
// resource as positions in the dataset's ID lists.
type grantRef struct {
	perms Set
	p, r  int32
	pkind PrincipalKind
	rkind Kind
}

// kindIDs lists a dataset's node IDs of kind k, in the dataset's order.
func kindIDs(d *authztest.Dataset, k Kind) []string {
	switch k {
	case KindOrganization:
		return []string{d.Org}
	case KindUnit:
		return d.Units
	case KindProject:
		return d.Projects
	case KindService:
		return d.Services
	}
	return nil
}

func principalIDs(d *authztest.Dataset, k PrincipalKind) []string {
	if k == PrincipalGroup {
		return d.Groups
	}
	return d.Users
}

// grantRefs converts d's grants, checking that each one reads back equal.
func grantRefs(d *authztest.Dataset) []grantRef {
	pos := map[string]int32{}
	index := func(ids []string) {
		clear(pos)
		for i, id := range ids {
			pos[id] = int32(i)
		}
	}
	refs := make([]grantRef, len(d.Snapshot.Grants))
	for _, pk := range []PrincipalKind{PrincipalUser, PrincipalGroup} {
		index(principalIDs(d, pk))
		for i, g := range d.Snapshot.Grants {
			if g.Principal.Kind == pk {
				refs[i].pkind, refs[i].p, refs[i].perms = pk, pos[g.Principal.ID], g.Perms
			}
		}
	}
	for _, k := range []Kind{KindOrganization, KindUnit, KindProject, KindService} {
		index(kindIDs(d, k))
		for i, g := range d.Snapshot.Grants {
			if g.Resource.Kind == k {
				refs[i].rkind, refs[i].r = k, pos[g.Resource.ID]
			}
		}
	}
	for i, g := range d.Snapshot.Grants {
		if refs[i].grant(d) != g {
			panic("grantRefs: grant " + g.Principal.ID + " on " + g.Resource.ID + " does not read back")
		}
	}
	return refs
}

func (g grantRef) grant(d *authztest.Dataset) Grant {
	return Grant{
		Principal: Principal{Kind: g.pkind, ID: principalIDs(d, g.pkind)[g.p]},
		Resource:  Resource{Kind: g.rkind, ID: kindIDs(d, g.rkind)[g.r]},
		Perms:     g.perms,
	}
}

// publishLarge makes ix the shared large index: the update benchmarks
// chain their revisions from the newest one, as the Engine does (an Apply
// to an older revision copies the whole index first), and later
// benchmarks read the newest one.
func publishLarge(ix *Index) { large.ix = ix }

func largeIndex(b *testing.B) (*authztest.Dataset, *Index) {
	b.Helper()
	large.once.Do(func() {
		large.d = authztest.Generate(authztest.Large())
		large.ix = Build(large.d.Snapshot, 1)
		large.grants = grantRefs(large.d)
		large.d.Snapshot = Snapshot{}
		// Finish the collection cycles the build started, so that the
		// first benchmark does not share the CPUs with GC mark workers.
		runtime.GC()
		runtime.GC()
	})
	return large.d, large.ix
}

type query struct {
	user string
	perm Permission
	res  Resource
}

// checkQueries mixes targeted questions (a resource the user, or one of its
// groups, holds a grant on, or a service below it) with random ones, so a
// good share are allowed and every path length is exercised.
func checkQueries(d *authztest.Dataset, grants []grantRef, n int) []query {
	r := rand.New(rand.NewPCG(7, 7))
	perms := []Permission{ProjectServicesRead, ProjectServicesWrite, ServiceDataWrite, ServiceLogsRead, ServiceSecretsRead, ProjectPermissionsRead}
	qs := make([]query, n)
	for i := range qs {
		q := query{perm: pick(r, perms)}
		if r.IntN(2) == 0 {
			g := pick(r, grants).grant(d)
			for g.Principal.Kind != PrincipalUser {
				g = pick(r, grants).grant(d)
			}
			q.user, q.res = g.Principal.ID, g.Resource
			if q.res.Kind == KindProject && r.IntN(2) == 0 {
				q.res = Service(q.res.ID[len("prj-"):])
				q.res = Service("svc-" + q.res.ID + "-0")
			}
		} else {
			q.user = pick(r, d.Users)
			switch r.IntN(3) {
			case 0:
				q.res = Project(pick(r, d.Projects))
			default:
				q.res = Service(pick(r, d.Services))
			}
		}
		qs[i] = q
	}
	return compactIDs(qs)
}

// compactIDs copies the queries' IDs next to each other, in query order.
// A server checks IDs it has just decoded from a request, so they are in
// cache; the dataset's own strings are spread over a heap of several
// hundred megabytes, and reading them would add a cache miss per ID that
// belongs to the benchmark, not to the engine.
func compactIDs(qs []query) []query {
	var b strings.Builder
	for _, q := range qs {
		b.WriteString(q.user)
		b.WriteString(q.res.ID)
	}
	all, off := b.String(), 0
	for i := range qs {
		q := &qs[i]
		q.user, off = all[off:off+len(q.user)], off+len(q.user)
		q.res.ID, off = all[off:off+len(q.res.ID)], off+len(q.res.ID)
	}
	return qs
}

func BenchmarkCheck(b *testing.B) {
	d, ix := largeIndex(b)
	qs := checkQueries(d, large.grants, 1<<16)
	allowed := 0
	for _, q := range qs {
		if ix.Check(q.user, q.perm, q.res) {
			allowed++
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		q := &qs[i&(len(qs)-1)]
		ix.Check(q.user, q.perm, q.res)
	}
	b.ReportMetric(float64(allowed)/float64(len(qs))*100, "%allowed")
}

// BenchmarkCheckLatency times every call to report the distribution. The
// figures include the clock reads (~20-40 ns per call on this kind of VM).
func BenchmarkCheckLatency(b *testing.B) {
	d, ix := largeIndex(b)
	qs := checkQueries(d, large.grants, 1<<16)
	lat := make([]time.Duration, 0, 1<<20)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		q := &qs[i&(len(qs)-1)]
		t0 := time.Now()
		ix.Check(q.user, q.perm, q.res)
		if len(lat) < cap(lat) {
			lat = append(lat, time.Since(t0))
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
		b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
		b.ReportMetric(float64(lat[len(lat)*999/1000].Nanoseconds()), "p99.9-ns")
		mid, tail := spinTail(lat[len(lat)/2], len(lat))
		b.ReportMetric(float64(mid.Nanoseconds()), "spin-p50-ns")
		b.ReportMetric(float64(tail.Nanoseconds()), "spin-p99.9-ns")
	}
}

// spinTail times n calls of arithmetic that take about median each, the
// way CheckLatency times checks, and returns their median and p99.9. On a
// virtual machine the clock reads and the host's interruptions alone give
// any few hundred nanoseconds of work a tail of microseconds; reported
// beside a check's p99.9, it says which part of that tail is the check's.
func spinTail(median time.Duration, n int) (p50, p999 time.Duration) {
	const calib = 1 << 20
	x := uint64(1)
	t0 := time.Now()
	x = spin(x, calib)
	perIter := float64(time.Since(t0).Nanoseconds()) / calib
	iters := max(1, int(float64(median.Nanoseconds())/perIter))
	lat := make([]time.Duration, n)
	for i := range lat {
		t0 := time.Now()
		x = spin(x, iters)
		lat[i] = time.Since(t0)
	}
	if x == 0 {
		panic("unreachable: the spin's state is odd") // keeps the spin
	}
	slices.Sort(lat)
	return lat[n/2], lat[n*999/1000]
}

// spin is a chain of dependent multiply-adds the compiler cannot drop.
//
//go:noinline
func spin(x uint64, n int) uint64 {
	for range n {
		x = x*6364136223846793005 + 1442695040888963407
	}
	return x | 1
}

func BenchmarkCheckParallel(b *testing.B) {
	d, ix := largeIndex(b)
	qs := checkQueries(d, large.grants, 1<<16)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			q := &qs[i&(len(qs)-1)]
			ix.Check(q.user, q.perm, q.res)
		}
	})
}

func BenchmarkExplainPowerUser(b *testing.B) {
	d, ix := largeIndex(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		p := d.PowerProjects[i%len(d.PowerProjects)]
		ix.Explain(d.PowerUser, ServiceDataWrite, Service("svc-"+p[len("prj-"):]+"-1"))
	}
}

func BenchmarkResourcesPowerUser(b *testing.B) {
	d, ix := largeIndex(b)
	if ids, _ := ix.Resources(d.PowerUser, ProjectServicesRead, KindProject, "", 0); len(ids) < 9_000 {
		b.Fatalf("power user reaches only %d projects", len(ids))
	}
	b.Run("projects/first-page-100", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ix.Resources(d.PowerUser, ProjectServicesRead, KindProject, "", 100)
		}
	})
	b.Run("projects/mid-cursor-100", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ix.Resources(d.PowerUser, ProjectServicesRead, KindProject, "prj-05000", 100)
		}
	})
	b.Run("projects/all", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ix.Resources(d.PowerUser, ProjectServicesRead, KindProject, "", 0)
		}
	})
	b.Run("services/first-page-100", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ix.Resources(d.PowerUser, ProjectServicesRead, KindService, "", 100)
		}
	})
}

func BenchmarkResourcesOrgAdmin(b *testing.B) {
	d, ix := largeIndex(b)
	admin := ""
	for _, g := range large.grants {
		if g.perms.Has(RoleOrganizationAdmin) {
			admin = g.grant(d).Principal.ID
			break
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		ix.Resources(admin, ProjectServicesWrite, KindProject, "", 100)
	}
}

func BenchmarkPrincipals(b *testing.B) {
	d, ix := largeIndex(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		ix.Principals(Project(d.Projects[i%len(d.Projects)]), ServiceDataWrite)
	}
}

// BenchmarkBuild indexes the large dataset and reports retained heap per
// grant (everything the Index holds, hierarchy and ID maps included,
// divided by the number of grants).
func BenchmarkBuild(b *testing.B) {
	d := authztest.Generate(authztest.Large())
	var ms runtime.MemStats
	var perGrant float64
	for b.Loop() {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		before := ms.HeapAlloc
		ix := Build(d.Snapshot, 1)
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&ms)
		perGrant = float64(ms.HeapAlloc-before) / float64(ix.Stats().Grants)
		if st := ix.Stats(); st.Grants != len(d.Snapshot.Grants) {
			b.Fatalf("indexed %d grants of %d", st.Grants, len(d.Snapshot.Grants))
		}
		runtime.KeepAlive(ix)
		b.StartTimer()
	}
	b.ReportMetric(perGrant, "B/grant")
	b.ReportMetric(float64(len(d.Snapshot.Grants)), "grants")
}

// BenchmarkApplyGrant applies one grant change per revision, chaining
// revisions as the Engine does.
func BenchmarkApplyGrant(b *testing.B) {
	d, ix := largeIndex(b)
	large.ix = nil // an Engine holds only its newest Index
	r := rand.New(rand.NewPCG(3, 3))
	sets := []Set{SetOf(ReadOnly), SetOf(Developer), SetOf(Admin), 0}
	changes := make([]Change, 4096)
	for i := range changes {
		changes[i] = SetGrant(UserP(pick(r, d.Users)), Project(pick(r, d.Projects)), pick(r, sets))
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		ix = ix.Apply(ix.Revision()+1, changes[i&4095:i&4095+1])
	}
	publishLarge(ix)
}

func BenchmarkApplyMoveProject(b *testing.B) {
	d, ix := largeIndex(b)
	large.ix = nil // an Engine holds only its newest Index
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		// Shift the unit every round over the projects so that no move is a
		// no-op (same parent).
		unit := d.Units[(i+i/len(d.Projects))%len(d.Units)]
		ix = ix.Apply(ix.Revision()+1, []Change{UpsertNode(Project(d.Projects[i%len(d.Projects)]), Unit(unit))})
	}
	publishLarge(ix)
}

// BenchmarkMemoryLatency chases pointers through a random cyclic
// permutation of 64-byte lines: each load's address is the previous
// load's value, so the loads cannot overlap and ns/load is the machine's
// latency at that working set. A check on a large index is a few such
// dependent rounds, so its latency is bounded by these figures. The
// lines are on transparent huge pages, as the engine's large arrays are;
// the 4KB case shows what a TLB miss adds on top.
func BenchmarkMemoryLatency(b *testing.B) {
	type line struct {
		next uint32
		_    [60]byte
	}
	for _, tc := range []struct {
		mb   int
		huge bool
	}{{2, true}, {8, true}, {32, true}, {256, true}, {256, false}} {
		name := fmt.Sprintf("%dMB", tc.mb)
		if !tc.huge {
			name += "-4KB"
		}
		b.Run(name, func(b *testing.B) {
			n := tc.mb << 20 / 64
			var lines []line
			if tc.huge {
				lines = HugeSlice[line](n)
			} else {
				lines = make([]line, n)
			}
			// Sattolo's shuffle: one cycle through every line.
			perm := make([]uint32, n)
			for i := range perm {
				perm[i] = uint32(i)
			}
			r := rand.New(rand.NewPCG(1, 1))
			for i := n - 1; i > 0; i-- {
				j := r.IntN(i)
				perm[i], perm[j] = perm[j], perm[i]
			}
			for i, p := range perm {
				lines[p].next = perm[(i+1)%n]
			}
			const chase = 1024
			p := uint32(0)
			for range n { // once round the cycle: caches and TLB warm
				p = lines[p].next
			}
			for b.Loop() {
				for range chase {
					p = lines[p].next
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*chase), "ns/load")
			b.ReportMetric(0, "ns/op")
			if p == ^uint32(0) {
				b.Log(p) // keeps the chase
			}
		})
	}
}

// BenchmarkCheckHot repeats 1,024 distinct questions, so the data they
// touch stays in cache: the CPU cost of a check, without memory latency.
func BenchmarkCheckHot(b *testing.B) {
	d, ix := largeIndex(b)
	qs := checkQueries(d, large.grants, 1024)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		q := &qs[i&1023]
		ix.Check(q.user, q.perm, q.res)
	}
}

// BenchmarkCheckSmall runs the check mix on authztest.Small (fits in L2).
func BenchmarkCheckSmall(b *testing.B) {
	d := authztest.Generate(authztest.Small())
	ix := Build(d.Snapshot, 1)
	qs := checkQueries(d, grantRefs(d), 1024)
	runtime.GC()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		q := &qs[i&1023]
		ix.Check(q.user, q.perm, q.res)
	}
}

// BenchmarkApplyLatency publishes one change per revision, chaining
// revisions as the Engine does, and times every Apply to report the
// distribution (garbage collection included: the collector's work is
// what a change's copies cost beyond the copying itself).
//
//   - grant: a user gets a role on a random project (or loses it);
//   - revoke: an existing user grant is revoked, later restored;
//   - member: a user joins a random group, then leaves it;
//   - move: a project moves to another unit.
func BenchmarkApplyLatency(b *testing.B) {
	d, base := largeIndex(b)
	r := rand.New(rand.NewPCG(3, 3))
	var userGrants []grantRef
	for _, g := range large.grants {
		if g.pkind == PrincipalUser && g.rkind == KindProject {
			userGrants = append(userGrants, g)
		}
	}
	const n = 1 << 12
	sets := []Set{SetOf(ReadOnly), SetOf(Developer), SetOf(Admin), 0}
	gen := map[string]func(i int) Change{
		"grant": func(int) Change {
			return SetGrant(UserP(pick(r, d.Users)), Project(pick(r, d.Projects)), pick(r, sets))
		},
		"revoke": func(i int) Change {
			g := userGrants[i%n*97%len(userGrants)].grant(d)
			if i/n%2 == 1 {
				return SetGrant(g.Principal, g.Resource, g.Perms) // restore
			}
			return SetGrant(g.Principal, g.Resource, 0)
		},
		"member": func(i int) Change {
			k := i / 2
			g, u := d.Groups[k*31%len(d.Groups)], d.Users[k*7919%len(d.Users)]
			if i%2 == 0 {
				return AddMember(g, u)
			}
			return RemoveMember(g, u)
		},
		"move": func(i int) Change {
			// Every move changes the parent: project p goes to a unit that
			// depends on how often it was moved already.
			p := i % len(d.Projects)
			unit := d.Units[(p*7+i/len(d.Projects)+1)%len(d.Units)]
			return UpsertNode(Project(d.Projects[p]), Unit(unit))
		},
	}
	for _, name := range []string{"grant", "revoke", "member", "move"} {
		b.Run(name, func(b *testing.B) {
			// Hold only the newest Index, as an Engine does: a held
			// older one keeps every version written since (that is
			// what it reads), and with it the garbage of every change.
			ix := base
			base, large.ix = nil, nil
			defer func() { base = ix; publishLarge(ix) }()
			lat := make([]time.Duration, 0, 1<<20)
			c := make([]Change, 1)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				c[0] = gen[name](i)
				t0 := time.Now()
				ix = ix.Apply(ix.Revision()+1, c)
				if len(lat) < cap(lat) {
					lat = append(lat, time.Since(t0))
				}
			}
			b.StopTimer()
			reportLatency(b, lat)
		})
	}
}

func reportLatency(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
		b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
		b.ReportMetric(float64(lat[len(lat)*999/1000].Nanoseconds()), "p99.9-ns")
	}
}

// BenchmarkApplyBatch applies 10,000 mixed changes (grants, revocations,
// memberships, moves) as one revision, chaining revisions as the Engine
// does (an Apply to a revision that is not its lineage's newest copies
// the whole index). Batches differ, so moves are not replayed as no-ops.
func BenchmarkApplyBatch(b *testing.B) {
	d, base := largeIndex(b)
	r := rand.New(rand.NewPCG(4, 4))
	batches := make([][]Change, 8)
	for k := range batches {
		batches[k] = make([]Change, 10_000)
		fillBatch(r, d, batches[k])
	}
	ix := base
	base, large.ix = nil, nil // an Engine holds only its newest Index
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		ix = ix.Apply(ix.Revision()+1, batches[i%len(batches)])
	}
	publishLarge(ix)
}

// fillBatch draws the batch benchmarks' mix into batch: one in ten
// changes adds a membership, one removes one, one moves a project, the
// rest set or revoke a user's role on a project.
func fillBatch(r *rand.Rand, d *authztest.Dataset, batch []Change) {
	sets := []Set{SetOf(ReadOnly), SetOf(Developer), SetOf(Admin), 0}
	for i := range batch {
		switch r.IntN(10) {
		case 0:
			batch[i] = AddMember(pick(r, d.Groups), pick(r, d.Users))
		case 1:
			batch[i] = RemoveMember(pick(r, d.Groups), pick(r, d.Users))
		case 2:
			batch[i] = UpsertNode(Project(pick(r, d.Projects)), Unit(pick(r, d.Units)))
		default:
			batch[i] = SetGrant(UserP(pick(r, d.Users)), Project(pick(r, d.Projects)), pick(r, sets))
		}
	}
}

// BenchmarkApplyBatchFresh is BenchmarkApplyBatch with a new batch drawn
// for every revision (outside the timer), so that no batch is a replay:
// once BenchmarkApplyBatch has cycled through its eight batches, most of
// its changes set what is already there, which Apply now drops before
// copying anything. Here the grants, memberships and moves are as new as
// in a first pass.
func BenchmarkApplyBatchFresh(b *testing.B) {
	d, base := largeIndex(b)
	r := rand.New(rand.NewPCG(5, 5))
	batch := make([]Change, 10_000)
	ix := base
	base, large.ix = nil, nil // an Engine holds only its newest Index
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		fillBatch(r, d, batch)
		b.StartTimer()
		ix = ix.Apply(ix.Revision()+1, batch)
	}
	publishLarge(ix)
}

// BenchmarkApplyBatchSteady is BenchmarkApplyBatchFresh at a steady
// size. Fresh's grants are nearly all new while its revocations and
// removals mostly find nothing to remove, so every batch adds about
// 5,000 grants: a run of a few hundred batches measures an index that has
// grown to twice the 1M grants the target is stated at. Here every batch
// revokes as many existing grants, and removes as many earlier-added
// memberships, as it adds, so the size stays at 1M grants while every
// change is still real.
func BenchmarkApplyBatchSteady(b *testing.B) {
	d, base := largeIndex(b)
	s := &steadyMix{r: rand.New(rand.NewPCG(6, 6))}
	for _, g := range large.grants {
		if g.pkind == PrincipalUser && g.rkind == KindProject {
			s.grants = append(s.grants, [2]int32{g.p, g.r})
		}
	}
	batch := make([]Change, 10_000)
	ix := base
	base, large.ix = nil, nil // an Engine holds only its newest Index
	grants0 := ix.Stats().Grants
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		s.fill(d, batch)
		b.StartTimer()
		ix = ix.Apply(ix.Revision()+1, batch)
	}
	b.StopTimer()
	b.ReportMetric(float64(ix.Stats().Grants-grants0), "grants-added")
	publishLarge(ix)
}

// steadyMix draws BenchmarkApplyBatchSteady's batches: one in ten changes
// adds a membership and one removes a membership added before, one moves
// a project, three grant a role on a project to a user who (almost
// surely: 1M grants among 10^9 pairs) held none, three revoke an
// existing user grant and one changes an existing grant's role. Each
// takes its grant from the pool at random; each new grant joins it.
type steadyMix struct {
	r       *rand.Rand
	grants  [][2]int32 // user and project index of live user grants
	members [][2]int32 // group and user index of added memberships
}

func (s *steadyMix) fill(d *authztest.Dataset, batch []Change) {
	sets := []Set{SetOf(ReadOnly), SetOf(Developer), SetOf(Admin)}
	take := func(pool *[][2]int32) [2]int32 {
		i := s.r.IntN(len(*pool))
		x := (*pool)[i]
		(*pool)[i] = (*pool)[len(*pool)-1]
		*pool = (*pool)[:len(*pool)-1]
		return x
	}
	for i := range batch {
		switch k := s.r.IntN(10); {
		case k == 0:
			m := [2]int32{int32(s.r.IntN(len(d.Groups))), int32(s.r.IntN(len(d.Users)))}
			s.members = append(s.members, m)
			batch[i] = AddMember(d.Groups[m[0]], d.Users[m[1]])
		case k == 1 && len(s.members) > 0:
			m := take(&s.members)
			batch[i] = RemoveMember(d.Groups[m[0]], d.Users[m[1]])
		case k <= 2:
			batch[i] = UpsertNode(Project(pick(s.r, d.Projects)), Unit(pick(s.r, d.Units)))
		case k <= 5:
			g := [2]int32{int32(s.r.IntN(len(d.Users))), int32(s.r.IntN(len(d.Projects)))}
			s.grants = append(s.grants, g)
			batch[i] = SetGrant(UserP(d.Users[g[0]]), Project(d.Projects[g[1]]), pick(s.r, sets))
		case k <= 8:
			g := take(&s.grants)
			batch[i] = SetGrant(UserP(d.Users[g[0]]), Project(d.Projects[g[1]]), 0)
		default:
			g := s.grants[s.r.IntN(len(s.grants))]
			batch[i] = SetGrant(UserP(d.Users[g[0]]), Project(d.Projects[g[1]]), pick(s.r, sets))
		}
	}
}
