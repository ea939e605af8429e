package authz

// SetSmallGrants lowers the flat-array thresholds of pgrants and ngrants so that small
// random worlds exercise the trie representation too. Not for parallel use.
func SetSmallGrants(n int) (restore func()) {
	old, oldNode := smallGrants, flatMax
	smallGrants, flatMax = n, n
	return func() { smallGrants, flatMax = old, oldNode }
}

// SetDeltaLimits lowers the size from which an fmap (the grants on a
// node, children, members) keeps a delta over its base, and the delta's
// capacity, so that small random worlds exercise deltas and their folds.
// Not for parallel use.
func SetDeltaLimits(small, max int) (restore func()) {
	os, om := flatSmall, deltaMax
	flatSmall, deltaMax = small, max
	return func() { flatSmall, deltaMax = os, om }
}

// SetInlineLimits lowers how many groups and grants a user's check record
// holds inline, so small worlds exercise the spilled path. Not for
// parallel use.
func SetInlineLimits(groups, grants int) (restore func()) {
	og, ok := inlineGroups, inlineGrants
	inlineGroups, inlineGrants = groups, grants
	return func() { inlineGroups, inlineGrants = og, ok }
}

// SetListingLimits forces Resources' strategies: walks while the user
// holds at most maxHeld grants and visits at most budget nodes, scans by
// check when a page's limit times ratio is below the grants held. Not for
// parallel use.
func SetListingLimits(maxHeld, budget, ratio int) (restore func()) {
	oh, ob, or := walkMaxHeld, walkBudget, checkScanRatio
	walkMaxHeld, walkBudget, checkScanRatio = maxHeld, budget, ratio
	return func() { walkMaxHeld, walkBudget, checkScanRatio = oh, ob, or }
}

// SnapshotChanges turns a snapshot into the equivalent change sequence
// (parents first): to feed the reference model, or to build an Index
// through Apply.
func SnapshotChanges(s Snapshot) []Change {
	var cs []Change
	for pass := 0; pass < 12; pass++ { // units nest; repeat until parents exist
		for _, n := range s.Nodes {
			cs = append(cs, UpsertNode(n.Resource, n.Parent))
		}
	}
	for _, u := range s.Users {
		cs = append(cs, SetUser(u.ID, u.Active))
	}
	for _, g := range s.Groups {
		cs = append(cs, UpsertGroup(g.ID, g.Org))
	}
	for _, m := range s.Members {
		cs = append(cs, AddMember(m.Group, m.User))
	}
	for _, sa := range s.SuperAdmins {
		cs = append(cs, SetSuperAdmin(sa.Org, sa.User, true))
	}
	for _, g := range s.Grants {
		cs = append(cs, SetGrant(g.Principal, g.Resource, g.Perms))
	}
	return cs
}

// HugeSlice is hugeSlice, for the memory latency benchmark.
func HugeSlice[T any](n int) []T { return hugeSlice[T](n) }
