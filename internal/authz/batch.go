package authz

import (
	"fmt"
	"slices"
	"unsafe"
)

// Batches. On a large index a change costs its dependent cache misses (ID
// table slots, the records of the user and the node, their grant arrays),
// not its instructions, and the changes of a batch land on random
// records. So a batch is cut into segments of changes that commute with
// each other unless they name the same record: grants, memberships and
// moves of nodes that exist. A segment is resolved first (its ID lookups
// are independent of each other, so their misses overlap), and its grants
// and memberships are then applied in the order of the user they touch,
// so that the user records are visited in memory order and the changes of
// one user follow each other while its record is in cache. Changes with
// the same key keep their order, so a later grant on the same (principal,
// resource) still wins and an add then a remove of a member nets to
// nothing. Anything else (creations, deletions, users' flags, super
// admins) ends the segment and is applied on its own, in place.
//
// A move commutes with grants and memberships (it changes a node's place,
// never which entities exist), so the moves of a segment are applied in
// their order as the segment is resolved, before its other changes.

// batchOp is a resolved grant or membership change of a segment.
type batchOp struct {
	op    Op
	a     int32  // grant: node; membership: group
	b     uint32 // grant: principal key; membership: user
	perms Set
}

// applyBatch applies changes in order (as the segments above), returning
// the errors of skipped changes in their order.
func (t txn) applyBatch(changes []Change) []error {
	ix := t.ix
	d := t.d
	var errs []error
	note := func(i int, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("change %d (%s): %w", i, changes[i].Op, err))
		}
	}
	touched := 0 // changes[:touched] had their IDs touched
	// The candidate indexes touchIDs found for the IDs of
	// changes[from:touched], two per change (see touchIDs).
	var cands [2 * touchIDsBlock]int32
	from := 0
	// Whether a change that may add, delete or revive an entity has
	// been applied: until one is, the hot records are in step with the
	// full ones in what resolving an ID reads (IDs and liveness).
	stale := false
	for i := 0; i < len(changes); {
		ops, keys := d.ops[:0], d.keys[:0]
		j := i
	segment:
		for ; j < len(changes); j++ {
			if j >= touched {
				from, touched = j, min(j+touchIDsBlock, len(changes))
				d.sink += t.touchIDs(changes[from:touched], &cands, !stale)
			}
			cj := cands[2*(j-from):]
			c := &changes[j]
			switch c.Op {
			case OpSetGrant:
				g := &c.Grant
				if !g.Perms.Grantable() || g.Perms&1 != 0 {
					note(j, fmt.Errorf("%w: %v", ErrNotGrantable, g.Perms))
					continue
				}
				n, ok := t.batchNode(g.Resource, cj[0], stale)
				if !ok {
					note(j, fmt.Errorf("%w: %v", ErrUnknownNode, g.Resource))
					continue
				}
				pk, err := t.batchPrincipal(g.Principal, cj[1])
				if err != nil {
					note(j, err)
					continue
				}
				keys = append(keys, uint64(pk)<<32|uint64(len(ops)))
				ops = append(ops, batchOp{op: OpSetGrant, a: n, b: pk, perms: g.Perms})
			case OpAddMember, OpRemoveMember:
				m := &c.Member
				g, ok := t.batchGroup(m.Group, cj[0])
				if !ok {
					if c.Op == OpAddMember {
						note(j, fmt.Errorf("%w: %q", ErrUnknownGroup, m.Group))
					}
					continue
				}
				u, ok := t.batchUser(m.User, cj[1])
				if !ok {
					if c.Op == OpAddMember {
						note(j, fmt.Errorf("%w: %q", ErrUnknownUser, m.User))
					}
					continue
				}
				keys = append(keys, uint64(u)<<32|uint64(len(ops)))
				ops = append(ops, batchOp{op: c.Op, a: g, b: uint32(u)})
			case OpUpsertNode:
				if !ix.nodeExists(c.Node.Resource) {
					break segment
				}
				note(j, t.upsertNode(c.Node))
			default:
				break segment
			}
		}
		// Sorting the packed (key, position) pairs orders by key and keeps
		// the batch's order within a key.
		slices.Sort(keys)
		for k, key := range keys {
			if k%touchOpsBlock == 0 {
				d.sink += t.touchOps(ops, keys[k:min(k+touchOpsBlock, len(keys))])
			}
			o := &ops[uint32(key)]
			switch o.op {
			case OpSetGrant:
				t.setGrantIdx(o.a, o.b, o.perms)
			case OpAddMember:
				t.addMemberIdx(o.a, int32(o.b))
			case OpRemoveMember:
				t.removeMemberIdx(o.a, int32(o.b))
			}
		}
		d.ops, d.keys = ops, keys
		if j < len(changes) {
			note(j, t.apply(&changes[j]))
			stale = true
			j++
		}
		i = j
	}
	return errs
}

// touchIDsBlock is how many changes touchIDs reads ahead at a time: few
// enough that what it reads stays in cache until the changes are
// resolved.
const touchIDsBlock = 128

// touchIDs reads what resolving the IDs of the grants and memberships
// in cs will read, in passes: every ID's table slot, then the version
// slots of the records those slots name, then the records. Each
// resolution is a chain of dependent cache misses (table slot, version
// slot, record); across changes they are independent, and a pass whose
// loads depend on nothing loaded in the same pass keeps as many of them
// in flight as the core can track, where a pass that followed a chain
// per change would stall on each. It sets cands[2k] and cands[2k+1] to
// the candidate indexes (itable.candidate) of the node or group and of
// the principal or user that cs[k] names, -1 for none, so that resolving
// them need not hash and probe again. Unless full, the full node records
// are not read (the hot ones are in step: see batchNode). It returns a
// value only so that the loads are kept.
func (t txn) touchIDs(cs []Change, cands *[2 * touchIDsBlock]int32, full bool) uint32 {
	ix := t.ix
	ids := ix.idt()
	var hs [2 * touchIDsBlock]uint64
	var tabs [2 * touchIDsBlock]*itable
	var at [2 * touchIDsBlock]int32 // where in cands each ID's candidate goes
	n := 0
	var s uint32
	add := func(d *dict, id string, pos int) {
		if tab := d.tab; tab != nil && tab.build == nil {
			h := strHash{}.hash(id)
			hs[n], tabs[n], at[n] = h, tab, int32(pos)
			n++
			s += uint32(tab.slots[h&tab.mask])
		}
	}
	for k := range cs {
		cands[2*k], cands[2*k+1] = -1, -1
		c := &cs[k]
		switch c.Op {
		case OpSetGrant:
			if r := c.Grant.Resource; r.Kind.Valid() {
				add(&ids.nodeIDs[r.Kind], r.ID, 2*k)
			}
			switch p := c.Grant.Principal; p.Kind {
			case PrincipalUser:
				add(&ids.userIDs, p.ID, 2*k+1)
			case PrincipalGroup:
				add(&ids.grpIDs, p.ID, 2*k+1)
			}
		case OpAddMember, OpRemoveMember:
			add(&ids.grpIDs, c.Member.Group, 2*k)
			add(&ids.userIDs, c.Member.User, 2*k+1)
		}
	}
	nhot := int32(ix.nhot.Len())
	for k := range n {
		i := tabs[k].candidate(hs[k])
		cands[at[k]] = i
		switch {
		case i < 0:
		case tabs[k] == ids.userIDs.tab:
			s += touchVersion(&ix.users, i)
		case tabs[k] == ids.grpIDs.tab:
			// Few and cached.
		case i < nhot:
			s += touchVersion(&ix.nhot, i)
			if full {
				s += touchVersion(&ix.nodes, i)
			}
		}
	}
	for k := range n {
		i := cands[at[k]]
		switch {
		case i < 0:
		case tabs[k] == ids.userIDs.tab:
			h := &ix.users.at(i).hot
			s += touchSpan(unsafe.Pointer(h), unsafe.Sizeof(*h))
		case tabs[k] == ids.grpIDs.tab:
			s += uint32(ix.groups.at(i).org)
		case i < nhot:
			s += uint32(ix.nhot.at(i).idLen)
			if full {
				s += uint32(ix.nodes.at(i).parent)
			}
		}
	}
	return s
}

// batchNode resolves r, whose candidate index is c (see touchIDs), to a
// live node, reading its hot record unless stale (see applyBatch): the
// slow path only if the candidate is not r.
func (t txn) batchNode(r Resource, c int32, stale bool) (int32, bool) {
	ix := t.ix
	if c >= 0 {
		if !stale && c < int32(ix.nhot.Len()) {
			if h := ix.nhot.at(c); h.alive && ix.nodeIs(c, h, r.ID) {
				return c, true
			}
		} else if nr := ix.nodes.at(c); nr.alive && nr.id == r.ID {
			return c, true
		}
	}
	return ix.nodeIdx(r)
}

// batchUser is batchNode for a user.
func (t txn) batchUser(id string, c int32) (int32, bool) {
	ix := t.ix
	if c >= 0 && ix.users.at(c).hot.alive && ix.sameUser(c, id) {
		return c, true
	}
	return ix.userIdx(id)
}

// batchGroup is batchNode for a group.
func (t txn) batchGroup(id string, c int32) (int32, bool) {
	ix := t.ix
	if c >= 0 {
		if g := ix.groups.at(c); g.alive && g.id == id {
			return c, true
		}
	}
	return ix.groupIdx(id)
}

// batchPrincipal is principalKey for a principal whose candidate index
// is c.
func (t txn) batchPrincipal(p Principal, c int32) (uint32, error) {
	switch p.Kind {
	case PrincipalUser:
		if u, ok := t.batchUser(p.ID, c); ok {
			return userKey(u), nil
		}
	case PrincipalGroup:
		if g, ok := t.batchGroup(p.ID, c); ok {
			return groupKey(g), nil
		}
	}
	return t.ix.principalKey(p)
}

// touchVersion loads the version slot of record i of p, the first link
// of the chain a read of the record follows, if the record has versions.
// For the writer only, which alone writes the slots (see vvec.at). It
// returns a value only so that the load is kept.
func touchVersion[T any](p *vvec[T], i int32) uint32 {
	c, off := p.slot(i)
	if c.has[off/64]&(1<<(off%64)) == 0 {
		return 0
	}
	return uint32(uintptr(c.vers[off]))
}

// touchOpsBlock is how many resolved changes touchOps reads ahead at a
// time. By the time a segment is applied, what touchIDs read while
// resolving it has left the cache (a segment can be a whole batch).
const touchOpsBlock = 64

// touchOps reads what applying the changes keys name will read first:
// the records of their users and nodes and the arrays those records
// point to (a user's grants or groups, a node's grant delta). Each is a
// chain of dependent misses (version slot, record, array), loaded a link
// per pass as touchIDs does, so that the chains of a block's changes
// are in flight together. It returns a value only so that the loads are
// kept.
func (t txn) touchOps(ops []batchOp, keys []uint64) uint32 {
	ix := t.ix
	var s uint32
	for _, k := range keys {
		o := &ops[uint32(k)]
		if o.op != OpSetGrant {
			s += touchVersion(&ix.users, int32(o.b))
			continue
		}
		if o.b&groupBit == 0 {
			s += touchVersion(&ix.users, int32(o.b))
		}
		s += touchVersion(&ix.ngrants, o.a)
	}
	// The records are copied whole when they are replaced, and so are
	// the arrays (searched, then copied): every line of each is loaded,
	// not just the first.
	var spans [3 * touchOpsBlock]span
	m := 0
	for _, k := range keys {
		o := &ops[uint32(k)]
		if o.op != OpSetGrant || o.b&groupBit == 0 {
			u := ix.users.at(int32(o.b))
			s += touchSpan(unsafe.Pointer(u), unsafe.Sizeof(*u))
			if o.op != OpSetGrant {
				if gs := u.groups; len(gs) > 0 {
					spans[m] = span{unsafe.Pointer(&gs[0]), uintptr(len(gs)) * 4}
					m++
				}
				continue
			}
			if g := &u.grants; len(g.nodes) > 0 {
				spans[m] = span{unsafe.Pointer(&g.nodes[0]), uintptr(len(g.nodes)) * 4}
				spans[m+1] = span{unsafe.Pointer(&g.vals[0]), uintptr(len(g.vals)) * unsafe.Sizeof(g.vals[0])}
				m += 2
			}
		}
		g := ix.ngrants.at(o.a)
		s += touchSpan(unsafe.Pointer(g), unsafe.Sizeof(*g))
		if len(g.delta) > 0 {
			spans[m] = span{unsafe.Pointer(&g.delta[0]), uintptr(len(g.delta)) * unsafe.Sizeof(g.delta[0])}
			m++
		} else if len(g.base) > 0 {
			spans[m] = span{unsafe.Pointer(&g.base[0]), uintptr(len(g.base)) * unsafe.Sizeof(g.base[0])}
			m++
		}
	}
	for _, p := range spans[:m] {
		s += touchSpan(p.p, p.n)
	}
	return s
}

// span is n bytes at p.
type span struct {
	p unsafe.Pointer
	n uintptr
}

// touchSpan loads every cache line of the n > 0 bytes at p. It returns
// a value only so that the loads are kept.
func touchSpan(p unsafe.Pointer, n uintptr) uint32 {
	var s uint32
	for off := uintptr(0); off < n; off += 64 {
		s += uint32(*(*byte)(unsafe.Add(p, off)))
	}
	return s + uint32(*(*byte)(unsafe.Add(p, n-1)))
}

// nodeExists reports whether r names a live node, so that an upsert of it
// is a move (or nothing) rather than a creation.
func (ix *Index) nodeExists(r Resource) bool {
	if r.ID == "" {
		return false
	}
	_, ok := ix.nodeIdx(r)
	return ok
}
