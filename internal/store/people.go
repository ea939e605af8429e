package store

// PeopleTx holds the storage of organization users' lifecycle:
// invitations, two-factor secrets, password resets and authentication
// policies.
type PeopleTx interface {
}
