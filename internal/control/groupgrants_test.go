package control

import (
	"errors"
	"slices"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/grant"
)

// TestGroupGrants: a group's grants across the hierarchy, each shown only
// to callers who may see the grants where it is held.
func TestGroupGrants(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	unit, err := f.p.CreateUnit(ctx, f.admin, "Engineering", f.org.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"alpha", "beta"} {
		if _, err := f.p.CreateProject(ctx, f.admin, f.org.ID, ProjectInput{Name: name, ParentID: &unit.ID}); err != nil {
			t.Fatal(err)
		}
	}
	g, err := f.p.CreateGroup(ctx, f.admin, f.org.ID, "devs", "")
	if err != nil {
		t.Fatal(err)
	}
	grantTo := func(typ, id, principalType, principalID string, perms ...string) {
		t.Helper()
		if err := f.p.UpdatePermissions(ctx, f.admin, f.org.ID, typ, id, "grant",
			[]PrincipalPermissions{{principalType, principalID, perms}}); err != nil {
			t.Fatal(err)
		}
	}
	grantTo(grant.ResourceOrganization, f.org.ID, grant.PrincipalGroup, g.ID, "organization:event_logs:read")
	grantTo(grant.ResourceUnit, unit.ID, grant.PrincipalGroup, g.ID, "read_only")
	grantTo(grant.ResourceProject, "alpha", grant.PrincipalGroup, g.ID, "developer")
	grantTo(grant.ResourceProject, "beta", grant.PrincipalGroup, g.ID, "operator")
	// A reader of alpha's permissions only.
	alphaReader := f.member(t, "reader@example.com")
	grantTo(grant.ResourceProject, "alpha", grant.PrincipalUser, alphaReader.User.ID, "project:permissions:read")
	outsider := f.member(t, "plain@example.com")

	where := func(gs []grant.Grant) []string {
		var out []string
		for _, g := range gs {
			out = append(out, g.ResourceType+":"+g.ResourceID)
		}
		slices.Sort(out)
		return out
	}
	cases := []struct {
		name  string
		actor *Actor
		want  []string
	}{
		{"super admin sees every grant", f.admin, []string{"organization:" + f.org.ID, "organization_unit:" + unit.ID, "project:alpha", "project:beta"}},
		{"a reader of one project's permissions sees that grant", alphaReader, []string{"project:alpha"}},
		{"a plain member sees none", outsider, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.p.GroupGrants(ctx, tc.actor, f.org.ID, g.ID)
			if err != nil {
				t.Fatal(err)
			}
			if w := where(got); !slices.Equal(w, tc.want) {
				t.Errorf("grants at %v, want %v", w, tc.want)
			}
		})
	}
	t.Run("unknown group", func(t *testing.T) {
		_, err := f.p.GroupGrants(ctx, f.admin, f.org.ID, "ug00000000000")
		wantErr(t, err, ErrNotFound)
	})
}

// TestFindGroups: the picker's group search, by name or ID, bounded, and
// for any member, as ListGroups is.
func TestFindGroups(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	ids := map[string]string{}
	for _, name := range []string{"Data team", "data engineers", "Payments", "Platform"} {
		g, err := f.p.CreateGroup(ctx, f.admin, f.org.ID, name, "")
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = g.ID
	}
	outsider := f.member(t, "plain@example.com")
	cases := []struct {
		name     string
		actor    *Actor
		search   string
		limit    int
		want     []string
		wantMore bool
		wantErr  error
	}{
		{"every group by name", f.admin, "", 10, []string{"data engineers", "Data team", "Payments", "Platform"}, false, nil},
		{"any case", f.admin, "DATA", 10, []string{"data engineers", "Data team"}, false, nil},
		{"by ID", f.admin, ids["Payments"], 10, []string{"Payments"}, false, nil},
		{"bounded", f.admin, "p", 1, []string{"Payments"}, true, nil},
		{"no match", f.admin, "zzz", 10, nil, false, nil},
		{"bad limit", f.admin, "", 0, nil, false, ErrInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			gs, more, err := f.p.FindGroups(ctx, tc.actor, f.org.ID, tc.search, tc.limit)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			var names []string
			for _, g := range gs {
				names = append(names, g.Name)
			}
			if !slices.Equal(names, tc.want) || more != tc.wantMore {
				t.Errorf("FindGroups(%q, %d) = %q more=%v, want %q more=%v", tc.search, tc.limit, names, more, tc.want, tc.wantMore)
			}
		})
	}
	t.Run("a plain member may list groups, as with ListGroups", func(t *testing.T) {
		gs, _, err := f.p.FindGroups(ctx, outsider, f.org.ID, "pay", 10)
		if err != nil || len(gs) != 1 {
			t.Fatalf("FindGroups as a member = %v, %v; want Payments", gs, err)
		}
	})

}
