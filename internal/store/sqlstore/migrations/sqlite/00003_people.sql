-- Organization users' lifecycle: invitations, TOTP enrolments, password
-- resets, authentication policies, and how a session signed in.

-- +goose Up
-- Only the SHA-256 of an invitation code is stored. accept_link is set
-- only while an invitation could not be mailed (no SMTP configured).
CREATE TABLE invitations (
    code_hash        TEXT PRIMARY KEY,
    organization_id  TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email            TEXT NOT NULL,
    invited_by       TEXT NOT NULL,
    invited_by_email TEXT NOT NULL,
    state            TEXT NOT NULL,
    accept_link      TEXT NOT NULL,
    create_time      INTEGER NOT NULL,
    expiry_time      INTEGER NOT NULL,
    update_time      INTEGER NOT NULL
) STRICT;
CREATE INDEX invitations_organization ON invitations (organization_id, state, create_time);

-- secret is sealed by the control layer before it is stored.
CREATE TABLE two_factor (
    user_id     TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret      TEXT NOT NULL,
    confirmed   INTEGER NOT NULL,
    last_step   INTEGER NOT NULL,
    update_time INTEGER NOT NULL
) STRICT;

CREATE TABLE password_resets (
    code_hash   TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    create_time INTEGER NOT NULL,
    expiry_time INTEGER NOT NULL
) STRICT;
CREATE INDEX password_resets_user ON password_resets (user_id);

-- policy is the JSON form of the policy's booleans and IP allow-list.
CREATE TABLE auth_policies (
    organization_id TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    policy          TEXT NOT NULL,
    update_time     INTEGER NOT NULL
) STRICT;

-- Optional profile fields of a person (Aiven's job title, department,
-- city and country); a person without a row has none set.
CREATE TABLE user_profiles (
    user_id    TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    job_title  TEXT NOT NULL,
    department TEXT NOT NULL,
    city       TEXT NOT NULL,
    country    TEXT NOT NULL
) STRICT;

-- How a token's session signed in, for the authentication policy.
ALTER TABLE tokens ADD COLUMN auth_method TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN two_factor INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE tokens DROP COLUMN two_factor;
ALTER TABLE tokens DROP COLUMN auth_method;
DROP TABLE user_profiles;
DROP TABLE auth_policies;
DROP TABLE password_resets;
DROP TABLE two_factor;
DROP TABLE invitations;
