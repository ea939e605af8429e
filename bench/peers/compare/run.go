package compare

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/authz/authztest"
)

// Size is one dataset size of the comparison.
type Size struct {
	Name   string
	Config authztest.Config
}

// Sizes are the three sizes: authztest.Small (every peer loads it), a
// medium one a tenth of the large, and authztest.Large (1M grants).
func Sizes() []Size {
	return []Size{
		{"small", authztest.Small()},
		{"medium", authztest.Config{Units: 30, Projects: 1_000, ServicesPerProject: 10, Users: 10_000, Groups: 100,
			GroupsPerUser: 2, Grants: 100_000, PowerUserProjects: 1_000, OrgAdmins: 5, SuperAdmins: 1, Seed: 1}},
		{"large", authztest.Large()},
	}
}

// Options tune a run.
type Options struct {
	Checks      int               // questions asked every system, timed and compared (≥ 10,000 for the record)
	CheckBudget time.Duration     // per system and size: a slower system answers fewer questions
	ListTimeout time.Duration     // per listing call
	ListUsers   int               // typical users whose projects are listed
	Updates     int               // grant and membership changes of each kind
	Throughput  time.Duration     // per system, two goroutines
	LoadTimeout time.Duration     // per system and size
	MaxRSS      uint64            // a load that grows the process past this is stopped
	Skip        map[string]string // "system/size" → reason, for loads known not to fit
	Log         io.Writer
}

// Value is one cell of the table.
type Value struct {
	V     float64 `json:"v"`
	Ratio float64 `json:"ratio,omitempty"` // how many times Gatehouse's figure (worse is > 1)
	Note  string  `json:"note,omitempty"`  // instead of, or after, the value
}

// SystemResult is one system's column at one size.
type SystemResult struct {
	Name    string           `json:"name"`
	Version string           `json:"version"`
	Note    string           `json:"note,omitempty"` // why it was not loaded
	Values  map[string]Value `json:"values"`
}

// Result is one size's measurements.
type Result struct {
	Size       string         `json:"size"`
	Dataset    string         `json:"dataset"`
	Grants     int            `json:"grants"`
	Systems    []SystemResult `json:"systems"`
	Mismatches []string       `json:"mismatches,omitempty"`
	LoadAvg    string         `json:"loadavg"`
}

// Metric keys, in table order, with their labels and units.
var metrics = []struct {
	key, label string
	unit       string // "ns", "B", "/s", "n"
}{
	{"load", "load time", "ns"},
	{"mem", "memory per grant", "B"},
	{"check_p50", "check p50", "ns"},
	{"check_p99", "check p99", "ns"},
	{"check_p999", "check p99.9", "ns"},
	{"checks", "checks compared (allowed)", "n"},
	{"tput", "checks/s, 2 goroutines", "/s"},
	{"list_typical", "list projects, typical user, p50", "ns"},
	{"list_power", "list projects, power user", "ns"},
	{"lists", "listings compared", "n"},
	{"grant_p50", "grant add/remove p50", "ns"},
	{"grant_p99", "grant add/remove p99", "ns"},
	{"member_p50", "membership add/remove p50", "ns"},
	{"member_p99", "membership add/remove p99", "ns"},
	{"grant_burst_p50", "grant add/remove back to back, p50", "ns"},
	{"grant_burst_p99", "grant add/remove back to back, p99", "ns"},
	{"member_burst_p50", "membership add/remove back to back, p50", "ns"},
	{"member_burst_p99", "membership add/remove back to back, p99", "ns"},
}

type sys struct {
	s      System
	res    *SystemResult
	loaded bool
}

func (o *Options) logf(format string, args ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, "%s "+format+"\n", append([]any{time.Now().UTC().Format("15:04:05")}, args...)...)
	}
}

// Run measures every system at one size. The first system must be the
// baseline (Gatehouse). It returns an error when any answer differs.
func Run(ctx context.Context, size Size, systems []System, o Options) (*Result, error) {
	o.logf("%s: generating", size.Name)
	d := authztest.Generate(size.Config)
	w := newWorld(d)
	c := size.Config
	res := &Result{Size: size.Name, Grants: len(d.Snapshot.Grants),
		Dataset: fmt.Sprintf("%s grants, %d units, %s projects, %s services, %s users, %d groups, %s memberships",
			thousands(len(d.Snapshot.Grants)), c.Units, thousands(c.Projects), thousands(c.Projects*c.ServicesPerProject),
			thousands(c.Users), c.Groups, thousands(len(d.Snapshot.Members)))}
	var all []*sys
	for _, s := range systems {
		all = append(all, &sys{s: s, res: &SystemResult{Name: s.Name(), Version: s.Version(), Values: map[string]Value{}}})
	}
	defer func() {
		for _, s := range all {
			if s.loaded {
				_ = s.s.Close()
			}
		}
	}()
	o.load(ctx, size, d, all)
	if !all[0].loaded {
		return nil, fmt.Errorf("%s: the baseline did not load: %s", size.Name, all[0].res.Note)
	}
	var live []*sys
	for _, s := range all {
		if s.loaded {
			live = append(live, s)
		}
	}
	var mm mismatches
	o.checks(ctx, w, live, &mm)
	o.lists(ctx, w, live, &mm)
	o.throughput(ctx, w, live)
	o.updates(ctx, w, live, &mm)
	res.LoadAvg = loadAvg()
	for _, s := range all {
		res.Systems = append(res.Systems, *s.res)
	}
	ratios(res)
	res.Mismatches = mm.list
	if len(mm.list) > 0 {
		return res, fmt.Errorf("%s: %d answers differ from Gatehouse's", size.Name, mm.n)
	}
	return res, nil
}

type mismatches struct {
	mu   sync.Mutex
	n    int
	list []string
}

func (m *mismatches) add(format string, args ...any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.n++
	if len(m.list) < 20 {
		m.list = append(m.list, fmt.Sprintf(format, args...))
	}
}

func (o *Options) load(ctx context.Context, size Size, d *authztest.Dataset, all []*sys) {
	for _, s := range all {
		key := s.s.Name() + "/" + size.Name
		if why, ok := o.Skip[key]; ok {
			s.res.Note = "not loaded: " + why
			o.logf("%s: %s", key, s.res.Note)
			continue
		}
		o.logf("%s: loading", key)
		heap0, rss0 := settle()
		lctx, cancel := context.WithTimeout(ctx, o.LoadTimeout)
		stop := watchRSS(lctx, o.MaxRSS, cancel)
		t0 := time.Now()
		err := s.s.Load(lctx, d)
		el := time.Since(t0)
		overRSS := stop()
		cancel()
		if err != nil {
			switch {
			case overRSS:
				s.res.Note = fmt.Sprintf("not loaded: the process passed %s of memory after %s", bytesStr(float64(o.MaxRSS)), durStr(float64(el)))
			case errors.Is(err, context.DeadlineExceeded) || lctx.Err() != nil:
				s.res.Note = fmt.Sprintf("not loaded: still loading after %s (%v)", durStr(float64(el)), err)
			default:
				s.res.Note = "not loaded: " + err.Error()
			}
			o.logf("%s: %s", key, s.res.Note)
			_ = s.s.Close()
			runtime.GC()
			continue
		}
		s.loaded = true
		heap1, rss1 := settle()
		mem := max(float64(heap1)-float64(heap0), float64(rss1)-float64(rss0))
		s.res.Values["load"] = Value{V: float64(el)}
		mv := Value{V: mem / float64(len(d.Snapshot.Grants))}
		if od, ok := s.s.(OnDisk); ok {
			mv.Note = bytesStr(float64(od.DiskBytes())/float64(len(d.Snapshot.Grants))) + " on disk"
		}
		s.res.Values["mem"] = mv
		o.logf("%s: loaded in %s, %s per grant (heap %+d MB, RSS %+d MB)", key, durStr(float64(el)),
			bytesStr(mem/float64(len(d.Snapshot.Grants))), (int64(heap1)-int64(heap0))>>20, (int64(rss1)-int64(rss0))>>20)
	}
}

// settle collects garbage, returns freed memory to the OS, and reports the
// live heap and the resident set.
func settle() (heap, rss uint64) {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc, readRSS()
}

func readRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// watchRSS cancels a load whose process grows past limit; stop reports
// whether it did.
func watchRSS(ctx context.Context, limit uint64, cancel func()) (stop func() bool) {
	var over atomic.Bool
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if limit > 0 && readRSS() > limit {
					over.Store(true)
					cancel()
					return
				}
			}
		}
	}()
	return func() bool { close(done); return over.Load() }
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// checkBlock is how many questions one system answers before the next
// takes its turn: small enough that every system runs under the same
// machine state (load from other processes, garbage collection), large
// enough that a check is not timed right after another system has
// flushed the caches, which would measure that system's footprint.
const checkBlock = 100

// checks asks every live system the same questions, in blocks of
// checkBlock questions to each system in turn (the starting system
// rotates), timing each call; a system past its budget stops answering.
func (o *Options) checks(ctx context.Context, w *world, live []*sys, mm *mismatches) {
	qs := w.queries(o.Checks, 11)
	n := len(live)
	got := make([][]int8, n) // 0 not asked, 1 denied, 2 allowed
	lat := make([][]time.Duration, n)
	spent := make([]time.Duration, n)
	errs := make([]int, n)
	for i := range live {
		got[i] = make([]int8, len(qs))
	}
	o.logf("checks: %d questions, budget %s per system", len(qs), o.CheckBudget)
	for b0 := 0; b0 < len(qs); b0 += checkBlock {
		block := qs[b0:min(b0+checkBlock, len(qs))]
		for k := range n {
			i := (b0/checkBlock + k) % n
			for bi, q := range block {
				if spent[i] > o.CheckBudget {
					break
				}
				qi := b0 + bi
				cctx, cancel := context.WithTimeout(ctx, time.Minute)
				t0 := time.Now()
				ok, err := live[i].s.Check(cctx, q.User, q.Perm, q.Res)
				el := time.Since(t0)
				cancel()
				spent[i] += el
				if err != nil {
					errs[i]++
					mm.add("%s: check %s %s %s: %v", live[i].s.Name(), q.User, q.Perm, NodeName(q.Res), err)
					continue
				}
				lat[i] = append(lat[i], el)
				got[i][qi] = 1
				if ok {
					got[i][qi] = 2
				}
			}
		}
	}
	for i, s := range live {
		asked, allowed := 0, 0
		for qi, g := range got[i] {
			if g == 0 {
				continue
			}
			asked++
			if g == 2 {
				allowed++
			}
			if g != got[0][qi] {
				q := qs[qi]
				mm.add("%s: check %s %s %s: %v, Gatehouse %v", s.s.Name(), q.User, q.Perm, NodeName(q.Res), g == 2, got[0][qi] == 2)
			}
		}
		note := fmt.Sprintf("%s (%s)", thousands(asked), thousands(allowed))
		if asked < len(qs) {
			note += fmt.Sprintf(", budget of %s spent", durStr(float64(o.CheckBudget)))
		}
		s.res.Values["checks"] = Value{V: float64(asked), Note: note}
		p50, p99, p999 := percentiles(lat[i])
		s.res.Values["check_p50"] = p50
		s.res.Values["check_p99"] = p99
		s.res.Values["check_p999"] = p999
		o.logf("%s: %d checks (%d allowed, %d errors), p50 %s p99 %s", s.s.Name(), asked, allowed, errs[i], durStr(p50.V), durStr(p99.V))
	}
}

func percentiles(lat []time.Duration) (p50, p99, p999 Value) {
	if len(lat) == 0 {
		na := Value{Note: "n/a"}
		return na, na, na
	}
	slices.Sort(lat)
	at := func(f float64) time.Duration { return lat[min(len(lat)-1, int(float64(len(lat))*f))] }
	p50 = Value{V: float64(at(0.5))}
	p99 = Value{V: float64(at(0.99))}
	p999 = Value{V: float64(at(0.999))}
	if len(lat) < 100 {
		p99.Note = fmt.Sprintf("of %d", len(lat))
	}
	if len(lat) < 1000 {
		p999.Note = fmt.Sprintf("of %d", len(lat))
	}
	return
}

// lists compares and times listings: the projects of the power user and of
// typical users, the services of a few typical users, the projects of an
// organization admin and of a deactivated user.
func (o *Options) lists(ctx context.Context, w *world, live []*sys, mm *mismatches) {
	d := w.d
	r := rand.New(rand.NewPCG(13, 13))
	type listCase struct {
		user    string
		perm    authz.Permission
		kind    authz.Kind
		metric  string // "" when not timed
		explain string
	}
	cases := []listCase{{d.PowerUser, authz.ProjectServicesRead, authz.KindProject, "list_power", "power user"}}
	withGrants, anyGrant := map[string]bool{}, map[string]bool{}
	for _, g := range d.Snapshot.Grants {
		if g.Principal.Kind == authz.PrincipalUser {
			anyGrant[g.Principal.ID] = true
		}
		if g.Principal.Kind == authz.PrincipalUser && g.Principal.ID != d.PowerUser && w.active[g.Principal.ID] {
			withGrants[g.Principal.ID] = true
		}
	}
	var users []string
	for u := range withGrants {
		users = append(users, u)
	}
	sortStrings(users)
	for range o.ListUsers {
		cases = append(cases, listCase{pick(r, users), pick(r, checkedPerms), authz.KindProject, "list_typical", "typical user"})
	}
	for range 3 {
		cases = append(cases, listCase{pick(r, users), authz.ServiceLogsRead, authz.KindService, "", "typical user's services"})
	}
	for _, g := range d.Snapshot.Grants {
		if g.Resource.Kind == authz.KindOrganization && g.Principal.Kind == authz.PrincipalUser {
			cases = append(cases, listCase{g.Principal.ID, authz.ProjectServicesWrite, authz.KindProject, "", "organization admin"})
			break
		}
	}
	for _, u := range d.Snapshot.Users {
		if !u.Active && anyGrant[u.ID] && len(w.groupsOf[u.ID]) > 0 {
			cases = append(cases, listCase{u.ID, authz.ProjectServicesRead, authz.KindProject, "", "deactivated user"})
			break
		}
	}
	n := len(live)
	lat := make([]map[string][]time.Duration, n)
	timeouts := make([]map[string]bool, n)
	compared := make([]int, n)
	spent := make([]time.Duration, n) // a system past the check budget is not asked further
	for i := range live {
		lat[i], timeouts[i] = map[string][]time.Duration{}, map[string]bool{}
	}
	o.logf("listings: %d cases, %s per call", len(cases), o.ListTimeout)
	for ci, c := range cases {
		answers := make([][]string, n)
		ok := make([]bool, n)
		for k := range n {
			i := (ci + k) % n
			if timeouts[i]["all"] || spent[i] > o.CheckBudget {
				continue
			}
			lctx, cancel := context.WithTimeout(ctx, o.ListTimeout)
			t0 := time.Now()
			ids, err := live[i].s.List(lctx, c.user, c.perm, c.kind)
			el := time.Since(t0)
			// Some systems (OpenFGA's ListObjects) return what they found
			// so far, without an error, when the time is up.
			timedOut := lctx.Err() != nil
			cancel()
			spent[i] += el
			if err != nil || timedOut {
				if timedOut || errors.Is(err, context.DeadlineExceeded) {
					timeouts[i][c.metric] = true
					if c.metric == "list_power" || c.explain == "organization admin" {
						o.logf("%s: listing for the %s timed out", live[i].s.Name(), c.explain)
					}
					// Typical users are the cheapest case: a system that
					// cannot list theirs in time is not asked again.
					if c.metric == "list_typical" {
						timeouts[i]["all"] = true
					}
					continue
				}
				mm.add("%s: list %s %s %s: %v", live[i].s.Name(), c.user, c.perm, c.kind, err)
				continue
			}
			slices.Sort(ids)
			answers[i], ok[i] = ids, true
			if c.metric != "" {
				lat[i][c.metric] = append(lat[i][c.metric], el)
			}
		}
		for i := range live {
			if !ok[i] {
				continue
			}
			compared[i]++
			if !slices.Equal(answers[i], answers[0]) {
				mm.add("%s: list %s (%s) %s %s: %d IDs, Gatehouse %d (first differences: %s)", live[i].s.Name(), c.user,
					c.explain, c.perm, c.kind, len(answers[i]), len(answers[0]), firstDiff(answers[i], answers[0]))
			}
		}
	}
	for i, s := range live {
		for _, m := range []string{"list_typical", "list_power"} {
			l := lat[i][m]
			switch {
			case len(l) > 0:
				slices.Sort(l)
				s.res.Values[m] = Value{V: float64(l[len(l)/2])}
			case timeouts[i][m] || timeouts[i]["all"]:
				s.res.Values[m] = Value{Note: "timeout > " + durStr(float64(o.ListTimeout))}
			}
		}
		note := fmt.Sprintf("%d of %d", compared[i], len(cases))
		if spent[i] > o.CheckBudget {
			note += fmt.Sprintf(", budget of %s spent", durStr(float64(o.CheckBudget)))
		}
		s.res.Values["lists"] = Value{V: float64(compared[i]), Note: note}
	}
}

func firstDiff(a, b []string) string {
	var out []string
	ma, mb := map[string]bool{}, map[string]bool{}
	for _, x := range a {
		ma[x] = true
	}
	for _, x := range b {
		mb[x] = true
	}
	for _, x := range a {
		if !mb[x] && len(out) < 3 {
			out = append(out, "+"+x)
		}
	}
	for _, x := range b {
		if !ma[x] && len(out) < 6 {
			out = append(out, "-"+x)
		}
	}
	return strings.Join(out, " ")
}

// throughput runs two goroutines of checks against one system at a time.
func (o *Options) throughput(ctx context.Context, w *world, live []*sys) {
	qs := w.queries(1<<14, 17)
	for _, s := range live {
		var next, done atomic.Int64
		deadline := time.Now().Add(o.Throughput)
		var wg sync.WaitGroup
		t0 := time.Now()
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(deadline) {
					i := next.Add(1) - 1
					q := qs[int(i)%len(qs)]
					if _, err := s.s.Check(ctx, q.User, q.Perm, q.Res); err != nil {
						return
					}
					done.Add(1)
				}
			}()
		}
		wg.Wait()
		el := time.Since(t0)
		rate := float64(done.Load()) / el.Seconds()
		s.res.Values["tput"] = Value{V: rate}
		o.logf("%s: %.0f checks/s with 2 goroutines", s.s.Name(), rate)
	}
}

// updates applies each change to every system in turn (timed), compares a
// question the change affects, undoes it (timed) and compares again, so
// every system ends as it started.
func (o *Options) updates(ctx context.Context, w *world, live []*sys, mm *mismatches) {
	grants, members, gprobes, mprobes := w.updates(o.Updates, 19)
	n := len(live)
	spent := make([]time.Duration, n)
	budget := o.CheckBudget
	run := func(metric string, ups []Update, probes []Query, undo UpdateKind) {
		clear(spent) // each kind of change has its own budget
		lat := make([][]time.Duration, n)
		failed := make([]bool, n)
		for ui, u := range ups {
			in := make([]bool, n)
			for k := range n {
				i := (ui + k) % n
				if spent[i] > budget || failed[i] {
					continue
				}
				t0 := time.Now()
				err := live[i].s.Apply(ctx, u)
				el := time.Since(t0)
				spent[i] += el
				if err != nil {
					failed[i] = true
					mm.add("%s: %s: %v", live[i].s.Name(), u.Kind, err)
					continue
				}
				in[i] = true
				lat[i] = append(lat[i], el)
			}
			o.probe(ctx, live, in, probes[ui], u.Kind.String(), mm, spent)
			back := u
			back.Kind = undo
			for k := range n {
				i := (ui + k) % n
				if !in[i] {
					continue
				}
				t0 := time.Now()
				err := live[i].s.Apply(ctx, back)
				el := time.Since(t0)
				spent[i] += el
				if err != nil {
					failed[i] = true
					in[i] = false
					mm.add("%s: %s: %v", live[i].s.Name(), back.Kind, err)
					continue
				}
				lat[i] = append(lat[i], el)
			}
			o.probe(ctx, live, in, probes[ui], back.Kind.String(), mm, spent)
		}
		for i, s := range live {
			p50, p99, _ := percentiles(lat[i])
			if len(lat[i]) < 2*len(ups) && len(lat[i]) > 0 {
				p50.Note = fmt.Sprintf("of %d", len(lat[i]))
			}
			s.res.Values[metric+"_p50"] = p50
			s.res.Values[metric+"_p99"] = p99
			o.logf("%s: %s changes: %d, p50 %s p99 %s", s.s.Name(), metric, len(lat[i]), durStr(p50.V), durStr(p99.V))
		}
	}
	run("grant", grants, gprobes, GrantRemove)
	run("member", members, mprobes, MemberRemove)
	o.burst(ctx, live, grants, gprobes, GrantRemove, "grant", mm)
	o.burst(ctx, live, members, mprobes, MemberRemove, "member", mm)
}

// burst applies the same changes to one system at a time, back to back,
// each timed, then undoes them back to back: a stream of changes (an
// identity-provider group sync, a bulk import, a Terraform apply), where
// each change finds the system's code and upper structures warm from the
// one before. The interleaved figures of updates are those of an isolated
// change, made right after the other systems ran theirs. The first
// change's question is compared with Gatehouse's answer after the stream
// and after undoing it. A system stops adding changes once it has spent
// the check budget, and always undoes what it added.
func (o *Options) burst(ctx context.Context, live []*sys, ups []Update, probes []Query, undo UpdateKind, metric string, mm *mismatches) {
	if len(ups) == 0 {
		return
	}
	q := probes[0]
	before, _ := live[0].s.Check(ctx, q.User, q.Perm, q.Res)
	var after bool
	for i, s := range live {
		var lat []time.Duration
		var spent time.Duration
		added := 0
		for _, u := range ups {
			if spent > o.CheckBudget {
				break
			}
			t0 := time.Now()
			err := s.s.Apply(ctx, u)
			el := time.Since(t0)
			spent += el
			if err != nil {
				mm.add("%s: %s back to back: %v", s.s.Name(), u.Kind, err)
				break
			}
			lat = append(lat, el)
			added++
		}
		if added == len(ups) {
			got, err := s.s.Check(ctx, q.User, q.Perm, q.Res)
			if i == 0 {
				after = got
			} else if err != nil || got != after {
				mm.add("%s: after %d %s changes back to back, %v for %+v, Gatehouse %v (err %v)", s.s.Name(), added, metric, got, q, after, err)
			}
		}
		for _, u := range ups[:added] {
			back := u
			back.Kind = undo
			t0 := time.Now()
			err := s.s.Apply(ctx, back)
			el := time.Since(t0)
			if err != nil {
				mm.add("%s: %s back to back: %v", s.s.Name(), back.Kind, err)
				break
			}
			lat = append(lat, el)
		}
		if got, err := s.s.Check(ctx, q.User, q.Perm, q.Res); err != nil || got != before {
			mm.add("%s: after undoing %d %s changes back to back, %v for %+v, Gatehouse %v (err %v)", s.s.Name(), added, metric, got, q, before, err)
		}
		p50, p99, _ := percentiles(lat)
		if len(lat) < 2*len(ups) && len(lat) > 0 {
			p50.Note = fmt.Sprintf("of %d", len(lat))
		}
		s.res.Values[metric+"_burst_p50"] = p50
		s.res.Values[metric+"_burst_p99"] = p99
		o.logf("%s: %s changes back to back: %d, p50 %s p99 %s", s.s.Name(), metric, len(lat), durStr(p50.V), durStr(p99.V))
	}
}

// probe asks one question of the systems that applied a change (and of
// the baseline) and records any difference.
// The probe's time counts against the system's budget: a peer whose
// checks take seconds would otherwise spend minutes on probes.
func (o *Options) probe(ctx context.Context, live []*sys, in []bool, q Query, after string, mm *mismatches, spent []time.Duration) {
	want, _ := live[0].s.Check(ctx, q.User, q.Perm, q.Res)
	for i, s := range live[1:] {
		if !in[i+1] {
			continue
		}
		t0 := time.Now()
		got, err := s.s.Check(ctx, q.User, q.Perm, q.Res)
		spent[i+1] += time.Since(t0)
		if err != nil || got != want {
			mm.add("%s: after %s, check %s %s %s: %v (%v), Gatehouse %v", s.s.Name(), after, q.User, q.Perm, NodeName(q.Res), got, err, want)
		}
	}
}

// ratios fills each value's ratio to the baseline's (first) system.
func ratios(r *Result) {
	if len(r.Systems) == 0 {
		return
	}
	base := r.Systems[0].Values
	for i := range r.Systems {
		for _, m := range metrics {
			v, ok := r.Systems[i].Values[m.key]
			b, bok := base[m.key]
			if !ok || !bok || v.V == 0 || b.V == 0 || m.unit == "n" {
				continue
			}
			if m.unit == "/s" {
				v.Ratio = b.V / v.V
			} else {
				v.Ratio = v.V / b.V
			}
			r.Systems[i].Values[m.key] = v
		}
	}
}

func sortStrings(s []string) { slices.Sort(s) }
