package control

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/org"
)

// TestLaggingEngineRedecidesDenials runs two planes over one store, as two
// servers over one database: b never follows the change log by itself, so
// every project a creates is unknown to b's engine when b is asked about
// it. Every denial b would decide on its lagging engine must be decided
// again after catching up.
func TestLaggingEngineRedecidesDenials(t *testing.T) {
	t.Parallel()
	a := newFixture(t)
	b, created := newFixtureOn(t, a.p.store)
	if created {
		t.Fatal("bootstrap ran twice")
	}
	ctx := t.Context()
	cases := []struct {
		name string
		ask  func(ctx context.Context, project string) error
	}{
		{"get", func(ctx context.Context, project string) error {
			_, err := b.p.GetProject(ctx, b.admin, a.org.ID, project)
			return err
		}},
		{"list", func(ctx context.Context, project string) error {
			ps, err := b.p.ListProjects(ctx, b.admin, a.org.ID)
			if err != nil {
				return err
			}
			if !slices.ContainsFunc(ps, func(p1 org.Project) bool { return p1.Name == project }) {
				return fmt.Errorf("listing lacks %s", project)
			}
			return nil
		}},
		{"check", func(ctx context.Context, project string) error {
			out, _, err := b.p.Check(ctx, b.admin, a.org.ID, []AccessCheck{{UserID: b.admin.User.ID, Permission: "project:services:read", Resource: AccessResource{Type: "project", ID: project}}}, 0)
			if err != nil {
				return err
			}
			if !out[0] {
				return fmt.Errorf("check answered false")
			}
			return nil
		}},
		{"explain", func(ctx context.Context, project string) error {
			ex, _, err := b.p.Explain(ctx, b.admin, a.org.ID, AccessCheck{UserID: b.admin.User.ID, Permission: "project:services:read", Resource: AccessResource{Type: "project", ID: project}})
			if err != nil {
				return err
			}
			if !ex.Allowed {
				return fmt.Errorf("explain says denied")
			}
			return nil
		}},
		{"accessible resources", func(ctx context.Context, project string) error {
			ids, _, err := b.p.AccessibleResources(ctx, b.admin, a.org.ID, b.admin.User.ID, "project:services:read", "project", "", 0)
			if err != nil {
				return err
			}
			if !slices.Contains(ids, project) {
				return fmt.Errorf("accessible resources lack %s: %v", project, ids)
			}
			return nil
		}},
		{"write on the new project", func(ctx context.Context, project string) error {
			tags := map[string]string{"k": "v"}
			_, err := b.p.UpdateProject(ctx, b.admin, a.org.ID, ProjectInput{Name: project, Tags: &tags})
			return err
		}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			project := fmt.Sprintf("fresh%d", i)
			if _, err := a.p.CreateProject(ctx, a.admin, a.org.ID, ProjectInput{Name: project}); err != nil {
				t.Fatal(err)
			}
			if b.p.Revision() >= a.p.Revision() {
				t.Fatalf("b is not behind (b %d, a %d): the case proves nothing", b.p.Revision(), a.p.Revision())
			}
			if err := tc.ask(ctx, project); err != nil {
				t.Fatalf("on the lagging plane: %v", err)
			}
		})
	}
}
