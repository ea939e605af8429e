-- +goose Up
-- An organization's email domains and their verification state. A domain
-- name is verified by at most one organization: the partial unique index
-- holds every verified name once.
CREATE TABLE domains (
    id                TEXT COLLATE "C" PRIMARY KEY,
    organization_id   TEXT COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name              TEXT COLLATE "C" NOT NULL,
    challenge_token   TEXT COLLATE "C" NOT NULL,
    verification_type TEXT COLLATE "C" NOT NULL,
    state             TEXT COLLATE "C" NOT NULL,
    create_time       BIGINT NOT NULL,
    verify_time       BIGINT,
    check_time        BIGINT,
    missing_since     BIGINT,
    UNIQUE (organization_id, name)
);
CREATE UNIQUE INDEX domains_verified_name ON domains (name) WHERE state = 'verified';
-- Users are found by managing organization when a domain is released.
CREATE INDEX users_managing_org ON users (managing_org_id) WHERE managing_org_id <> '';

-- +goose Down
DROP INDEX users_managing_org;
DROP TABLE domains;
