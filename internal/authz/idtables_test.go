package authz

import (
	"fmt"
	"slices"
	"testing"
	"unsafe"
)

func idWorld() Snapshot {
	return Snapshot{
		Nodes: []Node{
			{Resource: Org("o")},
			{Resource: Unit("u1"), Parent: Org("o")},
			{Resource: Unit("u2"), Parent: Org("o")},
			{Resource: Project("p"), Parent: Unit("u1")},
		},
		Users:       []User{{ID: "alice", Active: true}, {ID: "bob", Active: true}, {ID: "root", Active: true}},
		SuperAdmins: []SuperAdmin{{Org: "o", User: "root"}},
		Groups:      []Group{{ID: "g", Org: "o"}},
		Members:     []Membership{{Group: "g", User: "bob"}},
		Grants:      []Grant{{Principal: UserP("alice"), Resource: Project("p"), Perms: SetOf(Developer)}},
	}
}

// An Apply shares its parent's ID tables unless it adds an ID, and one
// that adds an ID leaves the parent's tables as they were.
func TestIDTablesShared(t *testing.T) {
	tests := []struct {
		name    string
		changes []Change
		shared  bool
		newUser string   // resolves in the child only
		newNode Resource // resolves in the child only
		newGrp  string   // resolves in the child only
	}{
		{name: "grant", changes: []Change{SetGrant(UserP("bob"), Project("p"), SetOf(Admin))}, shared: true},
		{name: "member", changes: []Change{AddMember("g", "alice")}, shared: true},
		{name: "move", changes: []Change{UpsertNode(Project("p"), Unit("u2"))}, shared: true},
		{name: "user flag", changes: []Change{SetUser("alice", false)}, shared: true},
		{name: "delete and revive user", changes: []Change{DeleteUser("bob"), SetUser("bob", true)}, shared: true},
		{name: "new user", changes: []Change{SetUser("carol", true)}, newUser: "carol"},
		{name: "new project", changes: []Change{UpsertNode(Project("q"), Unit("u2"))}, newNode: Project("q")},
		{name: "new group", changes: []Change{UpsertGroup("h", "o")}, newGrp: "h"},
		{name: "new user in a batch", changes: []Change{
			SetGrant(UserP("bob"), Project("p"), SetOf(Admin)),
			SetUser("dave", true),
			SetGrant(UserP("dave"), Project("p"), SetOf(ReadOnly)),
		}, newUser: "dave"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ix := Build(idWorld(), 1)
			before := *ix.ids
			nx, err := ix.ApplyChecked(2, tc.changes)
			if err != nil {
				t.Fatal(err)
			}
			if got := nx.ids == ix.ids; got != tc.shared {
				t.Fatalf("tables shared: %v, want %v", got, tc.shared)
			}
			if *ix.ids != before {
				t.Fatal("the parent's ID tables changed")
			}
			if tc.newUser != "" {
				if _, ok := ix.userIdx(tc.newUser); ok {
					t.Errorf("parent resolves user %q", tc.newUser)
				}
				if _, ok := nx.userIdx(tc.newUser); !ok {
					t.Errorf("child does not resolve user %q", tc.newUser)
				}
			}
			if tc.newNode.ID != "" {
				if _, ok := ix.nodeIdx(tc.newNode); ok {
					t.Errorf("parent resolves node %v", tc.newNode)
				}
				if _, ok := nx.nodeIdx(tc.newNode); !ok {
					t.Errorf("child does not resolve node %v", tc.newNode)
				}
			}
			if tc.newGrp != "" {
				if _, ok := ix.groupIdx(tc.newGrp); ok {
					t.Errorf("parent resolves group %q", tc.newGrp)
				}
				if _, ok := nx.groupIdx(tc.newGrp); !ok {
					t.Errorf("child does not resolve group %q", tc.newGrp)
				}
			}
			for _, x := range []*Index{ix, nx} {
				for _, u := range []string{"alice", "bob"} {
					if _, ok := x.userIdx(u); !ok {
						t.Errorf("rev %d: user %q lost", x.Revision(), u)
					}
				}
			}
		})
	}
}

// Old revisions keep resolving exactly the IDs they knew while later ones
// add IDs past several table rebuilds (every 256 or so new IDs).
func TestIDTablesPersistence(t *testing.T) {
	ix := Build(idWorld(), 1)
	held := []*Index{ix}
	const n = 700
	for i := range n {
		u, p := fmt.Sprintf("user%d", i), fmt.Sprintf("proj%d", i)
		ix = ix.Apply(int64(i+2), []Change{
			SetUser(u, true),
			UpsertNode(Project(p), Unit("u1")),
			SetGrant(UserP(u), Project(p), SetOf(Developer)),
		})
		held = append(held, ix)
	}
	for k, x := range held {
		// x holds user0..user(k-1) and proj0..proj(k-1).
		for i := range n {
			u, p := fmt.Sprintf("user%d", i), fmt.Sprintf("proj%d", i)
			want := i < k
			if got := x.Check(u, ProjectServicesRead, Project(p)); got != want {
				t.Fatalf("rev %d: Check(%s, %s) = %v, want %v", x.Revision(), u, p, got, want)
			}
			if _, got := x.nodeIdx(Project(p)); got != want {
				t.Fatalf("rev %d: project %s resolves %v, want %v", x.Revision(), p, got, want)
			}
		}
		ids, _ := x.Resources("user0", ProjectServicesRead, KindProject, "", 10)
		if want := min(k, 1); len(ids) != want {
			t.Fatalf("rev %d: user0 lists %v, want %d projects", x.Revision(), ids, want)
		}
		projects, _ := x.Resources("alice", ProjectServicesRead, KindProject, "", 10)
		if !slices.Equal(projects, []string{"p"}) {
			t.Fatalf("rev %d: alice lists %v", x.Revision(), projects)
		}
		// A super admin's listing scans the sorted order and the overlay.
		want := []string{"p"}
		for i := range k {
			want = append(want, fmt.Sprintf("proj%d", i))
		}
		slices.Sort(want)
		var all []string
		for after := ""; ; {
			page, next := x.Resources("root", ProjectServicesRead, KindProject, after, 100)
			all = append(all, page...)
			if next == "" {
				break
			}
			after = next
		}
		if !slices.Equal(all, want) {
			t.Fatalf("rev %d: root lists %d projects, want %d", x.Revision(), len(all), len(want))
		}
	}
}

// The zero Index (an Engine's before its first Load) answers no and can
// be applied to.
func TestIDTablesZeroIndex(t *testing.T) {
	var zero Index
	if zero.Check("alice", ProjectServicesRead, Project("p")) {
		t.Fatal("zero Index allows")
	}
	ix := zero.Apply(1, SnapshotChanges(idWorld()))
	if !ix.Check("alice", ProjectServicesRead, Project("p")) {
		t.Fatal("alice denied after Apply to the zero Index")
	}
	if zero.ids != nil {
		t.Fatal("Apply wrote the zero Index's ID tables")
	}
}

// Every Apply allocates and copies an Index: what rarely changes stays
// behind pointers (ids, the vectors' chunk directories), so that the copy
// fits a 256-byte size class at most (192 bytes with four vectors).
func TestIndexSize(t *testing.T) {
	if got := unsafe.Sizeof(Index{}); got > 256 {
		t.Fatalf("Index is %d bytes, want at most 256", got)
	}
}
