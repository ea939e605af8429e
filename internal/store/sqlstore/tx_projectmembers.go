package sqlstore

import (
	"fmt"

	"github.com/gatehouse-dev/gatehouse/internal/store"
)

const projectInvitationCols = `project, email, member_type, inviter_user_id, inviter_email, code_hash, create_time, expiry_time, mailed`

var (
	// An invitation of the same email replaces the earlier one: a new code
	// and a new expiry, so a lost email can simply be sent again.
	qPutProjectInvitation = newQuery(`INSERT INTO project_invitations (` + projectInvitationCols + `)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (project, email) DO UPDATE SET member_type = excluded.member_type,
    inviter_user_id = excluded.inviter_user_id, inviter_email = excluded.inviter_email,
    code_hash = excluded.code_hash, create_time = excluded.create_time, expiry_time = excluded.expiry_time,
    mailed = excluded.mailed`)
	qCodeHashTaken        = newQuery(`SELECT 1 FROM project_invitations WHERE code_hash = ? AND NOT (project = ? AND email = ?)`)
	qGetProjectInvitation = newQuery(`SELECT ` + projectInvitationCols + ` FROM project_invitations
WHERE project = ? AND email = ?`)
	qGetProjectInvitationByCode = newQuery(`SELECT ` + projectInvitationCols + ` FROM project_invitations
WHERE code_hash = ?`)
	qMarkProjectInvitationMailed = newQuery(`UPDATE project_invitations SET mailed = ?
WHERE project = ? AND email = ? AND code_hash = ?`)
	qDeleteProjectInvitation = newQuery(`DELETE FROM project_invitations WHERE project = ? AND email = ?`)
	qListProjectInvitations  = newQuery(`SELECT ` + projectInvitationCols + ` FROM project_invitations
WHERE project = ? ORDER BY email`)
)

func scanProjectInvitation(r scanner) (store.ProjectInvitation, error) {
	var (
		inv    store.ProjectInvitation
		ct, et int64
	)
	if err := r.Scan(&inv.Project, &inv.Email, &inv.MemberType, &inv.InviterUserID, &inv.InviterEmail,
		&inv.CodeHash, &ct, &et, &inv.Mailed); err != nil {
		return inv, err
	}
	inv.CreateTime, inv.ExpiryTime = fromMicros(ct), fromMicros(et)
	return inv, nil
}

func projectInvitationWhat(project, email string) string {
	return fmt.Sprintf("invitation of %q to project %q", email, project)
}

func (t *tx) PutProjectInvitation(inv store.ProjectInvitation) error {
	what := projectInvitationWhat(inv.Project, inv.Email)
	if err := t.require(what, ref{"project", qProjectExists, inv.Project}); err != nil {
		return err
	}
	// Checked first so a duplicate code is ErrConflict without a failed
	// statement aborting a PostgreSQL transaction.
	taken, err := t.exists(qCodeHashTaken, inv.CodeHash, inv.Project, inv.Email)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if taken {
		return fmt.Errorf("%s: code: %w", what, store.ErrConflict)
	}
	_, err = t.exec(qPutProjectInvitation, inv.Project, inv.Email, inv.MemberType, inv.InviterUserID,
		inv.InviterEmail, inv.CodeHash, micros(inv.CreateTime), micros(inv.ExpiryTime), inv.Mailed)
	if err != nil {
		return writeErr(what, err)
	}
	return nil
}

func (t *tx) GetProjectInvitation(project, email string) (store.ProjectInvitation, error) {
	return get(t, projectInvitationWhat(project, email), qGetProjectInvitation, scanProjectInvitation, project, email)
}

func (t *tx) GetProjectInvitationByCode(codeHash string) (store.ProjectInvitation, error) {
	return get(t, "project invitation", qGetProjectInvitationByCode, scanProjectInvitation, codeHash)
}

func (t *tx) MarkProjectInvitationMailed(project, email, codeHash string) error {
	n, err := t.exec(qMarkProjectInvitationMailed, true, project, email, codeHash)
	return mustAffect(projectInvitationWhat(project, email), n, err)
}

func (t *tx) DeleteProjectInvitation(project, email string) error {
	n, err := t.exec(qDeleteProjectInvitation, project, email)
	return mustAffect(projectInvitationWhat(project, email), n, err)
}

func (t *tx) ListProjectInvitations(project string) ([]store.ProjectInvitation, error) {
	return listQ(t, "project invitations", qListProjectInvitations, scanProjectInvitation, project)
}
