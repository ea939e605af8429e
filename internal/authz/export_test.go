package authz

// SetSmallGrants lowers the flat-array threshold of pgrants so that small
// random worlds exercise the trie representation too. Not for parallel use.
func SetSmallGrants(n int) (restore func()) {
	old := smallGrants
	smallGrants = n
	return func() { smallGrants = old }
}

// SetInlineLimits lowers how many groups and grants a user's check record
// holds inline, so small worlds exercise the spilled path. Not for
// parallel use.
func SetInlineLimits(groups, grants int) (restore func()) {
	og, ok := inlineGroups, inlineGrants
	inlineGroups, inlineGrants = groups, grants
	return func() { inlineGroups, inlineGrants = og, ok }
}
