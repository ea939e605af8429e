// Package opapeer models Gatehouse's RBAC in OPA: a Rego policy
// (policy.rego) over a data document holding the hierarchy, the
// catalogue's role contents, users, memberships and grants, evaluated
// through prepared queries against the in-memory store.
package opapeer

import (
	"context"
	_ "embed"
	"fmt"
	"runtime/debug"
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"github.com/gatehouse-dev/gatehouse/bench/peers/compare"
	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/authz/authztest"
)

//go:embed policy.rego
var policy string

// Peer is OPA, in process.
type Peer struct {
	store   storage.Store
	allow   rego.PreparedEvalQuery
	list    rego.PreparedEvalQuery
	holders map[string]bool // grant holders present in data.gh.grants
}

// New returns the OPA peer.
func New() *Peer { return &Peer{} }

// Name implements compare.System.
func (p *Peer) Name() string { return "OPA" }

// Version implements compare.System.
func (p *Peer) Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/open-policy-agent/opa" {
				return d.Version
			}
		}
	}
	return "unknown"
}

// Load implements compare.System.
func (p *Peer) Load(ctx context.Context, d *authztest.Dataset) error {
	up := map[string]any{}
	down := map[string][]any{}
	// graph.reachable counts a node as reached only when it is a key of
	// the graph, so leaves map to empty lists.
	for _, n := range d.Snapshot.Nodes {
		down[compare.NodeName(n.Resource)] = []any{}
	}
	for _, n := range d.Snapshot.Nodes {
		name := compare.NodeName(n.Resource)
		if n.Parent == (authz.Resource{}) {
			up[name] = []any{}
			continue
		}
		parent := compare.NodeName(n.Parent)
		up[name] = []any{parent}
		down[parent] = append(down[parent], name)
	}
	downAny := make(map[string]any, len(down))
	for k, v := range down {
		downAny[k] = v
	}
	contains := map[string]any{}
	var all []any
	for _, in := range authz.Catalogue() {
		c := []any{}
		for _, x := range in.Contains {
			c = append(c, x.String())
		}
		contains[in.Name] = c
		all = append(all, in.Name)
	}
	contains[compare.SuperAdminRole] = all
	users := map[string]any{}
	groups := map[string]map[string]any{}
	for _, m := range d.Snapshot.Members {
		if groups[m.User] == nil {
			groups[m.User] = map[string]any{}
		}
		groups[m.User][m.Group] = true
	}
	for _, u := range d.Snapshot.Users {
		g := groups[u.ID]
		if g == nil {
			g = map[string]any{}
		}
		users[u.ID] = map[string]any{"active": u.Active, "groups": g}
	}
	grants := map[string]map[string]any{}
	add := func(holder, node string, perms []any) {
		if grants[holder] == nil {
			grants[holder] = map[string]any{}
		}
		grants[holder][node] = perms
	}
	for _, g := range d.Snapshot.Grants {
		add(holder(g.Principal), compare.NodeName(g.Resource), names(g.Perms))
	}
	for _, sa := range d.Snapshot.SuperAdmins {
		add("user:"+sa.User, compare.NodeName(authz.Org(sa.Org)), []any{compare.SuperAdminRole})
	}
	grantsAny := make(map[string]any, len(grants))
	p.holders = map[string]bool{}
	for k, v := range grants {
		grantsAny[k] = v
		p.holders[k] = true
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	p.store = inmem.NewFromObjectWithOpts(map[string]any{"gh": map[string]any{
		"up": up, "down": downAny, "contains": contains, "users": users, "grants": grantsAny,
	}}, inmem.OptRoundTripOnWrite(false), inmem.OptReturnASTValuesOnRead(true))
	var err error
	if p.allow, err = prepare(ctx, p.store, "data.gatehouse.allow"); err != nil {
		return err
	}
	p.list, err = prepare(ctx, p.store, "data.gatehouse.resources")
	return err
}

func prepare(ctx context.Context, store storage.Store, query string) (rego.PreparedEvalQuery, error) {
	return rego.New(rego.Query(query), rego.Module("policy.rego", policy), rego.Store(store)).PrepareForEval(ctx)
}

func holder(p authz.Principal) string { return p.Kind.String() + ":" + p.ID }

func names(s authz.Set) []any {
	var out []any
	for _, p := range s.Perms() {
		out = append(out, p.String())
	}
	return out
}

// Check implements compare.System.
func (p *Peer) Check(ctx context.Context, user string, perm authz.Permission, res authz.Resource) (bool, error) {
	in := ast.NewObject(
		[2]*ast.Term{ast.StringTerm("user"), ast.StringTerm(user)},
		[2]*ast.Term{ast.StringTerm("permission"), ast.StringTerm(perm.String())},
		[2]*ast.Term{ast.StringTerm("resource"), ast.StringTerm(compare.NodeName(res))},
	)
	rs, err := p.allow.Eval(ctx, rego.EvalParsedInput(in))
	if err != nil {
		return false, err
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		return false, fmt.Errorf("opa: unexpected result %v", rs)
	}
	ok, isBool := rs[0].Expressions[0].Value.(bool)
	if !isBool {
		return false, fmt.Errorf("opa: allow is %T", rs[0].Expressions[0].Value)
	}
	return ok, nil
}

// List implements compare.System.
func (p *Peer) List(ctx context.Context, user string, perm authz.Permission, kind authz.Kind) ([]string, error) {
	in := ast.NewObject(
		[2]*ast.Term{ast.StringTerm("user"), ast.StringTerm(user)},
		[2]*ast.Term{ast.StringTerm("permission"), ast.StringTerm(perm.String())},
		[2]*ast.Term{ast.StringTerm("kind"), ast.StringTerm(kind.String())},
	)
	rs, err := p.list.Eval(ctx, rego.EvalParsedInput(in))
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, nil
	}
	vals, ok := rs[0].Expressions[0].Value.([]any)
	if !ok {
		return nil, fmt.Errorf("opa: resources is %T", rs[0].Expressions[0].Value)
	}
	out := make([]string, 0, len(vals))
	for _, v := range vals {
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("opa: resource %v is %T", v, v)
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out, nil
}

// Apply implements compare.System: one store write per change.
func (p *Peer) Apply(ctx context.Context, u compare.Update) error {
	switch u.Kind {
	case compare.GrantAdd:
		h, node := holder(u.Grant.Principal), compare.NodeName(u.Grant.Resource)
		if !p.holders[h] {
			p.holders[h] = true
			return storage.WriteOne(ctx, p.store, storage.AddOp, storage.Path{"gh", "grants", h},
				map[string]any{node: names(u.Grant.Perms)})
		}
		return storage.WriteOne(ctx, p.store, storage.AddOp, storage.Path{"gh", "grants", h, node}, names(u.Grant.Perms))
	case compare.GrantRemove:
		return storage.WriteOne(ctx, p.store, storage.RemoveOp,
			storage.Path{"gh", "grants", holder(u.Grant.Principal), compare.NodeName(u.Grant.Resource)}, nil)
	case compare.MemberAdd:
		return storage.WriteOne(ctx, p.store, storage.AddOp, storage.Path{"gh", "users", u.Member.User, "groups", u.Member.Group}, true)
	case compare.MemberRemove:
		return storage.WriteOne(ctx, p.store, storage.RemoveOp, storage.Path{"gh", "users", u.Member.User, "groups", u.Member.Group}, nil)
	}
	return fmt.Errorf("opa: unknown update %v", u.Kind)
}

// Close implements compare.System.
func (p *Peer) Close() error { p.store, p.holders = nil, nil; return nil }
