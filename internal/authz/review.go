package authz

import (
	"cmp"
	"slices"
)

// Overlap is a direct grant to a user on a resource where a group of the
// user holds, on that same resource, a grant covering it: the user's
// grant adds nothing while the membership lasts.
type Overlap struct {
	User     string
	Group    string // the first covering group by ID
	Resource Resource
	Perms    Set // the user's grant, as granted
}

// Overlaps lists one page (from offset, at most limit) of the overlaps of
// organization org, and how many there are in all. Each user grant is
// listed once, ordered by resource kind (organization, unit, project,
// service), resource ID, then user ID.
// Only grants on exactly the group's resource count (not a group grant
// inherited from above), and members count whatever their state, as the
// user's grant would come back with them.
//
// It walks the organization's group grants and, for each, the smaller of
// the group's members and the grants on the resource, so its cost follows
// the group grants, not the organization's users.
func (ix *Index) Overlaps(org string, offset, limit int) (page []Overlap, total int) {
	oi, ok := ix.nodeIdx(Org(org))
	if !ok || limit <= 0 || offset < 0 {
		return nil, 0
	}
	type hit struct{ u, n, g int32 }
	var hits []hit
	ix.nodes.at(oi).orgSets().groups.each(func(gk uint32, _ struct{}) bool {
		g := int32(gk)
		gr := ix.groups.at(g)
		if !gr.alive {
			return true
		}
		gr.grants.each(func(nk uint32, gv grantVal) bool {
			n := int32(nk)
			nr := ix.nodes.at(n)
			if !nr.alive {
				return true
			}
			ng := ix.ngrants.at(n)
			if gr.members.Len() <= ng.Len() {
				gr.members.each(func(uk uint32, _ struct{}) bool {
					ur := ix.users.at(int32(uk))
					if ug, ok := ur.grants.get(n); ok && ur.hot.alive && ug.granted != 0 && ug.expanded&^gv.expanded == 0 {
						hits = append(hits, hit{int32(uk), n, g})
					}
					return true
				})
				return true
			}
			ng.each(func(pk uint32, s Set) bool {
				if pk&groupBit != 0 || s == 0 {
					return true
				}
				ur := ix.users.at(int32(pk))
				if !ur.hot.alive || s.Expand()&^gv.expanded != 0 {
					return true
				}
				if _, in := slices.BinarySearch(ur.groups, g); in {
					hits = append(hits, hit{int32(pk), n, g})
				}
				return true
			})
			return true
		})
		return true
	})
	slices.SortFunc(hits, func(a, b hit) int {
		na, nb := ix.nodes.at(a.n), ix.nodes.at(b.n)
		return cmp.Or(cmp.Compare(na.kind, nb.kind), cmp.Compare(na.id, nb.id),
			cmp.Compare(ix.users.at(a.u).id, ix.users.at(b.u).id), cmp.Compare(ix.groups.at(a.g).id, ix.groups.at(b.g).id))
	})
	hits = slices.CompactFunc(hits, func(a, b hit) bool { return a.u == b.u && a.n == b.n })
	total = len(hits)
	for _, h := range hits[min(offset, total):min(offset+limit, total)] {
		ur, nr := ix.users.at(h.u), ix.nodes.at(h.n)
		ug, _ := ur.grants.get(h.n)
		page = append(page, Overlap{User: ur.id, Group: ix.groups.at(h.g).id, Resource: Resource{nr.kind, nr.id}, Perms: ug.granted})
	}
	return page, total
}
