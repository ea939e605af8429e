-- Organization users' lifecycle: invitations, TOTP enrolments, password
-- resets, authentication policies, and how a session signed in.

-- +goose Up
-- Only the SHA-256 of an invitation code is stored. accept_link is set
-- only while an invitation could not be mailed (no SMTP configured).
CREATE TABLE invitations (
    code_hash        TEXT COLLATE "C" PRIMARY KEY,
    organization_id  TEXT COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email            TEXT COLLATE "C" NOT NULL,
    invited_by       TEXT COLLATE "C" NOT NULL,
    invited_by_email TEXT COLLATE "C" NOT NULL,
    state            TEXT COLLATE "C" NOT NULL,
    accept_link      TEXT COLLATE "C" NOT NULL,
    create_time      BIGINT NOT NULL,
    expiry_time      BIGINT NOT NULL,
    update_time      BIGINT NOT NULL
);
CREATE INDEX invitations_organization ON invitations (organization_id, state, create_time);

-- secret is sealed by the control layer before it is stored.
CREATE TABLE two_factor (
    user_id     TEXT COLLATE "C" PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret      TEXT COLLATE "C" NOT NULL,
    confirmed   BOOLEAN NOT NULL,
    last_step   BIGINT NOT NULL,
    update_time BIGINT NOT NULL
);

CREATE TABLE password_resets (
    code_hash   TEXT COLLATE "C" PRIMARY KEY,
    user_id     TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    create_time BIGINT NOT NULL,
    expiry_time BIGINT NOT NULL
);
CREATE INDEX password_resets_user ON password_resets (user_id);

-- policy is the JSON form of the policy's booleans and IP allow-list.
CREATE TABLE auth_policies (
    organization_id TEXT COLLATE "C" PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    policy          TEXT NOT NULL,
    update_time     BIGINT NOT NULL
);

-- Optional profile fields of a person (Aiven's job title, department,
-- city and country); a person without a row has none set.
CREATE TABLE user_profiles (
    user_id    TEXT COLLATE "C" PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    job_title  TEXT COLLATE "C" NOT NULL,
    department TEXT COLLATE "C" NOT NULL,
    city       TEXT COLLATE "C" NOT NULL,
    country    TEXT COLLATE "C" NOT NULL
);

-- How a token's session signed in, for the authentication policy.
ALTER TABLE tokens ADD COLUMN auth_method TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN two_factor BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE tokens DROP COLUMN two_factor;
ALTER TABLE tokens DROP COLUMN auth_method;
DROP TABLE user_profiles;
DROP TABLE auth_policies;
DROP TABLE password_resets;
DROP TABLE two_factor;
DROP TABLE invitations;
