// Package backend creates, re-keys, inspects and drops service users in the
// real servers behind services: PostgreSQL (pgx), MySQL/MariaDB
// (go-sql-driver/mysql) and Redis/Valkey (go-redis), one file per engine.
// Gatehouse calls a backend inside its own store transaction, so a server
// that refuses a change rolls the whole change back.
package backend

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gatehouse-dev/gatehouse/internal/outbound"
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

// Open connects to the server uri names and checks that it answers,
// under outbound.Default().
func Open(ctx context.Context, uri string) (Backend, error) {
	return OpenVia(ctx, uri, outbound.Default())
}

// OpenVia connects to the server uri names and checks that it answers.
// Every connection, including later ones (MySQL's login checks, Redis
// reconnects), is dialled through pol, which refuses addresses outside
// the allowed networks after name resolution. A failure to connect is
// reported in a few fixed words (ErrConnect): what answered is never
// echoed, so the connection cannot be used to read other services.
func OpenVia(ctx context.Context, uri string, pol *outbound.Policy) (Backend, error) {
	engine, err := EngineOf(uri)
	if err != nil {
		return nil, err
	}
	d := pol.Dialer(connectTimeout)
	var b Backend
	switch engine {
	case EnginePostgres:
		b, err = openPostgres(ctx, uri, d)
	case EngineMySQL:
		b, err = openMySQL(ctx, uri, d)
	default:
		b, err = openRedis(ctx, uri, d)
	}
	if err != nil && !errors.Is(err, ErrBadURI) {
		return nil, connectFailure(engine, err)
	}
	return b, err
}

// ErrConnect reports that a server could not be reached or did not answer
// as the engine it was said to be.
var ErrConnect = errors.New("cannot connect")

// connectFailure turns a failure to connect into a short description from
// a fixed set. Drivers quote what the peer sent when it is not the
// protocol they expect (an HTTP page, a banner): none of that leaves.
func connectFailure(engine string, err error) error {
	var (
		dnsErr *net.DNSError
		pgErr  *pgconn.PgError
		myErr  *mysql.MySQLError
		netErr net.Error
	)
	why := "the server did not answer as a " + engineName(engine) + " server"
	switch {
	case errors.Is(err, outbound.ErrRefused):
		why = "the address is outside the networks this server may connect to (GATEHOUSE_OUTBOUND_ALLOW)"
	case errors.As(err, &dnsErr):
		why = "the host name does not resolve"
	case errors.Is(err, syscall.ECONNREFUSED):
		why = "connection refused"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		why = "no answer in time"
	case errors.As(err, &pgErr):
		why = "the server refused the connection (SQLSTATE " + sqlstate(pgErr.Code) + ")"
		if strings.HasPrefix(pgErr.Code, "28") {
			why = "authentication failed"
		}
	case errors.As(err, &myErr):
		why = fmt.Sprintf("the server refused the connection (error %d)", myErr.Number)
		if myErr.Number == 1045 {
			why = "authentication failed"
		}
	case isRedisAuth(err):
		why = "authentication failed"
	case isTLS(err):
		why = "TLS handshake failed"
	}
	return fmt.Errorf("%w: %s", ErrConnect, why)
}

func engineName(engine string) string {
	switch engine {
	case EnginePostgres:
		return "PostgreSQL"
	case EngineMySQL:
		return "MySQL"
	}
	return "Redis"
}

// sqlstate keeps a five-character SQLSTATE code and nothing else.
func sqlstate(code string) string {
	if len(code) != 5 {
		return "?"
	}
	for _, c := range code {
		if (c < '0' || c > '9') && (c < 'A' || c > 'Z') {
			return "?"
		}
	}
	return code
}

func isRedisAuth(err error) bool {
	msg := err.Error()
	return strings.HasPrefix(msg, "WRONGPASS") || strings.HasPrefix(msg, "NOAUTH") || strings.Contains(msg, "invalid password")
}

func isTLS(err error) bool {
	var rec tls.RecordHeaderError
	var cert *tls.CertificateVerificationError
	var unk x509.UnknownAuthorityError
	var host x509.HostnameError
	return errors.As(err, &rec) || errors.As(err, &cert) || errors.As(err, &unk) || errors.As(err, &host)
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
