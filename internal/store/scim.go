package store

import (
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
)

// SCIMReader reads what SCIM provisioning keeps beside users and groups:
// each method's bearer-token hash and the provisioned resources.
type SCIMReader interface {
	// GetSCIMTokenHash returns the SHA-256 (hex) of a method's SCIM
	// bearer token. ErrNotFound when it has none.
	GetSCIMTokenHash(methodID string) (string, error)
	// GetSCIMUser returns the record of a user provisioned by a method.
	// ErrNotFound.
	GetSCIMUser(methodID, userID string) (identity.SCIMUser, error)
	// ListSCIMUsers returns a method's provisioned users, ordered by
	// creation time then user ID.
	ListSCIMUsers(methodID string) ([]identity.SCIMUser, error)
	// SCIMUserIDs returns the IDs of the users SCIM provisioned into an
	// organization (through any of its methods), ordered.
	SCIMUserIDs(orgID string) ([]string, error)
	// IsSCIMUser reports whether SCIM provisioned the user into the
	// organization (into any organization when orgID is "").
	IsSCIMUser(orgID, userID string) (bool, error)
	// GetSCIMGroup returns the record of a provisioned group. ErrNotFound.
	GetSCIMGroup(groupID string) (identity.SCIMGroup, error)
	// ListSCIMGroups returns a method's provisioned groups, ordered by
	// creation time then group ID.
	ListSCIMGroups(methodID string) ([]identity.SCIMGroup, error)
}

// SCIMTx is SCIMReader with the writes.
type SCIMTx interface {
	SCIMReader

	// SetSCIMTokenHash stores (or replaces) a method's token hash.
	// ErrNotFound if the method is missing.
	SetSCIMTokenHash(methodID, hash string, at time.Time) error
	// DeleteSCIMTokenHash removes a method's token; none is no error.
	DeleteSCIMTokenHash(methodID string) error
	// PutSCIMUser creates or replaces a user's record. ErrNotFound if the
	// method or user is missing.
	PutSCIMUser(u identity.SCIMUser) error
	// DeleteSCIMUser removes a user's record. ErrNotFound.
	DeleteSCIMUser(methodID, userID string) error
	// PutSCIMGroup creates or replaces a group's record. ErrNotFound if the
	// method or group is missing. (Deleting the group deletes it.)
	PutSCIMGroup(g identity.SCIMGroup) error
}
