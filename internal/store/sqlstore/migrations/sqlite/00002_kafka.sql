-- +goose Up
-- Kafka ACL entries of a service (Aiven, Kafka-native and Schema Registry),
-- each stored as its JSON form; they go with their service.
CREATE TABLE kafka_acls (
    project     TEXT NOT NULL,
    service     TEXT NOT NULL,
    id          TEXT NOT NULL,
    kind        TEXT NOT NULL,
    entry       TEXT NOT NULL,
    create_time INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    PRIMARY KEY (project, service, id),
    FOREIGN KEY (project, service) REFERENCES services (project, name) ON DELETE CASCADE ON UPDATE CASCADE
) STRICT;
CREATE INDEX kafka_acls_order ON kafka_acls (project, service, seq);

-- +goose Down
DROP TABLE kafka_acls;
