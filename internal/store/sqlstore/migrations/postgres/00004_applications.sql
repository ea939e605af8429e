-- +goose Up
-- What remains of a revoked token (revoked one by one, all at once, or with
-- its deleted user): only its SHA-256 and who it belonged to, so a later use
-- is refused with an audit event naming the token's prefix and owner. The
-- organizations are copied because the user may be gone.
CREATE TABLE revoked_tokens (
    hash             TEXT COLLATE "C" PRIMARY KEY,
    prefix           TEXT COLLATE "C" NOT NULL,
    kind             TEXT COLLATE "C" NOT NULL,
    user_id          TEXT COLLATE "C" NOT NULL,
    user_email       TEXT COLLATE "C" NOT NULL,
    organization_ids TEXT COLLATE "C" NOT NULL,
    reason           TEXT COLLATE "C" NOT NULL,
    revoke_time      BIGINT NOT NULL
);
CREATE INDEX revoked_tokens_time ON revoked_tokens (revoke_time);

-- +goose Down
DROP TABLE revoked_tokens;
