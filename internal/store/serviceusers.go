package store

import "time"

// ServiceUser is a user account of a service. Its password is sealed by the
// control layer (package secret) before it reaches the store, which never
// sees it in plain text.
type ServiceUser struct {
	Project  string
	Service  string
	Username string
	// ID is a random, stable row identifier: ciphertexts are bound to it,
	// so they survive project renames but cannot be moved between rows.
	ID string
	// Type is "primary" (avnadmin) or "normal".
	Type string
	// Authentication is the MySQL authentication plugin; "" means the
	// server's default.
	Authentication string
	// AccessControl is the user's access_control object as JSON, opaque
	// to the store.
	AccessControl []byte
	// PasswordKeyID names the key that sealed Password; both are empty
	// when Gatehouse holds no password for the user.
	PasswordKeyID      string
	Password           []byte
	PasswordUpdateTime time.Time
	CreateTime         time.Time
}

// ServiceConnection is the admin connection of the real server behind a
// service, sealed like passwords.
type ServiceConnection struct {
	Project string
	Service string
	// ID binds the sealed URI to this row, like ServiceUser.ID.
	ID string
	// Engine is "pg", "mysql" or "redis".
	Engine     string
	KeyID      string
	URI        []byte
	CreateTime time.Time
}

// ServiceUserReader reads the storage of service users, their sealed
// credentials and the sealed connections of real services.
type ServiceUserReader interface {
	// GetServiceUser returns one user. ErrNotFound.
	GetServiceUser(project, service, username string) (ServiceUser, error)
	// ListServiceUsers returns a service's users, ordered by username.
	ListServiceUsers(project, service string) ([]ServiceUser, error)
	// CountServiceUsers returns how many users a service has.
	CountServiceUsers(project, service string) (int, error)
	// ListAllServiceUsers returns every service user (key rotation).
	ListAllServiceUsers() ([]ServiceUser, error)

	// GetServiceConnection returns a service's connection. ErrNotFound.
	GetServiceConnection(project, service string) (ServiceConnection, error)
	// ListAllServiceConnections returns every connection (key rotation).
	ListAllServiceConnections() ([]ServiceConnection, error)
}

// ServiceUserTx is ServiceUserReader with the writes.
type ServiceUserTx interface {
	ServiceUserReader

	// CreateServiceUser inserts u. ErrNotFound if the service is missing,
	// ErrConflict if it already has a user of that name.
	CreateServiceUser(u ServiceUser) error
	// UpdateServiceUser replaces a user's authentication, access control,
	// sealed password and password update time. ErrNotFound.
	UpdateServiceUser(u ServiceUser) error
	// DeleteServiceUser removes a user. ErrNotFound.
	DeleteServiceUser(project, service, username string) error

	// SetServiceConnection stores or replaces a service's connection.
	// ErrNotFound if the service is missing.
	SetServiceConnection(c ServiceConnection) error
}
