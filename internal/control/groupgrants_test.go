package control

import (
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
