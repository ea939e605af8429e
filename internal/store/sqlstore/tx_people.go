package sqlstore

import (
	"fmt"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

// ---- invitations ----

const invitationCols = `code_hash, organization_id, email, invited_by, invited_by_email, state,
accept_link, create_time, expiry_time, update_time`

var (
	qCreateInvitation = newQuery(`INSERT INTO invitations (` + invitationCols + `)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	qGetInvitation   = newQuery(`SELECT ` + invitationCols + ` FROM invitations WHERE code_hash = ?`)
	qListInvitations = newQuery(`SELECT ` + invitationCols + ` FROM invitations
WHERE organization_id = ? AND (? = '' OR state = ?) ORDER BY create_time DESC, code_hash`)
	qUpdateInvitation = newQuery(`UPDATE invitations SET state = ?, accept_link = ?, update_time = ? WHERE code_hash = ?`)
)

func scanInvitation(r scanner) (identity.Invitation, error) {
	var (
		inv        identity.Invitation
		ct, et, ut int64
	)
	err := r.Scan(&inv.CodeHash, &inv.OrganizationID, &inv.Email, &inv.InvitedBy, &inv.InvitedByEmail,
		&inv.State, &inv.AcceptLink, &ct, &et, &ut)
	inv.CreateTime, inv.ExpiryTime, inv.UpdateTime = fromMicros(ct), fromMicros(et), fromMicros(ut)
	return inv, err
}

func (t *tx) CreateInvitation(inv identity.Invitation) error {
	what := fmt.Sprintf("invitation of %q to organization %q", inv.Email, inv.OrganizationID)
	if err := t.require(what, ref{"organization", qOrganizationExists, inv.OrganizationID}); err != nil {
		return err
	}
	n, err := t.exec(qCreateInvitation, inv.CodeHash, inv.OrganizationID, inv.Email, inv.InvitedBy,
		inv.InvitedByEmail, inv.State, inv.AcceptLink, micros(inv.CreateTime), micros(inv.ExpiryTime),
		micros(inv.UpdateTime))
	return mustInsert(what, n, err)
}

func (t *reader) GetInvitation(codeHash string) (identity.Invitation, error) {
	// The hash is a secret's digest: keep it out of error messages.
	return get(t, "invitation", qGetInvitation, scanInvitation, codeHash)
}

func (t *reader) ListInvitations(orgID, state string) ([]identity.Invitation, error) {
	return listQ(t, "invitations", qListInvitations, scanInvitation, orgID, state, state)
}

func (t *tx) UpdateInvitation(inv identity.Invitation) error {
	n, err := t.exec(qUpdateInvitation, inv.State, inv.AcceptLink, micros(inv.UpdateTime), inv.CodeHash)
	return mustAffect("invitation", n, err)
}

// ---- two-factor authentication ----

var (
	qGetTwoFactor = newQuery(`SELECT user_id, secret, confirmed, last_step, update_time FROM two_factor WHERE user_id = ?`)
	qSetTwoFactor = newQuery(`INSERT INTO two_factor (user_id, secret, confirmed, last_step, update_time)
VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret,
confirmed = excluded.confirmed, last_step = excluded.last_step, update_time = excluded.update_time`)
	qDeleteTwoFactor = newQuery(`DELETE FROM two_factor WHERE user_id = ?`)
)

func scanTwoFactor(r scanner) (identity.TwoFactor, error) {
	var (
		tf identity.TwoFactor
		ut int64
	)
	err := r.Scan(&tf.UserID, &tf.Secret, &tf.Confirmed, &tf.LastStep, &ut)
	tf.UpdateTime = fromMicros(ut)
	return tf, err
}

func (t *reader) GetTwoFactor(userID string) (identity.TwoFactor, error) {
	return get(t, fmt.Sprintf("two-factor enrolment of user %q", userID), qGetTwoFactor, scanTwoFactor, userID)
}

func (t *tx) SetTwoFactor(tf identity.TwoFactor) error {
	what := fmt.Sprintf("two-factor enrolment of user %q", tf.UserID)
	if err := t.require(what, ref{"user", qUserExists, tf.UserID}); err != nil {
		return err
	}
	_, err := t.exec(qSetTwoFactor, tf.UserID, tf.Secret, tf.Confirmed, tf.LastStep, micros(tf.UpdateTime))
	if err != nil {
		return writeErr(what, err)
	}
	return nil
}

func (t *tx) DeleteTwoFactor(userID string) error {
	n, err := t.exec(qDeleteTwoFactor, userID)
	return mustAffect(fmt.Sprintf("two-factor enrolment of user %q", userID), n, err)
}

// ---- password resets ----

var (
	qCreatePasswordReset = newQuery(`INSERT INTO password_resets (code_hash, user_id, create_time, expiry_time)
VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	qGetPasswordReset     = newQuery(`SELECT code_hash, user_id, create_time, expiry_time FROM password_resets WHERE code_hash = ?`)
	qDeletePasswordResets = newQuery(`DELETE FROM password_resets WHERE user_id = ?`)
	qDeleteSessions       = newQuery(`DELETE FROM tokens WHERE user_id = ? AND kind = ?`)
)

func scanPasswordReset(r scanner) (identity.PasswordReset, error) {
	var (
		pr     identity.PasswordReset
		ct, et int64
	)
	err := r.Scan(&pr.CodeHash, &pr.UserID, &ct, &et)
	pr.CreateTime, pr.ExpiryTime = fromMicros(ct), fromMicros(et)
	return pr, err
}

func (t *tx) CreatePasswordReset(r identity.PasswordReset) error {
	what := fmt.Sprintf("password reset of user %q", r.UserID)
	if err := t.require(what, ref{"user", qUserExists, r.UserID}); err != nil {
		return err
	}
	n, err := t.exec(qCreatePasswordReset, r.CodeHash, r.UserID, micros(r.CreateTime), micros(r.ExpiryTime))
	return mustInsert(what, n, err)
}

func (t *reader) GetPasswordReset(codeHash string) (identity.PasswordReset, error) {
	return get(t, "password reset", qGetPasswordReset, scanPasswordReset, codeHash)
}

func (t *tx) DeletePasswordResets(userID string) error {
	if _, err := t.exec(qDeletePasswordResets, userID); err != nil {
		return fmt.Errorf("password resets of user %q: %w", userID, err)
	}
	return nil
}

func (t *tx) DeleteSessions(userID string) (int, error) {
	n, err := t.exec(qDeleteSessions, userID, string(token.KindSession))
	if err != nil {
		return 0, fmt.Errorf("sessions of user %q: %w", userID, err)
	}
	if n > 0 {
		t.notify(store.Notice{TokenUserID: userID})
	}
	return int(n), nil
}

// ---- authentication policies ----

var (
	qGetAuthPolicy = newQuery(`SELECT organization_id, policy, update_time FROM auth_policies WHERE organization_id = ?`)
	qSetAuthPolicy = newQuery(`INSERT INTO auth_policies (organization_id, policy, update_time) VALUES (?, ?, ?)
ON CONFLICT (organization_id) DO UPDATE SET policy = excluded.policy, update_time = excluded.update_time`)
)

// policyJSON is the stored form of a policy: every field but the
// organization and update time, which have columns of their own.
type policyJSON struct {
	PasswordAuthEnabled                    bool     `json:"password_auth_enabled"`
	TwoFactorRequired                      bool     `json:"two_factor_required"`
	OAuthEnabled                           bool     `json:"oauth_enabled"`
	SAMLEnabled                            bool     `json:"saml_enabled"`
	SAMLAllowExternal                      bool     `json:"saml_allow_external"`
	PersonalTokensEnabled                  bool     `json:"personal_tokens_enabled"`
	PersonalTokensRequireAllowedAuthMethod bool     `json:"personal_tokens_require_allowed_auth_method"`
	MCPEnabled                             bool     `json:"mcp_enabled"`
	MCPReadOnly                            bool     `json:"mcp_read_only"`
	IPAllowlist                            []string `json:"ip_allowlist"`
}

func scanAuthPolicy(r scanner) (identity.AuthPolicy, error) {
	var (
		p    identity.AuthPolicy
		text string
		ut   int64
		j    policyJSON
	)
	if err := r.Scan(&p.OrganizationID, &text, &ut); err != nil {
		return p, err
	}
	if err := fromJSON(text, &j); err != nil {
		return p, err
	}
	p.PasswordAuthEnabled, p.TwoFactorRequired, p.OAuthEnabled = j.PasswordAuthEnabled, j.TwoFactorRequired, j.OAuthEnabled
	p.SAMLEnabled, p.SAMLAllowExternal = j.SAMLEnabled, j.SAMLAllowExternal
	p.PersonalTokensEnabled, p.PersonalTokensRequireAllowedAuthMethod = j.PersonalTokensEnabled, j.PersonalTokensRequireAllowedAuthMethod
	p.MCPEnabled, p.MCPReadOnly, p.IPAllowlist = j.MCPEnabled, j.MCPReadOnly, j.IPAllowlist
	p.UpdateTime = fromMicros(ut)
	return p, nil
}

func (t *reader) GetAuthPolicy(orgID string) (identity.AuthPolicy, error) {
	return get(t, fmt.Sprintf("authentication policy of organization %q", orgID), qGetAuthPolicy, scanAuthPolicy, orgID)
}

func (t *tx) SetAuthPolicy(p identity.AuthPolicy) error {
	what := fmt.Sprintf("authentication policy of organization %q", p.OrganizationID)
	if err := t.require(what, ref{"organization", qOrganizationExists, p.OrganizationID}); err != nil {
		return err
	}
	text, err := toJSON(policyJSON{
		PasswordAuthEnabled: p.PasswordAuthEnabled, TwoFactorRequired: p.TwoFactorRequired, OAuthEnabled: p.OAuthEnabled,
		SAMLEnabled: p.SAMLEnabled, SAMLAllowExternal: p.SAMLAllowExternal, PersonalTokensEnabled: p.PersonalTokensEnabled,
		PersonalTokensRequireAllowedAuthMethod: p.PersonalTokensRequireAllowedAuthMethod,
		MCPEnabled:                             p.MCPEnabled, MCPReadOnly: p.MCPReadOnly, IPAllowlist: p.IPAllowlist,
	})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if _, err := t.exec(qSetAuthPolicy, p.OrganizationID, text, micros(p.UpdateTime)); err != nil {
		return writeErr(what, err)
	}
	return nil
}

// ---- profiles ----

var (
	qGetProfile = newQuery(`SELECT user_id, job_title, department, city, country FROM user_profiles WHERE user_id = ?`)
	qSetProfile = newQuery(`INSERT INTO user_profiles (user_id, job_title, department, city, country) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (user_id) DO UPDATE SET job_title = excluded.job_title, department = excluded.department,
city = excluded.city, country = excluded.country`)
)

func scanProfile(r scanner) (identity.Profile, error) {
	var p identity.Profile
	err := r.Scan(&p.UserID, &p.JobTitle, &p.Department, &p.City, &p.Country)
	return p, err
}

func (t *reader) GetProfile(userID string) (identity.Profile, error) {
	return get(t, fmt.Sprintf("profile of user %q", userID), qGetProfile, scanProfile, userID)
}

func (t *tx) SetProfile(p identity.Profile) error {
	what := fmt.Sprintf("profile of user %q", p.UserID)
	if err := t.require(what, ref{"user", qUserExists, p.UserID}); err != nil {
		return err
	}
	if _, err := t.exec(qSetProfile, p.UserID, p.JobTitle, p.Department, p.City, p.Country); err != nil {
		return writeErr(what, err)
	}
	return nil
}
