package store

import (
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

// RevokedToken is what is kept of a revoked token: its hash and owner,
// never the secret, so that a later use can be refused with an audit event
// in the owner's organizations even after the owner was deleted.
type RevokedToken struct {
	Hash            string
	Prefix          string
	Kind            token.Kind
	UserID          string
	UserEmail       string
	OrganizationIDs []string
	Reason          string // "revoked", "expired all", "user deleted"
	RevokeTime      time.Time
}

// ApplicationReader reads the storage of application users and of the
// token operations beyond the core: descriptions, revoking all of a
// user's tokens, and revoked-token records.
type ApplicationReader interface {
	// ListApplicationUsers returns the application users that are members
	// of orgID, ordered by ID.
	ListApplicationUsers(orgID string) ([]identity.User, error)
	// GetRevokedToken returns a revoked-token record by hash. ErrNotFound.
	GetRevokedToken(hash string) (RevokedToken, error)
}

// ApplicationTx is ApplicationReader with the writes.
type ApplicationTx interface {
	ApplicationReader

	// UpdateTokenDescription changes a token's description. ErrNotFound.
	UpdateTokenDescription(hash, description string) error
	// DeleteUserTokens removes every token of a user and returns how many
	// there were.
	DeleteUserTokens(userID string) (int, error)
	// AddRevokedTokens records revoked tokens; a hash already recorded is
	// left as it is.
	AddRevokedTokens(ts ...RevokedToken) error
	// PruneRevokedTokens removes the records of tokens revoked before t
	// and returns how many.
	PruneRevokedTokens(before time.Time) (int, error)
}
