package store

import (
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
)

// SSOReader reads sign-in links to identity providers.
type SSOReader interface {
	// GetSSOIdentity returns the link of a subject at a method.
	// ErrNotFound.
	GetSSOIdentity(methodID, subject string) (identity.SSOIdentity, error)
}

// SSOTx is SSOReader with the writes.
type SSOTx interface {
	SSOReader

	// CreateSSOIdentity links a subject to a user. ErrNotFound if the
	// method or user is missing; ErrConflict if the subject is linked.
	CreateSSOIdentity(i identity.SSOIdentity) error
	// PutSSOTicket stores a ticket. ErrConflict if one of that ID exists
	// and has not expired at now (an expired one is replaced).
	PutSSOTicket(t identity.SSOTicket, now time.Time) error
	// TakeSSOTicket removes a ticket of that kind and ID and returns it.
	// ErrNotFound if there is none or it expired at now.
	TakeSSOTicket(kind, id string, now time.Time) (identity.SSOTicket, error)
	// DeleteExpiredSSOTickets removes tickets expired at now and returns
	// how many.
	DeleteExpiredSSOTickets(now time.Time) (int, error)
}
