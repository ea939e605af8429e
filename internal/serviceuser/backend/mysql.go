package backend

import (
	"context"
	"crypto/sha1" // MySQL's mysql_native_password verifier is SHA1(SHA1(pw))
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

type mysqlServer struct {
	db      *sql.DB
	cfg     *mysql.Config
	mariaDB bool // MariaDB names plugins with VIA ... USING PASSWORD()
}

// mysqlConfig turns mysql://user:password@host:port/db into the driver's
// configuration. InterpolateParams makes the driver quote every value
// itself, so names and passwords are literals, never SQL.
func mysqlConfig(uri string) (*mysql.Config, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrBadURI, redactErr(err, uri))
	}
	cfg := mysql.NewConfig()
	cfg.Net = "tcp"
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	cfg.Addr = u.Host
	if u.Port() == "" {
		cfg.Addr = net.JoinHostPort(u.Hostname(), "3306")
	}
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	cfg.InterpolateParams = true
	cfg.Timeout = connectTimeout
	cfg.ReadTimeout, cfg.WriteTimeout = 30*time.Second, 30*time.Second
	switch u.Query().Get("ssl-mode") + u.Query().Get("tls") {
	case "REQUIRED", "required", "true":
		cfg.TLSConfig = "true"
	case "skip-verify":
		cfg.TLSConfig = "skip-verify"
	}
	return cfg, nil
}

func openMySQL(ctx context.Context, uri string, d *net.Dialer) (*mysqlServer, error) {
	cfg, err := mysqlConfig(uri)
	if err != nil {
		return nil, err
	}
	cfg.DialFunc = d.DialContext
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrBadURI, redactErr(err, uri))
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err // OpenVia words it (connectFailure)
	}
	var version string
	if err := db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		db.Close()
		return nil, mysqlErr(err)
	}
	return &mysqlServer{db: db, cfg: cfg, mariaDB: strings.Contains(strings.ToLower(version), "mariadb")}, nil
}

func (m *mysqlServer) Close() error { return m.db.Close() }

// Users are created for any host ('%'): Gatehouse manages accounts, not
// where they connect from.
const mysqlHost = "%"

// identified is the IDENTIFIED clause; the plugin comes from a fixed list
// (serviceuser.ValidateAuthentication).
func (m *mysqlServer) identified(u User) (string, error) {
	switch {
	case u.Authentication == "":
		return "IDENTIFIED BY ?", nil
	case !m.mariaDB:
		return "IDENTIFIED WITH " + u.Authentication + " BY ?", nil
	case u.Authentication == "mysql_native_password":
		return "IDENTIFIED VIA mysql_native_password USING PASSWORD(?)", nil
	}
	return "", fmt.Errorf("MariaDB does not support the %s authentication plugin", u.Authentication)
}

func (m *mysqlServer) CreateUser(ctx context.Context, u User) error {
	clause, err := m.identified(u)
	if err != nil {
		return err
	}
	_, err = m.db.ExecContext(ctx, "CREATE USER ?@? "+clause, u.Name, mysqlHost, u.Password)
	return mysqlErr(err)
}

func (m *mysqlServer) UpdateUser(ctx context.Context, u User) error {
	clause, err := m.identified(u)
	if err != nil {
		return err
	}
	_, err = m.db.ExecContext(ctx, "ALTER USER ?@? "+clause, u.Name, mysqlHost, u.Password)
	return mysqlErr(err)
}

func (m *mysqlServer) DropUser(ctx context.Context, name string) error {
	_, err := m.db.ExecContext(ctx, "DROP USER ?@?", name, mysqlHost)
	return mysqlErr(err)
}

func mysqlErr(err error) error {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return fmt.Errorf("%s (error %d)", me.Message, me.Number)
	}
	return err
}

// Inspect reads the account's verifier. A mysql_native_password hash is
// checked directly; other plugins salt theirs, so Gatehouse logs in as
// the user to check the password.
func (m *mysqlServer) Inspect(ctx context.Context, u User) (State, error) {
	var authString, plugin string
	err := m.db.QueryRowContext(ctx, "SELECT authentication_string, plugin FROM mysql.user WHERE user = ? AND host = ?", u.Name, mysqlHost).Scan(&authString, &plugin)
	if errors.Is(err, sql.ErrNoRows) {
		return State{Detail: "missing on the server"}, nil
	}
	if err != nil {
		return State{}, mysqlErr(err)
	}
	st := State{Exists: true, InSync: true}
	var diffs []string
	if u.Authentication != "" && plugin != u.Authentication {
		diffs = append(diffs, "authentication plugin differs")
	}
	ok := false
	if plugin == "mysql_native_password" && authString != "" {
		ok = subtle.ConstantTimeCompare([]byte(authString), []byte(NativePasswordHash(u.Password))) == 1
	} else {
		ok = m.canLogin(ctx, u)
	}
	if !ok {
		diffs = append(diffs, "password differs")
	}
	if len(diffs) > 0 {
		st.InSync, st.Detail = false, strings.Join(diffs, ", ")
	}
	return st, nil
}

// canLogin reports whether u can log in with its password.
func (m *mysqlServer) canLogin(ctx context.Context, u User) bool {
	cfg := m.cfg.Clone()
	cfg.User, cfg.Passwd, cfg.DBName = u.Name, u.Password, ""
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return false
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	return db.PingContext(ctx) == nil
}

// NativePasswordHash is MySQL's mysql_native_password verifier of pw.
func NativePasswordHash(pw string) string {
	a := sha1.Sum([]byte(pw))
	b := sha1.Sum(a[:])
	return "*" + strings.ToUpper(hex.EncodeToString(b[:]))
}

func (m *mysqlServer) ListUsers(ctx context.Context) ([]string, error) {
	rows, err := m.db.QueryContext(ctx, `SELECT user FROM mysql.user WHERE host = ? AND user <> ''
AND user NOT IN ('root', 'mysql.sys', 'mysql.session', 'mysql.infoschema', 'mariadb.sys')
AND user <> SUBSTRING_INDEX(CURRENT_USER(), '@', 1) ORDER BY user`, mysqlHost)
	if err != nil {
		return nil, mysqlErr(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}
