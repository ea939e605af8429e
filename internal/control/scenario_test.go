package control

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/authz/scenario"
	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/store/sqlstore"
	"github.com/gatehouse-dev/gatehouse/internal/store/storetest"
)

// TestScenariosThroughStores runs the authorization scenario files against
// every backend: the scenario's facts are written through the store
// interface, the decision engine is built from the store as a server builds
// it at start, and every expected verdict must hold.
func TestScenariosThroughStores(t *testing.T) {
	t.Parallel()
	scenarios, err := scenario.LoadDir(filepath.Join("..", "authz", "testdata", "scenarios"))
	if err != nil {
		t.Fatal(err)
	}
	if len(scenarios) == 0 {
		t.Fatal("no scenarios found")
	}
	backends := map[string]func(t testing.TB) string{
		"sqlite":   storetest.SQLite,
		"postgres": storetest.Postgres,
	}
	for name, dsn := range backends {
		t.Run(name, func(t *testing.T) {
			for _, sc := range scenarios {
				t.Run(sc.Name, func(t *testing.T) {
					st, err := sqlstore.Open(t.Context(), dsn(t))
					if err != nil {
						t.Fatal(err)
					}
					defer st.Close()
					services, err := storeFacts(t.Context(), st, sc.Facts)
					if err != nil {
						t.Fatalf("writing facts: %v", err)
					}
					p, err := New(t.Context(), st)
					if err != nil {
						t.Fatal(err)
					}
					ix := p.engine.Index()
					if len(sc.Checks) == 0 {
						t.Fatal("scenario has no checks")
					}
					for _, c := range sc.Checks {
						res := c.Resource
						if res.Kind == authz.KindService {
							res.ID = services[res.ID]
						}
						if got := ix.CheckAny(c.User, c.NeedSet(), res); got != c.Allow {
							t.Errorf("%s: %s on %s = %v, want %v", c, authz.SetOf(c.Need...), res, got, c.Allow)
						}
					}
				})
			}
		})
	}
}

// storeFacts writes a scenario's facts as rows. Scenario service IDs are
// mapped to the "project/service" IDs the control layer uses; the map is
// returned.
func storeFacts(ctx context.Context, st store.Store, f authz.Snapshot) (map[string]string, error) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	parent := map[authz.Resource]authz.Resource{}
	for _, n := range f.Nodes {
		parent[n.Resource] = n.Parent
	}
	orgOf := func(r authz.Resource) string {
		for r.Kind != authz.KindOrganization {
			r = parent[r]
		}
		return r.ID
	}
	root := func(orgID string) string { return "root-" + orgID }
	account := func(r authz.Resource) string {
		if r.Kind == authz.KindOrganization {
			return root(r.ID)
		}
		return r.ID
	}
	// Parents before children: sort by depth.
	depth := func(r authz.Resource) int {
		d := 0
		for r.Kind != authz.KindOrganization {
			r = parent[r]
			d++
		}
		return d
	}
	nodes := append([]authz.Node(nil), f.Nodes...)
	sort.SliceStable(nodes, func(i, j int) bool { return depth(nodes[i].Resource) < depth(nodes[j].Resource) })
	services := map[string]string{}
	err := st.Write(ctx, func(tx store.Tx) error {
		for _, n := range nodes {
			var err error
			switch n.Kind {
			case authz.KindOrganization:
				if err = tx.CreateOrganization(org.Organization{ID: n.ID, Name: n.ID, Tier: "business", AccountID: root(n.ID), CreateTime: now, UpdateTime: now}); err == nil {
					err = tx.CreateUnit(org.Unit{ID: root(n.ID), OrganizationID: n.ID, Name: n.ID, CreateTime: now, UpdateTime: now})
				}
			case authz.KindUnit:
				err = tx.CreateUnit(org.Unit{ID: n.ID, OrganizationID: orgOf(n.Resource), Name: n.ID, ParentID: account(n.Parent), CreateTime: now, UpdateTime: now})
			case authz.KindProject:
				pid := n.Parent.ID
				if n.Parent.Kind == authz.KindOrganization {
					pid = n.Parent.ID
				}
				err = tx.CreateProject(org.Project{Name: n.ID, OrganizationID: orgOf(n.Resource), ParentID: pid, AccountID: account(n.Parent), Tags: map[string]string{}, CreateTime: now, UpdateTime: now})
			case authz.KindService:
				services[n.ID] = n.Parent.ID + "/" + n.ID
				err = tx.CreateService(org.Service{Project: n.Parent.ID, Name: n.ID, Type: "pg", Plan: "p", CreateTime: now, UpdateTime: now})
			}
			if err != nil {
				return fmt.Errorf("node %s: %w", n.Resource, err)
			}
		}
		for _, u := range f.Users {
			state := identity.StateActive
			if !u.Active {
				state = identity.StateDeactivated
			}
			if err := tx.CreateUser(identity.User{ID: u.ID, Email: u.ID + "@example.com", State: state, CreateTime: now, UpdateTime: now}); err != nil {
				return fmt.Errorf("user %s: %w", u.ID, err)
			}
		}
		supers := map[[2]string]bool{}
		for _, s := range f.SuperAdmins {
			supers[[2]string{s.Org, s.User}] = true
		}
		// Every user is a member of every organization; super admins as flagged.
		for _, n := range f.Nodes {
			if n.Kind != authz.KindOrganization {
				continue
			}
			for _, u := range f.Users {
				if err := tx.AddMember(identity.Membership{OrganizationID: n.ID, UserID: u.ID, IsSuperAdmin: supers[[2]string{n.ID, u.ID}], JoinTime: now}); err != nil {
					return err
				}
			}
		}
		for _, g := range f.Groups {
			if err := tx.CreateGroup(identity.Group{ID: g.ID, OrganizationID: g.Org, Name: g.ID, CreateTime: now, UpdateTime: now}); err != nil {
				return fmt.Errorf("group %s: %w", g.ID, err)
			}
		}
		for _, m := range f.Members {
			if err := tx.AddGroupMember(identity.GroupMember{GroupID: m.Group, UserID: m.User, JoinTime: now}); err != nil {
				return err
			}
		}
		for _, g := range f.Grants {
			row := grant.Grant{OrganizationID: orgOf(g.Resource), PrincipalType: grant.PrincipalUser, PrincipalID: g.Principal.ID,
				ResourceID: g.Resource.ID, Permissions: g.Perms.Strings(), CreateTime: now, UpdateTime: now}
			if g.Principal.Kind == authz.PrincipalGroup {
				row.PrincipalType = grant.PrincipalGroup
			}
			switch g.Resource.Kind {
			case authz.KindOrganization:
				row.ResourceType = grant.ResourceOrganization
			case authz.KindUnit:
				row.ResourceType = grant.ResourceUnit
			case authz.KindProject:
				row.ResourceType = grant.ResourceProject
			default:
				return fmt.Errorf("grant on %s: grants are made on organizations, units or projects", g.Resource)
			}
			if err := tx.SetGrant(row); err != nil {
				return err
			}
		}
		return nil
	})
	return services, err
}
