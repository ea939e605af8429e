-- +goose Up
-- Kafka ACL entries of a service (Aiven, Kafka-native and Schema Registry),
-- each stored as its JSON form; they go with their service.
CREATE TABLE kafka_acls (
    project     TEXT COLLATE "C" NOT NULL,
    service     TEXT COLLATE "C" NOT NULL,
    id          TEXT COLLATE "C" NOT NULL,
    kind        TEXT COLLATE "C" NOT NULL,
    entry       TEXT NOT NULL,
    create_time BIGINT NOT NULL,
    seq         BIGINT NOT NULL,
    PRIMARY KEY (project, service, id),
    FOREIGN KEY (project, service) REFERENCES services (project, name) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX kafka_acls_order ON kafka_acls (project, service, seq);

-- +goose Down
DROP TABLE kafka_acls;
