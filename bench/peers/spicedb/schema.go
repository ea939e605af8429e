package main

import (
	"fmt"
	"strings"

	"github.com/gatehouse-dev/gatehouse/bench/peers/compare"
)

// Schema returns the SpiceDB schema generated from the catalogue, as
// committed in schema.zed; the same structure as the OpenFGA model:
//
//   - every node type has one relation per grantable role or permission,
//     g_<name>, held by users and group members (the organization also
//     has g_super_admin, for the super admin flag);
//   - has_<perm> is the union of the g_ relations whose role contains the
//     permission (the catalogue's closure, flattened: admin and
//     role:project:admin contain each other, and a schema of permissions
//     referring to each other in a cycle would recurse until the dispatch
//     depth limit), plus the parent's has_<perm>: grants inherit downward;
//   - can_<perm> is has_<perm> intersected with active, which the
//     organization holds for every active user and other nodes inherit.
func Schema() string {
	var b strings.Builder
	b.WriteString("definition user {}\n\ndefinition group {\n\trelation member: user\n}\n")
	kinds := []struct {
		name, parent string
	}{
		{"organization", ""},
		{"unit", "organization | unit"},
		{"project", "organization | unit"},
		{"service", "project"},
	}
	for _, k := range kinds {
		fmt.Fprintf(&b, "\ndefinition %s {\n", k.name)
		if k.parent == "" {
			b.WriteString("\trelation active_user: user\n")
			b.WriteString("\trelation g_" + compare.SuperAdminRole + ": user\n")
		} else {
			fmt.Fprintf(&b, "\trelation parent: %s\n", k.parent)
		}
		for _, q := range compare.Grantable() {
			fmt.Fprintf(&b, "\trelation g_%s: user | group#member\n", compare.RelName(q))
		}
		if k.parent == "" {
			b.WriteString("\tpermission active = active_user\n")
		} else {
			b.WriteString("\tpermission active = parent->active\n")
		}
		for _, p := range compare.Permissions() {
			var terms []string
			for _, q := range compare.HeldThrough(p) {
				terms = append(terms, "g_"+compare.RelName(q))
			}
			if k.parent == "" {
				terms = append(terms, "g_"+compare.SuperAdminRole)
			} else {
				terms = append(terms, "parent->has_"+compare.RelName(p))
			}
			fmt.Fprintf(&b, "\tpermission has_%s = %s\n", compare.RelName(p), strings.Join(terms, " + "))
			fmt.Fprintf(&b, "\tpermission can_%s = has_%s & active\n", compare.RelName(p), compare.RelName(p))
		}
		b.WriteString("}\n")
	}
	return b.String()
}
