// Package compare runs Gatehouse's decision engine and other authorization
// systems side by side on one generated dataset (authztest's generator),
// checks that every system gives the same answers, and measures checks,
// listings, updates, load time and memory. The peers live in sibling
// packages; each implements System with its own, documented model of the
// same semantics.
package compare

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/authz/authztest"
)

// System is one authorization system under comparison.
type System interface {
	// Name is the column title; Version names the release measured.
	Name() string
	Version() string
	// Load builds the system's state from the dataset. It should give up
	// when ctx ends.
	Load(ctx context.Context, d *authztest.Dataset) error
	// Check answers whether user holds perm on res.
	Check(ctx context.Context, user string, perm authz.Permission, res authz.Resource) (bool, error)
	// List returns the IDs of every resource of kind on which user holds
	// perm, in any order.
	List(ctx context.Context, user string, perm authz.Permission, kind authz.Kind) ([]string, error)
	// Apply applies one incremental change.
	Apply(ctx context.Context, u Update) error
	// Close releases what Load built.
	Close() error
}

// OnDisk is implemented by systems that keep their state in files; the
// table shows the files' size next to the memory figure.
type OnDisk interface {
	DiskBytes() int64
}

// UpdateKind says what an Update does.
type UpdateKind uint8

// Update kinds: a grant of a whole set on a node the principal held
// nothing on, its removal, and a group membership added or removed.
const (
	GrantAdd UpdateKind = iota + 1
	GrantRemove
	MemberAdd
	MemberRemove
)

func (k UpdateKind) String() string {
	return [...]string{"", "grant add", "grant remove", "member add", "member remove"}[k]
}

// Update is one incremental change. For GrantRemove, Grant.Perms is the
// set being removed (peers that store one fact per permission need it).
type Update struct {
	Kind   UpdateKind
	Grant  authz.Grant
	Member authz.Membership
}

// SuperAdminRole is the pseudo-role the peers grant on the organization for
// a super admin flag: it contains every permission, internal abilities
// included, as the engine's super admin holds AllPermissions.
const SuperAdminRole = "super_admin"

// RelName is a permission's name as a relation or identifier in peers that
// allow only [a-z0-9_] ("project:services:read" → "project_services_read").
func RelName(p authz.Permission) string {
	return strings.NewReplacer(":", "_", "-", "_").Replace(p.String())
}

// Permissions is every permission of the catalogue, grantable ones and
// internal abilities, in catalogue order.
func Permissions() []authz.Permission {
	var out []authz.Permission
	for _, in := range authz.Catalogue() {
		out = append(out, in.Perm)
	}
	return out
}

// Grantable is every permission that may appear in a grant.
func Grantable() []authz.Permission {
	var out []authz.Permission
	for _, in := range authz.Catalogue() {
		if in.Grantable() {
			out = append(out, in.Perm)
		}
	}
	return out
}

// HeldThrough returns the grantable entries whose closure contains p (p
// itself included when grantable): granting any of them grants p. Peers
// that cannot follow the catalogue's cyclic Contains lists (admin and
// role:project:admin contain each other) use this flattened form.
func HeldThrough(p authz.Permission) []authz.Permission {
	var out []authz.Permission
	for _, q := range Grantable() {
		if q.Closure().Has(p) {
			out = append(out, q)
		}
	}
	return out
}

// NodeName is a resource as "kind:id", the object name most peers use.
func NodeName(r authz.Resource) string { return r.Kind.String() + ":" + r.ID }

// ParentOf maps every node of the dataset to its parent.
func ParentOf(d *authztest.Dataset) map[authz.Resource]authz.Resource {
	m := make(map[authz.Resource]authz.Resource, len(d.Snapshot.Nodes))
	for _, n := range d.Snapshot.Nodes {
		m[n.Resource] = n.Parent
	}
	return m
}

// IDsOfKind lists the dataset's node IDs of one kind, sorted.
func IDsOfKind(d *authztest.Dataset, k authz.Kind) []string {
	var out []string
	for _, n := range d.Snapshot.Nodes {
		if n.Kind == k {
			out = append(out, n.ID)
		}
	}
	slices.Sort(out)
	return out
}

// Errorf wraps a peer's error with its name.
func Errorf(s System, format string, args ...any) error {
	return fmt.Errorf("%s: %s", s.Name(), fmt.Sprintf(format, args...))
}
