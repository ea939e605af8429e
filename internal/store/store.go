// Package store defines Gatehouse's storage interface. Every backend
// (SQLite, PostgreSQL) implements Store and passes the conformance suite in
// package storetest; nothing above this package knows which one runs.
//
// All reads and writes happen inside a transaction: Read for read-only
// work, over a Reader (queries only), and Write for mutations, over a Tx
// (a Reader plus the writes). A Write callback that returns an error rolls
// back everything it did, so a mutation and its audit event and change-log
// entry commit together or not at all.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/audit"
	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

// Sentinel errors every backend returns (wrapped) so callers can map them.
var (
	// ErrNotFound: the row asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a uniqueness rule would be broken (duplicate email,
	// project name, service name, group name ...).
	ErrConflict = errors.New("already exists")
)

// Store is a transactional store.
type Store interface {
	// Read runs fn in a read-only transaction: fn gets a Reader, so it
	// cannot call a write.
	Read(ctx context.Context, fn func(Reader) error) error
	// Write runs fn in a read-write transaction, committed when fn returns
	// nil. Writes are serialised, so change-log revisions commit in order.
	Write(ctx context.Context, fn func(Tx) error) error
	// Changes returns change-log entries with revision > after, oldest
	// first, at most limit of them.
	Changes(ctx context.Context, after int64, limit int) ([]Change, error)
	// Listen calls fn with what the database commits, from this process's
	// writes and every other server's on the same database, until ctx
	// ends. It first calls fn with a Resync notice once listening has
	// begun, and again after every reconnection (notices may have been
	// missed meanwhile). fn runs on Listen's goroutine and must not block.
	Listen(ctx context.Context, fn func(Notice))
	// Ping checks the connection.
	Ping(ctx context.Context) error
	// Close releases the store's resources.
	Close() error
}

// Notice is something a committed write changed that servers cache: a new
// change-log entry or deleted tokens. Exactly one field is set.
type Notice struct {
	Revision    int64  // a change-log entry with this revision committed
	TokenHash   string // the token with this hash was deleted
	TokenUserID string // tokens of this user were deleted
	Resync      bool   // notices may have been missed: re-read what is cached
}

// Change is one entry of the authorization change log. Payload is opaque to
// the store (the control layer encodes decision-engine changes in it).
type Change struct {
	Revision   int64
	Payload    []byte
	CreateTime time.Time
}

// EventFilter selects event-log entries. Zero fields do not filter.
type EventFilter struct {
	OrganizationID string
	AccountIDs     []string // events whose AccountID is one of these
	ProjectID      string   // a project's events, by its internal ID (org.Project.ID)
	BeforeID       int64    // only events with ID < BeforeID (paging, newest first)
	ActorEmail     string   // events of the actor with this (lower-case) email
	ActionType     string   // events of this action type
	Limit          int
}

// Reader is what a read transaction can do: queries only. Methods return
// ErrNotFound where noted; other errors are backend failures. Features
// beyond the hierarchy add their queries in interfaces of their own files
// (people.go, applications.go ...), embedded here.
type Reader interface {
	PeopleReader
	ApplicationReader
	KafkaReader
	ServiceUserReader
	DomainReader
	ProjectMemberReader
	ProjectCAReader
	AuthMethodReader
	SSOReader
	SCIMReader
	PageReader
	ReviewReader

	// Revision returns the newest change-log revision (0 when empty).
	Revision() (int64, error)

	// CountUsers returns how many users exist (bootstrap runs at zero).
	CountUsers() (int, error)
	// GetUser returns a user by ID. ErrNotFound.
	GetUser(id string) (identity.User, error)
	// GetUserByEmail returns a user by (lower-case) email. ErrNotFound.
	GetUserByEmail(email string) (identity.User, error)
	// ListUsers returns every user, ordered by ID.
	ListUsers() ([]identity.User, error)

	// GetMember returns one membership. ErrNotFound.
	GetMember(orgID, userID string) (identity.Membership, error)
	// ListMembers returns an organization's memberships, ordered by user ID.
	ListMembers(orgID string) ([]identity.Membership, error)
	// ListUserMemberships returns a user's memberships, ordered by org ID.
	ListUserMemberships(userID string) ([]identity.Membership, error)
	// ListAllMembers returns every membership of every organization.
	ListAllMembers() ([]identity.Membership, error)

	// GetToken returns a token by hash. ErrNotFound.
	GetToken(hash string) (token.Token, error)
	// GetTokenByPrefix returns a user's token by prefix. ErrNotFound.
	GetTokenByPrefix(userID, prefix string) (token.Token, error)
	// ListTokens returns a user's tokens, newest first.
	ListTokens(userID string) ([]token.Token, error)

	// GetOrganization returns an organization. ErrNotFound.
	GetOrganization(id string) (org.Organization, error)
	// ListOrganizations returns every organization, ordered by ID.
	ListOrganizations() ([]org.Organization, error)

	// GetUnit returns a unit. ErrNotFound.
	GetUnit(id string) (org.Unit, error)
	// ListUnits returns an organization's units (root included), ordered by ID.
	ListUnits(orgID string) ([]org.Unit, error)
	// ListAllUnits returns every unit of every organization.
	ListAllUnits() ([]org.Unit, error)

	// GetProject returns a project by name. ErrNotFound.
	GetProject(name string) (org.Project, error)
	// ListProjects returns an organization's projects, ordered by name.
	ListProjects(orgID string) ([]org.Project, error)
	// ListProjectsIn returns the projects whose parent is parentID.
	ListProjectsIn(parentID string) ([]org.Project, error)
	// ListAllProjects returns every project.
	ListAllProjects() ([]org.Project, error)

	// GetService returns a service. ErrNotFound.
	GetService(project, name string) (org.Service, error)
	// ListServices returns a project's services, ordered by name.
	ListServices(project string) ([]org.Service, error)
	// ListAllServices returns every service.
	ListAllServices() ([]org.Service, error)

	// ListEvents returns matching events, newest first.
	ListEvents(f EventFilter) ([]audit.Event, error)

	// GetGroup returns a group. ErrNotFound.
	GetGroup(id string) (identity.Group, error)
	// ListGroups returns an organization's groups, ordered by name.
	ListGroups(orgID string) ([]identity.Group, error)
	// ListGroupMembers returns a group's members, ordered by user ID.
	ListGroupMembers(groupID string) ([]identity.GroupMember, error)
	// ListUserGroups returns the groups of orgID that userID belongs to.
	ListUserGroups(orgID, userID string) ([]identity.Group, error)
	// ListAllGroups returns every group; ListAllGroupMembers every membership.
	ListAllGroups() ([]identity.Group, error)
	ListAllGroupMembers() ([]identity.GroupMember, error)

	// ListGrants returns the grants on one resource, ordered by principal.
	ListGrants(resourceType, resourceID string) ([]grant.Grant, error)
	// ListPrincipalGrants returns every grant a principal holds.
	ListPrincipalGrants(principalType, principalID string) ([]grant.Grant, error)
	// GetGrant returns a principal's grant on one resource, or
	// ErrNotFound.
	GetGrant(principalType, principalID, resourceType, resourceID string) (grant.Grant, error)
	// ListAllGrants returns every grant.
	ListAllGrants() ([]grant.Grant, error)
}

// Tx is what a write transaction can do: every query of Reader, and the
// writes. Methods return ErrNotFound or ErrConflict (wrapped) where noted.
// Features add their writes in interfaces of their own files, embedded
// here beside their readers.
type Tx interface {
	Reader
	PeopleTx
	ApplicationTx
	KafkaTx
	ServiceUserTx
	DomainTx
	ProjectMemberTx
	ProjectCATx
	AuthMethodTx
	SSOTx
	SCIMTx

	// AppendChange adds a change-log entry and returns its revision.
	AppendChange(payload []byte) (int64, error)

	// CreateUser inserts u. ErrConflict if the email is taken.
	CreateUser(u identity.User) error
	// UpdateUser replaces a user's mutable fields (email, name, password
	// hash, state, managing organization). ErrNotFound, ErrConflict.
	UpdateUser(u identity.User) error
	// DeleteUser removes a user with its tokens, memberships, group
	// memberships and grants. ErrNotFound.
	DeleteUser(id string) error

	// AddMember makes a user a member of an organization. ErrConflict if
	// already a member.
	AddMember(m identity.Membership) error
	// UpdateMember changes a membership's super-admin flag. ErrNotFound.
	UpdateMember(m identity.Membership) error
	// RemoveMember removes a membership. ErrNotFound.
	RemoveMember(orgID, userID string) error

	// CreateToken stores a token. ErrConflict on a duplicate hash or prefix.
	CreateToken(t token.Token) error
	// TouchToken records a use: last-used time, IP and user agent, and the
	// new expiry (tokens that extend when used). ErrNotFound.
	TouchToken(hash string, at time.Time, ip, userAgent string, expiry *time.Time) error
	// DeleteToken removes a token by hash. ErrNotFound.
	DeleteToken(hash string) error

	// CreateOrganization inserts an organization (its root unit is created
	// separately with CreateUnit). ErrConflict on a duplicate ID.
	CreateOrganization(o org.Organization) error
	// UpdateOrganization changes name, tier and update time. ErrNotFound.
	UpdateOrganization(o org.Organization) error
	// DeleteOrganization removes an organization and everything in it:
	// units, projects, services, memberships, groups, grants and events.
	// ErrNotFound.
	DeleteOrganization(id string) error

	// CreateUnit inserts a unit. ErrConflict on a duplicate ID.
	CreateUnit(u org.Unit) error
	// UpdateUnit changes name, parent and update time. ErrNotFound.
	UpdateUnit(u org.Unit) error
	// DeleteUnit removes a unit with the grants on it. ErrNotFound.
	DeleteUnit(id string) error

	// CreateProject inserts a project. ErrConflict if the name is taken.
	CreateProject(p org.Project) error
	// UpdateProject replaces the project named name with p (p.Name may
	// differ: a rename, which also renames it in grants; events keep the
	// name they were written with and follow the project by its ID).
	// ErrNotFound, ErrConflict.
	UpdateProject(name string, p org.Project) error
	// DeleteProject removes a project with its services and grants. ErrNotFound.
	DeleteProject(name string) error

	// CreateService inserts a service. ErrConflict if the project already
	// has a service of that name; ErrNotFound if the project is missing.
	CreateService(s org.Service) error
	// UpdateService replaces a service's mutable fields. ErrNotFound.
	UpdateService(s org.Service) error
	// DeleteService removes a service. ErrNotFound.
	DeleteService(project, name string) error

	// AppendEvent adds an event-log entry and returns its ID. An event
	// with a Project but no ProjectID gets the ID of the project of that
	// name, if there is one.
	AppendEvent(e audit.Event) (int64, error)

	// CreateGroup inserts a group. ErrConflict if the organization already
	// has a group of that name.
	CreateGroup(g identity.Group) error
	// UpdateGroup changes name, description and update time. ErrNotFound, ErrConflict.
	UpdateGroup(g identity.Group) error
	// DeleteGroup removes a group with its memberships and grants. ErrNotFound.
	DeleteGroup(id string) error
	// AddGroupMember adds a user to a group; adding an existing member is a no-op.
	AddGroupMember(m identity.GroupMember) error
	// RemoveGroupMember removes a user from a group; removing a non-member is a no-op.
	RemoveGroupMember(groupID, userID string) error

	// SetGrant stores g, replacing the principal's permissions on that
	// resource; an empty Permissions list deletes the grant.
	SetGrant(g grant.Grant) error
}
