package sqlstore

import (
	"fmt"

	"github.com/gatehouse-dev/gatehouse/internal/grant"
)

const grantCols = `principal_type, principal_id, resource_type, resource_id, organization_id,
permissions, membership, create_time, update_time`

var (
	// An upsert keeps the original create time.
	qSetGrant = newQuery(`INSERT INTO grants (` + grantCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (principal_type, principal_id, resource_type, resource_id) DO UPDATE SET
organization_id = excluded.organization_id, permissions = excluded.permissions,
membership = excluded.membership, update_time = excluded.update_time`)
	qDeleteGrant = newQuery(`DELETE FROM grants WHERE principal_type = ? AND principal_id = ?
AND resource_type = ? AND resource_id = ?`)
	qListGrants = newQuery(`SELECT ` + grantCols + ` FROM grants WHERE resource_type = ? AND resource_id = ?
ORDER BY principal_type, principal_id`)
	qListPrincipalGrants = newQuery(`SELECT ` + grantCols + ` FROM grants WHERE principal_type = ? AND principal_id = ?
ORDER BY resource_type, resource_id`)
	qGetGrant = newQuery(`SELECT ` + grantCols + ` FROM grants WHERE principal_type = ? AND principal_id = ?
AND resource_type = ? AND resource_id = ?`)
	qListAllGrants = newQuery(`SELECT ` + grantCols + ` FROM grants
ORDER BY principal_type, principal_id, resource_type, resource_id`)
)

func scanGrant(r scanner) (grant.Grant, error) {
	var (
		g             grant.Grant
		perms, member string
		ct, ut        int64
	)
	err := r.Scan(&g.PrincipalType, &g.PrincipalID, &g.ResourceType, &g.ResourceID, &g.OrganizationID,
		&perms, &member, &ct, &ut)
	if err != nil {
		return g, err
	}
	g.CreateTime, g.UpdateTime = fromMicros(ct), fromMicros(ut)
	if err := fromJSON(perms, &g.Permissions); err != nil {
		return g, err
	}
	if err := fromJSON(member, &g.Membership); err != nil {
		return g, err
	}
	// Empty lists read back as nil, as they were written.
	if len(g.Permissions) == 0 {
		g.Permissions = nil
	}
	if len(g.Membership) == 0 {
		g.Membership = nil
	}
	return g, nil
}

// SetGrant reports ErrNotFound for a missing organization. Principals and
// resources are not checked: they are polymorphic references.
func (t *tx) SetGrant(g grant.Grant) error {
	what := fmt.Sprintf("grant of %s %q on %s %q", g.PrincipalType, g.PrincipalID, g.ResourceType, g.ResourceID)
	if g.Empty() {
		if _, err := t.exec(qDeleteGrant, g.PrincipalType, g.PrincipalID, g.ResourceType, g.ResourceID); err != nil {
			return fmt.Errorf("delete %s: %w", what, err)
		}
		return nil
	}
	if err := t.require(what, ref{"organization", qOrganizationExists, g.OrganizationID}); err != nil {
		return err
	}
	perms, err := toJSON(nonNil(g.Permissions))
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	member, err := toJSON(nonNil(g.Membership))
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if _, err := t.exec(qSetGrant, g.PrincipalType, g.PrincipalID, g.ResourceType, g.ResourceID,
		g.OrganizationID, perms, member, micros(g.CreateTime), micros(g.UpdateTime)); err != nil {
		return writeErr(what, err)
	}
	return nil
}

func (t *reader) ListGrants(resourceType, resourceID string) ([]grant.Grant, error) {
	return listQ(t, "grants", qListGrants, scanGrant, resourceType, resourceID)
}

func (t *reader) ListPrincipalGrants(principalType, principalID string) ([]grant.Grant, error) {
	return listQ(t, "grants", qListPrincipalGrants, scanGrant, principalType, principalID)
}

func (t *reader) GetGrant(principalType, principalID, resourceType, resourceID string) (grant.Grant, error) {
	return get(t, "grant", qGetGrant, scanGrant, principalType, principalID, resourceType, resourceID)
}

func (t *reader) ListAllGrants() ([]grant.Grant, error) {
	return listQ(t, "grants", qListAllGrants, scanGrant)
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}
