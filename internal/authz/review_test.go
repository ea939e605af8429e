package authz

import (
	"fmt"
	"slices"
	"testing"
)

func TestOverlaps(t *testing.T) {
	admin, read := SetOf(MustParse("role:project:admin")), SetOf(MustParse("role:project:read"))
	user := func(id string, r Resource, s Set) Grant { return Grant{Principal: UserP(id), Resource: r, Perms: s} }
	group := func(id string, r Resource, s Set) Grant { return Grant{Principal: GroupP(id), Resource: r, Perms: s} }
	ix := Build(Snapshot{
		Nodes: []Node{
			{Resource: Org("o1")}, {Resource: Org("o2")},
			{Resource: Unit("u1"), Parent: Org("o1")},
			{Resource: Project("p1"), Parent: Unit("u1")},
			{Resource: Project("p2"), Parent: Org("o1")},
			{Resource: Project("q1"), Parent: Org("o2")},
		},
		Users: []User{
			{ID: "alice", Active: true}, {ID: "bob", Active: true}, {ID: "carol", Active: true},
			{ID: "dave", Active: false}, {ID: "erin", Active: true}, {ID: "frank", Active: true}, {ID: "gina", Active: true}, {ID: "hal", Active: true},
		},
		Groups: []Group{{ID: "ga", Org: "o1"}, {ID: "gb", Org: "o1"}, {ID: "gc", Org: "o1"}, {ID: "readers", Org: "o1"}, {ID: "gq", Org: "o2"}},
		Members: []Membership{
			{Group: "ga", User: "alice"}, {Group: "gc", User: "alice"},
			{Group: "ga", User: "bob"}, {Group: "gb", User: "carol"}, {Group: "ga", User: "dave"},
			{Group: "readers", User: "erin"}, {Group: "gq", User: "gina"}, {Group: "gb", User: "hal"},
		},
		Grants: []Grant{
			group("ga", Project("p1"), admin), group("gc", Project("p1"), admin),
			group("gb", Unit("u1"), admin), group("readers", Project("p2"), read), group("gq", Project("q1"), read),
			user("alice", Project("p1"), admin), // covered by ga and gc: listed once, with ga
			user("bob", Project("p2"), admin),   // ga's grant is on another resource
			user("carol", Project("p1"), admin), // gb's grant is inherited from the unit
			user("dave", Project("p1"), read),   // deactivated: the grant returns with him
			user("erin", Project("p2"), admin),  // the group's read does not cover admin
			user("frank", Project("p1"), admin), // in no group
			user("gina", Project("q1"), read),   // another organization
			user("hal", Unit("u1"), admin),      // on the unit itself: listed before projects
		},
	}, 1)
	for _, tc := range []struct {
		name          string
		org           string
		offset, limit int
		want          []string
		total         int
	}{
		{"all", "o1", 0, 10, []string{"hal gb unit/u1 [role:project:admin]", "alice ga project/p1 [role:project:admin]", "dave ga project/p1 [role:project:read]"}, 3},
		{"second page", "o1", 1, 1, []string{"alice ga project/p1 [role:project:admin]"}, 3},
		{"past the end", "o1", 5, 10, nil, 3},
		{"other organization", "o2", 0, 10, []string{"gina gq project/q1 [role:project:read]"}, 1},
		{"unknown organization", "o3", 0, 10, nil, 0},
		{"no page", "o1", 0, 0, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page, total := ix.Overlaps(tc.org, tc.offset, tc.limit)
			var got []string
			for _, o := range page {
				got = append(got, fmt.Sprintf("%s %s %s %s", o.User, o.Group, o.Resource, o.Perms))
			}
			if !slices.Equal(got, tc.want) || total != tc.total {
				t.Errorf("Overlaps(%q, %d, %d) = %q, %d; want %q, %d", tc.org, tc.offset, tc.limit, got, total, tc.want, tc.total)
			}
		})
	}
}
