package store

import "time"

// KafkaACL is one stored Kafka access-control entry of a service. Kind is
// "aiven", "native" or "schema_registry"; Entry is the entry itself as
// JSON (the kafkaacl package's types), opaque to the store.
type KafkaACL struct {
	Project    string
	Service    string
	ID         string
	Kind       string
	Entry      []byte
	CreateTime time.Time
}

// KafkaReader reads the storage of Kafka ACLs.
type KafkaReader interface {
	// ListKafkaACLs returns a service's entries, oldest first.
	ListKafkaACLs(project, service string) ([]KafkaACL, error)
}

// KafkaTx is KafkaReader with the writes.
type KafkaTx interface {
	KafkaReader

	// AddKafkaACL stores an entry. ErrNotFound if the service is missing,
	// ErrConflict if the service already has an entry with that ID.
	AddKafkaACL(a KafkaACL) error
	// DeleteKafkaACL removes an entry of kind. ErrNotFound.
	DeleteKafkaACL(project, service, kind, id string) error
}
