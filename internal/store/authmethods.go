package store

import "github.com/gatehouse-dev/gatehouse/internal/identity"

// AuthMethodReader reads organizations' authentication methods (identity
// providers).
type AuthMethodReader interface {
	// GetAuthMethod returns a method by ID, with its linked domains.
	// ErrNotFound.
	GetAuthMethod(id string) (identity.AuthMethod, error)
	// ListAuthMethods returns an organization's methods, ordered by
	// creation time then ID.
	ListAuthMethods(orgID string) ([]identity.AuthMethod, error)
	// GetAuthMethodByDomain returns the method a domain is linked to.
	// ErrNotFound when none is.
	GetAuthMethodByDomain(domainID string) (identity.AuthMethod, error)
}

// AuthMethodTx is AuthMethodReader with the writes.
type AuthMethodTx interface {
	AuthMethodReader

	// CreateAuthMethod stores a method and its domain links. ErrNotFound
	// if the organization or a linked domain is missing; ErrConflict if
	// the ID exists or a domain is already linked to another method.
	CreateAuthMethod(m identity.AuthMethod) error
	// UpdateAuthMethod replaces every field of a method but its
	// organization, account, type and creation time, and its domain links.
	// ErrNotFound, ErrConflict as CreateAuthMethod.
	UpdateAuthMethod(m identity.AuthMethod) error
	// DeleteAuthMethod removes a method and its domain links. ErrNotFound.
	DeleteAuthMethod(id string) error
}
