package sqlstore

import (
	"fmt"

	"github.com/gatehouse-dev/gatehouse/internal/store"
)

const serviceUserCols = `project, service, username, id, type, authentication, access_control,
password_key_id, password, password_update_time, create_time`

const serviceConnectionCols = `project, service, id, engine, key_id, uri, create_time`

var (
	// ON CONFLICT DO NOTHING covers both the username and the ID: either
	// collision is reported as ErrConflict without aborting the transaction.
	qCreateServiceUser = newQuery(`INSERT INTO service_users (` + serviceUserCols + `)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	qGetServiceUser = newQuery(`SELECT ` + serviceUserCols + ` FROM service_users
WHERE project = ? AND service = ? AND username = ?`)
	qUpdateServiceUser = newQuery(`UPDATE service_users SET authentication = ?, access_control = ?,
password_key_id = ?, password = ?, password_update_time = ?
WHERE project = ? AND service = ? AND username = ?`)
	qDeleteServiceUser   = newQuery(`DELETE FROM service_users WHERE project = ? AND service = ? AND username = ?`)
	qListServiceUsers    = newQuery(`SELECT ` + serviceUserCols + ` FROM service_users WHERE project = ? AND service = ? ORDER BY username`)
	qCountServiceUsers   = newQuery(`SELECT COUNT(*) FROM service_users WHERE project = ? AND service = ?`)
	qListAllServiceUsers = newQuery(`SELECT ` + serviceUserCols + ` FROM service_users ORDER BY project, service, username`)

	qSetServiceConnection = newQuery(`INSERT INTO service_connections (` + serviceConnectionCols + `)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (project, service) DO UPDATE SET id = excluded.id, engine = excluded.engine,
key_id = excluded.key_id, uri = excluded.uri, create_time = excluded.create_time`)
	qGetServiceConnection = newQuery(`SELECT ` + serviceConnectionCols + ` FROM service_connections
WHERE project = ? AND service = ?`)
	qListAllServiceConnections = newQuery(`SELECT ` + serviceConnectionCols + ` FROM service_connections ORDER BY project, service`)
)

func scanServiceUser(r scanner) (store.ServiceUser, error) {
	var (
		u      store.ServiceUser
		ac     string
		pu, ct int64
	)
	if err := r.Scan(&u.Project, &u.Service, &u.Username, &u.ID, &u.Type, &u.Authentication, &ac,
		&u.PasswordKeyID, &u.Password, &pu, &ct); err != nil {
		return u, err
	}
	u.AccessControl, u.PasswordUpdateTime, u.CreateTime = []byte(ac), fromMicros(pu), fromMicros(ct)
	if len(u.Password) == 0 {
		u.Password = nil
	}
	return u, nil
}

func scanServiceConnection(r scanner) (store.ServiceConnection, error) {
	var (
		c  store.ServiceConnection
		ct int64
	)
	if err := r.Scan(&c.Project, &c.Service, &c.ID, &c.Engine, &c.KeyID, &c.URI, &ct); err != nil {
		return c, err
	}
	c.CreateTime = fromMicros(ct)
	return c, nil
}

func serviceUserWhat(project, service, username string) string {
	return fmt.Sprintf("user %q of service %q of project %q", username, service, project)
}

// accessControlText stores an absent access control as "null".
func accessControlText(b []byte) string {
	if len(b) == 0 {
		return "null"
	}
	return string(b)
}

// nonNilBytes keeps NOT NULL columns satisfied for an absent password.
func nonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func (t *tx) CreateServiceUser(u store.ServiceUser) error {
	what := serviceUserWhat(u.Project, u.Service, u.Username)
	ok, err := t.exists(qServiceExists, u.Project, u.Service)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if !ok {
		return fmt.Errorf("%s: %s: %w", what, serviceWhat(u.Project, u.Service), store.ErrNotFound)
	}
	n, err := t.exec(qCreateServiceUser, u.Project, u.Service, u.Username, u.ID, u.Type, u.Authentication,
		accessControlText(u.AccessControl), u.PasswordKeyID, nonNilBytes(u.Password),
		micros(u.PasswordUpdateTime), micros(u.CreateTime))
	return mustInsert(what, n, err)
}

func (t *reader) GetServiceUser(project, service, username string) (store.ServiceUser, error) {
	return get(t, serviceUserWhat(project, service, username), qGetServiceUser, scanServiceUser, project, service, username)
}

func (t *tx) UpdateServiceUser(u store.ServiceUser) error {
	n, err := t.exec(qUpdateServiceUser, u.Authentication, accessControlText(u.AccessControl), u.PasswordKeyID,
		nonNilBytes(u.Password), micros(u.PasswordUpdateTime), u.Project, u.Service, u.Username)
	return mustAffect(serviceUserWhat(u.Project, u.Service, u.Username), n, err)
}

func (t *tx) DeleteServiceUser(project, service, username string) error {
	n, err := t.exec(qDeleteServiceUser, project, service, username)
	return mustAffect(serviceUserWhat(project, service, username), n, err)
}

func (t *reader) ListServiceUsers(project, service string) ([]store.ServiceUser, error) {
	return listQ(t, "service users", qListServiceUsers, scanServiceUser, project, service)
}

func (t *reader) CountServiceUsers(project, service string) (int, error) {
	var n int
	if err := t.queryRow(qCountServiceUsers, project, service).Scan(&n); err != nil {
		return 0, fmt.Errorf("count service users: %w", err)
	}
	return n, nil
}

func (t *reader) ListAllServiceUsers() ([]store.ServiceUser, error) {
	return listQ(t, "service users", qListAllServiceUsers, scanServiceUser)
}

func (t *tx) SetServiceConnection(c store.ServiceConnection) error {
	what := "connection of " + serviceWhat(c.Project, c.Service)
	ok, err := t.exists(qServiceExists, c.Project, c.Service)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if !ok {
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	n, err := t.exec(qSetServiceConnection, c.Project, c.Service, c.ID, c.Engine, c.KeyID, nonNilBytes(c.URI), micros(c.CreateTime))
	return mustAffect(what, n, err)
}

func (t *reader) GetServiceConnection(project, service string) (store.ServiceConnection, error) {
	return get(t, "connection of "+serviceWhat(project, service), qGetServiceConnection, scanServiceConnection, project, service)
}

func (t *reader) ListAllServiceConnections() ([]store.ServiceConnection, error) {
	return listQ(t, "service connections", qListAllServiceConnections, scanServiceConnection)
}
