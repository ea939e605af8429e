package authz

import (
	"cmp"
	"container/heap"
	"slices"
)

// Check reports whether user may do perm on res: the user exists and is
// active, and is super admin of res's organization or holds perm (after
// role expansion) through a grant to itself or one of its groups on res or
// any ancestor. Grants only add; nothing denies. Unknown anything is false.
// It does not allocate.
func (ix *Index) Check(user string, perm Permission, res Resource) bool {
	if !perm.Valid() {
		return false
	}
	return ix.CheckAny(user, perm.bit(), res)
}

// CheckAny is Check for an any-of requirement (go-client-codegen's
// permissions.yaml lists alternatives): true if any member of need is held.
func (ix *Index) CheckAny(user string, need Set, res Resource) bool {
	need &= AllPermissions
	if need == 0 || !res.Kind.Valid() {
		return false
	}
	ui, n, ok := ix.resolve(user, res)
	if !ok {
		return false
	}
	u := ix.uhot.at(ui)
	if !u.active {
		return false
	}
	return ix.allows(ui, u, n, need)
}

// resolve looks up a user and a node together. On a large index both
// lookups miss the cache; the two probes are independent, so issuing their
// loads side by side lets the CPU wait for both misses at once instead of
// one after the other. The same goes for the two hot records that confirm
// the IDs, which the check reads next anyway.
func (ix *Index) resolve(user string, res Resource) (ui, ni int32, ok bool) {
	if ut, nt := ix.userIDs.tab, ix.nodeIDs[res.Kind].tab; ut != nil && nt != nil {
		hu, hn := strHash{}.hash(user), strHash{}.hash(res.ID)
		ui, ni = ut.candidate(hu), nt.candidate(hn)
		if ui >= 0 && ni >= 0 {
			uh, nh := ix.uhot.at(ui), ix.nhot.at(ni)
			if ix.userIs(ui, uh, user) && ix.nodeIs(ni, nh, res.ID) {
				return ui, ni, uh.alive && nh.alive
			}
		}
	}
	// Added since the tables were built, unknown, or a tag collision:
	// take the general path.
	ui, ok = ix.userIdx(user)
	if ok {
		ni, ok = ix.nodeIdx(res)
	}
	return ui, ni, ok
}

// hotNodeIdx is nodeIdx confirming the table's candidate on the hot
// record: a hit costs the slot and 32 bytes instead of the full record and
// its ID string.
func (ix *Index) hotNodeIdx(r Resource) (int32, bool) {
	if !r.Kind.Valid() {
		return 0, false
	}
	if t := ix.nodeIDs[r.Kind].tab; t != nil {
		if i := t.candidate(strHash{}.hash(r.ID)); i >= 0 {
			if h := ix.nhot.at(i); ix.nodeIs(i, h, r.ID) {
				return i, h.alive
			}
		}
	}
	return ix.nodeIdx(r)
}

// CheckBatch answers several requirements for one user in one call; out[i]
// is CheckAny(user, reqs[i].Need, reqs[i].Resource). out is reused if large
// enough, so a caller can avoid allocating per batch.
func (ix *Index) CheckBatch(user string, reqs []Requirement, out []bool) []bool {
	out = slices.Grow(out[:0], len(reqs))[:len(reqs)]
	ui, ok := ix.userIdx(user)
	var u *userHot
	if ok {
		u = ix.uhot.at(ui)
	}
	for i, rq := range reqs {
		out[i] = false
		if u == nil || !u.active || rq.Need&AllPermissions == 0 {
			continue
		}
		if n, ok := ix.hotNodeIdx(rq.Resource); ok {
			out[i] = ix.allows(ui, u, n, rq.Need&AllPermissions)
		}
	}
	return out
}

// Requirement is one entry of a CheckBatch.
type Requirement struct {
	Need     Set
	Resource Resource
}

// IsSuperAdmin reports the super admin flag of user in org (regardless of
// whether the user is active; Check applies that).
func (ix *Index) IsSuperAdmin(org, user string) bool {
	ui, ok := ix.userIdx(user)
	if !ok {
		return false
	}
	o, ok := ix.nodeIdx(Org(org))
	if !ok {
		return false
	}
	_, has := slices.BinarySearch(ix.users.at(ui).superOrgs, o)
	return has
}

// Effective returns everything user holds on res, expanded. A super admin
// gets AllPermissions; an unknown or deactivated user gets nothing.
func (ix *Index) Effective(user string, res Resource) Set {
	ui, ok := ix.userIdx(user)
	if !ok {
		return 0
	}
	u := ix.users.at(ui)
	n, ok := ix.nodeIdx(res)
	if !u.active || !ok {
		return 0
	}
	var s Set
	for a := n; ; {
		r := ix.nodes.at(a)
		if r.grants.n > 0 {
			if g, ok := u.grants.get(a); ok {
				s |= g.expanded
			}
			for _, gi := range u.groups {
				if g, ok := ix.groups.at(gi).grants.get(a); ok {
					s |= g.expanded
				}
			}
		}
		if r.parent < 0 {
			if _, super := slices.BinarySearch(u.superOrgs, a); super {
				return AllPermissions
			}
			return s
		}
		a = r.parent
	}
}

// Explanation is the reasoning behind a Check verdict.
type Explanation struct {
	Allowed  bool
	User     string
	Perm     Permission
	Resource Resource
	// Path runs from the resource up to its organization.
	Path            []Resource
	UnknownUser     bool
	Deactivated     bool
	UnknownResource bool
	SuperAdmin      bool // user is super admin of the resource's organization
	// Grants lists every grant of the user or its groups on the path, in
	// path order (resource first), direct before group grants.
	Grants []ExplainedGrant
}

// ExplainedGrant is one grant considered by Explain.
type ExplainedGrant struct {
	Level   Resource // where the grant is
	Group   string   // "" for a direct grant, else the group it came through
	Granted Set      // as granted
	Gives   bool     // whether it (expanded) contains the permission
}

// Explain returns the verdict of Check plus why. Its cost is the path
// length times the user's group count, independent of how many resources
// the user can reach.
func (ix *Index) Explain(user string, perm Permission, res Resource) Explanation {
	ex := Explanation{User: user, Perm: perm, Resource: res}
	ui, uok := ix.userIdx(user)
	n, nok := ix.nodeIdx(res)
	ex.UnknownUser, ex.UnknownResource = !uok, !nok
	if !nok {
		return ex
	}
	var u *userRec
	if uok {
		u = ix.users.at(ui)
		ex.Deactivated = !u.active
	}
	need := Set(0)
	if perm.Valid() {
		need = perm.bit()
	}
	gives := false
	for a := n; a >= 0; a = ix.nodes.at(a).parent {
		r := ix.nodes.at(a)
		level := Resource{r.kind, r.id}
		ex.Path = append(ex.Path, level)
		if u == nil {
			continue
		}
		if g, ok := u.grants.get(a); ok {
			eg := ExplainedGrant{Level: level, Granted: g.granted, Gives: g.expanded&need != 0}
			gives = gives || eg.Gives
			ex.Grants = append(ex.Grants, eg)
		}
		for _, gi := range u.groups {
			gr := ix.groups.at(gi)
			if g, ok := gr.grants.get(a); ok {
				eg := ExplainedGrant{Level: level, Group: gr.id, Granted: g.granted, Gives: g.expanded&need != 0}
				gives = gives || eg.Gives
				ex.Grants = append(ex.Grants, eg)
			}
		}
		if r.parent < 0 {
			_, ex.SuperAdmin = slices.BinarySearch(u.superOrgs, a)
		}
	}
	ex.Allowed = u != nil && u.active && need != 0 && (gives || ex.SuperAdmin)
	return ex
}

// canContain reports whether a node of kind k can have descendants of kind
// target, to prune subtree walks.
func canContain(k, target Kind) bool {
	switch k {
	case KindOrganization, KindUnit:
		return target != KindOrganization
	case KindProject:
		return target == KindService
	}
	return false
}

// Resources lists the IDs of nodes of kind on which user can do perm,
// sorted, starting after the cursor after, at most limit of them (limit <=
// 0: all). next is the cursor for the following page, "" at the end.
//
// It starts from the user's (and its groups') grants that carry perm and
// walks down from them, so the cost follows what the user can reach, not
// the size of the organization; only a super admin or an organization-level
// grant walks a whole organization.
func (ix *Index) Resources(user string, perm Permission, kind Kind, after string, limit int) (ids []string, next string) {
	ui, ok := ix.userIdx(user)
	if !ok || !perm.Valid() || !kind.Valid() {
		return nil, ""
	}
	u := ix.users.at(ui)
	if !u.active {
		return nil, ""
	}
	need := perm.bit()
	// Roots are marked in a bitmap over node indexes (14 KB for 110,000
	// nodes): cheaper than a map when a user holds 10,000 grants.
	marked := make([]uint64, (ix.nodes.Len()+63)/64)
	var roots []int32
	mark := func(n int32) {
		if marked[n>>6]&(1<<(n&63)) == 0 {
			marked[n>>6] |= 1 << (n & 63)
			roots = append(roots, n)
		}
	}
	add := func(n uint32, g grantVal) bool {
		if g.expanded&need != 0 {
			mark(int32(n))
		}
		return true
	}
	u.grants.each(add)
	for _, gi := range u.groups {
		gr := ix.groups.at(gi)
		gr.grants.each(add)
	}
	for _, o := range u.superOrgs {
		mark(o)
	}
	// Keep only the topmost roots: their subtrees are disjoint, so the walk
	// below visits every node at most once and needs no dedup set.
	top := roots[:0]
	for _, r := range roots {
		covered := false
		for a := ix.nodes.at(r).parent; a >= 0; a = ix.nodes.at(a).parent {
			if marked[a>>6]&(1<<(a&63)) != 0 {
				covered = true
				break
			}
		}
		if !covered {
			top = append(top, r)
		}
	}
	c := collector{after: after, limit: limit}
	var walk func(n int32)
	walk = func(n int32) {
		ix.nodes.at(n).children.each(func(ch uint32, _ struct{}) bool {
			cr := ix.nodes.at(int32(ch))
			if cr.kind == kind {
				c.add(cr.id)
			}
			if canContain(cr.kind, kind) {
				walk(int32(ch))
			}
			return true
		})
	}
	for _, r := range top {
		rr := ix.nodes.at(r)
		if rr.kind == kind {
			c.add(rr.id)
		}
		if canContain(rr.kind, kind) {
			walk(r)
		}
	}
	return c.result()
}

// collector keeps the limit smallest IDs greater than after in a max-heap,
// so a page costs O(n log limit) rather than sorting all n reachable IDs.
type collector struct {
	after string
	limit int
	h     maxHeap
	more  bool
}

func (c *collector) add(id string) {
	if id <= c.after {
		return
	}
	if c.limit <= 0 || len(c.h) < c.limit {
		heap.Push(&c.h, id)
		return
	}
	c.more = true
	if id < c.h[0] {
		c.h[0] = id
		heap.Fix(&c.h, 0)
	}
}

func (c *collector) result() ([]string, string) {
	ids := []string(c.h)
	slices.Sort(ids)
	if c.more && len(ids) > 0 {
		return ids, ids[len(ids)-1]
	}
	return ids, ""
}

type maxHeap []string

func (h maxHeap) Len() int           { return len(h) }
func (h maxHeap) Less(i, j int) bool { return h[i] > h[j] }
func (h maxHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *maxHeap) Push(x any)        { *h = append(*h, x.(string)) }
func (h *maxHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// Principals returns who can do perm on res: active users (directly,
// through groups, or as super admins) and the groups whose grants give it.
// Both lists are sorted and free of duplicates.
func (ix *Index) Principals(res Resource, perm Permission) (users, groups []string) {
	n, ok := ix.nodeIdx(res)
	if !ok || !perm.Valid() {
		return nil, nil
	}
	need := perm.bit()
	us := map[int32]struct{}{}
	gs := map[int32]struct{}{}
	for a := n; a >= 0; a = ix.nodes.at(a).parent {
		r := ix.nodes.at(a)
		r.grants.each(func(pk uint32, s Set) bool {
			if s.Expand()&need == 0 {
				return true
			}
			if pk&groupBit != 0 {
				gs[int32(pk&^groupBit)] = struct{}{}
			} else {
				us[int32(pk)] = struct{}{}
			}
			return true
		})
		r.supers.each(func(u uint32, _ struct{}) bool {
			us[int32(u)] = struct{}{}
			return true
		})
	}
	for g := range gs {
		gr := ix.groups.at(g)
		groups = append(groups, gr.id)
		gr.members.each(func(u uint32, _ struct{}) bool {
			us[int32(u)] = struct{}{}
			return true
		})
	}
	for u := range us {
		if ur := ix.users.at(u); ur.active {
			users = append(users, ur.id)
		}
	}
	slices.Sort(users)
	slices.Sort(groups)
	return users, groups
}

// Grants lists the grants on exactly res (not inherited ones), sets as
// granted, users before groups, each sorted by ID.
func (ix *Index) Grants(res Resource) []Grant {
	n, ok := ix.nodeIdx(res)
	if !ok {
		return nil
	}
	r := ix.nodes.at(n)
	out := make([]Grant, 0, r.grants.Len())
	r.grants.each(func(pk uint32, s Set) bool {
		p := Principal{Kind: PrincipalUser}
		if pk&groupBit != 0 {
			p = Principal{PrincipalGroup, ix.groups.at(int32(pk &^ groupBit)).id}
		} else {
			p.ID = ix.users.at(int32(pk)).id
		}
		out = append(out, Grant{Principal: p, Resource: Resource{r.kind, r.id}, Perms: s})
		return true
	})
	slices.SortFunc(out, func(a, b Grant) int {
		return cmp.Or(cmp.Compare(a.Principal.Kind, b.Principal.Kind), cmp.Compare(a.Principal.ID, b.Principal.ID))
	})
	return out
}

// GrantsOf lists the grants held directly by a principal, sorted by
// resource kind then ID.
func (ix *Index) GrantsOf(kind PrincipalKind, id string) []Grant {
	var grants pgrants
	switch kind {
	case PrincipalUser:
		i, ok := ix.userIdx(id)
		if !ok {
			return nil
		}
		grants = ix.users.at(i).grants
	case PrincipalGroup:
		i, ok := ix.groupIdx(id)
		if !ok {
			return nil
		}
		grants = ix.groups.at(i).grants
	default:
		return nil
	}
	p := Principal{kind, id}
	out := make([]Grant, 0, grants.Len())
	grants.each(func(n uint32, g grantVal) bool {
		r := ix.nodes.at(int32(n))
		out = append(out, Grant{Principal: p, Resource: Resource{r.kind, r.id}, Perms: g.granted})
		return true
	})
	slices.SortFunc(out, func(a, b Grant) int {
		return cmp.Or(cmp.Compare(a.Resource.Kind, b.Resource.Kind), cmp.Compare(a.Resource.ID, b.Resource.ID))
	})
	return out
}

// Snapshot exports every live fact, sorted, so that Build(ix.Snapshot())
// is equivalent to ix. Useful for tests and for handing state over.
func (ix *Index) Snapshot() Snapshot {
	var s Snapshot
	for i := int32(0); i < int32(ix.nodes.Len()); i++ {
		r := ix.nodes.at(i)
		if !r.alive {
			continue
		}
		nd := Node{Resource: Resource{r.kind, r.id}}
		if r.parent >= 0 {
			p := ix.nodes.at(r.parent)
			nd.Parent = Resource{p.kind, p.id}
		}
		s.Nodes = append(s.Nodes, nd)
		s.Grants = append(s.Grants, ix.Grants(nd.Resource)...)
	}
	for i := int32(0); i < int32(ix.users.Len()); i++ {
		u := ix.users.at(i)
		if !u.alive {
			continue
		}
		s.Users = append(s.Users, User{u.id, u.active})
		for _, o := range u.superOrgs {
			s.SuperAdmins = append(s.SuperAdmins, SuperAdmin{ix.nodes.at(o).id, u.id})
		}
		for _, g := range u.groups {
			s.Members = append(s.Members, Membership{ix.groups.at(g).id, u.id})
		}
	}
	for i := int32(0); i < int32(ix.groups.Len()); i++ {
		g := ix.groups.at(i)
		if g.alive {
			s.Groups = append(s.Groups, Group{g.id, ix.nodes.at(g.org).id})
		}
	}
	s.Sort()
	return s
}

// Sort puts every slice of s in a canonical order, so two snapshots of the
// same facts compare equal with reflect.DeepEqual.
func (s *Snapshot) Sort() {
	slices.SortFunc(s.Nodes, func(a, b Node) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.ID, b.ID))
	})
	slices.SortFunc(s.Users, func(a, b User) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(s.Groups, func(a, b Group) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(s.Members, func(a, b Membership) int {
		return cmp.Or(cmp.Compare(a.Group, b.Group), cmp.Compare(a.User, b.User))
	})
	slices.SortFunc(s.SuperAdmins, func(a, b SuperAdmin) int {
		return cmp.Or(cmp.Compare(a.Org, b.Org), cmp.Compare(a.User, b.User))
	})
	slices.SortFunc(s.Grants, func(a, b Grant) int {
		return cmp.Or(cmp.Compare(a.Resource.Kind, b.Resource.Kind), cmp.Compare(a.Resource.ID, b.Resource.ID),
			cmp.Compare(a.Principal.Kind, b.Principal.Kind), cmp.Compare(a.Principal.ID, b.Principal.ID))
	})
}
