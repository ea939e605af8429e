package store

// DomainTx holds the storage of an organization's domains and their
// verification state.
type DomainTx interface {
}
