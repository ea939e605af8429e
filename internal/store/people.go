package store

import "github.com/gatehouse-dev/gatehouse/internal/identity"

// PeopleReader reads the storage of organization users' lifecycle:
// invitations, two-factor secrets, password resets, profiles and
// authentication policies.
type PeopleReader interface {
	// GetInvitation returns an invitation by code hash. ErrNotFound.
	GetInvitation(codeHash string) (identity.Invitation, error)
	// ListInvitations returns an organization's invitations in state
	// (every state when state is ""), newest first.
	ListInvitations(orgID, state string) ([]identity.Invitation, error)

	// GetTwoFactor returns a user's TOTP enrolment. ErrNotFound.
	GetTwoFactor(userID string) (identity.TwoFactor, error)

	// GetPasswordReset returns a reset by code hash. ErrNotFound.
	GetPasswordReset(codeHash string) (identity.PasswordReset, error)

	// GetProfile returns a person's profile fields. ErrNotFound when none
	// were ever set.
	GetProfile(userID string) (identity.Profile, error)

	// GetAuthPolicy returns an organization's authentication policy.
	// ErrNotFound when it never set one.
	GetAuthPolicy(orgID string) (identity.AuthPolicy, error)
}

// PeopleTx is PeopleReader with the writes.
type PeopleTx interface {
	PeopleReader

	// CreateInvitation stores an invitation. ErrConflict on a duplicate
	// code hash; ErrNotFound if the organization is missing.
	CreateInvitation(inv identity.Invitation) error
	// UpdateInvitation changes an invitation's state, accept link and
	// update time. ErrNotFound.
	UpdateInvitation(inv identity.Invitation) error

	// SetTwoFactor creates or replaces a user's TOTP enrolment.
	// ErrNotFound if the user is missing.
	SetTwoFactor(tf identity.TwoFactor) error
	// DeleteTwoFactor removes a user's TOTP enrolment. ErrNotFound.
	DeleteTwoFactor(userID string) error

	// CreatePasswordReset stores a reset code. ErrNotFound if the user is
	// missing; ErrConflict on a duplicate hash.
	CreatePasswordReset(r identity.PasswordReset) error
	// DeletePasswordResets removes every reset code of a user.
	DeletePasswordResets(userID string) error

	// DeleteSessions removes a user's session tokens (not personal or
	// application tokens) and returns how many there were.
	DeleteSessions(userID string) (int, error)

	// SetProfile creates or replaces a person's profile fields.
	// ErrNotFound if the user is missing.
	SetProfile(p identity.Profile) error

	// SetAuthPolicy creates or replaces an organization's policy.
	// ErrNotFound if the organization is missing.
	SetAuthPolicy(p identity.AuthPolicy) error
}
