-- +goose Up
-- Organizations' authentication methods (identity providers). The type's
-- settings are one JSON document (config), so a setting added later needs
-- no migration; secrets in it are sealed by the control layer.
CREATE TABLE auth_methods (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    account_id      TEXT NOT NULL,
    type            TEXT NOT NULL,
    config          TEXT NOT NULL,
    create_time     INTEGER NOT NULL,
    update_time     INTEGER NOT NULL
) STRICT;
CREATE INDEX auth_methods_org ON auth_methods (organization_id, create_time);
-- A verified domain sends its people to at most one method.
CREATE TABLE auth_method_domains (
    domain_id TEXT PRIMARY KEY REFERENCES domains (id) ON DELETE CASCADE,
    method_id TEXT NOT NULL REFERENCES auth_methods (id) ON DELETE CASCADE
) STRICT;
CREATE INDEX auth_method_domains_method ON auth_method_domains (method_id);

-- +goose Down
DROP TABLE auth_method_domains;
DROP TABLE auth_methods;
