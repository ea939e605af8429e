package backend

import (
	"context"
	"crypto/hmac"
	"crypto/md5" // reading PostgreSQL's legacy md5 verifiers, not hashing anew
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// connectTimeout bounds connecting to any server when its URI sets none:
// the call runs while Gatehouse holds its write transaction.
const connectTimeout = 5 * time.Second

// scramIterations is PostgreSQL's default for SCRAM-SHA-256 verifiers.
const scramIterations = 4096

type postgres struct{ conn *pgx.Conn }

func openPostgres(ctx context.Context, uri string, d *net.Dialer) (*postgres, error) {
	cfg, err := pgx.ParseConfig(uri)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrBadURI, redactErr(err, uri))
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = connectTimeout
	}
	cfg.DialFunc = d.DialContext
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, err // OpenVia words it (connectFailure)
	}
	return &postgres{conn: conn}, nil
}

func (p *postgres) Close() error { return p.conn.Close(context.Background()) }

// exec runs a statement built by the server's own format(): %I quotes
// identifiers and %L literals, so no name or password is ever spliced
// into SQL by Gatehouse.
func (p *postgres) exec(ctx context.Context, template string, args ...any) error {
	var stmt string
	if err := p.conn.QueryRow(ctx, "SELECT format($1"+placeholders(len(args))+")", append([]any{template}, args...)...).Scan(&stmt); err != nil {
		return pgErr(err)
	}
	if _, err := p.conn.Exec(ctx, stmt); err != nil {
		return pgErr(err)
	}
	return nil
}

func placeholders(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(", $" + strconv.Itoa(i+2) + "::text")
	}
	return b.String()
}

// pgErr keeps the server's message and drops the statement text.
func pgErr(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s (SQLSTATE %s)", pe.Message, pe.Code)
	}
	return err
}

func replication(u User) string {
	if u.Replication {
		return "REPLICATION"
	}
	return "NOREPLICATION"
}

func (p *postgres) CreateUser(ctx context.Context, u User) error {
	return p.exec(ctx, "CREATE ROLE %I WITH LOGIN "+replication(u)+" PASSWORD %L", u.Name, pgPassword(u.Password))
}

func (p *postgres) UpdateUser(ctx context.Context, u User) error {
	return p.exec(ctx, "ALTER ROLE %I WITH LOGIN "+replication(u)+" PASSWORD %L", u.Name, pgPassword(u.Password))
}

// DropUser hands what the role owns in the connection's database to the
// admin account first, so dropping a user never drops data.
func (p *postgres) DropUser(ctx context.Context, name string) error {
	tx, err := p.conn.Begin(ctx)
	if err != nil {
		return pgErr(err)
	}
	defer tx.Rollback(ctx)
	for _, tmpl := range []string{"REASSIGN OWNED BY %I TO CURRENT_USER", "DROP OWNED BY %I", "DROP ROLE %I"} {
		var stmt string
		if err := tx.QueryRow(ctx, "SELECT format($1, $2::text)", tmpl, name).Scan(&stmt); err != nil {
			return pgErr(err)
		}
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return pgErr(err)
		}
	}
	return pgErr(tx.Commit(ctx))
}

func (p *postgres) Inspect(ctx context.Context, u User) (State, error) {
	var (
		canLogin, repl bool
		verifier       *string
	)
	// pg_authid holds the verifier but needs a superuser; pg_roles masks it.
	err := p.conn.QueryRow(ctx, `SELECT rolcanlogin, rolreplication, rolpassword FROM pg_authid WHERE rolname = $1`, u.Name).Scan(&canLogin, &repl, &verifier)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "42501" {
			return State{}, pgErr(err)
		}
		verifier = nil
		err = p.conn.QueryRow(ctx, `SELECT rolcanlogin, rolreplication FROM pg_roles WHERE rolname = $1`, u.Name).Scan(&canLogin, &repl)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return State{Detail: "missing on the server"}, nil
	}
	if err != nil {
		return State{}, pgErr(err)
	}
	st := State{Exists: true, InSync: true}
	var diffs []string
	if !canLogin {
		diffs = append(diffs, "cannot log in")
	}
	if repl != u.Replication {
		diffs = append(diffs, "replication differs")
	}
	switch {
	case verifier == nil:
		diffs = append(diffs, "password cannot be verified (not a superuser) or is unset")
	case !pgVerify(*verifier, u.Name, u.Password):
		diffs = append(diffs, "password differs")
	}
	if len(diffs) > 0 {
		st.InSync, st.Detail = false, strings.Join(diffs, ", ")
	}
	return st, nil
}

func (p *postgres) ListUsers(ctx context.Context) ([]string, error) {
	rows, err := p.conn.Query(ctx, `SELECT rolname FROM pg_roles
WHERE rolcanlogin AND NOT rolsuper AND rolname !~ '^pg_' AND rolname <> current_user ORDER BY rolname`)
	if err != nil {
		return nil, pgErr(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return names, pgErr(err)
}

// pgPassword returns what PASSWORD is given: a SCRAM-SHA-256 verifier
// computed here, so the password itself never reaches the server (or its
// statement log). Non-ASCII passwords go as they are, for the server to
// normalise with SASLprep as libpq clients expect.
func pgPassword(pw string) string {
	for i := 0; i < len(pw); i++ {
		if pw[i] >= 0x80 {
			return pw
		}
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return pw
	}
	stored, server := scramKeys(pw, salt, scramIterations)
	return fmt.Sprintf("SCRAM-SHA-256$%d:%s$%s:%s", scramIterations, base64.StdEncoding.EncodeToString(salt),
		base64.StdEncoding.EncodeToString(stored), base64.StdEncoding.EncodeToString(server))
}

func scramKeys(pw string, salt []byte, iter int) (stored, server []byte) {
	salted, err := pbkdf2.Key(sha256.New, pw, salt, iter, sha256.Size)
	if err != nil {
		return nil, nil
	}
	mac := func(key []byte, msg string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(msg))
		return h.Sum(nil)
	}
	clientKey := mac(salted, "Client Key")
	sum := sha256.Sum256(clientKey)
	return sum[:], mac(salted, "Server Key")
}

// pgVerify checks pw against a stored SCRAM-SHA-256 or MD5 verifier.
func pgVerify(verifier, user, pw string) bool {
	if rest, ok := strings.CutPrefix(verifier, "SCRAM-SHA-256$"); ok {
		iterSalt, keys, ok := strings.Cut(rest, "$")
		if !ok {
			return false
		}
		iterS, saltS, ok1 := strings.Cut(iterSalt, ":")
		storedS, serverS, ok2 := strings.Cut(keys, ":")
		iter, err := strconv.Atoi(iterS)
		if !ok1 || !ok2 || err != nil || iter < 1 || iter > 1<<20 {
			return false
		}
		salt, err1 := base64.StdEncoding.DecodeString(saltS)
		wantStored, err2 := base64.StdEncoding.DecodeString(storedS)
		wantServer, err3 := base64.StdEncoding.DecodeString(serverS)
		if err1 != nil || err2 != nil || err3 != nil {
			return false
		}
		stored, server := scramKeys(pw, salt, iter)
		return subtle.ConstantTimeCompare(stored, wantStored)&subtle.ConstantTimeCompare(server, wantServer) == 1
	}
	if rest, ok := strings.CutPrefix(verifier, "md5"); ok {
		return subtle.ConstantTimeCompare([]byte(rest), []byte(md5Hex(pw+user))) == 1
	}
	return false
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}
