package identity

import "time"

// Invitation states. An invitation stays in the store after it is used or
// cancelled so that accepting it again gets a clear answer, not "unknown".
const (
	InvitationPending   = "pending"
	InvitationAccepted  = "accepted"
	InvitationCancelled = "cancelled"
)

// Invitation asks a person, by email, to join an organization. Only the
// SHA-256 of its code is stored. AcceptLink is kept only when the email
// could not be sent (no SMTP configured), so that admins can hand the link
// over themselves; it is cleared when the invitation ends.
type Invitation struct {
	CodeHash       string
	OrganizationID string
	Email          string
	InvitedBy      string // inviter's user ID
	InvitedByEmail string
	State          string
	AcceptLink     string
	CreateTime     time.Time
	ExpiryTime     time.Time
	UpdateTime     time.Time
}

// Expired reports whether the invitation can no longer be accepted at now.
func (i Invitation) Expired(now time.Time) bool { return !now.Before(i.ExpiryTime) }

// TwoFactor is a person's TOTP enrolment. Secret is sealed (encrypted)
// by the control layer; Confirmed is false between enrolment and the first
// valid code. LastStep is the newest RFC 6238 time step accepted, so a code
// cannot be replayed.
type TwoFactor struct {
	UserID     string
	Secret     string
	Confirmed  bool
	LastStep   int64
	UpdateTime time.Time
}

// PasswordReset is a pending emailed password-reset code; only its
// SHA-256 is stored.
type PasswordReset struct {
	CodeHash   string
	UserID     string
	CreateTime time.Time
	ExpiryTime time.Time
}

// AuthPolicy is an organization's authentication policy: Aiven's booleans
// plus an IP allow-list of CIDRs (empty: every address).
type AuthPolicy struct {
	OrganizationID                         string
	PasswordAuthEnabled                    bool
	TwoFactorRequired                      bool
	OAuthEnabled                           bool
	SAMLEnabled                            bool
	SAMLAllowExternal                      bool
	PersonalTokensEnabled                  bool
	PersonalTokensRequireAllowedAuthMethod bool
	MCPEnabled                             bool
	MCPReadOnly                            bool
	IPAllowlist                            []string
	UpdateTime                             time.Time
}

// DefaultAuthPolicy is the policy of an organization that never set one:
// everything Gatehouse supports allowed, no address restriction.
func DefaultAuthPolicy(orgID string) AuthPolicy {
	return AuthPolicy{
		OrganizationID: orgID, PasswordAuthEnabled: true, OAuthEnabled: true, SAMLEnabled: true,
		PersonalTokensEnabled: true, MCPEnabled: true,
	}
}

// Profile holds a person's optional profile fields.
type Profile struct {
	UserID     string
	JobTitle   string
	Department string
	City       string
	Country    string
}
