package authz

import "slices"

// Check-path records. On a large index a check is bound by memory latency,
// not by instructions: every dependent cache miss costs ~100 ns. The full
// records (nodeRec, userRec) keep IDs, grant tries and member sets behind
// pointers, so a check through them chains about eight misses. The hot
// vectors below hold, per index, only what a check reads, with the ID
// bytes inline and a user's grants and groups inline when they are few:
//
//   - nodeHot is 32 bytes: 110,000 nodes take 3.5 MB and mostly stay in
//     the last-level cache. It carries the grandparent too, so a service
//     check never reads its project's record;
//   - userHot is 128 bytes (two cache lines, fetched together): ID, flags,
//     up to 4 groups and up to 12 grants as (node, interned set) pairs.
//
// A check then costs the two ID-table slots and the two hot records, both
// pairs loaded side by side, plus cache-resident group and unit records.
// The full records stay the source of truth: every mutation marks what it
// touched and the transaction rewrites those hot records at its end.
// Anything that does not fit (long IDs, many grants or groups, more than
// 256 distinct permission sets) is flagged and read from the full record.

const (
	nodeIDInline    = 21
	userIDInline    = 46
	inlineGroupsMax = 4
	inlineGrantsMax = 12
	// longID in idLen and spilled in nGroups/nGrants send a check to the
	// full record.
	longID  = 0xff
	spilled = 0xff
)

// inlineGroups and inlineGrants are the limits in use (variables only so
// tests can force the spilled representation).
var inlineGroups, inlineGrants = inlineGroupsMax, inlineGrantsMax

type nodeHot struct {
	parent int32
	grand  int32 // parent's parent, -1 if none
	alive  bool
	grants bool // some principal holds a grant on this node
	idLen  uint8
	id     [nodeIDInline]byte
}

type userHot struct {
	groups  [inlineGroupsMax]int32
	gnodes  [inlineGrantsMax]int32
	alive   bool
	active  bool
	super   bool // super admin of some organization: see userRec.superOrgs
	idLen   uint8
	nGroups uint8
	nGrants uint8
	gsets   [inlineGrantsMax]uint8 // index into Index.sets
	id      [userIDInline]byte
}

// setTable interns expanded permission sets so an inline grant costs one
// byte for its set. Entries are only appended, and a table is copied
// before the first append of each edit, so older revisions never see a
// change. There are few distinct sets in practice (roles and a handful of
// combinations); past 256 the newcomers' holders spill.
type setTable struct {
	owner *edit
	sets  []Set
}

func (t txn) intern(x Set) (uint8, bool) {
	st := t.ix.sets
	if st != nil {
		if i := slices.Index(st.sets, x); i >= 0 {
			return uint8(i), true
		}
		if len(st.sets) > 255 {
			return 0, false
		}
	}
	if st == nil || st.owner != t.e {
		ns := &setTable{owner: t.e}
		if st != nil {
			ns.sets = slices.Clone(st.sets)
		}
		t.ix.sets, st = ns, ns
	}
	st.sets = append(st.sets, x)
	return uint8(len(st.sets) - 1), true
}

// putID stores id inline if it fits and returns the length to record.
func putID(dst []byte, id string) uint8 {
	if len(id) > len(dst) {
		return longID
	}
	copy(dst, id)
	return uint8(len(id))
}

// dirty lists the records an Apply touched, duplicates allowed, and
// whether it added IDs (only then may a dictionary need rebuilding).
type dirty struct {
	users, nodes []int32
	ids          bool
	kids         []int32 // scratch of moveHot
	sink         uint32  // what applyBatch's read-ahead read
}

// ids returns the Index's ID tables for adding an ID, copied (or
// created) unless this transaction's edit made them, and marks the
// dictionaries for a rebuild check.
func (t txn) ids() *idTables {
	if t.d != nil {
		t.d.ids = true
	}
	ix := t.ix
	if ix.ids == nil || ix.ids.owner != t.e {
		c := &idTables{}
		if ix.ids != nil {
			*c = *ix.ids
		}
		c.owner = t.e
		ix.ids = c
	}
	return ix.ids
}

func (t txn) mutUser(i int32) *userRec {
	if t.d != nil {
		t.d.users = append(t.d.users, i)
	}
	return t.ix.users.mut(i)
}

func (t txn) mutNode(i int32) *nodeRec {
	if t.d != nil {
		t.d.nodes = append(t.d.nodes, i)
	}
	return t.ix.nodes.mut(i)
}

// mutGrants is mutNode for the grants on node i.
func (t txn) mutGrants(i int32) *ngrants {
	if t.d != nil {
		t.d.nodes = append(t.d.nodes, i)
	}
	return t.ix.ngrants.mut(i)
}

// moveHot updates the hot records after node i moved below parent, whose
// own parent is grand: i's parent and grandparent, and its children's
// grandparent, patched in place rather than re-derived (which would read
// every child's full record), their new versions in one allocation. A
// node pushed by the Apply under way has no hot record yet: it is marked,
// and derived at the end.
func (t txn) moveHot(i, parent, grand int32) {
	if t.d == nil {
		return
	}
	ix := t.ix
	n := int32(ix.nhot.Len())
	is, self := t.d.kids[:0], i < n
	if self {
		is = append(is, i)
	} else {
		t.d.nodes = append(t.d.nodes, i)
	}
	is = ix.nodes.at(i).children.keys(is)
	t.d.kids = is
	for k := len(is) - 1; k >= 0 && (k > 0 || !self); k-- {
		if c := is[k]; c >= n {
			t.d.nodes = append(t.d.nodes, c)
			is[k] = is[len(is)-1]
			is = is[:len(is)-1]
		}
	}
	ix.nhot.mutAll(is, func(k int, h *nodeHot) {
		if k == 0 && self {
			h.parent, h.grand = parent, grand
		} else {
			h.grand = parent
		}
	})
}

// syncHot brings the hot vectors up to date with the full records: all of
// them after a Build, the marked ones after an Apply.
func (t txn) syncHot() {
	ix := t.ix
	if t.d == nil {
		for i := range int32(ix.nodes.Len()) {
			*ix.nhot.mut(ix.nhot.push()) = t.nodeHot(i)
		}
		for i := range int32(ix.users.Len()) {
			t.syncUser(i)
		}
		return
	}
	for ix.nhot.Len() < ix.nodes.Len() {
		ix.nhot.push()
	}
	for _, i := range t.d.nodes {
		t.syncNode(i)
	}
	for _, i := range t.d.users {
		t.syncUser(i)
	}
}

func (t txn) syncNode(i int32) {
	if h := t.nodeHot(i); *t.ix.nhot.at(i) != h {
		*t.ix.nhot.mut(i) = h
	}
}

// syncUser re-derives the hot part of a user the transaction changed (so
// its record is already a private copy, written in place).
func (t txn) syncUser(i int32) {
	h := t.userHot(i)
	t.ix.users.mut(i).hot = h
}

// grantHot updates the hot record of user i, whose full record u the
// transaction already changed (so it is a private copy), for its grant on
// node n now expanding to x (0: revoked): one inline entry is added,
// replaced or removed. When the inline form cannot take the change (no
// room, or the set table is full), or a spilled user may fit again, the
// user is marked for re-derivation instead. Build derives every record at
// its end and needs none of this.
func (t txn) grantHot(i int32, u *userRec, n int32, x Set) {
	if t.d == nil {
		return
	}
	h := &u.hot
	if h.nGrants == spilled {
		if u.grants.Len() <= inlineGrants {
			t.d.users = append(t.d.users, i)
		}
		return
	}
	m := int(h.nGrants)
	// Entries are in node order unless they were derived from a trie; a
	// full scan finds a match either way.
	k := slices.Index(h.gnodes[:m], n)
	if x == 0 {
		if k >= 0 {
			copy(h.gnodes[k:m-1], h.gnodes[k+1:m])
			copy(h.gsets[k:m-1], h.gsets[k+1:m])
			h.gnodes[m-1], h.gsets[m-1] = 0, 0
			h.nGrants--
		}
		return
	}
	s, ok := t.intern(x)
	if !ok || (k < 0 && m >= inlineGrants) {
		t.d.users = append(t.d.users, i)
		return
	}
	if k < 0 {
		k = 0
		for k < m && h.gnodes[k] < n {
			k++
		}
		copy(h.gnodes[k+1:m+1], h.gnodes[k:m])
		copy(h.gsets[k+1:m+1], h.gsets[k:m])
		h.nGrants++
	}
	h.gnodes[k], h.gsets[k] = n, s
}

// grantsFlag sets node n's hot grants flag. A node pushed by the Apply
// under way has no hot record yet: it is marked, and derived at the end.
func (t txn) grantsFlag(n int32, on bool) {
	if t.d == nil {
		return
	}
	if n >= int32(t.ix.nhot.Len()) {
		t.d.nodes = append(t.d.nodes, n)
		return
	}
	t.ix.nhot.mut(n).grants = on
}

// groupsHot updates the inline groups of user i after its full record's
// groups changed, as grantHot does for grants.
func (t txn) groupsHot(i int32, u *userRec) {
	if t.d == nil {
		return
	}
	h := &u.hot
	if len(u.groups) > inlineGroups {
		h.nGroups, h.groups = spilled, [inlineGroupsMax]int32{}
		return
	}
	h.groups = [inlineGroupsMax]int32{}
	h.nGroups = uint8(copy(h.groups[:], u.groups))
}

// nodeHot and userHot derive the hot record of index i from the full ones.
func (t txn) nodeHot(i int32) nodeHot {
	ix := t.ix
	r := ix.nodes.at(i)
	h := nodeHot{parent: r.parent, grand: -1, alive: r.alive, grants: ix.ngrants.at(i).Len() > 0}
	if r.parent >= 0 {
		h.grand = ix.nodes.at(r.parent).parent
	}
	h.idLen = putID(h.id[:], r.id)
	return h
}

func (t txn) userHot(i int32) userHot {
	u := t.ix.users.at(i)
	h := userHot{alive: u.hot.alive, active: u.hot.active, super: len(u.superOrgs) > 0}
	h.idLen = putID(h.id[:], u.id)
	if len(u.groups) <= inlineGroups {
		h.nGroups = uint8(copy(h.groups[:], u.groups))
	} else {
		h.nGroups = spilled
	}
	h.nGrants = spilled
	if n := u.grants.Len(); n <= inlineGrants {
		// The record being replaced holds most of these grants already,
		// their sets interned, in the same (node) order: take its set
		// indexes rather than searching the table for every grant.
		old, m, k := &u.hot, int(u.hot.nGrants), 0
		if m == spilled {
			m = 0
		}
		j := 0
		u.grants.each(func(node uint32, g grantVal) bool {
			for k < m && old.gnodes[k] < int32(node) {
				k++
			}
			if k < m && old.gnodes[k] == int32(node) && t.ix.sets.sets[old.gsets[k]] == g.expanded {
				h.gnodes[j], h.gsets[j] = int32(node), old.gsets[k]
				j++
				return true
			}
			s, ok := t.intern(g.expanded)
			if !ok {
				return false
			}
			h.gnodes[j], h.gsets[j] = int32(node), s
			j++
			return true
		})
		if j == n {
			h.nGrants = uint8(n)
		} else {
			h.gnodes, h.gsets = [inlineGrantsMax]int32{}, [inlineGrantsMax]uint8{}
		}
	}
	return h
}

// userIs and nodeIs confirm an ID-table candidate against the hot record,
// falling back to the full record for IDs too long to inline.
func (ix *Index) userIs(i int32, h *userHot, id string) bool {
	if h.idLen == longID {
		return ix.users.at(i).id == id
	}
	return int(h.idLen) == len(id) && string(h.id[:h.idLen]) == id
}

func (ix *Index) nodeIs(i int32, h *nodeHot, id string) bool {
	if h.idLen == longID {
		return ix.nodes.at(i).id == id
	}
	return int(h.idLen) == len(id) && string(h.id[:h.idLen]) == id
}

// allows walks from node n up to its organization. Each step reads one hot
// node record and covers the node and its parent, whose grants are tested
// without reading the parent's record: the user's side is inline and the
// groups' records are few enough to stay cached.
func (ix *Index) allows(ui int32, u *userHot, n int32, need Set) bool {
	return ix.allowsFrom(ui, u, n, ix.nhot.at(n), need)
}

// allowsFrom is allows for a caller that has read n's hot record h.
func (ix *Index) allowsFrom(ui int32, u *userHot, n int32, h *nodeHot, need Set) bool {
	gs := pathGroups{own: ix.ownFilter(u, need)}
	a := n
	for {
		if h.grants && ix.holds(ui, u, &gs, a, need) {
			return true
		}
		p := h.parent
		if p < 0 {
			return ix.superAt(ui, u, a)
		}
		if ix.holds(ui, u, &gs, p, need) {
			return true
		}
		g := h.grand
		if g < 0 {
			return ix.superAt(ui, u, p)
		}
		a, h = g, ix.nhot.at(g)
	}
}

// pathGroups holds the records of the user's groups for one walk: each
// group is asked about every node on the path, so its record is looked up
// once, on the first node the user's own grants do not answer for. any is
// the union of their filters: most nodes need no group looked at. own is
// the same kind of filter over the user's inline grants that give
// something in need, so that most nodes need no scan of them either.
type pathGroups struct {
	loaded bool
	n      uint8
	any    uint64
	own    uint64
	recs   [inlineGroupsMax]*groupRec
	spill  []int32 // the groups of a user with more than fit inline
}

func (gs *pathGroups) load(ix *Index, ui int32, u *userHot) {
	gs.loaded = true
	if u.nGroups == spilled {
		gs.spill = ix.users.at(ui).groups
		gs.any = ^uint64(0)
		return
	}
	gs.n = u.nGroups
	for j, gi := range u.groups[:u.nGroups] {
		gr := ix.groups.at(gi)
		gs.recs[j] = gr
		gs.any |= gr.filter
	}
}

// ownFilter returns the nodeBits of the nodes on which the user's inline
// grants give something in need (all bits for a spilled user). A walk
// asks about half a dozen nodes: one pass over the grants here replaces
// a scan of all of them per node.
func (ix *Index) ownFilter(u *userHot, need Set) uint64 {
	if u.nGrants == spilled {
		return ^uint64(0)
	}
	var f uint64
	if u.nGrants == 0 {
		return 0 // and the Index may have no set table
	}
	sets := ix.sets.sets
	for j, n := range u.gnodes[:u.nGrants] {
		// Without a branch: whether a grant gives something in need is
		// a coin toss the predictor would lose half the time.
		x := uint64(sets[u.gsets[j]] & need)
		f |= (x | -x) >> 63 << (uint32(n) * 0x9e3779b1 >> 26) // nodeBit(n) if x != 0
	}
	return f
}

// holds reports whether the user or one of its groups holds a grant on a
// that gives something in need.
func (ix *Index) holds(ui int32, u *userHot, gs *pathGroups, a int32, need Set) bool {
	bit := nodeBit(a)
	if gs.own&bit != 0 {
		if u.nGrants == spilled {
			if g, ok := ix.users.at(ui).grants.get(a); ok && g.expanded&need != 0 {
				return true
			}
		} else {
			for j := range u.nGrants {
				if u.gnodes[j] == a {
					if ix.sets.sets[u.gsets[j]]&need != 0 {
						return true
					}
					break
				}
			}
		}
	}
	if !gs.loaded {
		gs.load(ix, ui, u)
	}
	if gs.any&bit == 0 {
		return false
	}
	for _, gr := range gs.recs[:gs.n] {
		if gr.filter&bit != 0 {
			if g, ok := gr.grants.get(a); ok && g.expanded&need != 0 {
				return true
			}
		}
	}
	for _, gi := range gs.spill {
		gr := ix.groups.at(gi)
		if gr.filter&bit == 0 {
			continue
		}
		if g, ok := gr.grants.get(a); ok && g.expanded&need != 0 {
			return true
		}
	}
	return false
}

// superAt reports whether the user is super admin of organization o. The
// flag is rare, so the full record is read only for flagged users.
func (ix *Index) superAt(ui int32, u *userHot, o int32) bool {
	if !u.super {
		return false
	}
	_, ok := slices.BinarySearch(ix.users.at(ui).superOrgs, o)
	return ok
}

// nodeBit is node n's bit in a group's filter. A check asks each of the
// user's groups about every node on the path; a group holds grants on a
// few nodes, so the filter answers most of those questions from the group
// record without searching its grants.
func nodeBit(n int32) uint64 { return 1 << (uint32(n) * 0x9e3779b1 >> 26) }

// filterRebuildMax bounds the groups whose filter is recomputed when a
// grant goes: a larger group's filter is nearly full anyway, and keeping
// the old bits (a superset) stays correct while a removal stays O(1).
const filterRebuildMax = 64

// refilter recomputes the filter after a grant was removed.
func (g *groupRec) refilter() {
	if g.grants.Len() > filterRebuildMax {
		return
	}
	g.filter = 0
	g.grants.each(func(n uint32, _ grantVal) bool {
		g.filter |= nodeBit(int32(n))
		return true
	})
}
