-- +goose Up
-- What is kept of a project invitation once it was accepted, cancelled or
-- replaced by a new one: enough to tell the holder of its code why it no
-- longer works (410) instead of "not found", as organization invitations
-- do. Only the code's SHA-256 is kept; rows go with their project.
CREATE TABLE ended_project_invitations (
    code_hash TEXT COLLATE "C" PRIMARY KEY,
    project   TEXT COLLATE "C" NOT NULL REFERENCES projects (name) ON DELETE CASCADE ON UPDATE CASCADE,
    email     TEXT COLLATE "C" NOT NULL,
    state     TEXT COLLATE "C" NOT NULL,
    end_time  BIGINT NOT NULL
);
CREATE INDEX ended_project_invitations_project ON ended_project_invitations (project);

-- +goose Down
DROP TABLE ended_project_invitations;
