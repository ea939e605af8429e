-- +goose Up
-- The access review lists an organization's few super admins without
-- reading its other members.
CREATE INDEX organization_members_super_admins ON organization_members (organization_id, user_id) WHERE is_super_admin = 1;

-- +goose Down
DROP INDEX organization_members_super_admins;
