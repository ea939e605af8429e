package sqlstore

import (
	"fmt"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/audit"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

const eventCols = `id, organization_id, account_id, project, service, actor_user_id,
actor_email, action_type, description, client_ip, create_time, project_id`

// qAppendEvent takes the project's ID from the event, or else from the
// project of that name (which exists while its events are written).
var qAppendEvent = newQuery(`INSERT INTO events (organization_id, account_id, project, service,
actor_user_id, actor_email, action_type, description, client_ip, create_time, project_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
COALESCE(NULLIF(?, ''), (SELECT id FROM projects WHERE name = ? AND ? <> ''), '')) RETURNING id`)

func scanEvent(r scanner) (audit.Event, error) {
	var (
		e  audit.Event
		ct int64
	)
	err := r.Scan(&e.ID, &e.OrganizationID, &e.AccountID, &e.Project, &e.Service, &e.ActorUserID,
		&e.ActorEmail, &e.ActionType, &e.Description, &e.ClientIP, &ct, &e.ProjectID)
	e.CreateTime = fromMicros(ct)
	return e, err
}

func (t *tx) AppendEvent(e audit.Event) (int64, error) {
	var id int64
	err := t.queryRow(qAppendEvent, e.OrganizationID, e.AccountID, e.Project, e.Service, e.ActorUserID,
		e.ActorEmail, e.ActionType, e.Description, e.ClientIP, micros(e.CreateTime), e.ProjectID, e.Project, e.Project).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("append event: %w", err)
	}
	return id, nil
}

// ListEvents builds its query per filter; each condition is backed by an
// index on (column, id DESC), the actor by one on (organization, actor,
// id DESC); the action type narrows what those return.
func (t *reader) ListEvents(f store.EventFilter) ([]audit.Event, error) {
	var (
		conds []string
		args  []any
	)
	if f.OrganizationID != "" {
		conds = append(conds, "organization_id = ?")
		args = append(args, f.OrganizationID)
	}
	if len(f.AccountIDs) > 0 {
		conds = append(conds, "account_id IN (?"+strings.Repeat(", ?", len(f.AccountIDs)-1)+")")
		for _, id := range f.AccountIDs {
			args = append(args, id)
		}
	}
	if f.ProjectID != "" {
		conds = append(conds, "project_id = ?")
		args = append(args, f.ProjectID)
	}
	if f.ActorEmail != "" {
		conds = append(conds, "actor_email = ?")
		args = append(args, f.ActorEmail)
	}
	if f.ActionType != "" {
		conds = append(conds, "action_type = ?")
		args = append(args, f.ActionType)
	}
	if f.BeforeID > 0 {
		conds = append(conds, "id < ?")
		args = append(args, f.BeforeID)
	}
	var b strings.Builder
	b.WriteString("SELECT " + eventCols + " FROM events")
	if len(conds) > 0 {
		b.WriteString(" WHERE " + strings.Join(conds, " AND "))
	}
	b.WriteString(" ORDER BY id DESC")
	if f.Limit > 0 {
		b.WriteString(" LIMIT ?")
		args = append(args, f.Limit)
	}
	q := b.String()
	if t.pg {
		q = rebind(q)
	}
	return list(t, "events", q, scanEvent, args...)
}
