package control

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/store/sqlstore"
)

// readCounter counts read transactions, to see which checks open none.
type readCounter struct {
	store.Store
	reads atomic.Int64
}

func (c *readCounter) Read(ctx context.Context, fn func(store.Reader) error) error {
	c.reads.Add(1)
	return c.Store.Read(ctx, fn)
}

// countingFixture is newFixture on a SQLite store whose read
// transactions are counted.
func countingFixture(t *testing.T) (*fixture, *readCounter) {
	t.Helper()
	st, err := sqlstore.Open(t.Context(), filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	rc := &readCounter{Store: st}
	f, _ := newFixtureOn(t, rc)
	return f, rc
}

// TestCheckInMemory: a batch check by a super admin, or by a member whose
// membership this server found within tokenCacheTTL, is answered without a
// store transaction; anything the in-memory path cannot decide (a denial,
// an unknown resource, another principal the caller may not ask about)
// still goes through the store with its usual answer, and a removal
// committed on this server is refused by the very next check.
func TestCheckInMemory(t *testing.T) {
	t.Parallel()
	f, rc := countingFixture(t)
	ctx := t.Context()
	if _, err := f.p.CreateProject(ctx, f.admin, f.org.ID, ProjectInput{Name: "p1"}); err != nil {
		t.Fatal(err)
	}
	alice := f.member(t, "alice@example.com")
	bob := f.member(t, "bob@example.com")
	if err := f.p.SetPermissions(ctx, f.admin, f.org.ID, grant.ResourceProject, "p1",
		[]PrincipalPermissions{{grant.PrincipalUser, alice.User.ID, []string{"developer"}}}); err != nil {
		t.Fatal(err)
	}
	ask := func(user, perm, rtype, rid string) AccessCheck {
		return AccessCheck{UserID: user, Permission: perm, Resource: AccessResource{Type: rtype, ID: rid}}
	}
	cases := []struct {
		name      string
		actor     *Actor
		checks    []AccessCheck
		wantErr   error
		want      []bool
		wantReads int64 // of the second of two identical calls
	}{
		{"super admin", f.admin, []AccessCheck{ask(f.admin.User.ID, "admin", "project", "p1"), ask(alice.User.ID, "project:services:read", "project", "p1")}, nil, []bool{true, true}, 0},
		{"member about itself", alice, []AccessCheck{ask(alice.User.ID, "project:services:read", "project", "p1")}, nil, []bool{true}, 0},
		{"member denied: through the store", alice, []AccessCheck{ask(alice.User.ID, "admin", "project", "p1")}, nil, []bool{false}, 1},
		{"member about another: refused by the store", bob, []AccessCheck{ask(alice.User.ID, "admin", "project", "p1")}, ErrForbidden, nil, 1},
		{"unknown project: worded by the store", f.admin, []AccessCheck{ask(f.admin.User.ID, "admin", "project", "nope")}, ErrNotFound, nil, 1},
		{"member without grants", bob, []AccessCheck{ask(bob.User.ID, "project:services:read", "project", "p1")}, nil, []bool{false}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for call := range 2 {
				before := rc.reads.Load()
				out, _, err := f.p.Check(ctx, tc.actor, f.org.ID, tc.checks, 0)
				if tc.wantErr != nil {
					wantErr(t, err, tc.wantErr)
				} else if err != nil {
					t.Fatal(err)
				}
				if len(out) != len(tc.want) {
					t.Fatalf("answers %v, want %v", out, tc.want)
				}
				for i := range out {
					if out[i] != tc.want[i] {
						t.Fatalf("answers %v, want %v", out, tc.want)
					}
				}
				if reads := rc.reads.Load() - before; call == 1 && reads != tc.wantReads {
					t.Errorf("second call opened %d read transactions, want %d", reads, tc.wantReads)
				}
			}
		})
	}

	// Removal on this server: refused at once, though alice's membership
	// was cached a moment ago.
	mine := []AccessCheck{ask(alice.User.ID, "project:services:read", "project", "p1")}
	if _, _, err := f.p.Check(ctx, alice, f.org.ID, mine, 0); err != nil {
		t.Fatal(err)
	}
	if !f.p.members.has(f.org.ID, alice.User.ID, time.Now()) {
		t.Fatal("alice's membership is not cached")
	}
	// Any write empties the cache (it may have removed a membership), and
	// a membership read before the write is not cached after it.
	gen := f.p.members.generation()
	if _, err := f.p.CreateProject(ctx, f.admin, f.org.ID, ProjectInput{Name: "p2"}); err != nil {
		t.Fatal(err)
	}
	f.p.members.put(f.org.ID, alice.User.ID, time.Now(), gen)
	if f.p.members.has(f.org.ID, alice.User.ID, time.Now()) {
		t.Fatal("a write left alice's membership cached")
	}
	if err := f.p.RemoveMember(ctx, f.admin, f.org.ID, alice.User.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err := f.p.Check(ctx, alice, f.org.ID, mine, 0)
	wantErr(t, err, ErrForbidden)
}

// TestCheckInMemoryMembershipBound: a membership removed on another server
// (a second plane over the same store) stops being accepted within
// tokenCacheTTL, even when the removal changed nothing in the change log
// (a member with no grants or groups), which is the bound.
func TestCheckInMemoryMembershipBound(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Now()}
	a := newFixture(t)
	b, _ := newFixtureOn(t, a.p.store.(seamStore).Store, WithClock(clock.Now))
	ctx := t.Context()
	if _, err := a.p.CreateProject(ctx, a.admin, a.org.ID, ProjectInput{Name: "p1"}); err != nil {
		t.Fatal(err)
	}
	carol := a.member(t, "carol@example.com")
	if err := b.p.sync(ctx); err != nil {
		t.Fatal(err)
	}
	// carol may ask (and is told no: she holds nothing, since a grant would
	// reach the change log), so b caches her membership.
	mine := []AccessCheck{{UserID: carol.User.ID, Permission: "project:services:read", Resource: AccessResource{Type: "project", ID: "p1"}}}
	if _, _, err := b.p.Check(ctx, carol, a.org.ID, mine, 0); err != nil {
		t.Fatal(err)
	}
	if !b.p.members.has(a.org.ID, carol.User.ID, clock.Now()) {
		t.Fatal("b did not remember carol's membership")
	}
	if err := a.p.RemoveMember(ctx, a.admin, a.org.ID, carol.User.ID); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		advance time.Duration
		cached  bool
	}{
		{"within the bound", tokenCacheTTL / 2, true},
		{"past the bound", tokenCacheTTL, false},
	} {
		clock.Add(tc.advance)
		if got := b.p.members.has(a.org.ID, carol.User.ID, clock.Now()); got != tc.cached {
			t.Fatalf("%s: cached = %v, want %v", tc.name, got, tc.cached)
		}
	}
	_, _, err := b.p.Check(ctx, carol, a.org.ID, mine, 0)
	wantErr(t, err, ErrForbidden)
}

// TestCheckInMemoryManyPairs: a batch over more (principal, resource)
// pairs than the in-memory path remembers answers each check as the
// engine does, still without a store transaction.
func TestCheckInMemoryManyPairs(t *testing.T) {
	t.Parallel()
	f, rc := countingFixture(t)
	ctx := t.Context()
	alice := f.member(t, "alice@example.com")
	var checks []AccessCheck
	for i := range 12 {
		name := fmt.Sprintf("p%d", i)
		if _, err := f.p.CreateProject(ctx, f.admin, f.org.ID, ProjectInput{Name: name}); err != nil {
			t.Fatal(err)
		}
		if err := f.p.SetPermissions(ctx, f.admin, f.org.ID, grant.ResourceProject, name,
			[]PrincipalPermissions{{grant.PrincipalUser, alice.User.ID, []string{"admin"}}}); err != nil {
			t.Fatal(err)
		}
		for _, u := range []string{f.admin.User.ID, alice.User.ID} {
			for _, perm := range []string{"project:services:read", "project:services:write", "service:data:write"} {
				checks = append(checks, AccessCheck{UserID: u, Permission: perm, Resource: AccessResource{Type: "project", ID: name}})
			}
		}
	}
	// The first batch fills the policy cache through the store.
	if _, _, err := f.p.Check(ctx, f.admin, f.org.ID, checks, 0); err != nil {
		t.Fatal(err)
	}
	before := rc.reads.Load()
	out, _, err := f.p.Check(ctx, f.admin, f.org.ID, checks, 0)
	if err != nil {
		t.Fatal(err)
	}
	if reads := rc.reads.Load() - before; reads != 0 {
		t.Errorf("opened %d read transactions, want none", reads)
	}
	ix := f.p.engine.Index()
	for i, c := range checks {
		perm, _ := authz.Parse(c.Permission)
		if want := ix.Check(c.UserID, perm, projectRes(c.Resource.ID)); out[i] != want || !want {
			t.Errorf("checks[%d] %+v = %v, engine says %v", i, c, out[i], want)
		}
	}
}

// TestCheckKeepsNoStrings holds Check to its promise that the caller may
// reuse the memory of the checks' strings once it returns (the API decodes
// them in place in a body buffer it reuses): questions whose strings live
// in one buffer are asked on every path (in memory, denied through the
// store, refused, unknown resource), the buffer is overwritten, and the
// same questions asked again with fresh strings get the same answers and
// the errors of the first round still read as they did.
func TestCheckKeepsNoStrings(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	if _, err := f.p.CreateProject(ctx, f.admin, f.org.ID, ProjectInput{Name: "p1"}); err != nil {
		t.Fatal(err)
	}
	alice := f.member(t, "alice@example.com")
	bob := f.member(t, "bob@example.com")
	if err := f.p.SetPermissions(ctx, f.admin, f.org.ID, grant.ResourceProject, "p1",
		[]PrincipalPermissions{{grant.PrincipalUser, alice.User.ID, []string{"developer"}}}); err != nil {
		t.Fatal(err)
	}
	type question struct {
		name                   string
		actor                  *Actor
		user, perm, rtype, rid string
	}
	questions := []question{
		{"in memory", alice, alice.User.ID, "project:services:read", "project", "p1"},
		{"denied through the store", alice, alice.User.ID, "admin", "project", "p1"},
		{"refused by the store", bob, alice.User.ID, "admin", "project", "p1"},
		{"unknown project", f.admin, f.admin.User.ID, "admin", "project", "nope"},
		{"unknown service", f.admin, f.admin.User.ID, "admin", "service", "p1/nope"},
		{"bad permission", alice, alice.User.ID, "no:such", "project", "p1"},
	}
	type answer struct {
		out []bool
		err error
		msg string
	}
	ask := func(q question, borrowed bool) answer {
		s := []string{q.user, q.perm, q.rtype, q.rid}
		var buf []byte
		if borrowed {
			for _, x := range s {
				buf = append(buf, x...)
			}
			at := 0
			for i, x := range s {
				s[i] = unsafe.String(&buf[at], len(x))
				at += len(x)
			}
		}
		checks := []AccessCheck{{UserID: s[0], Permission: s[1], Resource: AccessResource{Type: s[2], ID: s[3]}}}
		out, _, err := f.p.Check(ctx, q.actor, f.org.ID, checks, 0)
		a := answer{out: out, err: err}
		if err != nil {
			a.msg = err.Error()
		}
		// Asked twice, so the second call finds what the first cached.
		if _, _, err := f.p.Check(ctx, q.actor, f.org.ID, checks, 0); (err == nil) != (a.err == nil) {
			t.Fatalf("%s: second call answered %v, first %v", q.name, err, a.err)
		}
		for i := range buf {
			buf[i] = 'x'
		}
		return a
	}
	first := make([]answer, len(questions))
	for i, q := range questions {
		first[i] = ask(q, true)
	}
	for i, q := range questions {
		again := ask(q, false)
		if fmt.Sprint(again.out) != fmt.Sprint(first[i].out) || again.msg != first[i].msg {
			t.Errorf("%s: answered %v %q, then %v %q after the first question's memory was overwritten", q.name, first[i].out, first[i].msg, again.out, again.msg)
		}
		if first[i].err != nil && first[i].err.Error() != first[i].msg {
			t.Errorf("%s: error now reads %q, was %q", q.name, first[i].err.Error(), first[i].msg)
		}
	}
}

func TestCloneChecks(t *testing.T) {
	for _, tc := range []struct {
		name   string
		checks []AccessCheck
	}{
		{"none", nil},
		{"one", []AccessCheck{{UserID: "u1", Permission: "admin", Resource: AccessResource{Type: "project", ID: "p1"}}}},
		{"empty strings", []AccessCheck{{}, {UserID: "u"}, {Resource: AccessResource{ID: "x"}}}},
		{"several", []AccessCheck{
			{UserID: "u1", Permission: "admin", Resource: AccessResource{Type: "project", ID: "p1"}},
			{UserID: "u22", Permission: "project:services:read", Resource: AccessResource{Type: "service", ID: "p1/s"}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := cloneChecks(tc.checks)
			if len(got) != len(tc.checks) {
				t.Fatalf("got %d checks, want %d", len(got), len(tc.checks))
			}
			for i := range got {
				if got[i] != tc.checks[i] {
					t.Errorf("check %d: got %+v, want %+v", i, got[i], tc.checks[i])
				}
				if s := got[i].Resource.ID; s != "" && unsafe.StringData(s) == unsafe.StringData(tc.checks[i].Resource.ID) {
					t.Errorf("check %d shares its resource ID's memory", i)
				}
			}
		})
	}
}
