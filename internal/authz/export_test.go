package authz

// SetSmallGrants lowers the flat-array threshold of pgrants so that small
// random worlds exercise the trie representation too. Not for parallel use.
func SetSmallGrants(n int) (restore func()) {
	old := smallGrants
	smallGrants = n
	return func() { smallGrants = old }
}
