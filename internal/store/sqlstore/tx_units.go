package sqlstore

import (
	"database/sql"
	"fmt"

	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/org"
)

const unitCols = `id, organization_id, name, parent_id, create_time, update_time`

var (
	qCreateUnit = newQuery(`INSERT INTO units (` + unitCols + `)
VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	qGetUnit      = newQuery(`SELECT ` + unitCols + ` FROM units WHERE id = ?`)
	qUpdateUnit   = newQuery(`UPDATE units SET name = ?, parent_id = ?, update_time = ? WHERE id = ?`)
	qDeleteUnit   = newQuery(`DELETE FROM units WHERE id = ?`)
	qListUnits    = newQuery(`SELECT ` + unitCols + ` FROM units WHERE organization_id = ? ORDER BY id`)
	qListAllUnits = newQuery(`SELECT ` + unitCols + ` FROM units ORDER BY id`)
	qUnitHasChild = newQuery(`SELECT 1 FROM units WHERE parent_id = ? LIMIT 1`)
	qUnitExists   = newQuery(`SELECT 1 FROM units WHERE id = ?`)
)

func scanUnit(r scanner) (org.Unit, error) {
	var (
		u      org.Unit
		parent sql.NullString
		ct, ut int64
	)
	err := r.Scan(&u.ID, &u.OrganizationID, &u.Name, &parent, &ct, &ut)
	u.ParentID = parent.String
	u.CreateTime, u.UpdateTime = fromMicros(ct), fromMicros(ut)
	return u, err
}

// unitRefs are the rows a unit points to.
func unitRefs(u org.Unit, withOrg bool) []ref {
	var refs []ref
	if withOrg {
		refs = append(refs, ref{"organization", qOrganizationExists, u.OrganizationID})
	}
	if u.ParentID != "" {
		refs = append(refs, ref{"parent unit", qUnitExists, u.ParentID})
	}
	return refs
}

// CreateUnit reports ErrNotFound for a missing organization or parent.
func (t *tx) CreateUnit(u org.Unit) error {
	what := fmt.Sprintf("unit %q", u.ID)
	if err := t.require(what, unitRefs(u, true)...); err != nil {
		return err
	}
	n, err := t.exec(qCreateUnit, u.ID, u.OrganizationID, u.Name, nullString(u.ParentID),
		micros(u.CreateTime), micros(u.UpdateTime))
	return mustInsert(what, n, err)
}

func (t *reader) GetUnit(id string) (org.Unit, error) {
	return get(t, fmt.Sprintf("unit %q", id), qGetUnit, scanUnit, id)
}

// UpdateUnit reports ErrNotFound for a missing unit or parent.
func (t *tx) UpdateUnit(u org.Unit) error {
	what := fmt.Sprintf("unit %q", u.ID)
	if err := t.require(what, unitRefs(u, false)...); err != nil {
		return err
	}
	n, err := t.exec(qUpdateUnit, u.Name, nullString(u.ParentID), micros(u.UpdateTime), u.ID)
	return mustAffect(what, n, err)
}

// DeleteUnit refuses (org.ErrNotEmpty) to delete a unit that still has
// sub-units, which the parent foreign key would reject anyway; checking
// first keeps the PostgreSQL transaction usable.
func (t *tx) DeleteUnit(id string) error {
	what := fmt.Sprintf("unit %q", id)
	has, err := t.exists(qUnitHasChild, id)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if has {
		return fmt.Errorf("%s has units: %w", what, org.ErrNotEmpty)
	}
	n, err := t.exec(qDeleteUnit, id)
	if err := mustAffect(what, n, err); err != nil {
		return err
	}
	if _, err := t.exec(qDeleteResourceGrants, grant.ResourceUnit, id); err != nil {
		return fmt.Errorf("%s: delete grants: %w", what, err)
	}
	return nil
}

func (t *reader) ListUnits(orgID string) ([]org.Unit, error) {
	return listQ(t, "units", qListUnits, scanUnit, orgID)
}

func (t *reader) ListAllUnits() ([]org.Unit, error) {
	return listQ(t, "units", qListAllUnits, scanUnit)
}
