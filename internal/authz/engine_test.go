package authz_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	. "github.com/gatehouse-dev/gatehouse/internal/authz"
)

// seedWorld is the specification's examples as Go facts.
func seedWorld() Snapshot {
	n := func(r, p Resource) Node { return Node{Resource: r, Parent: p} }
	return Snapshot{
		Nodes: []Node{
			n(Project("backend-prod"), Unit("production")), // out of order on purpose
			n(Org("acme"), Resource{}),
			n(Unit("engineering"), Org("acme")),
			n(Unit("production"), Org("acme")),
			n(Project("backend-dev"), Unit("engineering")),
			n(Project("frontend-dev"), Unit("engineering")),
			n(Service("postgres-1"), Project("backend-prod")),
			n(Service("redis-1"), Project("backend-prod")),
			n(Project("billing"), Org("acme")),
		},
		Users:   []User{{"alice", true}, {"bob", true}, {"carol", false}, {"dave", true}, {"erin", true}, {"root", true}},
		Groups:  []Group{{"engineering-team", "acme"}},
		Members: []Membership{{"engineering-team", "alice"}, {"engineering-team", "bob"}, {"engineering-team", "carol"}},
		Grants: []Grant{
			{GroupP("engineering-team"), Org("acme"), SetOf(OrganizationProjectsWrite)},
			{GroupP("engineering-team"), Unit("engineering"), SetOf(RoleOrganizationAdmin)},
			{GroupP("engineering-team"), Project("backend-dev"), SetOf(Admin)},
			{GroupP("engineering-team"), Project("backend-prod"), SetOf(Operator)},
			{GroupP("engineering-team"), Project("frontend-dev"), SetOf(Admin)},
			{UserP("erin"), Org("acme"), SetOf(ProjectServicesWrite)},
			{UserP("erin"), Project("backend-prod"), SetOf(ReadOnly)},
			{UserP("bob"), Project("billing"), SetOf(ProjectAuditLogsRead)},
		},
		SuperAdmins: []SuperAdmin{{"acme", "root"}},
	}
}

func TestSeedExamples(t *testing.T) {
	ix, err := BuildChecked(seedWorld(), 1)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		user string
		perm Permission
		res  Resource
		want bool
	}{
		{"cumulative: org services:write + project read_only still writes", "erin", ProjectServicesWrite, Project("backend-prod"), true},
		{"cumulative: read_only reads", "erin", ProjectServicesRead, Project("backend-prod"), true},
		{"cumulative: write reaches services", "erin", ProjectServicesWrite, Service("redis-1"), true},
		{"cumulative: no secrets", "erin", ServiceSecretsRead, Service("redis-1"), false},
		{"cumulative: org grant alone does not read", "erin", ProjectServicesRead, Project("billing"), false},
		{"team: org-level projects:write", "alice", OrganizationProjectsWrite, Org("acme"), true},
		{"team: projects:write inherited by units", "bob", OrganizationProjectsWrite, Unit("production"), true},
		{"team: projects:write gives no content", "alice", ProjectServicesRead, Project("billing"), false},
		{"team: unit-level org admin inside the unit", "alice", OrganizationUsersWrite, Unit("engineering"), true},
		{"team: unit-level org admin not at org", "alice", OrganizationUsersWrite, Org("acme"), false},
		{"team: unit-level org admin not in other unit", "alice", OrganizationBillingRead, Unit("production"), false},
		{"team: admin on backend-dev", "bob", ProjectMembersWrite, Project("backend-dev"), true},
		{"team: operator on backend-prod", "bob", ProjectServicesWrite, Service("postgres-1"), true},
		{"team: operator is not admin", "bob", ProjectMembersWrite, Project("backend-prod"), false},
		{"team: deactivated member denied", "carol", ProjectServicesRead, Project("backend-dev"), false},
		{"team: non-member denied", "dave", ProjectServicesRead, Project("backend-dev"), false},
		{"alias: audit_logs grant satisfies event_logs", "bob", ProjectEventLogsRead, Project("billing"), true},
		{"alias: audit_logs grant satisfies itself", "bob", ProjectAuditLogsRead, Project("billing"), true},
		{"super admin: everything", "root", OrganizationSuperAdmin, Org("acme"), true},
		{"super admin: services", "root", ServiceDataWrite, Service("redis-1"), true},
		{"org admin is not super admin", "alice", OrganizationSuperAdmin, Unit("engineering"), false},
		{"unknown user", "zed", ProjectServicesRead, Project("billing"), false},
		{"unknown resource", "root", ProjectServicesRead, Project("nope"), false},
		{"wrong kind for id", "root", ProjectServicesRead, Unit("billing"), false},
		{"invalid permission", "root", Permission(0), Project("billing"), false},
		{"out-of-range permission", "root", Permission(200), Project("billing"), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ix.Check(c.user, c.perm, c.res); got != c.want {
				t.Errorf("Check(%s, %v, %v) = %v, want %v\n%+v", c.user, c.perm, c.res, got, c.want, ix.Explain(c.user, c.perm, c.res))
			}
			if ex := ix.Explain(c.user, c.perm, c.res); ex.Allowed != c.want {
				t.Errorf("Explain verdict %v, want %v", ex.Allowed, c.want)
			}
		})
	}
}

func TestExplain(t *testing.T) {
	ix := Build(seedWorld(), 1)
	ex := ix.Explain("erin", ProjectServicesWrite, Service("redis-1"))
	if !ex.Allowed || ex.SuperAdmin || ex.Deactivated || ex.UnknownUser || ex.UnknownResource {
		t.Fatalf("unexpected flags: %+v", ex)
	}
	wantPath := []Resource{Service("redis-1"), Project("backend-prod"), Unit("production"), Org("acme")}
	if !slices.Equal(ex.Path, wantPath) {
		t.Errorf("path %v, want %v", ex.Path, wantPath)
	}
	want := []ExplainedGrant{
		{Level: Project("backend-prod"), Granted: SetOf(ReadOnly), Gives: false},
		{Level: Org("acme"), Granted: SetOf(ProjectServicesWrite), Gives: true},
	}
	if !slices.Equal(ex.Grants, want) {
		t.Errorf("grants %+v, want %+v", ex.Grants, want)
	}
	ex = ix.Explain("alice", ProjectMembersWrite, Project("backend-dev"))
	if !ex.Allowed || len(ex.Grants) != 3 || ex.Grants[0].Group != "engineering-team" {
		t.Errorf("group grants not explained: %+v", ex)
	}
	if ex := ix.Explain("carol", ProjectServicesRead, Project("backend-dev")); ex.Allowed || !ex.Deactivated {
		t.Errorf("deactivated not flagged: %+v", ex)
	}
	if ex := ix.Explain("root", ProjectServicesRead, Project("billing")); !ex.Allowed || !ex.SuperAdmin {
		t.Errorf("super admin not flagged: %+v", ex)
	}
	if ex := ix.Explain("zed", ProjectServicesRead, Project("x")); ex.Allowed || !ex.UnknownUser || !ex.UnknownResource {
		t.Errorf("unknowns not flagged: %+v", ex)
	}
}

func TestListings(t *testing.T) {
	ix := Build(seedWorld(), 7)
	if ix.Revision() != 7 {
		t.Fatalf("revision %d", ix.Revision())
	}
	got := ix.Grants(Project("backend-prod"))
	want := []Grant{
		{UserP("erin"), Project("backend-prod"), SetOf(ReadOnly)},
		{GroupP("engineering-team"), Project("backend-prod"), SetOf(Operator)},
	}
	if !slices.Equal(got, want) {
		t.Errorf("Grants = %+v, want %+v", got, want)
	}
	if g := ix.Grants(Project("billing")); len(g) != 1 || !slices.Equal(g[0].Perms.Strings(), []string{"project:audit_logs:read"}) {
		t.Errorf("alias grant not listed as granted: %+v", g)
	}
	if g := ix.GrantsOf(PrincipalGroup, "engineering-team"); len(g) != 5 || g[0].Resource != Org("acme") {
		t.Errorf("GrantsOf = %+v", g)
	}
	if g := ix.GrantsOf(PrincipalUser, "nobody"); g != nil {
		t.Errorf("GrantsOf unknown = %+v", g)
	}
	users, groups := ix.Principals(Service("postgres-1"), ProjectServicesWrite)
	if !slices.Equal(users, []string{"alice", "bob", "erin", "root"}) || !slices.Equal(groups, []string{"engineering-team"}) {
		t.Errorf("Principals = %v %v (carol is deactivated and must not appear)", users, groups)
	}
	ids, next := ix.Resources("erin", ProjectServicesWrite, KindProject, "", 2)
	if !slices.Equal(ids, []string{"backend-dev", "backend-prod"}) || next != "backend-prod" {
		t.Errorf("page 1 = %v %q", ids, next)
	}
	ids, next = ix.Resources("erin", ProjectServicesWrite, KindProject, next, 2)
	if !slices.Equal(ids, []string{"billing", "frontend-dev"}) || next != "" {
		t.Errorf("page 2 = %v %q", ids, next)
	}
	ids, _ = ix.Resources("alice", ProjectMembersWrite, KindProject, "", 0)
	if !slices.Equal(ids, []string{"backend-dev", "frontend-dev"}) {
		t.Errorf("alice admin projects = %v", ids)
	}
	ids, _ = ix.Resources("root", ServiceDataWrite, KindService, "", 0)
	if !slices.Equal(ids, []string{"postgres-1", "redis-1"}) {
		t.Errorf("super admin services = %v", ids)
	}
	if e := ix.Effective("root", Org("acme")); e != AllPermissions {
		t.Errorf("super admin effective = %v", e)
	}
	if !ix.IsSuperAdmin("acme", "root") || ix.IsSuperAdmin("acme", "alice") || ix.IsSuperAdmin("nope", "root") {
		t.Error("IsSuperAdmin")
	}
	if st := ix.Stats(); st.Grants != 8 || st.Users != 6 || st.Nodes != 9 || st.Members != 3 || st.SuperAdmins != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestInvalidFactsAreReported(t *testing.T) {
	ix := Build(seedWorld(), 1)
	cases := []struct {
		name string
		c    Change
		want error
	}{
		{"dangling parent", UpsertNode(Project("p"), Unit("ghost")), ErrUnknownNode},
		{"service below unit", UpsertNode(Service("s"), Unit("engineering")), ErrInvalidParent},
		{"organization below something", UpsertNode(Unit("u"), Service("redis-1")), ErrInvalidParent},
		{"cycle", UpsertNode(Unit("engineering"), Unit("engineering")), ErrCycle},
		{"grant to unknown user", SetGrant(UserP("zed"), Org("acme"), SetOf(Admin)), ErrUnknownUser},
		{"grant to unknown group", SetGrant(GroupP("g"), Org("acme"), SetOf(Admin)), ErrUnknownGroup},
		{"grant on unknown node", SetGrant(UserP("bob"), Project("x"), SetOf(Admin)), ErrUnknownNode},
		{"internal ability granted", SetGrant(UserP("bob"), Org("acme"), SetOf(OrganizationSuperAdmin)), ErrNotGrantable},
		{"member of unknown group", AddMember("g", "bob"), ErrUnknownGroup},
		{"unknown op", Change{Op: 99}, ErrInvalidChange},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			nx, err := ix.ApplyChecked(2, []Change{c.c})
			if !errors.Is(err, c.want) {
				t.Fatalf("error %v, want %v", err, c.want)
			}
			if nx.Stats() != ix.Stats() {
				t.Errorf("a refused change altered the facts")
			}
		})
	}
}

func TestCheckDoesNotAllocate(t *testing.T) {
	ix := Build(seedWorld(), 1)
	reqs := []Requirement{{SetOf(ProjectServicesWrite), Service("redis-1")}, {SetOf(Admin), Project("backend-dev")}}
	out := make([]bool, len(reqs))
	for name, f := range map[string]func(){
		"Check allowed": func() { ix.Check("erin", ProjectServicesWrite, Service("redis-1")) },
		"Check denied":  func() { ix.Check("dave", ServiceDataWrite, Service("postgres-1")) },
		"Check group":   func() { ix.Check("bob", ProjectMembersWrite, Project("backend-dev")) },
		"Check unknown": func() { ix.Check("zed", ServiceDataWrite, Service("nope")) },
		"Check super":   func() { ix.Check("root", ServiceDataWrite, Service("postgres-1")) },
		"CheckAny":      func() { ix.CheckAny("erin", SetOf(Developer, Operator), Project("billing")) },
		"CheckBatch":    func() { out = ix.CheckBatch("bob", reqs, out) },
		"Effective":     func() { ix.Effective("alice", Service("postgres-1")) },
		"IsSuperAdmin":  func() { ix.IsSuperAdmin("acme", "root") },
		"Engine.Check":  func() {},
	} {
		if a := testing.AllocsPerRun(1000, f); a != 0 {
			t.Errorf("%s: %v allocs per run, want 0", name, a)
		}
	}
	e := NewEngine()
	if err := e.Load(seedWorld(), 1); err != nil {
		t.Fatal(err)
	}
	if a := testing.AllocsPerRun(1000, func() { e.Check("erin", ProjectServicesWrite, Service("redis-1")) }); a != 0 {
		t.Errorf("Engine.Check: %v allocs per run", a)
	}
}

// TestEngineAtomicSwap has readers check, on one Index, two facts that
// every write batch changes together (the grant moves between two projects
// in a single batch): a reader must always see exactly one of them, and
// revisions must never go backwards. Run with -race.
func TestEngineAtomicSwap(t *testing.T) {
	e := NewEngine()
	if err := e.Load(seedWorld(), 1); err != nil {
		t.Fatal(err)
	}
	if err := e.Apply(2, []Change{SetGrant(UserP("dave"), Project("billing"), SetOf(Developer))}); err != nil {
		t.Fatal(err)
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	var reads atomic.Int64
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			last := int64(0)
			for !stop.Load() {
				ix := e.Index()
				a := ix.Check("dave", ServiceDataWrite, Project("billing"))
				b := ix.Check("dave", ServiceDataWrite, Service("redis-1"))
				if a == b {
					t.Errorf("revision %d: half-applied batch (billing %v, redis-1 %v)", ix.Revision(), a, b)
					return
				}
				if ix.Revision() < last {
					t.Errorf("revision went back from %d to %d", last, ix.Revision())
					return
				}
				last = ix.Revision()
				reads.Add(1)
			}
		}()
	}
	for rev := int64(3); rev < 2000; rev++ {
		from, to := Project("billing"), Project("backend-prod")
		if rev%2 == 0 {
			from, to = to, from
		}
		if err := e.Apply(rev, []Change{SetGrant(UserP("dave"), from, 0), SetGrant(UserP("dave"), to, SetOf(Developer))}); err != nil {
			t.Fatal(err)
		}
		if err := e.Apply(rev-1, []Change{DeleteUser("dave")}); err != nil || !e.Index().Check("dave", ServiceDataWrite, to) {
			t.Fatal("a replayed revision was applied")
		}
	}
	stop.Store(true)
	wg.Wait()
	if e.Revision() != 1999 {
		t.Errorf("revision %d", e.Revision())
	}
	t.Logf("%d consistent reads during 1997 swaps", reads.Load())
}

// TestResourcesCursorAcrossRevisions pages through a user's projects while
// other changes are published between pages (new projects, grants given
// and revoked elsewhere): the pages must stay sorted and without repeats,
// and every project reachable throughout must appear, whichever strategy
// Resources takes.
func TestResourcesCursorAcrossRevisions(t *testing.T) {
	tests := []struct {
		name                   string
		maxHeld, budget, ratio int
	}{
		{"walk", 1 << 20, 1 << 20, 1 << 20},
		{"scan by check", -1, 0, 0},
		{"scan over marks", -1, 0, 1 << 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer SetListingLimits(tc.maxHeld, tc.budget, tc.ratio)()
			e := NewEngine()
			snap := Snapshot{Nodes: []Node{{Resource: Org("o")}}, Users: []User{{ID: "u", Active: true}, {ID: "v", Active: true}}}
			stable := map[string]bool{}
			for i := range 300 {
				p := fmt.Sprintf("p%03d", i*2)
				snap.Nodes = append(snap.Nodes, Node{Resource: Project(p), Parent: Org("o")})
				if i%3 != 0 {
					snap.Grants = append(snap.Grants, Grant{Principal: UserP("u"), Resource: Project(p), Perms: SetOf(ReadOnly)})
					stable[p] = true
				}
			}
			if err := e.Load(snap, 1); err != nil {
				t.Fatal(err)
			}
			var got []string
			cursor := ""
			for page := 0; ; page++ {
				ids, next := e.Index().Resources("u", ProjectServicesRead, KindProject, cursor, 7)
				got = append(got, ids...)
				if next == "" {
					break
				}
				cursor = next
				// Between pages: a new project on either side of the cursor,
				// granted; and a grant given to someone else.
				rev := e.Revision() + 1
				np := fmt.Sprintf("p%03d", (page*37)%600+1)
				if err := e.Apply(rev, []Change{
					UpsertNode(Project(np), Org("o")),
					SetGrant(UserP("u"), Project(np), SetOf(Developer)),
					SetGrant(UserP("v"), Project(fmt.Sprintf("p%03d", page*2)), SetOf(Admin)),
				}); err != nil {
					t.Fatal(err)
				}
			}
			if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
				t.Fatalf("pages not strictly increasing: %v", got)
			}
			seen := map[string]bool{}
			for _, id := range got {
				seen[id] = true
			}
			for p := range stable {
				if !seen[p] {
					t.Errorf("%s reachable throughout but never listed", p)
				}
			}
		})
	}
}
