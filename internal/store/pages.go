package store

import (
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
)

// PageReader reads one page of a long list (an organization's members or
// projects), searched, sorted and counted by the database, so a page costs
// the same in an organization of ten people and of a hundred thousand.
type PageReader interface {
	// ListMemberPage returns the page of an organization's members that
	// f selects, each with its user, and how many members match in all.
	ListMemberPage(f MemberFilter) ([]MemberUser, int, error)
	// ListProjectPage returns the page of an organization's projects that
	// f selects, ordered by name, and how many match in all.
	ListProjectPage(f ProjectFilter) ([]org.Project, int, error)
	// CountProjectsByParent returns how many projects of an organization
	// sit directly in each unit, by unit ID (units without projects are
	// absent).
	CountProjectsByParent(orgID string) (map[string]int, error)
}

// Orders of ListMemberPage. Every order ends with the email, so pages
// never overlap.
const (
	MemberSortEmail    = "email"
	MemberSortName     = "name"     // by name, case-insensitively (ASCII)
	MemberSortState    = "state"    // by user state
	MemberSortActivity = "activity" // by last activity, never-active first
	MemberSortJoined   = "joined"   // by join time
)

// MemberFilter selects a page of an organization's members.
type MemberFilter struct {
	OrganizationID string
	// Search, when set, keeps the members whose email or name (compared
	// ASCII case-insensitively) starts with it, or whose user ID is it.
	// Prefixes, unlike substrings, are answered from an index.
	Search string
	Sort   string // one of the MemberSort* orders; email when empty
	Desc   bool
	// IncludeApps lists application users too.
	IncludeApps bool
	Offset      int
	Limit       int
}

// MemberUser is a membership with its user.
type MemberUser struct {
	Membership identity.Membership
	User       identity.User
}

// ProjectFilter selects a page of an organization's projects.
type ProjectFilter struct {
	OrganizationID string
	// ParentID, when set, keeps the projects directly in that unit.
	ParentID string
	// Search, when set, keeps the projects whose name starts with it.
	Search string
	Offset int
	Limit  int
}
