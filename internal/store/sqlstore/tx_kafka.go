package sqlstore

import (
	"fmt"

	"github.com/gatehouse-dev/gatehouse/internal/store"
)

const kafkaACLCols = `project, service, id, kind, entry, create_time`

var (
	qServiceExists = newQuery(`SELECT 1 FROM services WHERE project = ? AND name = ?`)
	// seq keeps entries in the order they were added (IDs are random), so
	// listings are stable; writes are serialised, so MAX+1 cannot race.
	qAddKafkaACL = newQuery(`INSERT INTO kafka_acls (` + kafkaACLCols + `, seq)
VALUES (?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM kafka_acls WHERE project = ? AND service = ?))
ON CONFLICT DO NOTHING`)
	qDeleteKafkaACL = newQuery(`DELETE FROM kafka_acls WHERE project = ? AND service = ? AND kind = ? AND id = ?`)
	qListKafkaACLs  = newQuery(`SELECT ` + kafkaACLCols + ` FROM kafka_acls
WHERE project = ? AND service = ? ORDER BY seq`)
)

func scanKafkaACL(r scanner) (store.KafkaACL, error) {
	var (
		a     store.KafkaACL
		entry string
		ct    int64
	)
	if err := r.Scan(&a.Project, &a.Service, &a.ID, &a.Kind, &entry, &ct); err != nil {
		return a, err
	}
	a.Entry, a.CreateTime = []byte(entry), fromMicros(ct)
	return a, nil
}

func kafkaACLWhat(project, service, id string) string {
	return fmt.Sprintf("Kafka ACL %q of service %q of project %q", id, service, project)
}

func (t *tx) AddKafkaACL(a store.KafkaACL) error {
	what := kafkaACLWhat(a.Project, a.Service, a.ID)
	ok, err := t.exists(qServiceExists, a.Project, a.Service)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if !ok {
		return fmt.Errorf("%s: %s: %w", what, serviceWhat(a.Project, a.Service), store.ErrNotFound)
	}
	n, err := t.exec(qAddKafkaACL, a.Project, a.Service, a.ID, a.Kind, string(a.Entry),
		micros(a.CreateTime), a.Project, a.Service)
	return mustInsert(what, n, err)
}

func (t *tx) DeleteKafkaACL(project, service, kind, id string) error {
	n, err := t.exec(qDeleteKafkaACL, project, service, kind, id)
	return mustAffect(kafkaACLWhat(project, service, id), n, err)
}

func (t *reader) ListKafkaACLs(project, service string) ([]store.KafkaACL, error) {
	return listQ(t, "Kafka ACLs", qListKafkaACLs, scanKafkaACL, project, service)
}
