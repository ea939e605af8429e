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

// Grant is one principal's access to one resource. Aiven keeps two lists
// apart, and so does a grant: Permissions are set through the permissions
// API (organization permissions), Membership is the principal's project
// membership (the creator's admin, accepted invitations), listed and
// changed only through the project-users endpoints. Access is their
// union. Both keep the strings exactly as given.
type Grant struct {
	OrganizationID string
	PrincipalType  string
	PrincipalID    string
	ResourceType   string
	ResourceID     string
	Permissions    []string
	Membership     []string
	CreateTime     time.Time
	UpdateTime     time.Time
}

// Access is every string the grant gives: its permissions, then its
// membership's strings not already among them.
func (g Grant) Access() []string {
	out := append([]string(nil), g.Permissions...)
	for _, m := range g.Membership {
		if !contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

// Empty reports whether the grant gives nothing (and is not kept).
func (g Grant) Empty() bool { return len(g.Permissions) == 0 && len(g.Membership) == 0 }

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
