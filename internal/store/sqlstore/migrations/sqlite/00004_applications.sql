-- +goose Up
-- What remains of a revoked token (revoked one by one, all at once, or with
-- its deleted user): only its SHA-256 and who it belonged to, so a later use
-- is refused with an audit event naming the token's prefix and owner. The
-- organizations are copied because the user may be gone.
CREATE TABLE revoked_tokens (
    hash             TEXT PRIMARY KEY,
    prefix           TEXT NOT NULL,
    kind             TEXT NOT NULL,
    user_id          TEXT NOT NULL,
    user_email       TEXT NOT NULL,
    organization_ids TEXT NOT NULL,
    reason           TEXT NOT NULL,
    revoke_time      INTEGER NOT NULL
) STRICT;
CREATE INDEX revoked_tokens_time ON revoked_tokens (revoke_time);

-- +goose Down
DROP TABLE revoked_tokens;
