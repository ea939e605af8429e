package authz

// OrgOf returns the ID of the organization a resource belongs to, walking
// its parents; ok is false for an unknown resource. Authentication policies
// are per organization, and the engine already knows every resource's
// place, so no store lookup is needed per request.
func (ix *Index) OrgOf(r Resource) (id string, ok bool) {
	i, ok := ix.nodeIdx(r)
	if !ok {
		return "", false
	}
	for depth := 0; depth <= maxWalk; depth++ {
		n := ix.nodes.at(i)
		if n.parent < 0 {
			return n.id, n.kind == KindOrganization
		}
		i = n.parent
	}
	return "", false // a corrupt cycle; never loop forever
}

// maxWalk bounds parent walks: deeper than any valid hierarchy.
const maxWalk = 64

// OrgOf is Index().OrgOf.
func (e *Engine) OrgOf(r Resource) (string, bool) { return e.Index().OrgOf(r) }
