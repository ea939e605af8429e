package sqlstore

import (
	"fmt"

	"github.com/gatehouse-dev/gatehouse/internal/org"
)

const orgCols = `id, name, tier, account_id, create_time, update_time`

var (
	qCreateOrg = newQuery(`INSERT INTO organizations (` + orgCols + `)
VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	qGetOrg    = newQuery(`SELECT ` + orgCols + ` FROM organizations WHERE id = ?`)
	qUpdateOrg = newQuery(`UPDATE organizations SET name = ?, tier = ?, update_time = ? WHERE id = ?`)
	qDeleteOrg = newQuery(`DELETE FROM organizations WHERE id = ?`)
	// Events have no foreign key (see the schema), so they go explicitly.
	qDeleteOrgEvents = newQuery(`DELETE FROM events WHERE organization_id = ?`)
	qListOrgs        = newQuery(`SELECT ` + orgCols + ` FROM organizations ORDER BY id`)
)

func scanOrg(r scanner) (org.Organization, error) {
	var (
		o      org.Organization
		ct, ut int64
	)
	err := r.Scan(&o.ID, &o.Name, &o.Tier, &o.AccountID, &ct, &ut)
	o.CreateTime, o.UpdateTime = fromMicros(ct), fromMicros(ut)
	return o, err
}

func (t *tx) CreateOrganization(o org.Organization) error {
	n, err := t.exec(qCreateOrg, o.ID, o.Name, o.Tier, o.AccountID, micros(o.CreateTime), micros(o.UpdateTime))
	return mustInsert(fmt.Sprintf("organization %q", o.ID), n, err)
}

func (t *reader) GetOrganization(id string) (org.Organization, error) {
	return get(t, fmt.Sprintf("organization %q", id), qGetOrg, scanOrg, id)
}

func (t *tx) UpdateOrganization(o org.Organization) error {
	n, err := t.exec(qUpdateOrg, o.Name, o.Tier, micros(o.UpdateTime), o.ID)
	return mustAffect(fmt.Sprintf("organization %q", o.ID), n, err)
}

// DeleteOrganization relies on ON DELETE CASCADE from organizations to
// units, projects (and so services), memberships, groups (and so group
// memberships) and grants (every grant records its organization), and
// deletes the events itself.
func (t *tx) DeleteOrganization(id string) error {
	what := fmt.Sprintf("organization %q", id)
	n, err := t.exec(qDeleteOrg, id)
	if err := mustAffect(what, n, err); err != nil {
		return err
	}
	if _, err := t.exec(qDeleteOrgEvents, id); err != nil {
		return fmt.Errorf("%s: delete events: %w", what, err)
	}
	return nil
}

func (t *reader) ListOrganizations() ([]org.Organization, error) {
	return listQ(t, "organizations", qListOrgs, scanOrg)
}
