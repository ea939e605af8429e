package store

import (
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

// ReviewReader reads what an organization's access review looks for,
// each in a query whose cost follows what it finds (a few super admins,
// one page of each kind of finding) rather than the organization's size.
// The paged reads return one page and how many there are in all.
type ReviewReader interface {
	// ListSuperAdmins returns an organization's super-admin memberships,
	// ordered by user ID.
	ListSuperAdmins(orgID string) ([]identity.Membership, error)
	// ListWithoutTwoFactor returns one page, ordered by email, of an
	// organization's active people (not application users) without a
	// confirmed second factor, and how many there are in all.
	ListWithoutTwoFactor(orgID string, offset, limit int) ([]identity.User, int, error)
	// ListDeactivatedGrants returns one page of the grants of the
	// organization with at least one permission held by its deactivated
	// members (application users included), ordered by resource type,
	// resource ID and user ID, and how many there are in all.
	ListDeactivatedGrants(orgID string, offset, limit int) ([]UserGrant, int, error)
	// ListStaleTokens returns one page of the tokens of an
	// organization's application users that have not expired at now and
	// were last used (or, never used, created) at or before usedBy,
	// ordered by user ID, then newest first, and how many there are.
	ListStaleTokens(orgID string, now, usedBy time.Time, offset, limit int) ([]UserToken, int, error)
	// ListEndlessTokens returns one page of the tokens of an
	// organization's application users with neither an expiry time nor a
	// maximum age that were last used (or created) after usedBy, in the
	// order of ListStaleTokens, and how many there are.
	ListEndlessTokens(orgID string, usedBy time.Time, offset, limit int) ([]UserToken, int, error)
	// ListOrganizationWideGrants returns one page of the grants on the
	// organization itself whose permissions are not empty and all among
	// permissions, ordered by principal type and ID, each with its
	// user's email (empty for a group or a missing user), and how many
	// there are.
	ListOrganizationWideGrants(orgID string, permissions []string, offset, limit int) ([]UserGrant, int, error)
	// ListExpiredInvitations returns one page of an organization's
	// pending invitations that expired at or before now, newest first,
	// and how many there are.
	ListExpiredInvitations(orgID string, now time.Time, offset, limit int) ([]identity.Invitation, int, error)
}

// UserGrant is a grant with the email of the user holding it.
type UserGrant struct {
	grant.Grant
	Email string
}

// UserToken is a token with the name of the application user holding it.
type UserToken struct {
	token.Token
	UserName string
}
