package authz

import (
	"errors"
	"fmt"
	"slices"
)

// Sentinel errors for changes that Apply skips. The store is expected to
// validate before committing, so these only fire on inconsistent input.
var (
	ErrUnknownNode      = errors.New("authz: unknown node")
	ErrUnknownUser      = errors.New("authz: unknown user")
	ErrUnknownGroup     = errors.New("authz: unknown group")
	ErrInvalidParent    = errors.New("authz: invalid parent")
	ErrCycle            = errors.New("authz: move would create a cycle")
	ErrNotGrantable     = errors.New("authz: set contains non-grantable permissions")
	ErrInvalidChange    = errors.New("authz: invalid change")
	ErrInvalidPrincipal = errors.New("authz: invalid principal kind")
)

// Index is an immutable view of all facts at one revision, laid out for
// allocation-free checks. Apply derives a new Index that shares every
// unchanged part with its parent, so old readers keep a consistent view for
// as long as they hold the pointer: the records live in versioned vectors
// (vvec.go) shared by the revisions of a lineage, and an Index reads them
// as of its revision.
//
// Every entity gets a dense int32 index the first time its ID is seen; the
// index is kept (marked dead) when the entity is deleted and reused if it
// comes back, so stale references can never alias a different entity.
type Index struct {
	// The revision is the vectors' (vvec.rev): not repeated here, so that
	// the struct every Apply copies stays small.
	//
	// ID tables and sorted orders, which only a change adding an ID
	// changes: shared between revisions until then, so that the struct
	// every Apply copies stays small (see ids).
	ids   *idTables
	nodes vvec[nodeRec]
	// The grants on each node, by principal key, in a vector of their
	// own: a grant versions this small record rather than the node's,
	// and a move copies no grants.
	ngrants vvec[ngrants]
	users   vvec[userRec]
	groups  vvec[groupRec]
	// Check-path copies of nodes (hot.go), and the permission
	// sets their inline grants point into.
	nhot  vvec[nodeHot]
	sets  *setTable
	stats counts
	ep    *epoch // keeps the versions the Index may read live (vvec.go)
	lin   *lineage
}

// idTables are an Index's ID dictionaries and the node orders built with
// them. Shared like an organization's sets: owner is the edit that made
// the struct, the only one that may change it in place (txn.ids).
type idTables struct {
	nodeIDs [numKinds]dict
	userIDs dict
	grpIDs  dict
	// Node indexes of each kind sorted by ID (query.go), rebuilt with the
	// kind's ID table.
	order [numKinds]*kindOrder
	owner *edit
}

// noIDs are the ID tables of the zero Index.
var noIDs idTables

// idt returns the Index's ID tables. Callers must not write through the
// pointer (see txn.ids).
func (ix *Index) idt() *idTables {
	if ix.ids == nil {
		return &noIDs
	}
	return ix.ids
}

// Stats counts live facts.
type Stats struct {
	Nodes, Users, Groups, Members, Grants, SuperAdmins int
}

type nodeRec struct {
	id       string
	kind     Kind
	alive    bool
	parent   int32 // -1 for organizations
	children set32
	// Organizations only, behind a pointer so that the record a move
	// copies stays small; nil while both sets are empty.
	org *orgSets
}

// orgSets are the sets only an organization has. Shared like the record's
// arrays: owner is the edit that allocated it, the only one that may
// change it in place.
type orgSets struct {
	supers set32 // super admin users
	groups set32 // groups of the organization
	owner  *edit
}

var noOrgSets orgSets

// orgSets returns the record's organization sets, empty if it has none.
// Callers must not write through the pointer (see txn.mutOrg).
func (r *nodeRec) orgSets() *orgSets {
	if r.org == nil {
		return &noOrgSets
	}
	return r.org
}

// userRec starts with what a check reads (hot.go): 128 bytes, so that in
// a chunk of 256-byte records it fills two whole cache lines. Its
// alive and active flags are the user's; the rest of it is derived from
// the fields below when a transaction ends.
type userRec struct {
	hot       userHot
	id        string
	groups    []int32 // sorted
	superOrgs []int32 // sorted
	grants    pgrants // node → grant
}

type groupRec struct {
	id      string
	alive   bool
	org     int32
	members set32
	grants  pgrants
	filter  uint64 // nodeBit of every node in grants, maybe more (hot.go)
}

// grantVal keeps the set as granted (for listing) next to its expansion
// (for checks), so neither path recomputes the other.
type grantVal struct {
	granted  Set
	expanded Set
}

const groupBit = 1 << 31

func userKey(i int32) uint32  { return uint32(i) }
func groupKey(i int32) uint32 { return uint32(i) | groupBit }

// Revision is the revision the Index reflects.
func (ix *Index) Revision() int64 { return ix.nodes.rev }

// Stats returns live fact counts.
func (ix *Index) Stats() Stats {
	c := &ix.stats
	return Stats{
		Nodes: int(c.Nodes), Users: int(c.Users), Groups: int(c.Groups),
		Members: int(c.Members), Grants: int(c.Grants), SuperAdmins: int(c.SuperAdmins),
	}
}

// counts are the Index's Stats in 32 bits, so that the struct every Apply
// copies fits a smaller size class: entities have int32 indexes anyway,
// and 2^31 members or grants would take far more memory than a process
// holding an Index has.
type counts struct {
	Nodes, Users, Groups, Members, Grants, SuperAdmins int32
}

// Build indexes a full snapshot. Facts that do not fit (dangling parents,
// members of unknown groups, ...) are skipped; BuildChecked reports them.
func Build(s Snapshot, revision int64) *Index {
	ix, _ := BuildChecked(s, revision)
	return ix
}

// BuildChecked is Build that also returns the skipped facts' errors.
func BuildChecked(s Snapshot, revision int64) (*Index, error) {
	t := txn{ix: &Index{}, e: &edit{}}
	ids := &idTables{owner: t.e}
	for k := range ids.nodeIDs {
		ids.nodeIDs[k] = buildDict(0)
	}
	ids.userIDs = buildDict(len(s.Users))
	ids.grpIDs = buildDict(len(s.Groups))
	t.ix.ids = ids
	var errs []error
	note := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	// Parents first, whatever the snapshot order: organizations, then units
	// in as many passes as they nest, then projects and services.
	var units []Node
	for _, n := range s.Nodes {
		switch n.Kind {
		case KindOrganization:
			note(t.upsertNode(n))
		case KindUnit:
			units = append(units, n)
		}
	}
	for len(units) > 0 {
		var next []Node
		for _, n := range units {
			if _, ok := t.ix.nodeIdx(n.Parent); ok || n.Parent.Kind != KindUnit {
				note(t.upsertNode(n))
			} else {
				next = append(next, n)
			}
		}
		if len(next) == len(units) {
			for _, n := range next {
				note(t.upsertNode(n))
			}
			break
		}
		units = next
	}
	for _, k := range []Kind{KindProject, KindService} {
		for _, n := range s.Nodes {
			if n.Kind == k {
				note(t.upsertNode(n))
			}
		}
	}
	for _, n := range s.Nodes {
		if !n.Kind.Valid() {
			note(t.upsertNode(n))
		}
	}
	for _, u := range s.Users {
		note(t.setUser(u))
	}
	for _, g := range s.Groups {
		note(t.upsertGroup(g))
	}
	for _, m := range s.Members {
		note(t.addMember(m))
	}
	for _, sa := range s.SuperAdmins {
		note(t.setSuperAdmin(sa, true))
	}
	for _, g := range s.Grants {
		note(t.setGrant(g))
	}
	t.syncHot()
	t.ix.rebuildDicts(true)
	ix := t.ix
	lin := newLineage(revision)
	ix.ep, ix.lin = lin.newEpoch(revision), lin
	ix.begin(revision, lin)
	return ix, errors.Join(errs...)
}

// begin sets the vectors' view to revision rev of lineage lin, frozen at
// their current length: what an Apply writing rev starts from, and what a
// fresh Build ends with.
func (ix *Index) begin(rev int64, lin *lineage) {
	ix.nodes.begin(rev, lin)
	ix.ngrants.begin(rev, lin)
	ix.users.begin(rev, lin)
	ix.groups.begin(rev, lin)
	ix.nhot.begin(rev, lin)
}

// clone copies the records of ix's revision into a new lineage, for an
// Apply to a revision that is no longer its lineage's newest (a branch):
// O(n), and not what an Engine ever does.
func (ix *Index) clone(lin *lineage) {
	ix.nodes = ix.nodes.clone(lin)
	ix.ngrants = ix.ngrants.clone(lin)
	ix.users = ix.users.clone(lin)
	ix.groups = ix.groups.clone(lin)
	ix.nhot = ix.nhot.clone(lin)
}

// Apply returns a new Index at revision with changes applied in order,
// sharing all untouched structure with ix (which keeps answering as
// before). Applying to the newest revision of a lineage, as an Engine
// does, costs what the changes touch; applying to an older one (a branch)
// first copies every record of ix into a new lineage. A
// revision <= ix.Revision() returns ix itself, so replaying a change log is
// idempotent. Invalid changes are skipped; ApplyChecked reports them.
func (ix *Index) Apply(revision int64, changes []Change) *Index {
	nx, _ := ix.ApplyChecked(revision, changes)
	return nx
}

// ApplyChecked is Apply that also returns the errors of skipped changes.
func (ix *Index) ApplyChecked(revision int64, changes []Change) (*Index, error) {
	rev := ix.Revision()
	if revision <= rev {
		return ix, nil
	}
	lin, ep := ix.lin, ix.ep
	if lin != nil {
		lin.mu.Lock()
		if lin.latest != rev {
			// A newer revision was written over ix already: branch off.
			lin.mu.Unlock()
			lin = nil
		}
	}
	branch := lin == nil
	if branch {
		lin, ep = newLineage(rev), nil
		lin.mu.Lock()
	}
	defer lin.mu.Unlock()
	if ep == nil || ep.revs >= epochRevs || ep.old.n >= epochVersions {
		ep = lin.newEpoch(revision)
	}
	ep.revs++
	// A single change is published on its own, so its fixed costs count:
	// the new Index comes from a block, as edit tokens do (see
	// epoch.newIndex).
	cp := ep.newIndex()
	*cp = *ix
	if branch {
		cp.clone(lin)
	}
	cp.ep, cp.lin = ep, lin
	cp.begin(revision, lin)
	// The dirty lists are the lineage's, reused by every Apply under its
	// lock.
	d := &lin.dirty
	d.users, d.nodes, d.kids, d.ids = d.users[:0], d.nodes[:0], d.kids[:0], false
	t := txn{ix: cp, e: lin.newEdit(), d: d}
	var errs []error
	if len(changes) == 1 {
		if err := t.apply(&changes[0]); err != nil {
			errs = append(errs, fmt.Errorf("change 0 (%s): %w", changes[0].Op, err))
		}
	} else {
		errs = t.applyBatch(changes)
	}
	t.syncHot()
	if d.ids {
		cp.rebuildDicts(false)
	}
	lin.latest = revision
	return cp, errors.Join(errs...)
}

// txn mutates a private copy of an Index; every write goes through e so
// structure shared with older revisions is copied, never modified.
type txn struct {
	ix *Index
	e  *edit
	d  *dirty // records to re-derive hot copies of; nil in Build (all are)
}

func (t txn) apply(c *Change) error {
	switch c.Op {
	case OpUpsertNode:
		return t.upsertNode(c.Node)
	case OpDeleteNode:
		return t.deleteNode(c.Node.Resource)
	case OpSetUser:
		return t.setUser(c.User)
	case OpDeleteUser:
		t.deleteUser(c.User.ID)
		return nil
	case OpUpsertGroup:
		return t.upsertGroup(c.Group)
	case OpDeleteGroup:
		t.deleteGroup(c.Group.ID)
		return nil
	case OpAddMember:
		return t.addMember(c.Member)
	case OpRemoveMember:
		t.removeMember(c.Member)
		return nil
	case OpSetGrant:
		return t.setGrant(c.Grant)
	case OpSetSuperAdmin:
		return t.setSuperAdmin(c.SuperAdmin, c.Flag)
	}
	return fmt.Errorf("%w: op %d", ErrInvalidChange, c.Op)
}

// Lookups (alive entities only).

func (ix *Index) nodeIdx(r Resource) (int32, bool) {
	if !r.Kind.Valid() {
		return 0, false
	}
	i, ok := lookup(&ix.idt().nodeIDs[r.Kind], r.ID, ix.sameNode)
	if !ok || !ix.nodes.at(i).alive {
		return 0, false
	}
	return i, true
}

func (ix *Index) userIdx(id string) (int32, bool) {
	i, ok := lookup(&ix.idt().userIDs, id, ix.sameUser)
	if !ok || !ix.users.at(i).hot.alive {
		return 0, false
	}
	return i, true
}

func (ix *Index) groupIdx(id string) (int32, bool) {
	i, ok := lookup(&ix.idt().grpIDs, id, ix.sameGroup)
	if !ok || !ix.groups.at(i).alive {
		return 0, false
	}
	return i, true
}

// nodeIdx is ix.nodeIdx for a change that only needs the node's index:
// while the transaction has changed no node, the hot records are in step
// with the full ones, and a lookup confirmed on the hot record (32 bytes,
// mostly cached) skips the full record's cache miss.
func (t txn) nodeIdx(r Resource) (int32, bool) {
	if t.inStep() {
		return t.ix.hotNodeIdx(r)
	}
	return t.ix.nodeIdx(r)
}

// inStep reports whether the hot records are in step with the full ones:
// in an Apply that has changed no node and no user yet.
func (t txn) inStep() bool {
	return t.d != nil && len(t.d.nodes) == 0 && len(t.d.users) == 0
}

// touchGrant loads the first entries of what setGrantIdx reads for a grant
// of user u on node n: the user's grant array and the node's grant delta
// (or base). Each is a chain of dependent cache misses (record, array);
// loaded here, the two chains overlap instead of following each other. It
// returns a value only so that the loads are kept. The user record's
// line between its hot part and its grants (ID, groups) is loaded too:
// the change copies the whole record.
func (ix *Index) touchGrant(u, n int32) uint32 {
	r := ix.users.at(u)
	s := uint32(len(r.groups))
	if g := &r.grants; len(g.nodes) > 0 {
		s += uint32(g.nodes[0])
	}
	if g := ix.ngrants.at(n); len(g.delta) > 0 {
		s += g.delta[0].k
	} else if len(g.base) > 0 {
		s += g.base[0].k
	}
	return s
}

// resolveGrant is resolve for a user grant: it returns the alive user's
// and node's indexes, ok false if either is unknown, deleted, or not in
// the ID tables yet. The arrays the grant reads next (touchGrant) are
// loaded as soon as the tables name the candidates, side by side with
// the hot records that confirm them: a candidate is an index of the
// vectors either way, and a wrong one costs only the loads.
func (t txn) resolveGrant(user string, res Resource) (ui, ni int32, ok bool) {
	ix := t.ix
	ids := ix.idt()
	ut, nt := ids.userIDs.tab, ids.nodeIDs[res.Kind].tab
	if ut == nil || nt == nil {
		return 0, 0, false
	}
	ui, ni = ut.candidate(strHash{}.hash(user)), nt.candidate(strHash{}.hash(res.ID))
	if ui < 0 || ni < 0 {
		return 0, 0, false
	}
	uh, nh := &ix.users.at(ui).hot, ix.nhot.at(ni)
	t.d.sink += ix.touchGrant(ui, ni)
	if !ix.userIs(ui, uh, user) || !ix.nodeIs(ni, nh, res.ID) || !uh.alive || !nh.alive {
		return 0, 0, false
	}
	return ui, ni, true
}

// Mutations.

func (t txn) upsertNode(n Node) error {
	ix := t.ix
	if !n.Kind.Valid() || n.ID == "" {
		return fmt.Errorf("%w: %v", ErrInvalidResource, n.Resource)
	}
	parent := int32(-1)
	if n.Kind != KindOrganization {
		if !validParent(n.Kind, n.Parent.Kind) {
			return fmt.Errorf("%w: %v below %v", ErrInvalidParent, n.Resource, n.Parent)
		}
		p, ok := ix.nodeIdx(n.Parent)
		if !ok {
			return fmt.Errorf("%w: parent %v of %v", ErrUnknownNode, n.Parent, n.Resource)
		}
		parent = p
	}
	i, known := lookup(&ix.idt().nodeIDs[n.Kind], n.ID, ix.sameNode)
	if known && ix.nodes.at(i).alive {
		old := ix.nodes.at(i).parent
		if old == parent {
			return nil
		}
		// A move: refuse to hang a node below itself.
		for a := parent; a >= 0; a = ix.nodes.at(a).parent {
			if a == i {
				return fmt.Errorf("%w: %v below %v", ErrCycle, n.Resource, n.Parent)
			}
		}
		// A node is listed in its parent's children and nowhere else:
		// neither (large, cold) array needs a search. The parents' hot
		// records do not hold their children, so only the moved node's
		// and its children's change (moveHot).
		// The parents' new versions share one allocation (a block lives
		// while either of its versions does). The node's has its own:
		// sharing theirs, it would keep a superseded parent's version, and
		// that parent's children arrays, live while the node is unchanged.
		grand := ix.nodes.at(parent).parent
		ix.nodes.mutAll([]int32{old, parent}, func(k int, r *nodeRec) {
			if k == 0 {
				r.children = r.children.remove(t.e, uint32(i), present)
			} else {
				r.children = r.children.put(t.e, uint32(i), struct{}{}, absent)
			}
		})
		ix.nodes.mut(i).parent = parent
		t.moveHot(i, parent, grand)
		return nil
	}
	if !known {
		i = ix.nodes.push()
		ix.ngrants.push()
		t.ids().nodeIDs[n.Kind].set(t.e, n.ID, i)
	}
	*t.mutNode(i) = nodeRec{id: n.ID, kind: n.Kind, alive: true, parent: parent}
	if parent >= 0 {
		p := t.mutNode(parent)
		p.children = p.children.set(t.e, uint32(i), struct{}{})
	}
	ix.stats.Nodes++
	return nil
}

func (t txn) deleteNode(r Resource) error {
	ix := t.ix
	i, ok := ix.nodeIdx(r)
	if !ok {
		return nil // already gone: deletes are idempotent
	}
	if p := ix.nodes.at(i).parent; p >= 0 {
		pr := t.mutNode(p)
		pr.children = pr.children.del(t.e, uint32(i))
	}
	t.deleteSubtree(i)
	return nil
}

func (t txn) deleteSubtree(i int32) {
	ix := t.ix
	rec := ix.nodes.at(i)
	rec.children.each(func(c uint32, _ struct{}) bool {
		t.deleteSubtree(int32(c))
		return true
	})
	ng := ix.ngrants.at(i)
	ng.each(func(pk uint32, _ Set) bool {
		if pk&groupBit != 0 {
			g := ix.groups.mut(int32(pk &^ groupBit))
			g.grants = g.grants.del(t.e, i)
			g.refilter()
		} else {
			u := t.mutUser(int32(pk))
			u.grants = u.grants.del(t.e, i)
		}
		ix.stats.Grants--
		return true
	})
	rec.orgSets().supers.each(func(u uint32, _ struct{}) bool {
		ur := t.mutUser(int32(u))
		ur.superOrgs = removeSorted(ur.superOrgs, i)
		ix.stats.SuperAdmins--
		return true
	})
	var groups []int32
	rec.orgSets().groups.each(func(g uint32, _ struct{}) bool {
		groups = append(groups, int32(g))
		return true
	})
	for _, g := range groups {
		t.deleteGroupIdx(g)
	}
	if ng.Len() > 0 {
		*ix.ngrants.mut(i) = ngrants{}
	}
	*t.mutNode(i) = nodeRec{id: rec.id, kind: rec.kind, parent: -1}
	ix.stats.Nodes--
}

func (t txn) setUser(u User) error {
	ix := t.ix
	if u.ID == "" {
		return fmt.Errorf("%w: empty user id", ErrInvalidChange)
	}
	i, known := lookup(&ix.idt().userIDs, u.ID, ix.sameUser)
	if known && ix.users.at(i).hot.alive {
		if ix.users.at(i).hot.active != u.Active {
			t.mutUser(i).hot.active = u.Active
		}
		return nil
	}
	if !known {
		i = ix.users.push()
		t.ids().userIDs.set(t.e, u.ID, i)
	}
	*t.mutUser(i) = userRec{id: u.ID, hot: userHot{alive: true, active: u.Active}}
	ix.stats.Users++
	return nil
}

func (t txn) deleteUser(id string) {
	ix := t.ix
	i, ok := ix.userIdx(id)
	if !ok {
		return
	}
	u := ix.users.at(i)
	for _, g := range u.groups {
		gr := ix.groups.mut(g)
		gr.members = gr.members.del(t.e, uint32(i))
		ix.stats.Members--
	}
	for _, o := range u.superOrgs {
		or := t.mutOrg(o)
		or.supers = or.supers.del(t.e, uint32(i))
		ix.stats.SuperAdmins--
	}
	u.grants.each(func(n uint32, _ grantVal) bool {
		ng := t.mutGrants(int32(n))
		*ng = ng.del(t.e, userKey(i))
		ix.stats.Grants--
		return true
	})
	*t.mutUser(i) = userRec{id: u.id}
	ix.stats.Users--
}

func (t txn) upsertGroup(g Group) error {
	ix := t.ix
	if g.ID == "" {
		return fmt.Errorf("%w: empty group id", ErrInvalidChange)
	}
	org, ok := ix.nodeIdx(Org(g.Org))
	if !ok {
		return fmt.Errorf("%w: organization %q of group %q", ErrUnknownNode, g.Org, g.ID)
	}
	i, known := lookup(&ix.idt().grpIDs, g.ID, ix.sameGroup)
	if known && ix.groups.at(i).alive {
		old := ix.groups.at(i).org
		if old != org {
			or := t.mutOrg(old)
			or.groups = or.groups.del(t.e, uint32(i))
			nr := t.mutOrg(org)
			nr.groups = nr.groups.set(t.e, uint32(i), struct{}{})
			ix.groups.mut(i).org = org
		}
		return nil
	}
	if !known {
		i = ix.groups.push()
		t.ids().grpIDs.set(t.e, g.ID, i)
	}
	*ix.groups.mut(i) = groupRec{id: g.ID, alive: true, org: org}
	or := t.mutOrg(org)
	or.groups = or.groups.set(t.e, uint32(i), struct{}{})
	ix.stats.Groups++
	return nil
}

func (t txn) deleteGroup(id string) {
	if i, ok := t.ix.groupIdx(id); ok {
		t.deleteGroupIdx(i)
	}
}

func (t txn) deleteGroupIdx(i int32) {
	ix := t.ix
	g := ix.groups.at(i)
	g.members.each(func(u uint32, _ struct{}) bool {
		ur := t.mutUser(int32(u))
		ur.groups = removeSorted(ur.groups, i)
		ix.stats.Members--
		return true
	})
	g.grants.each(func(n uint32, _ grantVal) bool {
		ng := t.mutGrants(int32(n))
		*ng = ng.del(t.e, groupKey(i))
		ix.stats.Grants--
		return true
	})
	if or := ix.nodes.at(g.org); or.alive {
		orm := t.mutOrg(g.org)
		orm.groups = orm.groups.del(t.e, uint32(i))
	}
	*ix.groups.mut(i) = groupRec{id: g.id}
	ix.stats.Groups--
}

func (t txn) addMember(m Membership) error {
	ix := t.ix
	g, ok := ix.groupIdx(m.Group)
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownGroup, m.Group)
	}
	u, ok := ix.userIdx(m.User)
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownUser, m.User)
	}
	t.addMemberIdx(g, u)
	return nil
}

func (t txn) addMemberIdx(g, u int32) {
	ix := t.ix
	ur := ix.users.at(u)
	if _, found := slices.BinarySearch(ur.groups, g); found {
		return
	}
	urm := ix.users.mut(u)
	urm.groups = insertSorted(ur.groups, g)
	t.groupsHot(u, urm)
	// The user's groups mirror the group's members: the (larger) members
	// array need not be searched.
	gr := ix.groups.mut(g)
	gr.members = gr.members.put(t.e, uint32(u), struct{}{}, absent)
	ix.stats.Members++
}

func (t txn) removeMember(m Membership) {
	ix := t.ix
	g, ok1 := ix.groupIdx(m.Group)
	u, ok2 := ix.userIdx(m.User)
	if !ok1 || !ok2 {
		return
	}
	t.removeMemberIdx(g, u)
}

func (t txn) removeMemberIdx(g, u int32) {
	ix := t.ix
	ur := ix.users.at(u)
	if _, found := slices.BinarySearch(ur.groups, g); !found {
		return
	}
	urm := ix.users.mut(u)
	urm.groups = removeSorted(ur.groups, g)
	t.groupsHot(u, urm)
	gr := ix.groups.mut(g)
	gr.members = gr.members.remove(t.e, uint32(u), present)
	ix.stats.Members--
}

func (t txn) setGrant(g Grant) error {
	ix := t.ix
	if !g.Perms.Grantable() || g.Perms&1 != 0 {
		return fmt.Errorf("%w: %v", ErrNotGrantable, g.Perms)
	}
	if g.Principal.Kind == PrincipalUser && g.Resource.Kind.Valid() && t.inStep() {
		// The user and the node are looked up side by side, as a check
		// does, and the arrays the change reads next are loaded along
		// with the records that confirm them: on a large index each is
		// a chain of cache misses, and the chains then overlap. A failed
		// lookup takes the path below, which tells why.
		if u, n, ok := t.resolveGrant(g.Principal.ID, g.Resource); ok {
			t.setGrantIdx(n, userKey(u), g.Perms)
			return nil
		}
	}
	n, ok := t.nodeIdx(g.Resource)
	if !ok {
		return fmt.Errorf("%w: %v", ErrUnknownNode, g.Resource)
	}
	pk, err := ix.principalKey(g.Principal)
	if err != nil {
		return err
	}
	t.setGrantIdx(n, pk, g.Perms)
	return nil
}

// principalKey resolves a grant's principal to its key in a node's grants.
func (ix *Index) principalKey(p Principal) (uint32, error) {
	switch p.Kind {
	case PrincipalUser:
		u, ok := ix.userIdx(p.ID)
		if !ok {
			return 0, fmt.Errorf("%w: %q", ErrUnknownUser, p.ID)
		}
		return userKey(u), nil
	case PrincipalGroup:
		gi, ok := ix.groupIdx(p.ID)
		if !ok {
			return 0, fmt.Errorf("%w: %q", ErrUnknownGroup, p.ID)
		}
		return groupKey(gi), nil
	}
	return 0, fmt.Errorf("%w: %d", ErrInvalidPrincipal, p.Kind)
}

// setGrantIdx sets the grant of principal key pk on node n, both resolved
// and alive, to the grantable set perms (0 revokes).
func (t txn) setGrantIdx(n int32, pk uint32, perms Set) {
	ix := t.ix
	// The principal's side mirrors the node's and is small: it tells
	// whether the node holds pk, so the node's (large, cold) grant array
	// need not be searched, and a change that changes nothing is dropped.
	var old grantVal
	var had bool
	if pk&groupBit != 0 {
		old, had = ix.groups.at(int32(pk &^ groupBit)).grants.get(n)
	} else {
		old, had = ix.users.at(int32(pk)).grants.get(n)
	}
	if had && old.granted == perms || !had && perms == 0 {
		return
	}
	p := absent
	if had {
		p = present
	}
	var grants *pgrants
	var gr *groupRec // set for a group's grant
	var ur *userRec  // set for a user's grant
	if pk&groupBit != 0 {
		gr = ix.groups.mut(int32(pk &^ groupBit))
		grants = &gr.grants
	} else {
		// The hot record follows from the change itself (grantHot):
		// the user is not marked for re-derivation.
		ur = ix.users.mut(int32(pk))
		grants = &ur.grants
	}
	// Of the node's hot record only the grants flag can change: it is
	// updated here rather than re-derived (which reads the parent too).
	ng := ix.ngrants.mut(n)
	before := ng.Len()
	var x Set
	if perms == 0 {
		*ng = ng.remove(t.e, pk, p)
		*grants = grants.del(t.e, n)
	} else {
		x = perms.Expand()
		*ng = ng.put(t.e, pk, perms, p)
		*grants = grants.set(t.e, n, grantVal{perms, x})
	}
	if after := ng.Len(); (before > 0) != (after > 0) {
		t.grantsFlag(n, after > 0)
	}
	if ur != nil {
		t.grantHot(int32(pk), ur, n, x)
	}
	if gr != nil {
		if perms == 0 {
			gr.refilter()
		} else {
			gr.filter |= nodeBit(n)
		}
	}
	ix.stats.Grants += int32(ng.Len() - before)
}

func (t txn) setSuperAdmin(sa SuperAdmin, on bool) error {
	ix := t.ix
	o, ok := ix.nodeIdx(Org(sa.Org))
	if !ok {
		return fmt.Errorf("%w: organization %q", ErrUnknownNode, sa.Org)
	}
	u, ok := ix.userIdx(sa.User)
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownUser, sa.User)
	}
	ur := ix.users.at(u)
	_, has := slices.BinarySearch(ur.superOrgs, o)
	if has == on {
		return nil
	}
	or := t.mutOrg(o)
	urm := t.mutUser(u)
	if on {
		urm.superOrgs = insertSorted(ur.superOrgs, o)
		or.supers = or.supers.set(t.e, uint32(u), struct{}{})
		ix.stats.SuperAdmins++
	} else {
		urm.superOrgs = removeSorted(ur.superOrgs, o)
		or.supers = or.supers.del(t.e, uint32(u))
		ix.stats.SuperAdmins--
	}
	return nil
}

// mutOrg returns organization o's sets for changes in place, copied (or
// created) unless this transaction's edit made them.
func (t txn) mutOrg(o int32) *orgSets {
	r := t.mutNode(o)
	if r.org == nil || r.org.owner != t.e {
		c := &orgSets{owner: t.e}
		if r.org != nil {
			c.supers, c.groups = r.org.supers, r.org.groups
		}
		r.org = c
	}
	return r.org
}

// insertSorted and removeSorted never modify s in place: the slice may be
// shared with older revisions.
func insertSorted(s []int32, v int32) []int32 {
	i, found := slices.BinarySearch(s, v)
	if found {
		return s
	}
	out := make([]int32, len(s)+1)
	copy(out, s[:i])
	out[i] = v
	copy(out[i+1:], s[i:])
	return out
}

func removeSorted(s []int32, v int32) []int32 {
	i, found := slices.BinarySearch(s, v)
	if !found {
		return s
	}
	if len(s) == 1 {
		return nil
	}
	out := make([]int32, 0, len(s)-1)
	out = append(out, s[:i]...)
	return append(out, s[i+1:]...)
}
