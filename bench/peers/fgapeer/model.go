package fgapeer

import (
	"fmt"
	"strings"

	"github.com/gatehouse-dev/gatehouse/bench/peers/compare"
	"github.com/gatehouse-dev/gatehouse/internal/authz"
)

// Model returns the OpenFGA model (DSL) generated from the catalogue, as
// committed in model.fga:
//
//   - every node type has one directly assignable relation per grantable
//     role or permission, g_<name>, held by users and group members
//     (the organization also has g_super_admin, for the super admin flag);
//   - has_<perm> is the union of the g_ relations whose role contains the
//     permission (the catalogue's closure, flattened because OpenFGA
//     rejects cycles of computed relations and admin and
//     role:project:admin contain each other), plus has_<perm> of the
//     parent node: grants inherit downward;
//   - can_<perm> is has_<perm> and active_user, which the organization
//     holds for every active user and the other nodes inherit.
func Model() string {
	var b strings.Builder
	b.WriteString("model\n  schema 1.1\n\ntype user\n\ntype group\n  relations\n    define member: [user]\n")
	kinds := []struct {
		name, parent string
	}{
		{"organization", ""},
		{"unit", "[organization, unit]"},
		{"project", "[organization, unit]"},
		{"service", "[project]"},
	}
	for _, k := range kinds {
		fmt.Fprintf(&b, "\ntype %s\n  relations\n", k.name)
		if k.parent == "" {
			b.WriteString("    define active_user: [user]\n")
			b.WriteString("    define g_" + compare.SuperAdminRole + ": [user]\n")
		} else {
			fmt.Fprintf(&b, "    define parent: %s\n", k.parent)
			b.WriteString("    define active_user: active_user from parent\n")
		}
		for _, q := range compare.Grantable() {
			fmt.Fprintf(&b, "    define g_%s: [user, group#member]\n", compare.RelName(q))
		}
		for _, p := range compare.Permissions() {
			var terms []string
			for _, q := range compare.HeldThrough(p) {
				terms = append(terms, "g_"+compare.RelName(q))
			}
			if k.parent == "" {
				terms = append(terms, "g_"+compare.SuperAdminRole)
			} else {
				terms = append(terms, "has_"+compare.RelName(p)+" from parent")
			}
			fmt.Fprintf(&b, "    define has_%s: %s\n", compare.RelName(p), strings.Join(terms, " or "))
			fmt.Fprintf(&b, "    define can_%s: has_%s and active_user\n", compare.RelName(p), compare.RelName(p))
		}
	}
	return b.String()
}

// grantRelations are the tuples' relations for a granted set.
func grantRelations(s authz.Set) []string {
	var out []string
	for _, p := range s.Perms() {
		out = append(out, "g_"+compare.RelName(p))
	}
	return out
}
