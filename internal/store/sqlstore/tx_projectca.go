package sqlstore

import (
	"fmt"
)

var (
	qCreateProjectCA = newQuery(`INSERT INTO project_cas (project, certificate) VALUES (?, ?) ON CONFLICT DO NOTHING`)
	qGetProjectCA    = newQuery(`SELECT certificate FROM project_cas WHERE project = ?`)
)

func (t *tx) CreateProjectCA(project, certificatePEM string) error {
	what := fmt.Sprintf("CA of project %q", project)
	if err := t.require(what, ref{"project", qProjectExists, project}); err != nil {
		return err
	}
	n, err := t.exec(qCreateProjectCA, project, certificatePEM)
	return mustInsert(what, n, err)
}

func (t *reader) GetProjectCA(project string) (string, error) {
	return get(t, fmt.Sprintf("CA of project %q", project), qGetProjectCA, func(r scanner) (string, error) {
		var pem string
		err := r.Scan(&pem)
		return pem, err
	}, project)
}
