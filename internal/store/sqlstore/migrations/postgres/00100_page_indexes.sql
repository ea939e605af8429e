-- +goose Up
-- The console's tables read one page at a time in the order a person
-- sorts them: members by name, state, last activity or join time (email
-- has its unique index), and an organization's projects unit by unit.
CREATE INDEX users_name ON users (lower(real_name), email);
CREATE INDEX users_state ON users (state, email);
CREATE INDEX users_activity ON users (COALESCE(last_activity, 0), email);
CREATE INDEX organization_members_join ON organization_members (organization_id, join_time);
-- The few application users, so a member count can leave them out
-- without reading every user.
CREATE INDEX users_applications ON users (id) WHERE is_application;
CREATE INDEX projects_account ON projects (organization_id, account_id, name);

-- +goose Down
DROP INDEX projects_account;
DROP INDEX users_applications;
DROP INDEX organization_members_join;
DROP INDEX users_activity;
DROP INDEX users_state;
DROP INDEX users_name;
