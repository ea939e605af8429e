package authz

import (
	"bytes"
	"fmt"
	"strings"
)

// PermissionsMarkdown renders docs/permissions.md from the catalogue, so
// the document cannot drift from the code (a test compares the two).
func PermissionsMarkdown() []byte {
	var b bytes.Buffer
	b.WriteString("# Roles and permissions\n\n")
	b.WriteString("<!-- Generated from internal/authz/catalogue.go by\n")
	b.WriteString("     go test ./internal/authz -run PermissionsDoc -update\n     Do not edit by hand. -->\n\n")
	b.WriteString("Gatehouse accepts exactly the role and permission strings of Aiven's API, plus\n")
	b.WriteString("`organization:audit_logs:read` (the former name of `organization:event_logs:read`).\n")
	b.WriteString("Any other string is rejected with `ErrUnknownPermission`.\n\n")
	b.WriteString("How a decision is made:\n\n")
	b.WriteString("- A grant gives a set of strings to a user or a group on an organization, unit, project or service.\n")
	b.WriteString("  It applies to that node and everything below it.\n")
	b.WriteString("- Grants are cumulative and never deny: a user's permissions on a node are the union of everything\n")
	b.WriteString("  granted to the user and to each of its groups on the node and all its ancestors, with roles\n")
	b.WriteString("  expanded. A weaker role lower down never narrows a stronger grant higher up.\n")
	b.WriteString("- A requirement naming a role is met by that role or any role that contains it\n")
	b.WriteString("  (`admin` ⊃ `operator` ⊃ `developer` ⊃ `read_only`).\n")
	b.WriteString("- Aliases expand to each other, and grants are listed back exactly as granted.\n")
	b.WriteString("- Granular permissions are independent: `project:services:write` does not imply\n")
	b.WriteString("  `project:services:read`. Aiven's own permission lists name alternatives instead.\n")
	b.WriteString("- A super admin of the organization may do everything in it, including the internal\n")
	b.WriteString("  super-admin-only actions. A deactivated user may do nothing.\n\n")
	b.WriteString("## All strings\n\n| String | Kind | Meaning |\n|---|---|---|\n")
	for _, in := range Catalogue() {
		kind := in.Category.String()
		if in.AliasOf.Valid() {
			kind += fmt.Sprintf(", alias of `%s`", in.AliasOf)
		}
		if in.Deprecated {
			kind += ", deprecated"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", in.Name, kind, in.Meaning)
	}
	b.WriteString("\n## What each role contains\n\n")
	b.WriteString("Roles listed with their full expansion (closure). A role also satisfies a\n")
	b.WriteString("requirement for any role listed in its expansion.\n\n")
	b.WriteString("| Role | Directly contains | Expands to |\n|---|---|---|\n")
	for _, in := range Catalogue() {
		if in.Category != CategoryProjectRole && in.Category != CategoryRole {
			continue
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", in.Name, codeList(SetOf(in.Contains...)), codeList(in.Perm.Closure()&^SetOf(in.Perm)))
	}
	b.WriteString("\n## Matrix\n\n")
	b.WriteString("✓ = the role (column) satisfies a requirement for the string (row).\n\n")
	var roles []Info
	for _, in := range Catalogue() {
		if in.Category == CategoryProjectRole || in.Category == CategoryRole {
			roles = append(roles, in)
		}
	}
	b.WriteString("| String |")
	for _, r := range roles {
		fmt.Fprintf(&b, " `%s` |", r.Name)
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", len(roles)) + "\n")
	for _, in := range Catalogue() {
		fmt.Fprintf(&b, "| `%s` |", in.Name)
		for _, r := range roles {
			if r.Perm.Closure().Has(in.Perm) {
				b.WriteString(" ✓ |")
			} else {
				b.WriteString("  |")
			}
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}

func codeList(s Set) string {
	if s == 0 {
		return "—"
	}
	parts := s.Strings()
	for i, p := range parts {
		parts[i] = "`" + p + "`"
	}
	return strings.Join(parts, ", ")
}
