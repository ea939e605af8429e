package store

// ServiceUserTx holds the storage of project membership invitations and of
// service users and their (encrypted) credentials.
type ServiceUserTx interface {
}
