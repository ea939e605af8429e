-- +goose Up
-- Pending invitations to projects (Aiven's legacy project membership).
-- Membership itself is a grant on the project; only the SHA-256 of an
-- invitation's code is kept. Invitations go with their project.
CREATE TABLE project_invitations (
    project         TEXT NOT NULL REFERENCES projects (name) ON DELETE CASCADE ON UPDATE CASCADE,
    email           TEXT NOT NULL,
    member_type     TEXT NOT NULL,
    inviter_user_id TEXT NOT NULL,
    inviter_email   TEXT NOT NULL,
    code_hash       TEXT NOT NULL UNIQUE,
    create_time     INTEGER NOT NULL,
    expiry_time     INTEGER NOT NULL,
    -- Whether the invitation email was handed to the relay; when not,
    -- the inviter was given the link to pass on.
    mailed          INTEGER NOT NULL,
    PRIMARY KEY (project, email)
) STRICT;

-- +goose Down
DROP TABLE project_invitations;
