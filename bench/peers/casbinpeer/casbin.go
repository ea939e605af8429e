// Package casbinpeer models Gatehouse's RBAC in Casbin (model.conf): one
// policy line per granted role or permission, group membership, the
// resource hierarchy and the catalogue's role contents as role-manager
// graphs.
package casbinpeer

import (
	"context"
	_ "embed"
	"fmt"
	"runtime/debug"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	defaultrolemanager "github.com/casbin/casbin/v2/rbac/default-role-manager"

	"github.com/gatehouse-dev/gatehouse/bench/peers/compare"
	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/authz/authztest"
)

//go:embed model.conf
var modelConf string

// Peer is Casbin, in process, no adapter (policies live in memory).
type Peer struct {
	e     *casbin.Enforcer
	nodes map[authz.Kind][]authz.Resource
}

// New returns the Casbin peer.
func New() *Peer { return &Peer{} }

// Name implements compare.System.
func (p *Peer) Name() string { return "Casbin" }

// Version implements compare.System.
func (p *Peer) Version() string { return moduleVersion("github.com/casbin/casbin/v2") }

func moduleVersion(path string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == path {
				return d.Version
			}
		}
	}
	return "unknown"
}

// Load implements compare.System.
func (p *Peer) Load(ctx context.Context, d *authztest.Dataset) error {
	m, err := model.NewModelFromString(modelConf)
	if err != nil {
		return err
	}
	e, err := casbin.NewEnforcer(m)
	if err != nil {
		return err
	}
	// The default depth of 10 is too shallow for a service below ten
	// nested units; every graph here is acyclic except the catalogue's
	// (admin and role:project:admin contain each other), which the role
	// manager's level-by-level walk handles.
	for _, g := range []string{"g", "g2", "g3", "g4"} {
		e.SetNamedRoleManager(g, defaultrolemanager.NewRoleManagerImpl(16))
	}
	p.e = e
	p.nodes = map[authz.Kind][]authz.Resource{}
	var g2, g3, g, g4, pol [][]string
	for _, n := range d.Snapshot.Nodes {
		p.nodes[n.Kind] = append(p.nodes[n.Kind], n.Resource)
		if n.Parent != (authz.Resource{}) {
			g2 = append(g2, []string{compare.NodeName(n.Resource), compare.NodeName(n.Parent)})
		}
	}
	for _, in := range authz.Catalogue() {
		for _, c := range in.Contains {
			g3 = append(g3, []string{in.Name, c.String()})
		}
		g3 = append(g3, []string{compare.SuperAdminRole, in.Name})
	}
	for _, u := range d.Snapshot.Users {
		if u.Active {
			g4 = append(g4, []string{"user:" + u.ID, "active"})
		}
	}
	for _, m := range d.Snapshot.Members {
		g = append(g, []string{"user:" + m.User, "group:" + m.Group})
	}
	for _, gr := range d.Snapshot.Grants {
		pol = append(pol, policies(gr)...)
	}
	for _, sa := range d.Snapshot.SuperAdmins {
		pol = append(pol, []string{"user:" + sa.User, compare.NodeName(authz.Org(sa.Org)), compare.SuperAdminRole})
	}
	for _, step := range []struct {
		ptype string
		rules [][]string
	}{{"g2", g2}, {"g3", g3}, {"g4", g4}, {"g", g}} {
		if _, err := e.AddNamedGroupingPolicies(step.ptype, step.rules); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	const batch = 50_000
	for i := 0; i < len(pol); i += batch {
		if _, err := e.AddPolicies(pol[i:min(i+batch, len(pol))]); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return nil
}

// policies are a grant's policy lines, one per granted role or permission.
func policies(g authz.Grant) [][]string {
	var out [][]string
	for _, perm := range g.Perms.Perms() {
		out = append(out, []string{g.Principal.Kind.String() + ":" + g.Principal.ID, compare.NodeName(g.Resource), perm.String()})
	}
	return out
}

// Check implements compare.System.
func (p *Peer) Check(_ context.Context, user string, perm authz.Permission, res authz.Resource) (bool, error) {
	return p.e.Enforce("user:"+user, compare.NodeName(res), perm.String())
}

// List implements compare.System. Casbin has no reverse query over a
// resource graph, so listing is one Enforce per node of the kind.
func (p *Peer) List(ctx context.Context, user string, perm authz.Permission, kind authz.Kind) ([]string, error) {
	var out []string
	for _, n := range p.nodes[kind] {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ok, err := p.Check(ctx, user, perm, n)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, n.ID)
		}
	}
	return out, nil
}

// Apply implements compare.System.
func (p *Peer) Apply(_ context.Context, u compare.Update) error {
	var err error
	switch u.Kind {
	case compare.GrantAdd:
		_, err = p.e.AddPolicies(policies(u.Grant))
	case compare.GrantRemove:
		_, err = p.e.RemovePolicies(policies(u.Grant))
	case compare.MemberAdd:
		_, err = p.e.AddGroupingPolicy("user:"+u.Member.User, "group:"+u.Member.Group)
	case compare.MemberRemove:
		_, err = p.e.RemoveGroupingPolicy("user:"+u.Member.User, "group:"+u.Member.Group)
	default:
		err = fmt.Errorf("casbin: unknown update %v", u.Kind)
	}
	return err
}

// Close implements compare.System.
func (p *Peer) Close() error { p.e, p.nodes = nil, nil; return nil }
