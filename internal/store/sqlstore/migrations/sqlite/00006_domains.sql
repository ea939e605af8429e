-- +goose Up
-- An organization's email domains and their verification state. A domain
-- name is verified by at most one organization: the partial unique index
-- holds every verified name once.
CREATE TABLE domains (
    id                TEXT PRIMARY KEY,
    organization_id   TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name              TEXT NOT NULL,
    challenge_token   TEXT NOT NULL,
    verification_type TEXT NOT NULL,
    state             TEXT NOT NULL,
    create_time       INTEGER NOT NULL,
    verify_time       INTEGER,
    check_time        INTEGER,
    missing_since     INTEGER,
    UNIQUE (organization_id, name)
) STRICT;
CREATE UNIQUE INDEX domains_verified_name ON domains (name) WHERE state = 'verified';
-- Users are found by managing organization when a domain is released.
CREATE INDEX users_managing_org ON users (managing_org_id) WHERE managing_org_id <> '';

-- +goose Down
DROP INDEX users_managing_org;
DROP TABLE domains;
