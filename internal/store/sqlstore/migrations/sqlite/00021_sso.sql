-- +goose Up
-- People's subjects at identity providers, and short-lived one-time
-- tickets of sign-ins in progress (pending requests, used SAML assertion
-- IDs, the command line's exchange codes), shared by every server.
CREATE TABLE sso_identities (
    method_id   TEXT NOT NULL REFERENCES auth_methods (id) ON DELETE CASCADE,
    subject     TEXT NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    create_time INTEGER NOT NULL,
    PRIMARY KEY (method_id, subject)
) STRICT;
CREATE INDEX sso_identities_user ON sso_identities (user_id);
CREATE TABLE sso_tickets (
    kind        TEXT NOT NULL,
    id          TEXT NOT NULL,
    data        TEXT NOT NULL,
    expire_time INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
) STRICT;
CREATE INDEX sso_tickets_expiry ON sso_tickets (expire_time);

-- +goose Down
DROP TABLE sso_tickets;
DROP TABLE sso_identities;
