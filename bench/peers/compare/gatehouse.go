package compare

import (
	"context"
	"runtime/debug"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/authz/authztest"
)

// Gatehouse is the baseline: the engine as the server runs it (an Engine
// publishing one Index per revision).
type Gatehouse struct {
	e   *authz.Engine
	rev int64
}

// NewGatehouse returns the baseline system.
func NewGatehouse() *Gatehouse { return &Gatehouse{} }

// Name implements System.
func (g *Gatehouse) Name() string { return "Gatehouse" }

// Version implements System: the commit built, as the Go toolchain
// recorded it (empty for a build outside version control).
func (g *Gatehouse) Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 7 {
				return "main@" + s.Value[:7]
			}
		}
	}
	return "this checkout"
}

// Load implements System.
func (g *Gatehouse) Load(_ context.Context, d *authztest.Dataset) error {
	g.e = authz.NewEngine()
	g.rev = 1
	return g.e.Load(d.Snapshot, g.rev)
}

// Check implements System.
func (g *Gatehouse) Check(_ context.Context, user string, perm authz.Permission, res authz.Resource) (bool, error) {
	return g.e.Check(user, perm, res), nil
}

// List implements System.
func (g *Gatehouse) List(_ context.Context, user string, perm authz.Permission, kind authz.Kind) ([]string, error) {
	ids, _ := g.e.Index().Resources(user, perm, kind, "", 0)
	return ids, nil
}

// Apply implements System.
func (g *Gatehouse) Apply(_ context.Context, u Update) error {
	g.rev++
	var c authz.Change
	switch u.Kind {
	case GrantAdd:
		c = authz.SetGrant(u.Grant.Principal, u.Grant.Resource, u.Grant.Perms)
	case GrantRemove:
		c = authz.SetGrant(u.Grant.Principal, u.Grant.Resource, 0)
	case MemberAdd:
		c = authz.AddMember(u.Member.Group, u.Member.User)
	case MemberRemove:
		c = authz.RemoveMember(u.Member.Group, u.Member.User)
	}
	return g.e.Apply(g.rev, []authz.Change{c})
}

// Close implements System.
func (g *Gatehouse) Close() error { g.e = nil; return nil }
