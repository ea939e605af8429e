-- +goose Up
-- Service users with their sealed (AES-GCM) passwords, and the sealed admin
-- connection of a real server behind a service; both go with their service.
CREATE TABLE service_users (
    project              TEXT NOT NULL,
    service              TEXT NOT NULL,
    username             TEXT NOT NULL,
    id                   TEXT NOT NULL UNIQUE,
    type                 TEXT NOT NULL,
    authentication       TEXT NOT NULL,
    access_control       TEXT NOT NULL,
    password_key_id      TEXT NOT NULL,
    password             BLOB NOT NULL,
    password_update_time INTEGER NOT NULL,
    create_time          INTEGER NOT NULL,
    PRIMARY KEY (project, service, username),
    FOREIGN KEY (project, service) REFERENCES services (project, name) ON DELETE CASCADE ON UPDATE CASCADE
) STRICT;

CREATE TABLE service_connections (
    project     TEXT NOT NULL,
    service     TEXT NOT NULL,
    id          TEXT NOT NULL UNIQUE,
    engine      TEXT NOT NULL,
    key_id      TEXT NOT NULL,
    uri         BLOB NOT NULL,
    create_time INTEGER NOT NULL,
    PRIMARY KEY (project, service),
    FOREIGN KEY (project, service) REFERENCES services (project, name) ON DELETE CASCADE ON UPDATE CASCADE
) STRICT;

-- +goose Down
DROP TABLE service_connections;
DROP TABLE service_users;
