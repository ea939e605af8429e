package store

import (
	"strconv"

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
	// ListMembersByID returns those of userIDs who are members of orgID,
	// each with its user, ordered by user ID: one read for a page that
	// names the people it shows.
	ListMembersByID(orgID string, userIDs []string) ([]MemberUser, error)
	// ListMemberDetails returns, for each of userIDs, what a member table
	// shows beside the user: profile, two-factor state and the user's
	// groups in orgID (ordered by name). Every ID asked for has an entry.
	ListMemberDetails(orgID string, userIDs []string) (map[string]MemberDetails, error)
	// ListGroupMemberPage returns one page of a group's members with
	// their users, ordered by email, and how many members it has.
	ListGroupMemberPage(groupID string, offset, limit int) ([]GroupMemberUser, int, error)
	// CountGroupMembers returns how many members each group of an
	// organization has, by group ID (groups without members are absent).
	CountGroupMembers(orgID string) (map[string]int, error)
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
	// After, when set, starts the page just after the member it names
	// in the page's order, and Before ends it just before (the previous
	// page): keyset paging, so a deep page costs what the first one does
	// and stays in place when members come and go. Offset must be 0.
	After, Before *MemberCursor
}

// MemberCursor is a place in a member order: a member's sort key there
// and its email, which is unique and ends every order (MemberCursorOf).
type MemberCursor struct {
	Key   string // activity and joined: Unix microseconds, in decimal
	Email string
}

// MemberCursorOf is the place of mu in the order sort: the cursor of a
// page's first or last row.
func MemberCursorOf(sort string, mu MemberUser) MemberCursor {
	c := MemberCursor{Email: mu.User.Email}
	switch sort {
	case MemberSortName:
		c.Key = asciiLower(mu.User.RealName)
	case MemberSortState:
		c.Key = mu.User.State
	case MemberSortActivity:
		c.Key = "0"
		if mu.User.LastActivity != nil {
			c.Key = strconv.FormatInt(mu.User.LastActivity.UnixMicro(), 10)
		}
	case MemberSortJoined:
		c.Key = strconv.FormatInt(mu.Membership.JoinTime.UnixMicro(), 10)
	default:
		c.Key = mu.User.Email
	}
	return c
}

// asciiLower folds as the databases' lower() does in the binary and "C"
// collations: ASCII letters only.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// MemberUser is a membership with its user.
type MemberUser struct {
	Membership identity.Membership
	User       identity.User
}

// MemberDetails is what a member table shows beside the user. Profile is
// zero when the user never set one.
type MemberDetails struct {
	Profile   identity.Profile
	TwoFactor bool // enrolled and confirmed
	Groups    []identity.Group
}

// GroupMemberUser is a group membership with its user.
type GroupMemberUser struct {
	Member identity.GroupMember
	User   identity.User
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
