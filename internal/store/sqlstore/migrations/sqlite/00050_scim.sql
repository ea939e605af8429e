-- +goose Up
-- SCIM 2.0 provisioning: each method's bearer token (its SHA-256 only) and
-- the users and groups an identity provider provisioned through it.
CREATE TABLE scim_tokens (
    method_id   TEXT PRIMARY KEY REFERENCES auth_methods (id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL,
    create_time INTEGER NOT NULL
) STRICT;
CREATE TABLE scim_users (
    method_id       TEXT NOT NULL REFERENCES auth_methods (id) ON DELETE CASCADE,
    organization_id TEXT NOT NULL,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    external_id     TEXT NOT NULL,
    user_name       TEXT NOT NULL,
    given_name      TEXT NOT NULL,
    family_name     TEXT NOT NULL,
    active          INTEGER NOT NULL,
    create_time     INTEGER NOT NULL,
    update_time     INTEGER NOT NULL,
    PRIMARY KEY (method_id, user_id)
) STRICT;
CREATE INDEX scim_users_org ON scim_users (organization_id, user_id);
CREATE INDEX scim_users_user ON scim_users (user_id);
CREATE TABLE scim_groups (
    group_id        TEXT PRIMARY KEY REFERENCES user_groups (id) ON DELETE CASCADE,
    method_id       TEXT NOT NULL REFERENCES auth_methods (id) ON DELETE CASCADE,
    organization_id TEXT NOT NULL,
    external_id     TEXT NOT NULL,
    create_time     INTEGER NOT NULL,
    update_time     INTEGER NOT NULL
) STRICT;
CREATE INDEX scim_groups_method ON scim_groups (method_id, create_time);

-- +goose Down
DROP TABLE scim_groups;
DROP TABLE scim_users;
DROP TABLE scim_tokens;
