package authz

import (
	"cmp"
	"slices"
)

// dict maps external string IDs to dense indexes. IDs are never removed (a
// deleted entity keeps its index, marked dead), so a dictionary can be an
// immutable table shared by every revision plus a small persistent overlay
// of the IDs added since that table was built.
//
// The table stores only (32-bit hash tag, index) pairs, 8 bytes a slot,
// open addressing with linear probing. A candidate is confirmed by
// comparing the ID stored in the entity's record, which the caller reads
// next anyway: a lookup costs about one cache miss besides the record
// itself, where a Go map costs a control word, a slot and the key bytes.
// That is most of the cost of a check on a cold cache.
//
// When the overlay outgrows a fraction of the table, Apply rebuilds the
// table from the records: O(n) once per Θ(n) new IDs, amortised O(1).
type dict struct {
	tab  *itable
	over hmap[string, int32, strHash]
}

// itable is the shared table; while Build runs it is a plain map instead
// (kept here rather than in dict, which every Index copies).
type itable struct {
	slots []uint64 // tag<<32 | index+1; 0 is empty
	mask  uint64
	build map[string]int32
}

func buildDict(n int) dict { return dict{tab: &itable{build: make(map[string]int32, n)}} }

// newItable sizes the table for n IDs at a load of at most 0.8: a
// lookup's miss is one cache line whatever the probe length within it,
// and on a large index that line competes for the last-level cache with
// the records a check reads next, so a table half empty would cost
// more misses than the longer probes it saves.
func newItable(n int) *itable {
	size := 16
	for size < n+n/4 {
		size <<= 1
	}
	return &itable{slots: hugeSlice[uint64](size), mask: uint64(size - 1)}
}

func (t *itable) insert(h uint64, i int32) {
	for pos := h & t.mask; ; pos = (pos + 1) & t.mask {
		if t.slots[pos] == 0 {
			t.slots[pos] = h>>32<<32 | uint64(uint32(i)+1)
			return
		}
	}
}

// candidate returns the index in the first slot of h's probe sequence
// whose tag matches, or -1 if an empty slot comes first. A 32-bit tag
// rarely matches by chance, so the caller confirms the candidate against
// its record and falls back to lookup only if that fails.
func (t *itable) candidate(h uint64) int32 {
	tag := h >> 32
	for pos := h & t.mask; ; pos = (pos + 1) & t.mask {
		e := t.slots[pos]
		if e == 0 {
			return -1
		}
		if e>>32 == tag {
			return int32(uint32(e) - 1)
		}
	}
}

// lookup returns the index whose record's ID is k. same confirms a
// candidate index; it is only called on a tag match.
func lookup(d *dict, k string, same func(int32, string) bool) (int32, bool) {
	if t := d.tab; t != nil {
		if t.build != nil {
			i, ok := t.build[k]
			return i, ok
		}
		h := strHash{}.hash(k)
		tag := h >> 32
		for pos := h & t.mask; ; pos = (pos + 1) & t.mask {
			e := t.slots[pos]
			if e == 0 {
				break
			}
			if e>>32 == tag {
				if i := int32(uint32(e) - 1); same(i, k) {
					return i, true
				}
			}
		}
	}
	if d.over.n == 0 {
		return 0, false
	}
	return d.over.get(k)
}

func (d *dict) set(e *edit, k string, v int32) {
	if d.tab != nil && d.tab.build != nil {
		d.tab.build[k] = v
		return
	}
	d.over = d.over.set(e, k, v)
}

// needsRebuild reports whether the overlay is big enough to fold in.
func (d *dict) needsRebuild() bool {
	n := 0
	if d.tab != nil {
		n = len(d.tab.slots) / 2
	}
	return d.tab != nil && d.tab.build != nil || d.over.n >= max(256, n/4)
}

// rebuildDicts makes fresh tables from the records (every index, dead or
// alive, keeps its ID) and drops overlays and build maps. ix.ids must be
// the transaction's own (txn.ids).
func (ix *Index) rebuildDicts(force bool) {
	ids := ix.ids
	var counts [numKinds]int
	for k := KindOrganization; k < numKinds; k++ {
		if force || ids.nodeIDs[k].needsRebuild() {
			// Only when some table is rebuilt anyway: counting is O(n).
			for i := int32(0); i < int32(ix.nodes.Len()); i++ {
				counts[ix.nodes.at(i).kind]++
			}
			break
		}
	}
	for k := KindOrganization; k < numKinds; k++ {
		if !force && !ids.nodeIDs[k].needsRebuild() {
			continue
		}
		t := newItable(counts[k])
		o := &kindOrder{ents: make([]orderEntry, 0, counts[k])}
		for i := int32(0); i < int32(ix.nodes.Len()); i++ {
			if r := ix.nodes.at(i); r.kind == k {
				t.insert(strHash{}.hash(r.id), i)
				o.ents = append(o.ents, orderEntry{r.id, i})
			}
		}
		ids.nodeIDs[k] = dict{tab: t}
		slices.SortFunc(o.ents, func(a, b orderEntry) int { return cmp.Compare(a.id, b.id) })
		ids.order[k] = o
	}
	if force || ids.userIDs.needsRebuild() {
		t := newItable(ix.users.Len())
		for i := int32(0); i < int32(ix.users.Len()); i++ {
			t.insert(strHash{}.hash(ix.users.at(i).id), i)
		}
		ids.userIDs = dict{tab: t}
	}
	if force || ids.grpIDs.needsRebuild() {
		t := newItable(ix.groups.Len())
		for i := int32(0); i < int32(ix.groups.Len()); i++ {
			t.insert(strHash{}.hash(ix.groups.at(i).id), i)
		}
		ids.grpIDs = dict{tab: t}
	}
}

// sameNode, sameUser and sameGroup confirm an ID-table candidate. An
// index's ID never changes, and every index in a table has its check-path
// record (tables are built after the hot records are synced), so users
// and nodes are confirmed on the inline ID there: the ID string is one
// more cache miss.
func (ix *Index) sameNode(i int32, k string) bool {
	if int(i) < ix.nhot.Len() {
		return ix.nodeIs(i, ix.nhot.at(i), k)
	}
	return ix.nodes.at(i).id == k
}

func (ix *Index) sameUser(i int32, k string) bool {
	r := ix.users.at(i)
	if r.hot.idLen == 0 {
		// Rewritten earlier in this transaction (deleted, revived): the
		// hot part is re-derived when the transaction ends.
		return r.id == k
	}
	return ix.userIs(i, &r.hot, k)
}

func (ix *Index) sameGroup(i int32, k string) bool { return ix.groups.at(i).id == k }
