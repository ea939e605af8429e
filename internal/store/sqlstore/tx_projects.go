package sqlstore

import (
	"database/sql"
	"fmt"

	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/org"
)

const projectCols = `name, organization_id, parent_id, account_id, billing_group_id,
default_cloud, base_port, tags, tech_emails, create_time, update_time, id`

var (
	qCreateProject = newQuery(`INSERT INTO projects (` + projectCols + `)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	qGetProject   = newQuery(`SELECT ` + projectCols + ` FROM projects WHERE name = ?`)
	qProjectKeys  = newQuery(`SELECT name FROM projects WHERE name = ? OR name = ?`)
	qUpdateProjct = newQuery(`UPDATE projects SET name = ?, organization_id = ?, parent_id = ?,
account_id = ?, billing_group_id = ?, default_cloud = ?, base_port = ?, tags = ?, tech_emails = ?,
update_time = ? WHERE name = ?`)
	qRenameProjectGrants = newQuery(`UPDATE grants SET resource_id = ? WHERE resource_type = ? AND resource_id = ?`)
	qDeleteProject       = newQuery(`DELETE FROM projects WHERE name = ?`)
	qListProjects        = newQuery(`SELECT ` + projectCols + ` FROM projects WHERE organization_id = ? ORDER BY name`)
	qListProjectsIn      = newQuery(`SELECT ` + projectCols + ` FROM projects WHERE parent_id = ? ORDER BY name`)
	qListAllProjects     = newQuery(`SELECT ` + projectCols + ` FROM projects ORDER BY name`)
	qProjectExists       = newQuery(`SELECT 1 FROM projects WHERE name = ?`)
)

func scanProject(r scanner) (org.Project, error) {
	var (
		p           org.Project
		basePort    sql.NullInt64
		tags, email string
		ct, ut      int64
	)
	err := r.Scan(&p.Name, &p.OrganizationID, &p.ParentID, &p.AccountID, &p.BillingGroupID,
		&p.DefaultCloud, &basePort, &tags, &email, &ct, &ut, &p.ID)
	if err != nil {
		return p, err
	}
	p.BasePort = fromNullInt[int](basePort)
	p.CreateTime, p.UpdateTime = fromMicros(ct), fromMicros(ut)
	if err := fromJSON(tags, &p.Tags); err != nil {
		return p, err
	}
	return p, fromJSON(email, &p.TechEmails)
}

func projectJSON(p org.Project) (tags, emails string, err error) {
	if tags, err = toJSON(p.Tags); err != nil {
		return "", "", err
	}
	emails, err = toJSON(p.TechEmails)
	return tags, emails, err
}

// CreateProject reports ErrNotFound for a missing organization. A
// project without an ID gets a fresh one.
func (t *tx) CreateProject(p org.Project) error {
	if p.ID == "" {
		p.ID = org.NewID(org.PrefixProject)
	}
	what := fmt.Sprintf("project %q", p.Name)
	if err := t.require(what, ref{"organization", qOrganizationExists, p.OrganizationID}); err != nil {
		return err
	}
	tags, emails, err := projectJSON(p)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	n, err := t.exec(qCreateProject, p.Name, p.OrganizationID, p.ParentID, p.AccountID, p.BillingGroupID,
		p.DefaultCloud, nullInt(p.BasePort), tags, emails, micros(p.CreateTime), micros(p.UpdateTime), p.ID)
	return mustInsert(what, n, err)
}

func (t *reader) GetProject(name string) (org.Project, error) {
	return get(t, fmt.Sprintf("project %q", name), qGetProject, scanProject, name)
}

// UpdateProject replaces every field but CreateTime and ID, which record
// when the project was created and which project it is whatever the
// caller passes. A rename reaches services through ON UPDATE CASCADE and
// grants (which name the project without a foreign key) through an
// explicit update; events keep the name they were written with and are
// found by the project's ID.
func (t *tx) UpdateProject(name string, p org.Project) error {
	what := fmt.Sprintf("project %q", name)
	if p.Name != name {
		what = fmt.Sprintf("project %q (renamed %q)", name, p.Name)
	}
	if err := t.checkKey(what, name, qProjectKeys, name, p.Name); err != nil {
		return err
	}
	tags, emails, err := projectJSON(p)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	n, err := t.exec(qUpdateProjct, p.Name, p.OrganizationID, p.ParentID, p.AccountID, p.BillingGroupID,
		p.DefaultCloud, nullInt(p.BasePort), tags, emails, micros(p.UpdateTime), name)
	if err := mustAffect(what, n, err); err != nil {
		return err
	}
	if p.Name == name {
		return nil
	}
	if _, err := t.exec(qRenameProjectGrants, p.Name, grant.ResourceProject, name); err != nil {
		return fmt.Errorf("%s: rename in grants: %w", what, err)
	}
	return nil
}

// DeleteProject relies on ON DELETE CASCADE for services and removes the
// grants on the project itself. Its events stay in the log, under its ID:
// readable in its organization's log, never in a later project's.
func (t *tx) DeleteProject(name string) error {
	what := fmt.Sprintf("project %q", name)
	n, err := t.exec(qDeleteProject, name)
	if err := mustAffect(what, n, err); err != nil {
		return err
	}
	if _, err := t.exec(qDeleteResourceGrants, grant.ResourceProject, name); err != nil {
		return fmt.Errorf("%s: delete grants: %w", what, err)
	}
	return nil
}

func (t *reader) ListProjects(orgID string) ([]org.Project, error) {
	return listQ(t, "projects", qListProjects, scanProject, orgID)
}

func (t *reader) ListProjectsIn(parentID string) ([]org.Project, error) {
	return listQ(t, "projects", qListProjectsIn, scanProject, parentID)
}

func (t *reader) ListAllProjects() ([]org.Project, error) {
	return listQ(t, "projects", qListAllProjects, scanProject)
}
