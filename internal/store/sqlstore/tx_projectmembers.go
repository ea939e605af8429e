package sqlstore

import (
	"fmt"
	"time"

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
	qCodeHashTaken = newQuery(`SELECT 1 FROM project_invitations WHERE code_hash = ? AND NOT (project = ? AND email = ?)
UNION ALL SELECT 1 FROM ended_project_invitations WHERE code_hash = ?`)
	// Ending moves the code hash of the pending invitation into the ended
	// table; the caller deletes the pending row next, in the same
	// transaction. A replacement with the same code (re-put) is no end.
	qEndProjectInvitation = newQuery(`INSERT INTO ended_project_invitations (code_hash, project, email, state, end_time)
SELECT code_hash, project, email, ?, ? FROM project_invitations WHERE project = ? AND email = ? AND code_hash <> ?`)
	qGetEndedProjectInvitation = newQuery(`SELECT code_hash, project, email, state, end_time FROM ended_project_invitations
WHERE code_hash = ?`)
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
	taken, err := t.exists(qCodeHashTaken, inv.CodeHash, inv.Project, inv.Email, inv.CodeHash)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if taken {
		return fmt.Errorf("%s: code: %w", what, store.ErrConflict)
	}
	if _, err := t.exec(qEndProjectInvitation, store.ProjectInvitationReplaced, micros(inv.CreateTime),
		inv.Project, inv.Email, inv.CodeHash); err != nil {
		return writeErr(what, err)
	}
	_, err = t.exec(qPutProjectInvitation, inv.Project, inv.Email, inv.MemberType, inv.InviterUserID,
		inv.InviterEmail, inv.CodeHash, micros(inv.CreateTime), micros(inv.ExpiryTime), inv.Mailed)
	if err != nil {
		return writeErr(what, err)
	}
	return nil
}

func (t *reader) GetProjectInvitation(project, email string) (store.ProjectInvitation, error) {
	return get(t, projectInvitationWhat(project, email), qGetProjectInvitation, scanProjectInvitation, project, email)
}

func (t *reader) GetProjectInvitationByCode(codeHash string) (store.ProjectInvitation, error) {
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

func (t *tx) EndProjectInvitation(project, email, state string, at time.Time) error {
	what := projectInvitationWhat(project, email)
	n, err := t.exec(qEndProjectInvitation, state, micros(at), project, email, "")
	if err := mustAffect(what, n, err); err != nil {
		return err
	}
	return t.DeleteProjectInvitation(project, email)
}

func (t *reader) GetEndedProjectInvitation(codeHash string) (store.EndedProjectInvitation, error) {
	return get(t, "ended project invitation", qGetEndedProjectInvitation, func(r scanner) (store.EndedProjectInvitation, error) {
		var (
			e  store.EndedProjectInvitation
			et int64
		)
		err := r.Scan(&e.CodeHash, &e.Project, &e.Email, &e.State, &et)
		e.EndTime = fromMicros(et)
		return e, err
	}, codeHash)
}

func (t *reader) ListProjectInvitations(project string) ([]store.ProjectInvitation, error) {
	return listQ(t, "project invitations", qListProjectInvitations, scanProjectInvitation, project)
}
