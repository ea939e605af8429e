package control

import (
	"slices"
	"testing"
)

// TestListGroupMemberPage: a group's members a page at a time, by email,
// with the group's size; bad pages are invalid and outsiders refused.
func TestListGroupMemberPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	g, err := f.p.CreateGroup(ctx, f.admin, f.org.ID, "devs", "")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, email := range []string{"cy@example.com", "al@example.com", "bo@example.com"} {
		ids = append(ids, f.member(t, email).User.ID)
	}
	if err := f.p.UpdateGroupMembers(ctx, f.admin, f.org.ID, g.ID, "add_members", ids); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name          string
		offset, limit int
		want          []string
	}{
		{"all", 0, 10, []string{"al@example.com", "bo@example.com", "cy@example.com"}},
		{"the second", 1, 1, []string{"bo@example.com"}},
		{"past the end", 3, 10, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := f.p.ListGroupMemberPage(ctx, f.admin, f.org.ID, g.ID, tc.offset, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range p.Members {
				got = append(got, m.User.Email)
			}
			if !slices.Equal(got, tc.want) || p.Total != 3 {
				t.Errorf("page = %v of %d, want %v of 3", got, p.Total, tc.want)
			}
		})
	}
	for _, bad := range [][2]int{{0, 0}, {-1, 5}, {0, 10000}} {
		_, err := f.p.ListGroupMemberPage(ctx, f.admin, f.org.ID, g.ID, bad[0], bad[1])
		wantErr(t, err, ErrInvalid)
	}
	outsider := f.member(t, "gone@example.com")
	if err := f.p.RemoveMember(ctx, f.admin, f.org.ID, outsider.User.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.p.ListGroupMemberPage(ctx, outsider, f.org.ID, g.ID, 0, 5)
	wantErr(t, err, ErrForbidden)
}
