package store

import "time"

// ProjectInvitation is a pending invitation of an email address to a
// project with a member type (a classic project role or any grantable role
// or permission string). Accepting it turns it into a grant on the project.
type ProjectInvitation struct {
	Project       string
	Email         string // lower-case
	MemberType    string
	InviterUserID string
	InviterEmail  string
	// CodeHash is the hex SHA-256 of the emailed code; the code itself is
	// never stored.
	CodeHash   string
	CreateTime time.Time
	ExpiryTime time.Time
	// Mailed: the invitation email reached the relay. When it did not, the
	// inviter was shown the link once, to pass on.
	Mailed bool
}

// States of an ended project invitation.
const (
	ProjectInvitationAccepted  = "accepted"
	ProjectInvitationCancelled = "cancelled"
	ProjectInvitationReplaced  = "replaced" // by a new invitation of the same email
)

// EndedProjectInvitation is what is kept of an invitation that can no
// longer be accepted: enough to tell the holder of its code why.
type EndedProjectInvitation struct {
	CodeHash string
	Project  string
	Email    string
	State    string // ProjectInvitationAccepted, ...Cancelled or ...Replaced
	EndTime  time.Time
}

// ProjectMemberReader reads the storage of project membership
// invitations. Membership itself is a grant on the project (SetGrant);
// invitations go with their project (deleted with it, renamed with it).
type ProjectMemberReader interface {
	// GetProjectInvitation returns the invitation of email to project.
	// ErrNotFound.
	GetProjectInvitation(project, email string) (ProjectInvitation, error)
	// GetProjectInvitationByCode returns the invitation whose code has
	// the given hash. ErrNotFound.
	GetProjectInvitationByCode(codeHash string) (ProjectInvitation, error)
	// GetEndedProjectInvitation returns the ended invitation whose code has
	// the given hash. ErrNotFound.
	GetEndedProjectInvitation(codeHash string) (EndedProjectInvitation, error)
	// ListProjectInvitations returns a project's invitations, expired ones
	// included, ordered by email.
	ListProjectInvitations(project string) ([]ProjectInvitation, error)
}

// ProjectMemberTx is ProjectMemberReader with the writes.
type ProjectMemberTx interface {
	ProjectMemberReader

	// PutProjectInvitation stores inv, replacing an earlier invitation of
	// the same email to the same project, which is ended as
	// ProjectInvitationReplaced at inv.CreateTime. ErrNotFound if the
	// project does not exist; ErrConflict if the code hash is or was in
	// use (ended codes included: a code works once).
	PutProjectInvitation(inv ProjectInvitation) error
	// MarkProjectInvitationMailed records that the invitation with this
	// code hash was mailed; ErrNotFound if it was replaced or is gone.
	MarkProjectInvitationMailed(project, email, codeHash string) error
	// DeleteProjectInvitation removes an invitation. ErrNotFound.
	DeleteProjectInvitation(project, email string) error
	// EndProjectInvitation removes the pending invitation of email to
	// project and keeps its code hash as ended in state at the given time.
	// ErrNotFound.
	EndProjectInvitation(project, email, state string, at time.Time) error
}
