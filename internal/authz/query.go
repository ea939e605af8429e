package authz

import (
	"cmp"
	"container/heap"
	"math/bits"
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
	ui, u, n, h := ix.resolve(user, res)
	if u == nil || !u.active {
		return false
	}
	return ix.allowsFrom(ui, u, n, h, need)
}

// resolve looks up a user and a node together and returns their hot
// records, or nil ones if either is unknown or deleted. On a large index
// both lookups miss the cache; the two probes are independent, so issuing
// their loads side by side lets the CPU wait for both misses at once
// instead of one after the other. The same goes for the two hot records
// that confirm the IDs, which the check reads next anyway.
func (ix *Index) resolve(user string, res Resource) (ui int32, uh *userHot, ni int32, nh *nodeHot) {
	ids := ix.idt()
	if ut, nt := ids.userIDs.tab, ids.nodeIDs[res.Kind].tab; ut != nil && nt != nil {
		hu, hn := strHash{}.hash(user), strHash{}.hash(res.ID)
		ui, ni = ut.candidate(hu), nt.candidate(hn)
		if ui >= 0 && ni >= 0 {
			uh, nh = &ix.users.at(ui).hot, ix.nhot.at(ni)
			if ix.userIs(ui, uh, user) && ix.nodeIs(ni, nh, res.ID) {
				if !uh.alive || !nh.alive {
					return 0, nil, 0, nil
				}
				return ui, uh, ni, nh
			}
		}
	}
	// Added since the tables were built, unknown, or a tag collision:
	// take the general path.
	ui, ok := ix.userIdx(user)
	if ok {
		ni, ok = ix.nodeIdx(res)
	}
	if !ok {
		return 0, nil, 0, nil
	}
	return ui, &ix.users.at(ui).hot, ni, ix.nhot.at(ni)
}

// hotNodeIdx is nodeIdx confirming the table's candidate on the hot
// record: a hit costs the slot and 32 bytes instead of the full record and
// its ID string.
func (ix *Index) hotNodeIdx(r Resource) (int32, bool) {
	if !r.Kind.Valid() {
		return 0, false
	}
	if t := ix.idt().nodeIDs[r.Kind].tab; t != nil {
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
		u = &ix.users.at(ui).hot
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
	if !u.hot.active || !ok {
		return 0
	}
	var s Set
	for a := n; ; {
		r := ix.nodes.at(a)
		if ix.ngrants.at(a).Len() > 0 {
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
		ex.Deactivated = !u.hot.active
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
	ex.Allowed = u != nil && u.hot.active && need != 0 && (gives || ex.SuperAdmin)
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
// 0: all). next is the cursor for the following page, "" at the end. The
// cursor is an ID, not a position, so paging across revisions neither
// repeats nor skips a resource that stays reachable.
//
// Two strategies, chosen by what the user holds:
//
//   - walk: from the user's (and its groups') grants that carry perm down
//     their subtrees, collecting the page in a bounded heap. The cost
//     follows what the user can reach, not the size of the organization;
//     it suits users with few grants on small subtrees.
//   - scan: the kind's IDs in sorted order from the cursor, each tested
//     for reachability, stopping once the page is full. The cost follows
//     the page, not the whole list; it suits users who reach much
//     (organization-level grants, super admins, thousands of grants),
//     where a walk would visit everything to return the first hundred.
//
// A walk that outgrows walkBudget visited nodes gives way to a scan.
func (ix *Index) Resources(user string, perm Permission, kind Kind, after string, limit int) (ids []string, next string) {
	ui, ok := ix.userIdx(user)
	if !ok || !perm.Valid() || !kind.Valid() {
		return nil, ""
	}
	u := ix.users.at(ui)
	if !u.hot.active {
		return nil, ""
	}
	need := perm.bit()
	held := u.grants.Len() + len(u.superOrgs)
	for _, gi := range u.groups {
		held += ix.groups.at(gi).grants.Len()
	}
	if held > walkMaxHeld {
		if limit > 0 && limit*checkScanRatio < held {
			// A page is cheaper to test node by node, as Check does, than
			// to mark thousands of grants first.
			uh := &ix.users.at(ui).hot
			return ix.scan(kind, after, limit, func(n int32) bool { return ix.allows(ui, uh, n, need) })
		}
		return ix.scanMarked(ix.markHeld(u, need, false), kind, after, limit)
	}
	marked := ix.markHeld(u, need, true)
	if ids, next, ok := ix.walk(marked, kind, after, limit); ok {
		return ids, next
	}
	return ix.scanMarked(marked, kind, after, limit)
}

// walkMaxHeld and walkBudget bound the walk strategy: the grants a user
// and its groups may hold, and the nodes a walk may visit, before a scan
// is the cheaper way to a page. Past checkScanRatio grants per entry of
// the page, a scan tests each node as Check does instead of marking the
// grants first. (Variables only so tests can force each strategy.)
var (
	walkMaxHeld    = 2048
	walkBudget     = 8192
	checkScanRatio = 32
)

// heldMarks marks the nodes where the user or one of its groups holds a
// grant carrying need, and the organizations it is super admin of; roots
// lists them in marking order (for a walk only).
type heldMarks struct {
	bits  []uint64
	roots []int32
}

func (m *heldMarks) has(n int32) bool { return m.bits[n>>6]&(1<<(n&63)) != 0 }

func (ix *Index) markHeld(u *userRec, need Set, withRoots bool) *heldMarks {
	// A bitmap over node indexes (14 KB for 110,000 nodes): cheaper than
	// a map when a user holds 10,000 grants.
	m := &heldMarks{bits: make([]uint64, (ix.nodes.Len()+63)/64)}
	mark := func(n int32) {
		if !m.has(n) {
			m.bits[n>>6] |= 1 << (n & 63)
			if withRoots {
				m.roots = append(m.roots, n)
			}
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
	return m
}

// reaches reports whether n or one of its ancestors is marked, reading
// the check path's node records (parent and grandparent per step).
func (ix *Index) reaches(m *heldMarks, n int32) bool {
	for a := n; ; {
		if m.has(a) {
			return true
		}
		h := ix.nhot.at(a)
		if h.parent < 0 {
			return false
		}
		if m.has(h.parent) {
			return true
		}
		if a = h.grand; a < 0 {
			return false
		}
	}
}

// walk is the walk strategy; ok is false when it gave up (an organization
// root, or more than walkBudget nodes).
func (ix *Index) walk(m *heldMarks, kind Kind, after string, limit int) (ids []string, next string, ok bool) {
	// Keep only the topmost roots: their subtrees are disjoint, so the walk
	// below visits every node at most once and needs no dedup set.
	var top []int32
	for _, r := range m.roots {
		h := ix.nhot.at(r)
		if h.parent < 0 {
			return nil, "", false // a whole organization: scan
		}
		if !ix.reaches(m, h.parent) {
			top = append(top, r)
		}
	}
	c := collector{after: after, limit: limit}
	visited := 0
	var walk func(n int32) bool
	walk = func(n int32) bool {
		ok := true
		ix.nodes.at(n).children.each(func(ch uint32, _ struct{}) bool {
			if visited++; visited > walkBudget {
				ok = false
				return false
			}
			cr := ix.nodes.at(int32(ch))
			if cr.kind == kind {
				c.add(cr.id)
			}
			if canContain(cr.kind, kind) && !walk(int32(ch)) {
				ok = false
				return false
			}
			return true
		})
		return ok
	}
	for _, r := range top {
		rr := ix.nodes.at(r)
		if rr.kind == kind {
			c.add(rr.id)
		}
		if canContain(rr.kind, kind) && !walk(r) {
			return nil, "", false
		}
	}
	ids, next = c.result()
	return ids, next, true
}

func (ix *Index) scanMarked(m *heldMarks, kind Kind, after string, limit int) ([]string, string) {
	return ix.scan(kind, after, limit, func(n int32) bool { return ix.reaches(m, n) })
}

// scan is the scan strategy: nodes of kind in ID order after the cursor,
// those for which reach holds, until limit of them and one more.
func (ix *Index) scan(kind Kind, after string, limit int, reach func(int32) bool) (ids []string, next string) {
	tabs := ix.idt()
	ord := tabs.order[kind]
	// IDs added since the sorted table was built sit in the dictionary's
	// overlay, which is bounded by a fraction of the table.
	var extra []orderEntry
	tabs.nodeIDs[kind].over.each(func(id string, i int32) bool {
		if id > after {
			extra = append(extra, orderEntry{id, i})
		}
		return true
	})
	slices.SortFunc(extra, func(a, b orderEntry) int { return cmp.Compare(a.id, b.id) })
	var base []orderEntry
	if ord != nil {
		base = ord.ents[ord.search(after):]
	}
	// Room for the page, or for a bounded guess at a whole list.
	ids = make([]string, 0, min(cmp.Or(max(limit, 0), 1<<14), len(base)+len(extra)))
	for len(base) > 0 || len(extra) > 0 {
		var e orderEntry
		if len(extra) == 0 || len(base) > 0 && base[0].id < extra[0].id {
			e, base = base[0], base[1:]
		} else {
			e, extra = extra[0], extra[1:]
		}
		if !ix.nhot.at(e.idx).alive || !reach(e.idx) {
			continue
		}
		if limit > 0 && len(ids) == limit {
			return ids, ids[len(ids)-1]
		}
		ids = append(ids, e.id)
	}
	return ids, ""
}

// kindOrder lists every node index of one kind (dead ones too, as the ID
// tables do) sorted by ID, for the scan strategy of Resources. It is
// rebuilt with the kind's ID table, whose overlay holds the newcomers.
type kindOrder struct {
	ents []orderEntry
}

type orderEntry struct {
	id  string
	idx int32
}

// search returns the position of the first ID greater than after.
func (o *kindOrder) search(after string) int {
	i, found := slices.BinarySearchFunc(o.ents, after, func(e orderEntry, t string) int { return cmp.Compare(e.id, t) })
	if found {
		i++
	}
	return i
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
	// Bitmaps over user and group indexes rather than maps: a group
	// granted at the organization brings its every member, and a bitmap
	// visited in order also yields the users without a hash per member.
	us := make([]uint64, (ix.users.Len()+63)/64)
	gs := make([]uint64, (ix.groups.Len()+63)/64)
	markUser := func(u uint32, _ struct{}) bool {
		us[u>>6] |= 1 << (u & 63)
		return true
	}
	for a := n; a >= 0; a = ix.nodes.at(a).parent {
		r := ix.nodes.at(a)
		ix.ngrants.at(a).each(func(pk uint32, s Set) bool {
			if s.Expand()&need == 0 {
				return true
			}
			if pk&groupBit != 0 {
				g := pk &^ groupBit
				gs[g>>6] |= 1 << (g & 63)
			} else {
				markUser(pk, struct{}{})
			}
			return true
		})
		r.orgSets().supers.each(markUser)
	}
	for g := range setBits(gs) {
		gr := ix.groups.at(g)
		groups = append(groups, gr.id)
		gr.members.each(markUser)
	}
	for u := range setBits(us) {
		if ur := ix.users.at(u); ur.hot.active {
			users = append(users, ur.id)
		}
	}
	slices.Sort(users)
	slices.Sort(groups)
	return users, groups
}

// setBits yields the indexes of the set bits of a bitmap, in order.
func setBits(bm []uint64) func(yield func(int32) bool) {
	return func(yield func(int32) bool) {
		for w, x := range bm {
			for x != 0 {
				b := bits.TrailingZeros64(x)
				if !yield(int32(w*64 + b)) {
					return
				}
				x &= x - 1
			}
		}
	}
}

// Grants lists the grants on exactly res (not inherited ones), sets as
// granted, users before groups, each sorted by ID.
func (ix *Index) Grants(res Resource) []Grant {
	n, ok := ix.nodeIdx(res)
	if !ok {
		return nil
	}
	r, ng := ix.nodes.at(n), ix.ngrants.at(n)
	out := make([]Grant, 0, ng.Len())
	ng.each(func(pk uint32, s Set) bool {
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
		if !u.hot.alive {
			continue
		}
		s.Users = append(s.Users, User{u.id, u.hot.active})
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
