// Package grant defines permission grants: a principal (user or group) holds
// a list of role and permission strings on one resource (organization,
// organizational unit or project). Grants are cumulative and never deny.
package grant

import "time"

// Principal types, as Aiven's permissions API spells them.
const (
	PrincipalUser  = "user"
	PrincipalGroup = "user_group"
)

// Resource types, as Aiven's permissions API spells them.
const (
	ResourceOrganization = "organization"
	ResourceUnit         = "organization_unit"
	ResourceProject      = "project"
)

// Grant is one principal's permissions on one resource. Permissions keeps
// the strings exactly as granted.
type Grant struct {
	OrganizationID string
	PrincipalType  string
	PrincipalID    string
	ResourceType   string
	ResourceID     string
	Permissions    []string
	CreateTime     time.Time
	UpdateTime     time.Time
}
