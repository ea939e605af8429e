package store

import (
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
)

// DomainReader reads the storage of an organization's domains and their
// verification state.
type DomainReader interface {
	// GetDomain returns a domain by ID. ErrNotFound.
	GetDomain(id string) (org.Domain, error)
	// ListDomains returns an organization's domains, ordered by name.
	ListDomains(orgID string) ([]org.Domain, error)
	// ListVerifiedDomains returns every verified domain, ordered by name.
	ListVerifiedDomains() ([]org.Domain, error)
	// GetVerifiedDomain returns the verified domain of that name, whichever
	// organization verified it. ErrNotFound.
	GetVerifiedDomain(name string) (org.Domain, error)
	// ListUsersByEmailDomain returns the users whose email address is
	// exactly on domain name (alice@name, not alice@sub.name), ordered by ID.
	ListUsersByEmailDomain(name string) ([]identity.User, error)
	// ListManagedUsers returns the users an organization manages, ordered
	// by ID.
	ListManagedUsers(orgID string) ([]identity.User, error)
}

// DomainTx is DomainReader with the writes.
type DomainTx interface {
	DomainReader

	// CreateDomain stores a domain. ErrNotFound if the organization is
	// missing, ErrConflict if it already has a domain of that name.
	CreateDomain(d org.Domain) error
	// UpdateDomain replaces a domain's verification type, state and
	// verification times. ErrNotFound; ErrConflict when d is verified and
	// another organization has verified the same name.
	UpdateDomain(d org.Domain) error
	// DeleteDomain removes a domain. ErrNotFound.
	DeleteDomain(id string) error
}
