// Package backend creates, re-keys, inspects and drops service users in the
// real servers behind services: PostgreSQL (pgx), MySQL/MariaDB
// (go-sql-driver/mysql) and Redis/Valkey (go-redis), one file per engine.
// Gatehouse calls a backend inside its own store transaction, so a server
// that refuses a change rolls the whole change back.
package backend

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/serviceuser"
)

// Engines.
const (
	EnginePostgres = "pg"
	EngineMySQL    = "mysql"
	EngineRedis    = "redis"
)

// ErrBadURI: a connection URI is malformed or names no supported engine.
var ErrBadURI = errors.New("bad connection URI")

// User is a service user as a server sees it.
type User struct {
	Name     string
	Password string
	// Authentication is the MySQL plugin; "" = the server's default.
	Authentication string
	// Replication gives a PostgreSQL role REPLICATION.
	Replication bool
	// Rules are a Redis user's ACL rules.
	Rules serviceuser.RedisRules
}

// State is how a user stands on the server compared with Gatehouse's record.
type State struct {
	Exists bool
	// InSync: the password (and, where the server shows them, the rules)
	// match the record.
	InSync bool
	// Detail says what differs, for drift reports. It never holds a secret.
	Detail string
}

// Backend is a connection to a real server with an admin account.
type Backend interface {
	// CreateUser creates a login user with u's password and rules.
	CreateUser(ctx context.Context, u User) error
	// UpdateUser sets an existing user's password and rules.
	UpdateUser(ctx context.Context, u User) error
	// DropUser removes a user.
	DropUser(ctx context.Context, name string) error
	// Inspect compares the server's user with u.
	Inspect(ctx context.Context, u User) (State, error)
	// ListUsers returns the server's login users, admin and system
	// accounts excluded as far as the engine tells them apart.
	ListUsers(ctx context.Context) ([]string, error)
	// Close releases the connection.
	Close() error
}

// EngineOf returns the engine a connection URI names: postgres:// and
// postgresql:// are PostgreSQL, mysql:// is MySQL or MariaDB, redis://,
// rediss://, valkey:// and valkeys:// are Redis or Valkey.
func EngineOf(uri string) (string, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return "", fmt.Errorf("%w: %s", ErrBadURI, redactErr(err, uri))
	}
	if u.Host == "" {
		return "", fmt.Errorf("%w: no host", ErrBadURI)
	}
	switch strings.ToLower(u.Scheme) {
	case "postgres", "postgresql":
		return EnginePostgres, nil
	case "mysql":
		return EngineMySQL, nil
	case "redis", "rediss", "valkey", "valkeys":
		return EngineRedis, nil
	}
	return "", fmt.Errorf("%w: scheme %q is not postgres, mysql or redis", ErrBadURI, u.Scheme)
}

// EngineFor returns the engine a service type needs ("" when the type
// cannot have a connection).
func EngineFor(serviceType string) string {
	switch serviceType {
	case "pg", "alloydbomni":
		return EnginePostgres
	case "mysql":
		return EngineMySQL
	case "redis", "valkey", "dragonfly":
		return EngineRedis
	}
	return ""
}

// Open connects to the server uri names and checks that it answers.
func Open(ctx context.Context, uri string) (Backend, error) {
	engine, err := EngineOf(uri)
	if err != nil {
		return nil, err
	}
	switch engine {
	case EnginePostgres:
		return openPostgres(ctx, uri)
	case EngineMySQL:
		return openMySQL(ctx, uri)
	default:
		return openRedis(ctx, uri)
	}
}

// Redact returns uri without its password, for display and logs.
func Redact(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return "(unparsable URI)"
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	u.RawQuery = ""
	return u.String()
}

// redactErr keeps a URI's password out of an error message.
func redactErr(err error, uri string) string {
	msg := err.Error()
	if u, perr := url.Parse(uri); perr == nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
	}
	if i := strings.Index(msg, "://"); i >= 0 {
		// url.Parse errors quote the whole input: drop it.
		return "malformed URI"
	}
	return msg
}
