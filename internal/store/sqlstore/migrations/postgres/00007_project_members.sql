-- +goose Up
-- Pending invitations to projects (Aiven's legacy project membership).
-- Membership itself is a grant on the project; only the SHA-256 of an
-- invitation's code is kept. Invitations go with their project.
CREATE TABLE project_invitations (
    project         TEXT COLLATE "C" NOT NULL REFERENCES projects (name) ON DELETE CASCADE ON UPDATE CASCADE,
    email           TEXT COLLATE "C" NOT NULL,
    member_type     TEXT NOT NULL,
    inviter_user_id TEXT COLLATE "C" NOT NULL,
    inviter_email   TEXT NOT NULL,
    code_hash       TEXT COLLATE "C" NOT NULL UNIQUE,
    create_time     BIGINT NOT NULL,
    expiry_time     BIGINT NOT NULL,
    -- Whether the invitation email was handed to the relay; when not,
    -- the inviter was given the link to pass on.
    mailed          BOOLEAN NOT NULL,
    PRIMARY KEY (project, email)
);

-- +goose Down
DROP TABLE project_invitations;
