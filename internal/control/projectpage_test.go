package control

import (
	"maps"
	"slices"
	"testing"
)

// TestListProjectPage: pages of projects in name order, in a unit or the
// whole organization, for someone who sees all of them and for someone
// who sees only what their grants reach; the counts per unit follow.
func TestListProjectPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	unit, err := f.p.CreateUnit(ctx, f.admin, "Engineering", f.org.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, pr := range []struct{ name, parent string }{{"p-d", ""}, {"p-c", unit.ID}, {"p-a", ""}, {"p-b", unit.ID}} {
		in := ProjectInput{Name: pr.name}
		if pr.parent != "" {
			in.ParentID = &pr.parent
		}
		if _, err := f.p.CreateProject(ctx, f.admin, f.org.ID, in); err != nil {
			t.Fatal(err)
		}
	}
	m := f.member(t, "reader@example.com")
	f.grant(t, "organization_unit", unit.ID, "user", m.User.ID, "project:services:read")
	f.grant(t, "project", "p-d", "user", m.User.ID, "project:services:read")
	names := func(p ProjectPage) []string {
		var out []string
		for _, pr := range p.Projects {
			out = append(out, pr.Name)
		}
		return out
	}
	cases := []struct {
		name  string
		a     *Actor
		q     ProjectQuery
		want  []string
		total int
	}{
		{"everything", f.admin, ProjectQuery{Limit: 10}, []string{"p-a", "p-b", "p-c", "p-d"}, 4},
		{"a page", f.admin, ProjectQuery{Offset: 1, Limit: 2}, []string{"p-b", "p-c"}, 4},
		{"in a unit", f.admin, ProjectQuery{ParentID: unit.ID, Limit: 10}, []string{"p-b", "p-c"}, 2},
		{"what the grants reach", m, ProjectQuery{Limit: 10}, []string{"p-b", "p-c", "p-d"}, 3},
		{"what the grants reach, a page", m, ProjectQuery{Offset: 2, Limit: 2}, []string{"p-d"}, 3},
		{"what the grants reach in the root", m, ProjectQuery{ParentID: f.org.AccountID, Limit: 10}, []string{"p-d"}, 1},
		{"a name prefix", f.admin, ProjectQuery{Search: "p-c", Limit: 10}, []string{"p-c"}, 1},
		{"a name prefix among what the grants reach", m, ProjectQuery{Search: "p-a", Limit: 10}, nil, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := f.p.ListProjectPage(ctx, tc.a, f.org.ID, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := names(p); !slices.Equal(got, tc.want) || p.Total != tc.total {
				t.Errorf("page = %v of %d, want %v of %d", got, p.Total, tc.want, tc.total)
			}
		})
	}
	for _, tc := range []struct {
		name string
		a    *Actor
		want map[string]int
	}{
		{"counts of everything", f.admin, map[string]int{f.org.AccountID: 2, unit.ID: 2}},
		{"counts of what the grants reach", m, map[string]int{f.org.AccountID: 1, unit.ID: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.p.CountProjects(ctx, tc.a, f.org.ID)
			if err != nil || !maps.Equal(got, tc.want) {
				t.Errorf("counts = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
	for _, bad := range []ProjectQuery{{Limit: 0}, {Limit: 10000}, {Limit: 5, Offset: -1}} {
		_, err := f.p.ListProjectPage(ctx, f.admin, f.org.ID, bad)
		wantErr(t, err, ErrInvalid)
	}
	outsider := f.member(t, "gone@example.com")
	if err := f.p.RemoveMember(ctx, f.admin, f.org.ID, outsider.User.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.p.ListProjectPage(ctx, outsider, f.org.ID, ProjectQuery{Limit: 5})
	wantErr(t, err, ErrForbidden)
}
