-- +goose Up
-- Service users with their sealed (AES-GCM) passwords, and the sealed admin
-- connection of a real server behind a service; both go with their service.
CREATE TABLE service_users (
    project              TEXT COLLATE "C" NOT NULL,
    service              TEXT COLLATE "C" NOT NULL,
    username             TEXT COLLATE "C" NOT NULL,
    id                   TEXT COLLATE "C" NOT NULL UNIQUE,
    type                 TEXT COLLATE "C" NOT NULL,
    authentication       TEXT COLLATE "C" NOT NULL,
    access_control       TEXT NOT NULL,
    password_key_id      TEXT COLLATE "C" NOT NULL,
    password             BYTEA NOT NULL,
    password_update_time BIGINT NOT NULL,
    create_time          BIGINT NOT NULL,
    PRIMARY KEY (project, service, username),
    FOREIGN KEY (project, service) REFERENCES services (project, name) ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE service_connections (
    project     TEXT COLLATE "C" NOT NULL,
    service     TEXT COLLATE "C" NOT NULL,
    id          TEXT COLLATE "C" NOT NULL UNIQUE,
    engine      TEXT COLLATE "C" NOT NULL,
    key_id      TEXT COLLATE "C" NOT NULL,
    uri         BYTEA NOT NULL,
    create_time BIGINT NOT NULL,
    PRIMARY KEY (project, service),
    FOREIGN KEY (project, service) REFERENCES services (project, name) ON DELETE CASCADE ON UPDATE CASCADE
);

-- +goose Down
DROP TABLE service_connections;
DROP TABLE service_users;
