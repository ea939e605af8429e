-- +goose Up
-- Each project's CA certificate (PEM), generated when the project is
-- created (projects older than this table get theirs on first read).
CREATE TABLE project_cas (
    project     TEXT COLLATE "C" PRIMARY KEY REFERENCES projects (name) ON DELETE CASCADE ON UPDATE CASCADE,
    certificate TEXT NOT NULL
);

-- +goose Down
DROP TABLE project_cas;
