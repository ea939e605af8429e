package identity

import "time"

// SCIMUser is a person an identity provider provisions into an
// organization through SCIM 2.0, by one authentication method. The person
// is an ordinary User (and member); this record keeps what SCIM needs to
// answer in the provider's own terms: its externalId, the userName and
// name parts it sent, and whether it wants the person active here.
type SCIMUser struct {
	MethodID       string
	OrganizationID string
	UserID         string
	ExternalID     string
	UserName       string
	GivenName      string
	FamilyName     string
	Active         bool
	CreateTime     time.Time
	// UpdateTime is the resource's version (ETag): every change through
	// SCIM moves it.
	UpdateTime time.Time
}

// SCIMGroup is an organization group an identity provider provisions
// through SCIM 2.0 (the group itself carries ManagedBySCIM).
type SCIMGroup struct {
	MethodID       string
	OrganizationID string
	GroupID        string
	ExternalID     string
	CreateTime     time.Time
	// UpdateTime is the resource's version (ETag), moved by every change
	// through SCIM, its members' included.
	UpdateTime time.Time
}
