package authz

import (
	"fmt"
	"unsafe"
)

// Batches. On a large index a change costs its dependent cache misses (ID
// table slots, the records of the user and the node, their grant arrays),
// not its instructions, and the changes of a batch land on random
// records. So a batch is applied in blocks of changes: what a block's
// changes will read is loaded first, a link of every chain per pass (see
// touchBlock), so that the misses of the whole block overlap; then the
// block's changes are applied in their order, one by one, while what they
// read is still in cache. Applied in order, a batch means what its changes
// mean one by one, whatever their kinds.
//
// Records are read once per change that way: resolving a change's IDs and
// applying it read the same user record and arrays, which a batch applied
// in another order (say, by user) would load twice, as it resolves and as
// it applies, with the rest of the batch in between. Records written
// since the last publication are versions on the heap, in no order an
// index gives.

// applyBatch applies changes in order, returning the errors of skipped
// changes in their order.
func (t txn) applyBatch(changes []Change) []error {
	ix := t.ix
	d := t.d
	var errs []error
	note := func(i int, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("change %d (%s): %w", i, changes[i].Op, err))
		}
	}
	// The candidate indexes touchBlock found for the IDs of a block's
	// changes, two per change.
	var cands [2 * touchBlockSize]int32
	// Whether a change that may add, delete or revive an entity has
	// been applied: until one is, the hot records are in step with the
	// full ones in what resolving an ID reads (IDs and liveness).
	stale := false
	for from := 0; from < len(changes); from += touchBlockSize {
		block := changes[from:min(from+touchBlockSize, len(changes))]
		d.sink += t.touchBlock(block, &cands, stale)
		for k := range block {
			j, c, cj := from+k, &block[k], cands[2*k:]
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
				t.setGrantIdx(n, pk, g.Perms)
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
				if c.Op == OpAddMember {
					t.addMemberIdx(g, u)
				} else {
					t.removeMemberIdx(g, u)
				}
			case OpUpsertNode:
				if ix.nodeExists(c.Node.Resource) {
					// A move (or nothing): no entity appears.
					note(j, t.upsertNode(c.Node))
					continue
				}
				fallthrough
			default:
				note(j, t.apply(c))
				stale = true
			}
		}
	}
	return errs
}

// touchBlockSize is how many changes touchBlock reads ahead at a time:
// enough for the misses of many changes to overlap, few enough that what
// it reads stays in cache until the changes are applied.
const touchBlockSize = 128

// touchBlock reads what resolving and applying the grants and
// memberships in cs will read, in passes: every ID's table slot; the
// version slots of the records those slots name; the records (a user's
// whole, as a change copies it; a node's hot record and grants); the
// arrays they point to (a user's grants or groups, a node's grant delta).
// Each change's reads are chains of dependent misses; across changes they
// are independent, and a pass whose loads depend on nothing loaded in
// the same pass keeps as many of them in flight as the core can track,
// where following a chain per change would stall on each link. It sets
// cands[2k] and cands[2k+1] to the candidate indexes (itable.candidate)
// of the node or group and of the principal or user that cs[k] names, -1
// for none, so that resolving them need not hash and probe again. Unless
// stale, the full node records are not read (see batchNode). It returns
// a value only so that the loads are kept.
func (t txn) touchBlock(cs []Change, cands *[2 * touchBlockSize]int32, stale bool) uint32 {
	ix := t.ix
	ids := ix.idt()
	var hs [2 * touchBlockSize]uint64
	var tabs [2 * touchBlockSize]*itable
	var at [2 * touchBlockSize]int32 // where in cands each ID's candidate goes
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
			s += touchVersion(&ix.nhot, i) + touchVersion(&ix.ngrants, i)
			if stale {
				s += touchVersion(&ix.nodes, i)
			}
		}
	}
	var spans [3 * touchBlockSize]span
	m := 0
	for k := range n {
		i := cands[at[k]]
		switch {
		case i < 0:
		case tabs[k] == ids.userIDs.tab:
			u := ix.users.at(i)
			s += touchSpan(unsafe.Pointer(u), unsafe.Sizeof(*u))
			if cs[at[k]/2].Op != OpSetGrant {
				if gs := u.groups; len(gs) > 0 {
					spans[m] = span{unsafe.Pointer(&gs[0]), uintptr(len(gs)) * 4}
					m++
				}
			} else if g := &u.grants; len(g.nodes) > 0 {
				spans[m] = span{unsafe.Pointer(&g.nodes[0]), uintptr(len(g.nodes)) * 4}
				spans[m+1] = span{unsafe.Pointer(&g.vals[0]), uintptr(len(g.vals)) * unsafe.Sizeof(g.vals[0])}
				m += 2
			}
		case tabs[k] == ids.grpIDs.tab:
			s += uint32(ix.groups.at(i).org)
		case i < nhot:
			s += uint32(ix.nhot.at(i).idLen)
			if stale {
				s += uint32(ix.nodes.at(i).parent)
			}
			g := ix.ngrants.at(i)
			s += touchSpan(unsafe.Pointer(g), unsafe.Sizeof(*g))
			if len(g.delta) > 0 {
				spans[m] = span{unsafe.Pointer(&g.delta[0]), uintptr(len(g.delta)) * unsafe.Sizeof(g.delta[0])}
				m++
			} else if len(g.base) > 0 {
				spans[m] = span{unsafe.Pointer(&g.base[0]), uintptr(len(g.base)) * unsafe.Sizeof(g.base[0])}
				m++
			}
		}
	}
	for _, p := range spans[:m] {
		s += touchSpan(p.p, p.n)
	}
	return s
}

// batchNode resolves r, whose candidate index is c (see touchBlock), to a
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
