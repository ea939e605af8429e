package store

import (
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

// ReviewReader reads what an organization's access review looks for,
// each in a query whose cost follows what it finds (a few super admins,
// a few deactivated members, one page of people without two-factor)
// rather than the organization's size.
type ReviewReader interface {
	// ListSuperAdmins returns an organization's super-admin memberships,
	// ordered by user ID.
	ListSuperAdmins(orgID string) ([]identity.Membership, error)
	// ListMembersInState returns the users in state among an
	// organization's members (application users included), ordered by
	// email.
	ListMembersInState(orgID, state string) ([]identity.User, error)
	// ListWithoutTwoFactor returns one page, ordered by email, of an
	// organization's active people (not application users) without a
	// confirmed second factor, and how many there are in all.
	ListWithoutTwoFactor(orgID string, offset, limit int) ([]identity.User, int, error)
	// ListApplicationTokens returns the tokens of an organization's
	// application users, by user ID, each user's newest first.
	ListApplicationTokens(orgID string) ([]token.Token, error)
}
