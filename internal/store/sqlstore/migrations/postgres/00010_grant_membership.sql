-- +goose Up
-- A grant's project membership (the creator's admin, accepted
-- invitations), kept apart from the permissions set through the
-- permissions API: Aiven lists and replaces the two separately. Grants
-- made before this column hold everything in permissions.
ALTER TABLE grants ADD COLUMN membership TEXT NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE grants DROP COLUMN membership;
