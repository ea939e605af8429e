package control

import (
	"fmt"
	"slices"
	"testing"
)

// TestListMemberPage: search, sort and paging over the members, with
// the page's details; bad queries are refused as invalid.
func TestListMemberPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	for i := range 12 {
		f.member(t, fmt.Sprintf("user%02d@example.com", i))
	}
	g, err := f.p.CreateGroup(ctx, f.admin, f.org.ID, "devs", "")
	if err != nil {
		t.Fatal(err)
	}
	u3 := f.actor(t, "user03@example.com")
	if err := f.p.UpdateGroupMembers(ctx, f.admin, f.org.ID, g.ID, "add_members", []string{u3.User.ID}); err != nil {
		t.Fatal(err)
	}
	emails := func(p MemberPage) []string {
		var out []string
		for _, r := range p.Rows {
			out = append(out, r.User.Email)
		}
		return out
	}
	cases := []struct {
		name  string
		q     MemberQuery
		want  []string
		total int
	}{
		{"first page by email", MemberQuery{Limit: 3}, []string{"admin@example.com", "user00@example.com", "user01@example.com"}, 13},
		{"second page", MemberQuery{Limit: 3, Offset: 3}, []string{"user02@example.com", "user03@example.com", "user04@example.com"}, 13},
		{"descending", MemberQuery{Limit: 2, Desc: true}, []string{"user11@example.com", "user10@example.com"}, 13},
		{"search", MemberQuery{Limit: 10, Search: "USER1"}, []string{"user10@example.com", "user11@example.com"}, 2},
		{"a whole email", MemberQuery{Limit: 10, Search: "user02@example.com"}, []string{"user02@example.com"}, 1},
		{"search is a prefix, not a substring", MemberQuery{Limit: 10, Search: "ser1"}, nil, 0},
		{"past the end", MemberQuery{Limit: 10, Offset: 50}, nil, 13},
		{"after a member", MemberQuery{Limit: 2, After: &MemberCursor{Key: "user01@example.com", Email: "user01@example.com"}},
			[]string{"user02@example.com", "user03@example.com"}, 13},
		{"before a member", MemberQuery{Limit: 2, Before: &MemberCursor{Key: "user01@example.com", Email: "user01@example.com"}},
			[]string{"admin@example.com", "user00@example.com"}, 13},
		{"after a member, descending", MemberQuery{Limit: 2, Desc: true, After: &MemberCursor{Key: "user01@example.com", Email: "user01@example.com"}},
			[]string{"user00@example.com", "admin@example.com"}, 13},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := f.p.ListMemberPage(ctx, f.admin, f.org.ID, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := emails(p); !slices.Equal(got, tc.want) || p.Total != tc.total {
				t.Errorf("page = %v of %d, want %v of %d", got, p.Total, tc.want, tc.total)
			}
		})
	}
	t.Run("the page's details", func(t *testing.T) {
		p, err := f.p.ListMemberPage(ctx, f.admin, f.org.ID, MemberQuery{Limit: 1, Search: "user03"})
		if err != nil || len(p.Rows) != 1 {
			t.Fatalf("%v, %+v", err, p)
		}
		if gs := p.Rows[0].Groups; len(gs) != 1 || gs[0].Name != "devs" {
			t.Errorf("groups = %+v", gs)
		}
		if p.Rows[0].Managed || p.Rows[0].TwoFactor {
			t.Errorf("an unmanaged member without two-factor: %+v", p.Rows[0])
		}
	})
	t.Run("one member's details", func(t *testing.T) {
		row, err := f.p.GetMemberRow(ctx, f.admin, f.org.ID, u3.User.ID)
		if err != nil {
			t.Fatal(err)
		}
		if row.User.Email != "user03@example.com" || len(row.Groups) != 1 || row.Groups[0].Name != "devs" || row.Managed || row.TwoFactor {
			t.Errorf("row = %+v", row)
		}
	})
	t.Run("next and previous", func(t *testing.T) {
		first, err := f.p.ListMemberPage(ctx, f.admin, f.org.ID, MemberQuery{Limit: 3, Sort: "joined"})
		if err != nil {
			t.Fatal(err)
		}
		next, err := f.p.ListMemberPage(ctx, f.admin, f.org.ID, MemberQuery{Limit: 3, Sort: "joined", After: &first.Next})
		if err != nil {
			t.Fatal(err)
		}
		back, err := f.p.ListMemberPage(ctx, f.admin, f.org.ID, MemberQuery{Limit: 3, Sort: "joined", Before: &next.Prev})
		if err != nil {
			t.Fatal(err)
		}
		if len(next.Rows) != 3 || slices.Contains(emails(first), emails(next)[0]) || !slices.Equal(emails(back), emails(first)) {
			t.Errorf("first %v, next %v, back %v", emails(first), emails(next), emails(back))
		}
	})
	c := &MemberCursor{Key: "yesterday", Email: "user01@example.com"}
	for _, bad := range []MemberQuery{{Limit: 0}, {Limit: 10000}, {Limit: 5, Offset: -1}, {Limit: 5, Sort: "password"},
		{Limit: 5, Offset: 1, After: c}, {Limit: 5, After: c, Before: c}, {Limit: 5, Sort: "activity", After: c}} {
		_, err := f.p.ListMemberPage(ctx, f.admin, f.org.ID, bad)
		wantErr(t, err, ErrInvalid)
	}
	outsider := f.member(t, "gone@example.com")
	if err := f.p.RemoveMember(ctx, f.admin, f.org.ID, outsider.User.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.p.ListMemberPage(ctx, outsider, f.org.ID, MemberQuery{Limit: 5})
	wantErr(t, err, ErrForbidden)
}
