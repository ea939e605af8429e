package sqlstore

import (
	"database/sql"
	"fmt"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

const domainCols = `id, organization_id, name, challenge_token, verification_type, state,
create_time, verify_time, check_time, missing_since`

var (
	qOrgExists    = newQuery(`SELECT 1 FROM organizations WHERE id = ?`)
	qCreateDomain = newQuery(`INSERT INTO domains (` + domainCols + `)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	qGetDomain = newQuery(`SELECT ` + domainCols + ` FROM domains WHERE id = ?`)
	// qVerifiedElsewhere finds another domain row holding the same name
	// verified, checked before an update so the partial unique index never
	// fails the statement (which would abort a PostgreSQL transaction).
	qVerifiedElsewhere = newQuery(`SELECT 1 FROM domains WHERE name = ? AND state = 'verified' AND id <> ?`)
	qUpdateDomain      = newQuery(`UPDATE domains SET verification_type = ?, state = ?, verify_time = ?,
check_time = ?, missing_since = ? WHERE id = ?`)
	qDeleteDomain        = newQuery(`DELETE FROM domains WHERE id = ?`)
	qListDomains         = newQuery(`SELECT ` + domainCols + ` FROM domains WHERE organization_id = ? ORDER BY name`)
	qListVerifiedDomains = newQuery(`SELECT ` + domainCols + ` FROM domains WHERE state = 'verified' ORDER BY name`)
	qGetVerifiedDomain   = newQuery(`SELECT ` + domainCols + ` FROM domains WHERE name = ? AND state = 'verified'`)
	// Emails are stored in lower case; comparing the tail instead of LIKE
	// keeps any wildcard characters in the argument literal.
	qUsersByEmailDomain = newQuery(`SELECT ` + userCols + ` FROM users
WHERE length(email) > length(CAST(? AS TEXT)) AND substr(email, length(email) - length(CAST(? AS TEXT)) + 1) = ? ORDER BY id`)
	// The repeated "<> ''" lets both databases use the partial index of
	// managed users (migration 00006), which a bound parameter alone
	// cannot prove applies.
	qManagedUsers = newQuery(`SELECT ` + userCols + ` FROM users WHERE managing_org_id = ? AND managing_org_id <> '' ORDER BY id`)
)

func scanDomain(r scanner) (org.Domain, error) {
	var (
		d                    org.Domain
		ct                   int64
		vt, chk, missingFrom sql.NullInt64
	)
	err := r.Scan(&d.ID, &d.OrganizationID, &d.Name, &d.ChallengeToken, &d.VerificationType, &d.State,
		&ct, &vt, &chk, &missingFrom)
	d.CreateTime = fromMicros(ct)
	d.VerifyTime, d.CheckTime, d.MissingSince = fromNullMicros(vt), fromNullMicros(chk), fromNullMicros(missingFrom)
	return d, err
}

func domainWhat(d org.Domain) string {
	return fmt.Sprintf("domain %q (%s) of organization %q", d.Name, d.ID, d.OrganizationID)
}

func (t *tx) verifiedElsewhere(d org.Domain) error {
	if d.State != org.DomainVerified {
		return nil
	}
	taken, err := t.exists(qVerifiedElsewhere, d.Name, d.ID)
	if err != nil {
		return fmt.Errorf("%s: %w", domainWhat(d), err)
	}
	if taken {
		return fmt.Errorf("%s: already verified by another organization: %w", domainWhat(d), store.ErrConflict)
	}
	return nil
}

func (t *tx) CreateDomain(d org.Domain) error {
	what := domainWhat(d)
	if err := t.require(what, ref{"organization", qOrgExists, d.OrganizationID}); err != nil {
		return err
	}
	if err := t.verifiedElsewhere(d); err != nil {
		return err
	}
	n, err := t.exec(qCreateDomain, d.ID, d.OrganizationID, d.Name, d.ChallengeToken, d.VerificationType, d.State,
		micros(d.CreateTime), nullMicros(d.VerifyTime), nullMicros(d.CheckTime), nullMicros(d.MissingSince))
	return mustInsert(what, n, err)
}

func (t *reader) GetDomain(id string) (org.Domain, error) {
	return get(t, fmt.Sprintf("domain %q", id), qGetDomain, scanDomain, id)
}

func (t *tx) UpdateDomain(d org.Domain) error {
	if err := t.verifiedElsewhere(d); err != nil {
		return err
	}
	n, err := t.exec(qUpdateDomain, d.VerificationType, d.State, nullMicros(d.VerifyTime), nullMicros(d.CheckTime),
		nullMicros(d.MissingSince), d.ID)
	return mustAffect(domainWhat(d), n, err)
}

func (t *tx) DeleteDomain(id string) error {
	n, err := t.exec(qDeleteDomain, id)
	return mustAffect(fmt.Sprintf("domain %q", id), n, err)
}

func (t *reader) ListDomains(orgID string) ([]org.Domain, error) {
	return listQ(t, "domains", qListDomains, scanDomain, orgID)
}

func (t *reader) ListVerifiedDomains() ([]org.Domain, error) {
	return listQ(t, "verified domains", qListVerifiedDomains, scanDomain)
}

func (t *reader) GetVerifiedDomain(name string) (org.Domain, error) {
	return get(t, fmt.Sprintf("verified domain %q", name), qGetVerifiedDomain, scanDomain, name)
}

func (t *reader) ListUsersByEmailDomain(name string) ([]identity.User, error) {
	suffix := "@" + name
	return listQ(t, "users on domain "+name, qUsersByEmailDomain, scanUser, suffix, suffix, suffix)
}

func (t *reader) ListManagedUsers(orgID string) ([]identity.User, error) {
	return listQ(t, "managed users", qManagedUsers, scanUser, orgID)
}
