package store

// ApplicationTx holds the storage of application users.
type ApplicationTx interface {
}
