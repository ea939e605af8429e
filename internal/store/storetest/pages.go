package storetest

import (
	"fmt"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

func testMemberPages(t *testing.T, open Opener) {
	s := open(t)
	// org1 has five people and one application user; org2 shares one
	// person and has one of its own, which org1's pages never show.
	people := []struct {
		id, email, name, state string
		active                 int // seconds after base; 0 for never
		joined                 int
		app                    bool
	}{
		{"u1", "carol@example.com", "Carol Ames", identity.StateActive, 30, 5, false},
		{"u2", "alice@example.com", "alice Zorn", identity.StateDeactivated, 10, 3, false},
		{"u3", "bob@example.com", "Bob Young", identity.StateActive, 0, 4, false},
		{"u4", "alfred@example.net", "Carl Alfred", identity.StateActive, 20, 1, false},
		{"u5", "dave@example.com", "Dave Bo", identity.StateActive, 40, 2, false},
		{"u6", "app@applications.example", "Alpha App", identity.StateActive, 0, 6, true},
		{"u7", "al@other.example", "Al Other", identity.StateActive, 0, 1, false},
	}
	users := map[string]identity.User{}
	write(t, s, func(tx store.Tx) error {
		for _, id := range []string{"org1", "org2"} {
			if err := seedOrg(tx, id); err != nil {
				return err
			}
		}
		for _, p := range people {
			u := newUser(p.id, p.email)
			u.RealName, u.State, u.IsApplication = p.name, p.state, p.app
			if p.active > 0 {
				u.LastActivity = ptr(at(p.active))
			}
			if err := tx.CreateUser(u); err != nil {
				return err
			}
			users[u.ID] = u
			orgID := "org1"
			if p.id == "u7" {
				orgID = "org2"
			}
			if err := tx.AddMember(identity.Membership{OrganizationID: orgID, UserID: u.ID, JoinTime: at(p.joined)}); err != nil {
				return err
			}
		}
		return tx.AddMember(identity.Membership{OrganizationID: "org2", UserID: "u1", JoinTime: at(9)})
	})
	cases := []struct {
		name  string
		f     store.MemberFilter
		want  []string // user IDs, in order
		total int
	}{
		{"by email", store.MemberFilter{Limit: 10}, []string{"u4", "u2", "u3", "u1", "u5"}, 5},
		{"by email, descending", store.MemberFilter{Desc: true, Limit: 10}, []string{"u5", "u1", "u3", "u2", "u4"}, 5},
		{"with applications", store.MemberFilter{IncludeApps: true, Limit: 10}, []string{"u4", "u2", "u6", "u3", "u1", "u5"}, 6},
		{"second page", store.MemberFilter{Offset: 2, Limit: 2}, []string{"u3", "u1"}, 5},
		{"past the end", store.MemberFilter{Offset: 5, Limit: 2}, nil, 5},
		{"by name, ignoring case", store.MemberFilter{Sort: store.MemberSortName, Limit: 10}, []string{"u2", "u3", "u4", "u1", "u5"}, 5},
		{"by name, descending", store.MemberFilter{Sort: store.MemberSortName, Desc: true, Limit: 2}, []string{"u5", "u1"}, 5},
		{"by state, then email", store.MemberFilter{Sort: store.MemberSortState, Limit: 10}, []string{"u4", "u3", "u1", "u5", "u2"}, 5},
		{"by activity, never first", store.MemberFilter{Sort: store.MemberSortActivity, Limit: 10}, []string{"u3", "u2", "u4", "u1", "u5"}, 5},
		{"by join time", store.MemberFilter{Sort: store.MemberSortJoined, Desc: true, Limit: 10}, []string{"u1", "u3", "u2", "u5", "u4"}, 5},
		{"email prefix", store.MemberFilter{Search: "al", Limit: 10}, []string{"u4", "u2"}, 2},
		{"name prefix, any case", store.MemberFilter{Search: "CAR", Limit: 10}, []string{"u4", "u1"}, 2},
		{"prefix of email or name", store.MemberFilter{Search: "a", IncludeApps: true, Limit: 10}, []string{"u4", "u2", "u6"}, 3},
		{"user ID", store.MemberFilter{Search: "u3", Limit: 10}, []string{"u3"}, 1},
		{"no match", store.MemberFilter{Search: "zz", Limit: 10}, nil, 0},
		{"not a substring", store.MemberFilter{Search: "example", Limit: 10}, nil, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.f.OrganizationID = "org1"
			var (
				rows  []store.MemberUser
				total int
			)
			read(t, s, func(tx store.Reader) (err error) {
				rows, total, err = tx.ListMemberPage(c.f)
				return err
			})
			var got []string
			for _, r := range rows {
				got = append(got, r.User.ID)
				equal(t, "user of "+r.User.ID, r.User, users[r.User.ID])
				if r.Membership.OrganizationID != "org1" || r.Membership.UserID != r.User.ID {
					t.Errorf("membership %+v beside user %s", r.Membership, r.User.ID)
				}
			}
			equal(t, "page", got, c.want)
			equal(t, "total", total, c.total)
		})
	}
	m := readVal(t, s, func(tx store.Reader) ([]store.MemberUser, error) {
		rows, _, err := tx.ListMemberPage(store.MemberFilter{OrganizationID: "org1", Search: "u1", Limit: 1})
		return rows, err
	})
	equal(t, "membership", m, []store.MemberUser{{Membership: identity.Membership{OrganizationID: "org1", UserID: "u1", JoinTime: at(5)}, User: users["u1"]}})
	// Members by ID: only org1's, each once, in ID order; unknown IDs and
	// another organization's people are left out.
	equal(t, "ListMembersByID", readVal(t, s, func(tx store.Reader) ([]store.MemberUser, error) {
		return tx.ListMembersByID("org1", []string{"u6", "u7", "nobody", "u1", "u6"})
	}), []store.MemberUser{
		{Membership: identity.Membership{OrganizationID: "org1", UserID: "u1", JoinTime: at(5)}, User: users["u1"]},
		{Membership: identity.Membership{OrganizationID: "org1", UserID: "u6", JoinTime: at(6)}, User: users["u6"]},
	})
	equal(t, "ListMembersByID of none", readVal(t, s, func(tx store.Reader) ([]store.MemberUser, error) {
		return tx.ListMembersByID("org1", nil)
	}), []store.MemberUser{})
	// Totals follow removals, also those cascading from a deleted user.
	write(t, s, func(tx store.Tx) error {
		if err := tx.RemoveMember("org1", "u5"); err != nil {
			return err
		}
		return tx.DeleteUser("u3")
	})
	equal(t, "total after removals", readVal(t, s, func(tx store.Reader) (int, error) {
		_, total, err := tx.ListMemberPage(store.MemberFilter{OrganizationID: "org1", IncludeApps: true, Limit: 1})
		return total, err
	}), 4)
	write(t, s, func(tx store.Tx) error {
		return tx.AddMember(identity.Membership{OrganizationID: "org1", UserID: "u7", JoinTime: at(1)})
	})
	equal(t, "total after an addition", readVal(t, s, func(tx store.Reader) (int, error) {
		_, total, err := tx.ListMemberPage(store.MemberFilter{OrganizationID: "org1", Limit: 1})
		return total, err
	}), 4)
	for _, bad := range []store.MemberFilter{{OrganizationID: "org1"}, {OrganizationID: "org1", Limit: 1, Offset: -1}, {OrganizationID: "org1", Limit: 1, Sort: "password"}} {
		if err := s.Read(t.Context(), func(tx store.Reader) error { _, _, err := tx.ListMemberPage(bad); return err }); err == nil {
			t.Errorf("ListMemberPage(%+v) did not fail", bad)
		}
	}
}

// testMemberDetails: a page's profiles, two-factor states and groups of
// one organization, read together.
func testMemberDetails(t *testing.T, open Opener) {
	s := open(t)
	prof := identity.Profile{UserID: "u1", JobTitle: "Engineer", Department: "Platform", City: "Oslo", Country: "NO"}
	g1, g2, g3 := newGroup("org1", "ug1", "zeta"), newGroup("org1", "ug2", "alpha"), newGroup("org2", "ug3", "other")
	write(t, s, func(tx store.Tx) error {
		for _, id := range []string{"org1", "org2"} {
			if err := seedOrg(tx, id); err != nil {
				return err
			}
		}
		for _, id := range []string{"u1", "u2", "u3"} {
			if err := tx.CreateUser(newUser(id, id+"@example.com")); err != nil {
				return err
			}
		}
		for _, g := range []identity.Group{g1, g2, g3} {
			if err := tx.CreateGroup(g); err != nil {
				return err
			}
		}
		for _, m := range []identity.GroupMember{{GroupID: "ug1", UserID: "u1"}, {GroupID: "ug2", UserID: "u1"}, {GroupID: "ug3", UserID: "u1"}, {GroupID: "ug1", UserID: "u2"}} {
			if err := tx.AddGroupMember(m); err != nil {
				return err
			}
		}
		if err := tx.SetProfile(prof); err != nil {
			return err
		}
		if err := tx.SetTwoFactor(identity.TwoFactor{UserID: "u1", Secret: "s", Confirmed: true, UpdateTime: at(1)}); err != nil {
			return err
		}
		// Enrolled but not confirmed: no second factor yet.
		return tx.SetTwoFactor(identity.TwoFactor{UserID: "u2", Secret: "s", UpdateTime: at(1)})
	})
	got := readVal(t, s, func(tx store.Reader) (map[string]store.MemberDetails, error) {
		return tx.ListMemberDetails("org1", []string{"u1", "u2", "u3"})
	})
	equal(t, "ListMemberDetails", got, map[string]store.MemberDetails{
		"u1": {Profile: prof, TwoFactor: true, Groups: []identity.Group{g2, g1}},
		"u2": {Groups: []identity.Group{g1}},
		"u3": {},
	})
	equal(t, "ListMemberDetails of none", readVal(t, s, func(tx store.Reader) (map[string]store.MemberDetails, error) {
		return tx.ListMemberDetails("org1", nil)
	}), map[string]store.MemberDetails{})
}

// testLargeMemberPages: an organization of thousands of members, whose
// pages a backend may find another way than a small one's.
func testLargeMemberPages(t *testing.T, open Opener) {
	s := open(t)
	const n = 2500
	write(t, s, func(tx store.Tx) error {
		if err := seedOrg(tx, "org1"); err != nil {
			return err
		}
		for i := range n {
			u := newUser(fmt.Sprintf("u%05d", i), fmt.Sprintf("m%05d@example.com", i))
			// Names run the other way round from emails.
			u.RealName = fmt.Sprintf("Name %05d", n-i)
			u.IsApplication = i%500 == 7
			if err := tx.CreateUser(u); err != nil {
				return err
			}
			if err := tx.AddMember(identity.Membership{OrganizationID: "org1", UserID: u.ID, JoinTime: at(i)}); err != nil {
				return err
			}
		}
		return nil
	})
	cases := []struct {
		name  string
		f     store.MemberFilter
		want  []string
		total int
	}{
		{"by email", store.MemberFilter{Offset: 6, Limit: 3}, []string{"u00006", "u00008", "u00009"}, n - 5},
		{"with applications", store.MemberFilter{IncludeApps: true, Offset: 6, Limit: 3}, []string{"u00006", "u00007", "u00008"}, n},
		{"by email, descending", store.MemberFilter{Desc: true, Limit: 2}, []string{"u02499", "u02498"}, n - 5},
		{"by name", store.MemberFilter{Sort: store.MemberSortName, Limit: 2}, []string{"u02499", "u02498"}, n - 5},
		{"by join time, descending", store.MemberFilter{Sort: store.MemberSortJoined, Desc: true, Offset: 1, Limit: 2}, []string{"u02498", "u02497"}, n - 5},
		{"search", store.MemberFilter{Search: "m0100", Limit: 20}, []string{"u01000", "u01001", "u01002", "u01003", "u01004", "u01005", "u01006", "u01008", "u01009"}, 9},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.f.OrganizationID = "org1"
			var (
				rows  []store.MemberUser
				total int
			)
			read(t, s, func(tx store.Reader) (err error) {
				rows, total, err = tx.ListMemberPage(c.f)
				return err
			})
			var got []string
			for _, r := range rows {
				got = append(got, r.User.ID)
			}
			equal(t, "page", got, c.want)
			equal(t, "total", total, c.total)
		})
	}
}

func testProjectPages(t *testing.T, open Opener) {
	s := open(t)
	write(t, s, func(tx store.Tx) error {
		for _, id := range []string{"org1", "org2"} {
			if err := seedOrg(tx, id); err != nil {
				return err
			}
		}
		if err := tx.CreateUnit(newUnit("org1", "unit1", "org1-root")); err != nil {
			return err
		}
		// Written out of name order: pages come in name order.
		for i, name := range []string{"p-c", "p-a", "p-e", "p-b", "p-d"} {
			p := newProject("org1", name, "org1")
			if i%2 == 0 {
				p.ParentID, p.AccountID = "unit1", "unit1"
			}
			if err := tx.CreateProject(p); err != nil {
				return err
			}
		}
		return tx.CreateProject(newProject("org2", "q-a", "org2"))
	})
	cases := []struct {
		name  string
		f     store.ProjectFilter
		want  []string
		total int
	}{
		{"all", store.ProjectFilter{Limit: 10}, []string{"p-a", "p-b", "p-c", "p-d", "p-e"}, 5},
		{"a page", store.ProjectFilter{Offset: 1, Limit: 2}, []string{"p-b", "p-c"}, 5},
		{"past the end", store.ProjectFilter{Offset: 5, Limit: 2}, nil, 5},
		{"in a unit", store.ProjectFilter{ParentID: "unit1", Limit: 10}, []string{"p-c", "p-d", "p-e"}, 3},
		{"in the root", store.ProjectFilter{ParentID: "org1-root", Offset: 1, Limit: 1}, []string{"p-b"}, 2},
		{"in a unit without projects", store.ProjectFilter{ParentID: "nope", Limit: 1}, nil, 0},
		{"name prefix", store.ProjectFilter{Search: "p-b", Limit: 10}, []string{"p-b"}, 1},
		{"name prefix in a unit", store.ProjectFilter{Search: "p-", ParentID: "unit1", Offset: 2, Limit: 10}, []string{"p-e"}, 3},
		{"not a substring", store.ProjectFilter{Search: "-a", Limit: 10}, nil, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.f.OrganizationID = "org1"
			var (
				ps    []org.Project
				total int
			)
			read(t, s, func(tx store.Reader) (err error) {
				ps, total, err = tx.ListProjectPage(c.f)
				return err
			})
			var got []string
			for _, p := range ps {
				got = append(got, p.Name)
			}
			equal(t, "page", got, c.want)
			equal(t, "total", total, c.total)
		})
	}
	want := newProject("org1", "p-a", "org1")
	got := readVal(t, s, func(tx store.Reader) ([]org.Project, error) {
		ps, _, err := tx.ListProjectPage(store.ProjectFilter{OrganizationID: "org1", Limit: 1})
		return ps, err
	})
	equal(t, "project", got, []org.Project{want})
	equal(t, "CountProjectsByParent", readVal(t, s, func(tx store.Reader) (map[string]int, error) { return tx.CountProjectsByParent("org1") }),
		map[string]int{"unit1": 3, "org1-root": 2})
	equal(t, "CountProjectsByParent, none", readVal(t, s, func(tx store.Reader) (map[string]int, error) { return tx.CountProjectsByParent("nope") }),
		map[string]int{})
	if err := s.Read(t.Context(), func(tx store.Reader) error {
		_, _, err := tx.ListProjectPage(store.ProjectFilter{OrganizationID: "org1"})
		return err
	}); err == nil {
		t.Error("ListProjectPage without a limit did not fail")
	}
}

// testMemberCursor: keyset pages walk every order as offsets do, ties of
// the sort key broken by email, and a page after (or before) a cursor
// stays in place when members are added or removed in between.
func testMemberCursor(t *testing.T, open Opener) {
	s := open(t)
	people := []struct {
		id, email, name, state string
		active, joined         int
	}{
		{"k1", "kate@example.com", "Kim", identity.StateActive, 0, 2},
		{"k2", "ann@example.com", "kim", identity.StateDeactivated, 10, 2},
		{"k3", "zoe@example.com", "Abe", identity.StateActive, 10, 1},
		{"k4", "bea@example.com", "Kim", identity.StateActive, 0, 3},
		{"k5", "lou@example.com", "Ola", identity.StateDeactivated, 30, 2},
		{"k6", "moe@example.com", "Ute", identity.StateActive, 20, 5},
		{"k7", "ida@example.com", "ed", identity.StateActive, 10, 4},
	}
	add := func(tx store.Tx, id, email, name, state string, active, joined int) error {
		u := newUser(id, email)
		u.RealName, u.State = name, state
		if active > 0 {
			u.LastActivity = ptr(at(active))
		}
		if err := tx.CreateUser(u); err != nil {
			return err
		}
		return tx.AddMember(identity.Membership{OrganizationID: "org1", UserID: id, JoinTime: at(joined)})
	}
	write(t, s, func(tx store.Tx) error {
		if err := seedOrg(tx, "org1"); err != nil {
			return err
		}
		for _, p := range people {
			if err := add(tx, p.id, p.email, p.name, p.state, p.active, p.joined); err != nil {
				return err
			}
		}
		return nil
	})
	page := func(f store.MemberFilter) []store.MemberUser {
		f.OrganizationID = "org1"
		return readVal(t, s, func(tx store.Reader) ([]store.MemberUser, error) {
			rows, _, err := tx.ListMemberPage(f)
			return rows, err
		})
	}
	ids := func(rows []store.MemberUser) []string {
		var out []string
		for _, r := range rows {
			out = append(out, r.User.ID)
		}
		return out
	}
	for _, sort := range []string{store.MemberSortEmail, store.MemberSortName, store.MemberSortState, store.MemberSortActivity, store.MemberSortJoined} {
		for _, desc := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s desc=%v", sort, desc), func(t *testing.T) {
				want := ids(page(store.MemberFilter{Sort: sort, Desc: desc, Limit: 100}))
				var forward, backward []string
				var pages [][]store.MemberUser
				for rows := page(store.MemberFilter{Sort: sort, Desc: desc, Limit: 3}); len(rows) > 0; {
					pages = append(pages, rows)
					forward = append(forward, ids(rows)...)
					c := store.MemberCursorOf(sort, rows[len(rows)-1])
					rows = page(store.MemberFilter{Sort: sort, Desc: desc, Limit: 3, After: &c})
				}
				equal(t, "pages after cursors", forward, want)
				// Back from the last page, each previous page is the one
				// walked forward.
				for i := len(pages) - 1; i > 0; i-- {
					c := store.MemberCursorOf(sort, pages[i][0])
					got := page(store.MemberFilter{Sort: sort, Desc: desc, Limit: 3, Before: &c})
					equal(t, fmt.Sprintf("page before page %d", i+1), ids(got), ids(pages[i-1]))
					backward = append(ids(got), backward...)
				}
				equal(t, "pages before cursors", append(backward, ids(pages[len(pages)-1])...), want)
			})
		}
	}
	t.Run("members come and go between pages", func(t *testing.T) {
		first := page(store.MemberFilter{Limit: 3}) // ann, bea, ida
		equal(t, "first page", ids(first), []string{"k2", "k4", "k7"})
		write(t, s, func(tx store.Tx) error {
			if err := add(tx, "k8", "abe@example.com", "Abe", identity.StateActive, 0, 6); err != nil {
				return err // before the cursor: the next page does not shift
			}
			if err := add(tx, "k9", "jon@example.com", "Jon", identity.StateActive, 0, 6); err != nil {
				return err // after it: the next page shows it
			}
			if err := tx.RemoveMember("org1", "k7"); err != nil {
				return err // the cursor's own member: the cursor still holds
			}
			return tx.DeleteUser("k5") // lou, further on
		})
		after := store.MemberCursorOf(store.MemberSortEmail, first[2])
		next := page(store.MemberFilter{Limit: 3, After: &after})
		equal(t, "next page", ids(next), []string{"k9", "k1", "k6"})
		before := store.MemberCursorOf(store.MemberSortEmail, next[0])
		equal(t, "previous page", ids(page(store.MemberFilter{Limit: 3, Before: &before})), []string{"k8", "k2", "k4"})
	})
	c := store.MemberCursor{Key: "yesterday", Email: "a"}
	for _, bad := range []store.MemberFilter{
		{OrganizationID: "org1", Limit: 1, Offset: 1, After: &c},
		{OrganizationID: "org1", Limit: 1, After: &c, Before: &c},
		{OrganizationID: "org1", Limit: 1, Sort: store.MemberSortJoined, After: &c},
	} {
		if err := s.Read(t.Context(), func(tx store.Reader) error { _, _, err := tx.ListMemberPage(bad); return err }); err == nil {
			t.Errorf("ListMemberPage(%+v) did not fail", bad)
		}
	}
}
