package sqlstore

import (
	"fmt"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
)

const (
	scimUserCols  = `method_id, organization_id, user_id, external_id, user_name, given_name, family_name, active, create_time, update_time`
	scimGroupCols = `method_id, organization_id, group_id, external_id, create_time, update_time`
)

var (
	qGetSCIMToken = newQuery(`SELECT token_hash FROM scim_tokens WHERE method_id = ?`)
	qSetSCIMToken = newQuery(`INSERT INTO scim_tokens (method_id, token_hash, create_time) VALUES (?, ?, ?)
ON CONFLICT (method_id) DO UPDATE SET token_hash = excluded.token_hash, create_time = excluded.create_time`)
	qDeleteSCIMToken = newQuery(`DELETE FROM scim_tokens WHERE method_id = ?`)
	qGetSCIMUser     = newQuery(`SELECT ` + scimUserCols + ` FROM scim_users WHERE method_id = ? AND user_id = ?`)
	qListSCIMUsers   = newQuery(`SELECT ` + scimUserCols + ` FROM scim_users WHERE method_id = ? ORDER BY create_time, user_id`)
	qSCIMUserIDs     = newQuery(`SELECT DISTINCT user_id FROM scim_users WHERE organization_id = ? ORDER BY user_id`)
	qIsSCIMUser      = newQuery(`SELECT 1 FROM scim_users WHERE user_id = ? AND (organization_id = ? OR ? = '') LIMIT 1`)
	qPutSCIMUser     = newQuery(`INSERT INTO scim_users (` + scimUserCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (method_id, user_id) DO UPDATE SET external_id = excluded.external_id, user_name = excluded.user_name,
given_name = excluded.given_name, family_name = excluded.family_name, active = excluded.active, update_time = excluded.update_time`)
	qDeleteSCIMUser = newQuery(`DELETE FROM scim_users WHERE method_id = ? AND user_id = ?`)
	qGetSCIMGroup   = newQuery(`SELECT ` + scimGroupCols + ` FROM scim_groups WHERE group_id = ?`)
	qListSCIMGroups = newQuery(`SELECT ` + scimGroupCols + ` FROM scim_groups WHERE method_id = ? ORDER BY create_time, group_id`)
	qPutSCIMGroup   = newQuery(`INSERT INTO scim_groups (` + scimGroupCols + `) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (group_id) DO UPDATE SET external_id = excluded.external_id, update_time = excluded.update_time`)
)

func scanSCIMUser(r scanner) (identity.SCIMUser, error) {
	var (
		u      identity.SCIMUser
		ct, ut int64
	)
	err := r.Scan(&u.MethodID, &u.OrganizationID, &u.UserID, &u.ExternalID, &u.UserName, &u.GivenName, &u.FamilyName, &u.Active, &ct, &ut)
	u.CreateTime, u.UpdateTime = fromMicros(ct), fromMicros(ut)
	return u, err
}

func scanSCIMGroup(r scanner) (identity.SCIMGroup, error) {
	var (
		g      identity.SCIMGroup
		ct, ut int64
	)
	err := r.Scan(&g.MethodID, &g.OrganizationID, &g.GroupID, &g.ExternalID, &ct, &ut)
	g.CreateTime, g.UpdateTime = fromMicros(ct), fromMicros(ut)
	return g, err
}

func (t *reader) GetSCIMTokenHash(methodID string) (string, error) {
	return get(t, fmt.Sprintf("SCIM token of %s", authMethodWhat(methodID)), qGetSCIMToken, scanString, methodID)
}

func (t *reader) GetSCIMUser(methodID, userID string) (identity.SCIMUser, error) {
	return get(t, fmt.Sprintf("SCIM user %q of %s", userID, authMethodWhat(methodID)), qGetSCIMUser, scanSCIMUser, methodID, userID)
}

func (t *reader) ListSCIMUsers(methodID string) ([]identity.SCIMUser, error) {
	return listQ(t, "SCIM users", qListSCIMUsers, scanSCIMUser, methodID)
}

func (t *reader) SCIMUserIDs(orgID string) ([]string, error) {
	return listQ(t, "SCIM users of organization "+orgID, qSCIMUserIDs, scanString, orgID)
}

func (t *reader) IsSCIMUser(orgID, userID string) (bool, error) {
	return t.exists(qIsSCIMUser, userID, orgID, orgID)
}

func (t *reader) GetSCIMGroup(groupID string) (identity.SCIMGroup, error) {
	return get(t, fmt.Sprintf("SCIM group %q", groupID), qGetSCIMGroup, scanSCIMGroup, groupID)
}

func (t *reader) ListSCIMGroups(methodID string) ([]identity.SCIMGroup, error) {
	return listQ(t, "SCIM groups", qListSCIMGroups, scanSCIMGroup, methodID)
}

func (t *tx) SetSCIMTokenHash(methodID, hash string, at time.Time) error {
	what := "SCIM token of " + authMethodWhat(methodID)
	if err := t.require(what, ref{"authentication method", qGetAuthMethodExists, methodID}); err != nil {
		return err
	}
	_, err := t.exec(qSetSCIMToken, methodID, hash, micros(at))
	return execErr(what, err)
}

func (t *tx) DeleteSCIMTokenHash(methodID string) error {
	_, err := t.exec(qDeleteSCIMToken, methodID)
	return execErr("SCIM token of "+authMethodWhat(methodID), err)
}

func (t *tx) PutSCIMUser(u identity.SCIMUser) error {
	what := fmt.Sprintf("SCIM user %q of %s", u.UserID, authMethodWhat(u.MethodID))
	if err := t.require(what, ref{"authentication method", qGetAuthMethodExists, u.MethodID}, ref{"user", qUserExists, u.UserID}); err != nil {
		return err
	}
	_, err := t.exec(qPutSCIMUser, u.MethodID, u.OrganizationID, u.UserID, u.ExternalID, u.UserName, u.GivenName, u.FamilyName,
		u.Active, micros(u.CreateTime), micros(u.UpdateTime))
	return execErr(what, err)
}

func (t *tx) DeleteSCIMUser(methodID, userID string) error {
	n, err := t.exec(qDeleteSCIMUser, methodID, userID)
	return mustAffect(fmt.Sprintf("SCIM user %q of %s", userID, authMethodWhat(methodID)), n, err)
}

func (t *tx) PutSCIMGroup(g identity.SCIMGroup) error {
	what := fmt.Sprintf("SCIM group %q of %s", g.GroupID, authMethodWhat(g.MethodID))
	if err := t.require(what, ref{"authentication method", qGetAuthMethodExists, g.MethodID}, ref{"group", qGroupExists, g.GroupID}); err != nil {
		return err
	}
	_, err := t.exec(qPutSCIMGroup, g.MethodID, g.OrganizationID, g.GroupID, g.ExternalID, micros(g.CreateTime), micros(g.UpdateTime))
	return execErr(what, err)
}

// execErr is writeErr for statements whose success needs no row count.
func execErr(what string, err error) error {
	if err != nil {
		return writeErr(what, err)
	}
	return nil
}
