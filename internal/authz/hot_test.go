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
