-- Initial Gatehouse schema for SQLite. Times are Unix microseconds (UTC);
-- lists and maps are JSON text. Cascades that follow a real foreign key are
-- declared here; polymorphic references (grant principals and resources,
-- event projects) are cleaned up by the store's own statements.

-- +goose Up
CREATE TABLE users (
    id               TEXT PRIMARY KEY,
    email            TEXT NOT NULL UNIQUE,
    real_name        TEXT NOT NULL,
    password_hash    TEXT NOT NULL,
    state            TEXT NOT NULL,
    is_application   INTEGER NOT NULL,
    create_time      INTEGER NOT NULL,
    update_time      INTEGER NOT NULL,
    last_activity    INTEGER,
    managing_org_id  TEXT NOT NULL,
    password_updated INTEGER
) STRICT;

CREATE TABLE organizations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    tier        TEXT NOT NULL,
    account_id  TEXT NOT NULL,
    create_time INTEGER NOT NULL,
    update_time INTEGER NOT NULL
) STRICT;

CREATE TABLE organization_members (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    is_super_admin  INTEGER NOT NULL,
    join_time       INTEGER NOT NULL,
    PRIMARY KEY (organization_id, user_id)
) STRICT;
CREATE INDEX organization_members_user ON organization_members (user_id);

CREATE TABLE tokens (
    hash              TEXT PRIMARY KEY,
    prefix            TEXT NOT NULL UNIQUE,
    kind              TEXT NOT NULL,
    user_id           TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    description       TEXT NOT NULL,
    create_time       INTEGER NOT NULL,
    expiry_time       INTEGER,
    max_age_seconds   INTEGER,
    extend_when_used  INTEGER NOT NULL,
    ip_allowlist      TEXT NOT NULL,
    scopes            TEXT NOT NULL,
    last_used_time    INTEGER,
    last_ip           TEXT NOT NULL,
    last_user_agent   TEXT NOT NULL,
    created_manually  INTEGER NOT NULL
) STRICT;
CREATE INDEX tokens_user ON tokens (user_id, create_time);

CREATE TABLE units (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    -- NULL for an organization's root account.
    parent_id       TEXT REFERENCES units (id),
    create_time     INTEGER NOT NULL,
    update_time     INTEGER NOT NULL
) STRICT;
CREATE INDEX units_organization ON units (organization_id);
CREATE INDEX units_parent ON units (parent_id);

CREATE TABLE projects (
    name             TEXT PRIMARY KEY,
    organization_id  TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    -- The organization or a unit: polymorphic, so no foreign key.
    parent_id        TEXT NOT NULL,
    account_id       TEXT NOT NULL,
    billing_group_id TEXT NOT NULL,
    default_cloud    TEXT NOT NULL,
    base_port        INTEGER,
    tags             TEXT NOT NULL,
    tech_emails      TEXT NOT NULL,
    create_time      INTEGER NOT NULL,
    update_time      INTEGER NOT NULL
) STRICT;
CREATE INDEX projects_organization ON projects (organization_id, name);
CREATE INDEX projects_parent ON projects (parent_id, name);

CREATE TABLE services (
    -- ON UPDATE CASCADE carries a project rename into its services.
    project                TEXT NOT NULL REFERENCES projects (name) ON DELETE CASCADE ON UPDATE CASCADE,
    name                   TEXT NOT NULL,
    type                   TEXT NOT NULL,
    plan                   TEXT NOT NULL,
    cloud                  TEXT NOT NULL,
    tags                   TEXT NOT NULL,
    tech_emails            TEXT NOT NULL,
    termination_protection INTEGER NOT NULL,
    user_config            TEXT NOT NULL,
    create_time            INTEGER NOT NULL,
    update_time            INTEGER NOT NULL,
    PRIMARY KEY (project, name)
) STRICT;

-- Events keep no foreign keys: the log outlives the rows it describes (an
-- organization's deletion event may be written after the deletion).
CREATE TABLE events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id TEXT NOT NULL,
    account_id      TEXT NOT NULL,
    project         TEXT NOT NULL,
    service         TEXT NOT NULL,
    actor_user_id   TEXT NOT NULL,
    actor_email     TEXT NOT NULL,
    action_type     TEXT NOT NULL,
    description     TEXT NOT NULL,
    client_ip       TEXT NOT NULL,
    create_time     INTEGER NOT NULL
) STRICT;
CREATE INDEX events_organization ON events (organization_id, id DESC);
CREATE INDEX events_account ON events (account_id, id DESC);
CREATE INDEX events_project ON events (project, id DESC);

CREATE TABLE user_groups (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    description     TEXT NOT NULL,
    managed_by_scim INTEGER NOT NULL,
    create_time     INTEGER NOT NULL,
    update_time     INTEGER NOT NULL,
    UNIQUE (organization_id, name)
) STRICT;

CREATE TABLE group_members (
    group_id  TEXT NOT NULL REFERENCES user_groups (id) ON DELETE CASCADE,
    user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    join_time INTEGER NOT NULL,
    PRIMARY KEY (group_id, user_id)
) STRICT;
CREATE INDEX group_members_user ON group_members (user_id);

CREATE TABLE grants (
    principal_type  TEXT NOT NULL,
    principal_id    TEXT NOT NULL,
    resource_type   TEXT NOT NULL,
    resource_id     TEXT NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    permissions     TEXT NOT NULL,
    create_time     INTEGER NOT NULL,
    update_time     INTEGER NOT NULL,
    PRIMARY KEY (principal_type, principal_id, resource_type, resource_id)
) STRICT;
CREATE INDEX grants_resource ON grants (resource_type, resource_id);
CREATE INDEX grants_organization ON grants (organization_id);

-- Revisions are assigned as MAX+1 under the write lock, so they are gapless
-- and in commit order.
CREATE TABLE changes (
    revision    INTEGER PRIMARY KEY,
    payload     BLOB NOT NULL,
    create_time INTEGER NOT NULL
) STRICT;

-- +goose Down
DROP TABLE changes;
DROP TABLE grants;
DROP TABLE group_members;
DROP TABLE user_groups;
DROP TABLE events;
DROP TABLE services;
DROP TABLE projects;
DROP TABLE units;
DROP TABLE tokens;
DROP TABLE organization_members;
DROP TABLE organizations;
DROP TABLE users;
