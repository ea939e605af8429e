// Package identity defines the people and programs that act on Gatehouse
// (organization users and application users), their organization
// memberships, and how their passwords are stored.
package identity

import (
	"errors"
	"time"
)

// User states.
const (
	StateActive      = "active"
	StateDeactivated = "deactivated"
)

// User is a person or an application user. Application users never have a
// password.
type User struct {
	ID              string
	Email           string
	RealName        string
	PasswordHash    string
	State           string
	IsApplication   bool
	CreateTime      time.Time
	UpdateTime      time.Time
	LastActivity    *time.Time
	ManagingOrgID   string
	PasswordUpdated *time.Time
}

// Active reports whether the user may act.
func (u User) Active() bool { return u.State == StateActive }

// Membership ties a user to an organization.
type Membership struct {
	OrganizationID string
	UserID         string
	IsSuperAdmin   bool
	JoinTime       time.Time
}

// Sentinel errors.
var (
	ErrBadCredentials = errors.New("invalid credentials")
	ErrWeakPassword   = errors.New("password too weak")
)

// Group is a named set of users (people and application users) of one
// organization; grants to a group apply to each member.
type Group struct {
	ID             string
	OrganizationID string
	Name           string
	Description    string
	ManagedBySCIM  bool
	CreateTime     time.Time
	UpdateTime     time.Time
}

// GroupMember ties a user to a group.
type GroupMember struct {
	GroupID  string
	UserID   string
	JoinTime time.Time
}
