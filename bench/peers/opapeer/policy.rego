# Gatehouse's RBAC in Rego, over this data document (data.gh):
#
#   up:       node → [parent]            ("organization:org-0" → [])
#   down:     node → [children]
#   contains: role or permission → [what it directly contains]
#             (the catalogue's Contains lists; "super_admin" → everything)
#   users:    user → {"active": bool, "groups": {group: true}}
#   grants:   "user:<id>" or "group:<id>" → node → [granted roles and permissions]
#
# A super admin flag is the grant of "super_admin" on the organization.
# graph.reachable walks the hierarchy and the role contents (the latter
# has cycles: admin and role:project:admin contain each other).
package gatehouse

# allow: input {"user": id, "permission": name, "resource": "kind:id"}.
default allow := false

allow if {
	data.gh.users[input.user].active
	data.gh.up[input.resource]
	some node in graph.reachable(data.gh.up, {input.resource})
	some holder in holders
	some granted in data.gh.grants[holder][node]
	input.permission in graph.reachable(data.gh.contains, {granted})
}

holders contains concat(":", ["user", input.user])

holders contains concat(":", ["group", g]) if some g, _ in data.gh.users[input.user].groups

# resources: input {"user": id, "permission": name, "kind": "project"}:
# the IDs of the nodes of that kind below a node where the user or one of
# its groups was granted something containing the permission.
granted_nodes contains node if {
	data.gh.users[input.user].active
	some holder in holders
	some node, granted in data.gh.grants[holder]
	some g in granted
	input.permission in graph.reachable(data.gh.contains, {g})
}

resources contains substring(r, count(input.kind) + 1, -1) if {
	some r in graph.reachable(data.gh.down, granted_nodes)
	startswith(r, concat("", [input.kind, ":"]))
}
