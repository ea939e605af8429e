package authz

import (
	"fmt"
	"testing"
	"unsafe"
)

// The layout is the point of the hot records: a node in half a cache line,
// a user in two.
func TestHotRecordSizes(t *testing.T) {
	tests := []struct {
		name      string
		got, want uintptr
	}{
		{"nodeHot", unsafe.Sizeof(nodeHot{}), 32},
		{"userHot", unsafe.Sizeof(userHot{}), 128},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Fatalf("size %d, want %d", tc.got, tc.want)
			}
		})
	}
}

// TestSetTableOverflow gives 300 users each a distinct permission set:
// past 256 interned sets the newcomers spill to their full records, and
// every check still agrees with Effective (which reads full records only).
// An Apply that interns one more set must leave the parent's table alone.
func TestSetTableOverflow(t *testing.T) {
	var grantable []Permission
	for _, in := range Catalogue() {
		// Leaves only (no role), so distinct sets stay distinct expanded.
		if in.Grantable() && in.Perm.bit().Expand() == in.Perm.bit() {
			grantable = append(grantable, in.Perm)
		}
	}
	s := Snapshot{Nodes: []Node{{Resource: Org("o")}, {Resource: Project("p"), Parent: Org("o")}}}
	for i := range 300 {
		u := fmt.Sprintf("u%d", i)
		var set Set
		for j, p := range grantable[:9] {
			if (i+1)&(1<<j) != 0 {
				set |= p.bit()
			}
		}
		s.Users = append(s.Users, User{ID: u, Active: true})
		s.Grants = append(s.Grants, Grant{Principal: UserP(u), Resource: Project("p"), Perms: set})
	}
	ix := Build(s, 1)
	spilledUsers := 0
	for i := range int32(ix.users.Len()) {
		if ix.users.at(i).hot.nGrants == spilled {
			spilledUsers++
		}
	}
	if len(ix.sets.sets) > 256 {
		t.Fatalf("%d interned sets", len(ix.sets.sets))
	}
	distinct := map[Set]bool{}
	for _, g := range s.Grants {
		distinct[g.Perms.Expand()] = true
	}
	if len(distinct) <= 256 {
		t.Fatalf("only %d distinct sets: the test needs more than 256", len(distinct))
	}
	if want := len(distinct) - 256; spilledUsers < want {
		t.Fatalf("%d users spilled, want at least %d (%d distinct sets)", spilledUsers, want, len(distinct))
	}
	before := len(ix.sets.sets)
	nx := ix.Apply(2, []Change{SetUser("new", true), SetGrant(UserP("new"), Project("p"), SetOf(grantable[0]))})
	if len(ix.sets.sets) != before {
		t.Fatal("Apply changed its parent's set table")
	}
	for _, x := range []*Index{ix, nx} {
		for i := range 300 {
			u := fmt.Sprintf("u%d", i)
			eff := x.Effective(u, Project("p"))
			for _, p := range grantable {
				if got := x.Check(u, p, Project("p")); got != eff.Has(p) {
					t.Fatalf("Check(%s, %v) = %v, Effective has it: %v", u, p, got, eff.Has(p))
				}
			}
		}
	}
	if !nx.Check("new", grantable[0], Project("p")) {
		t.Fatal("new grant not visible")
	}
}

// TestHotGrantsAcrossSpilling takes a user from inline grants to spilled
// and back, one grant at a time, changing sets on the way: each revision
// re-derives the check-path record from the one it replaces, which must
// agree with the full record whatever the previous form was.
func TestHotGrantsAcrossSpilling(t *testing.T) {
	s := Snapshot{Nodes: []Node{{Resource: Org("o")}}, Users: []User{{ID: "u", Active: true}}}
	const n = inlineGrantsMax + 3
	for i := range n {
		s.Nodes = append(s.Nodes, Node{Resource: Project(fmt.Sprintf("p%02d", i)), Parent: Org("o")})
	}
	ix := Build(s, 1)
	sets := []Set{SetOf(ReadOnly), SetOf(Developer), SetOf(ProjectServicesRead), SetOf(Admin)}
	want := map[string]Set{}
	rev := int64(1)
	step := func(p string, set Set) {
		t.Helper()
		rev++
		ix = ix.Apply(rev, []Change{SetGrant(UserP("u"), Project(p), set)})
		if set == 0 {
			delete(want, p)
		} else {
			want[p] = set
		}
		for i := range n {
			p := fmt.Sprintf("p%02d", i)
			for _, perm := range []Permission{ProjectServicesRead, ProjectServicesWrite, ProjectPermissionsRead} {
				if got, w := ix.Check("u", perm, Project(p)), want[p].Expand().Has(perm); got != w {
					t.Fatalf("revision %d (%d grants): Check(u, %v, %s) = %v, want %v", rev, len(want), perm, p, got, w)
				}
			}
		}
	}
	for i := range n { // up past the inline limit
		step(fmt.Sprintf("p%02d", i), sets[i%len(sets)])
	}
	for i := range n { // every set changed, in and out of the inline form
		step(fmt.Sprintf("p%02d", (i*5)%n), sets[(i+1)%len(sets)])
	}
	for i := range n { // down to none
		step(fmt.Sprintf("p%02d", n-1-i), 0)
	}
}

// TestOwnFilter checks the filter a walk uses to skip scanning a user's
// inline grants: exactly the bits of the nodes whose grant gives something
// in need, none for a user without grants, all for a spilled user (whose
// grants are not inline). A missing bit would hide a grant; a stray one
// only costs a scan, which is why it is tested here and not by checks.
func TestOwnFilter(t *testing.T) {
	s := Snapshot{
		Nodes: []Node{{Resource: Org("o")}, {Resource: Project("p1"), Parent: Org("o")},
			{Resource: Project("p2"), Parent: Org("o")}, {Resource: Project("p3"), Parent: Org("o")}},
		Users: []User{{ID: "u", Active: true}, {ID: "none", Active: true}, {ID: "many", Active: true}},
		Grants: []Grant{
			{Principal: UserP("u"), Resource: Project("p1"), Perms: SetOf(ProjectServicesRead)},
			{Principal: UserP("u"), Resource: Project("p2"), Perms: SetOf(ServiceDataWrite)},
			{Principal: UserP("u"), Resource: Project("p3"), Perms: SetOf(ProjectServicesRead, ServiceDataWrite)},
		},
	}
	for i := range inlineGrantsMax + 1 {
		p := fmt.Sprintf("q%d", i)
		s.Nodes = append(s.Nodes, Node{Resource: Project(p), Parent: Org("o")})
		s.Grants = append(s.Grants, Grant{Principal: UserP("many"), Resource: Project(p), Perms: SetOf(ProjectServicesRead)})
	}
	ix := Build(s, 1)
	bits := func(ps ...string) uint64 {
		var f uint64
		for _, p := range ps {
			n, ok := ix.nodeIdx(Project(p))
			if !ok {
				t.Fatalf("no project %s", p)
			}
			f |= nodeBit(n)
		}
		return f
	}
	tests := []struct {
		name string
		user string
		need Set
		want uint64
	}{
		{"read", "u", SetOf(ProjectServicesRead), bits("p1", "p3")},
		{"write", "u", SetOf(ServiceDataWrite), bits("p2", "p3")},
		{"either", "u", SetOf(ProjectServicesRead, ServiceDataWrite), bits("p1", "p2", "p3")},
		{"neither", "u", SetOf(ServiceLogsRead), 0},
		{"no grants", "none", SetOf(ProjectServicesRead), 0},
		{"spilled", "many", SetOf(ServiceLogsRead), ^uint64(0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ui, ok := ix.userIdx(tc.user)
			if !ok {
				t.Fatalf("no user %s", tc.user)
			}
			if got := ix.ownFilter(&ix.users.at(ui).hot, tc.need); got != tc.want {
				t.Fatalf("ownFilter = %#x, want %#x", got, tc.want)
			}
		})
	}
}
