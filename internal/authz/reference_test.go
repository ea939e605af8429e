package authz_test

import (
	"maps"
	"slices"

	. "github.com/gatehouse-dev/gatehouse/internal/authz"
)

// ref is a deliberately naive model of the same semantics: plain maps, no
// indexes, walk up the hierarchy on every question, expand groups by
// scanning every membership and roles by walking the catalogue's Contains
// lists from scratch. It is the oracle the engine is compared against, so
// it must stay obviously correct rather than fast.
type ref struct {
	nodes   map[Resource]Resource // node → parent (zero for organizations)
	users   map[string]bool       // user → active
	groups  map[string]string     // group → organization
	members map[Membership]bool
	grants  map[Principal]map[Resource]Set
	supers  map[SuperAdmin]bool
}

func newRef() *ref {
	return &ref{
		nodes: map[Resource]Resource{}, users: map[string]bool{}, groups: map[string]string{},
		members: map[Membership]bool{}, grants: map[Principal]map[Resource]Set{}, supers: map[SuperAdmin]bool{},
	}
}

func (m *ref) clone() *ref {
	c := &ref{nodes: maps.Clone(m.nodes), users: maps.Clone(m.users), groups: maps.Clone(m.groups),
		members: maps.Clone(m.members), grants: map[Principal]map[Resource]Set{}, supers: maps.Clone(m.supers)}
	for p, g := range m.grants {
		c.grants[p] = maps.Clone(g)
	}
	return c
}

func refValidParent(child, parent Kind) bool {
	switch child {
	case KindUnit, KindProject:
		return parent == KindOrganization || parent == KindUnit
	case KindService:
		return parent == KindProject
	}
	return false
}

// isUnder reports whether n is a, or below a.
func (m *ref) isUnder(n, a Resource) bool {
	for {
		if n == a {
			return true
		}
		p, ok := m.nodes[n]
		if !ok || p == (Resource{}) {
			return false
		}
		n = p
	}
}

// apply mirrors the engine's documented rules for skipping invalid changes.
func (m *ref) apply(c Change) {
	switch c.Op {
	case OpUpsertNode:
		n := c.Node
		if n.Kind < KindOrganization || n.Kind > KindService || n.ID == "" {
			return
		}
		parent := Resource{}
		if n.Kind != KindOrganization {
			if !refValidParent(n.Kind, n.Parent.Kind) {
				return
			}
			if _, ok := m.nodes[n.Parent]; !ok {
				return
			}
			parent = n.Parent
		}
		if _, ok := m.nodes[n.Resource]; ok {
			if n.Kind == KindOrganization || m.isUnder(parent, n.Resource) {
				return
			}
		}
		m.nodes[n.Resource] = parent
	case OpDeleteNode:
		r := c.Node.Resource
		if _, ok := m.nodes[r]; !ok {
			return
		}
		var doomed []Resource
		for n := range m.nodes {
			if m.isUnder(n, r) {
				doomed = append(doomed, n)
			}
		}
		for _, n := range doomed {
			if n.Kind == KindOrganization {
				for g, o := range m.groups {
					if o == n.ID {
						m.deleteGroup(g)
					}
				}
				for sa := range m.supers {
					if sa.Org == n.ID {
						delete(m.supers, sa)
					}
				}
			}
			for _, g := range m.grants {
				delete(g, n)
			}
		}
		for _, n := range doomed {
			delete(m.nodes, n)
		}
	case OpSetUser:
		if c.User.ID != "" {
			m.users[c.User.ID] = c.User.Active
		}
	case OpDeleteUser:
		id := c.User.ID
		if _, ok := m.users[id]; !ok {
			return
		}
		delete(m.users, id)
		delete(m.grants, UserP(id))
		for mb := range m.members {
			if mb.User == id {
				delete(m.members, mb)
			}
		}
		for sa := range m.supers {
			if sa.User == id {
				delete(m.supers, sa)
			}
		}
	case OpUpsertGroup:
		if _, ok := m.nodes[Org(c.Group.Org)]; ok && c.Group.ID != "" {
			m.groups[c.Group.ID] = c.Group.Org
		}
	case OpDeleteGroup:
		m.deleteGroup(c.Group.ID)
	case OpAddMember:
		_, g := m.groups[c.Member.Group]
		_, u := m.users[c.Member.User]
		if g && u {
			m.members[c.Member] = true
		}
	case OpRemoveMember:
		delete(m.members, c.Member)
	case OpSetGrant:
		g := c.Grant
		if !g.Perms.Grantable() || g.Perms&1 != 0 {
			return
		}
		if _, ok := m.nodes[g.Resource]; !ok {
			return
		}
		switch g.Principal.Kind {
		case PrincipalUser:
			if _, ok := m.users[g.Principal.ID]; !ok {
				return
			}
		case PrincipalGroup:
			if _, ok := m.groups[g.Principal.ID]; !ok {
				return
			}
		default:
			return
		}
		if g.Perms == 0 {
			delete(m.grants[g.Principal], g.Resource)
			return
		}
		if m.grants[g.Principal] == nil {
			m.grants[g.Principal] = map[Resource]Set{}
		}
		m.grants[g.Principal][g.Resource] = g.Perms
	case OpSetSuperAdmin:
		_, o := m.nodes[Org(c.SuperAdmin.Org)]
		_, u := m.users[c.SuperAdmin.User]
		if !o || !u {
			return
		}
		if c.Flag {
			m.supers[c.SuperAdmin] = true
		} else {
			delete(m.supers, c.SuperAdmin)
		}
	}
}

func (m *ref) deleteGroup(id string) {
	if _, ok := m.groups[id]; !ok {
		return
	}
	delete(m.groups, id)
	delete(m.grants, GroupP(id))
	for mb := range m.members {
		if mb.Group == id {
			delete(m.members, mb)
		}
	}
}

// expand walks Contains lists breadth-first from each member: independent
// of the engine's precomputed closure table.
func refExpand(s Set) Set {
	out := Set(0)
	queue := s.Perms()
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if out.Has(p) {
			continue
		}
		out = out.With(p)
		queue = append(queue, p.Info().Contains...)
	}
	return out
}

// effective is the oracle: the union of expanded grants of the user and of
// every group it is a member of, on the node and each ancestor.
func (m *ref) effective(user string, res Resource) Set {
	active, ok := m.users[user]
	if !ok || !active {
		return 0
	}
	if _, ok := m.nodes[res]; !ok {
		return 0
	}
	var s Set
	n := res
	for {
		s |= m.grants[UserP(user)][n]
		for mb := range m.members {
			if mb.User == user {
				s |= m.grants[GroupP(mb.Group)][n]
			}
		}
		p := m.nodes[n]
		if p == (Resource{}) {
			break
		}
		n = p
	}
	if m.supers[SuperAdmin{Org: n.ID, User: user}] {
		return AllPermissions
	}
	return refExpand(s)
}

func (m *ref) snapshot() Snapshot {
	var s Snapshot
	for n, p := range m.nodes {
		s.Nodes = append(s.Nodes, Node{Resource: n, Parent: p})
	}
	for u, a := range m.users {
		s.Users = append(s.Users, User{u, a})
	}
	for g, o := range m.groups {
		s.Groups = append(s.Groups, Group{g, o})
	}
	for mb := range m.members {
		s.Members = append(s.Members, mb)
	}
	for p, gs := range m.grants {
		for r, set := range gs {
			s.Grants = append(s.Grants, Grant{Principal: p, Resource: r, Perms: set})
		}
	}
	for sa := range m.supers {
		s.SuperAdmins = append(s.SuperAdmins, sa)
	}
	s.Sort()
	return s
}

func (m *ref) resources(user string, p Permission, kind Kind) []string {
	var out []string
	for n := range m.nodes {
		if n.Kind == kind && m.effective(user, n).Has(p) {
			out = append(out, n.ID)
		}
	}
	slices.Sort(out)
	return out
}

func (m *ref) principals(res Resource, p Permission) (users, groups []string) {
	if _, ok := m.nodes[res]; !ok {
		return nil, nil
	}
	for u := range m.users {
		if m.effective(u, res).Has(p) {
			users = append(users, u)
		}
	}
	for g := range m.groups {
		var s Set
		for n := res; n != (Resource{}); n = m.nodes[n] {
			s |= m.grants[GroupP(g)][n]
		}
		if refExpand(s).Has(p) {
			groups = append(groups, g)
		}
	}
	slices.Sort(users)
	slices.Sort(groups)
	return users, groups
}
