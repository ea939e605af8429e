package sqlstore

import (
	"fmt"

	"github.com/gatehouse-dev/gatehouse/internal/org"
)

const serviceCols = `project, name, type, plan, cloud, tags, tech_emails,
termination_protection, user_config, create_time, update_time`

var (
	qCreateService = newQuery(`INSERT INTO services (` + serviceCols + `)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	qGetService    = newQuery(`SELECT ` + serviceCols + ` FROM services WHERE project = ? AND name = ?`)
	qUpdateService = newQuery(`UPDATE services SET plan = ?, cloud = ?, tags = ?, tech_emails = ?,
termination_protection = ?, user_config = ?, update_time = ? WHERE project = ? AND name = ?`)
	qDeleteService   = newQuery(`DELETE FROM services WHERE project = ? AND name = ?`)
	qListServices    = newQuery(`SELECT ` + serviceCols + ` FROM services WHERE project = ? ORDER BY name`)
	qListAllServices = newQuery(`SELECT ` + serviceCols + ` FROM services ORDER BY project, name`)
)

func scanService(r scanner) (org.Service, error) {
	var (
		s                    org.Service
		tags, emails, config string
		ct, ut               int64
	)
	err := r.Scan(&s.Project, &s.Name, &s.Type, &s.Plan, &s.Cloud, &tags, &emails,
		&s.TerminationProtection, &config, &ct, &ut)
	if err != nil {
		return s, err
	}
	s.CreateTime, s.UpdateTime = fromMicros(ct), fromMicros(ut)
	if err := fromJSON(tags, &s.Tags); err != nil {
		return s, err
	}
	if err := fromJSON(emails, &s.TechEmails); err != nil {
		return s, err
	}
	return s, fromJSON(config, &s.UserConfig)
}

func serviceJSON(s org.Service) (tags, emails, config string, err error) {
	if tags, err = toJSON(s.Tags); err != nil {
		return
	}
	if emails, err = toJSON(s.TechEmails); err != nil {
		return
	}
	config, err = toJSON(s.UserConfig)
	return
}

func serviceWhat(project, name string) string {
	return fmt.Sprintf("service %q of project %q", name, project)
}

// CreateService reports ErrNotFound for a missing project.
func (t *tx) CreateService(s org.Service) error {
	what := serviceWhat(s.Project, s.Name)
	if err := t.require(what, ref{"project", qProjectExists, s.Project}); err != nil {
		return err
	}
	tags, emails, config, err := serviceJSON(s)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	n, err := t.exec(qCreateService, s.Project, s.Name, s.Type, s.Plan, s.Cloud, tags, emails,
		s.TerminationProtection, config, micros(s.CreateTime), micros(s.UpdateTime))
	return mustInsert(what, n, err)
}

func (t *reader) GetService(project, name string) (org.Service, error) {
	return get(t, serviceWhat(project, name), qGetService, scanService, project, name)
}

// UpdateService writes the plan, cloud, tags, technical emails,
// termination protection, user config and update time; project, name,
// type and create time are fixed.
func (t *tx) UpdateService(s org.Service) error {
	what := serviceWhat(s.Project, s.Name)
	tags, emails, config, err := serviceJSON(s)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	n, err := t.exec(qUpdateService, s.Plan, s.Cloud, tags, emails, s.TerminationProtection, config,
		micros(s.UpdateTime), s.Project, s.Name)
	return mustAffect(what, n, err)
}

func (t *tx) DeleteService(project, name string) error {
	n, err := t.exec(qDeleteService, project, name)
	return mustAffect(serviceWhat(project, name), n, err)
}

func (t *reader) ListServices(project string) ([]org.Service, error) {
	return listQ(t, "services", qListServices, scanService, project)
}

func (t *reader) ListAllServices() ([]org.Service, error) {
	return listQ(t, "services", qListAllServices, scanService)
}
