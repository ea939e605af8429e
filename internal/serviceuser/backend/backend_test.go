package backend_test

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-dev/gatehouse/internal/serviceuser"
	"github.com/gatehouse-dev/gatehouse/internal/serviceuser/backend"
	"github.com/gatehouse-dev/gatehouse/internal/serviceuser/backend/backendtest"
)

// withUser returns uri with its credentials replaced.
func withUser(t *testing.T, uri, user, pw string) string {
	t.Helper()
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(user, pw)
	return u.String()
}

// login connects as user with pw and runs one trivial command.
func login(ctx context.Context, t *testing.T, engine, uri, user, pw string) error {
	t.Helper()
	switch engine {
	case backend.EnginePostgres:
		conn, err := pgx.Connect(ctx, withUser(t, uri, user, pw))
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		return conn.Ping(ctx)
	case backend.EngineMySQL:
		u, _ := url.Parse(uri)
		cfg := mysql.NewConfig()
		cfg.Net, cfg.Addr, cfg.User, cfg.Passwd = "tcp", u.Host, user, pw
		conn, err := mysql.NewConnector(cfg)
		if err != nil {
			return err
		}
		db := sql.OpenDB(conn)
		defer db.Close()
		return db.PingContext(ctx)
	default:
		opts, err := redis.ParseURL(uri)
		if err != nil {
			return err
		}
		opts.Username, opts.Password, opts.MaxRetries = user, pw, 0
		c := redis.NewClient(opts)
		defer c.Close()
		return c.Ping(ctx).Err()
	}
}

func TestEngineOf(t *testing.T) {
	cases := []struct {
		uri, want string
		err       bool
	}{
		{"postgres://u:p@h:5432/db", backend.EnginePostgres, false},
		{"postgresql://h/db", backend.EnginePostgres, false},
		{"mysql://root@h:3306/x", backend.EngineMySQL, false},
		{"redis://h:6379", backend.EngineRedis, false},
		{"rediss://u:p@h", backend.EngineRedis, false},
		{"valkey://h", backend.EngineRedis, false},
		{"http://h", "", true},
		{"postgres:///db", "", true},
		{"%zz", "", true},
		{"", "", true},
	}
	for _, c := range cases {
		t.Run(c.uri, func(t *testing.T) {
			got, err := backend.EngineOf(c.uri)
			if (err != nil) != c.err || got != c.want {
				t.Fatalf("EngineOf = %q, %v; want %q, error %v", got, err, c.want, c.err)
			}
			if err != nil && !errors.Is(err, backend.ErrBadURI) {
				t.Fatalf("error %v is not ErrBadURI", err)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	got := backend.Redact("postgres://admin:s3cret@db:5432/app?password=s3cret")
	if strings.Contains(got, "s3cret") || !strings.Contains(got, "admin") {
		t.Fatalf("Redact = %q", got)
	}
}

func TestRedisRules(t *testing.T) {
	cases := []struct {
		name  string
		rules serviceuser.RedisRules
		want  []string
	}{
		{"defaults", serviceuser.RedisRules{}, []string{"reset", "on", ">pw", "~*", "&*", "+@all"}},
		{"keys and categories", serviceuser.RedisRules{Keys: []string{"app:*"}, Categories: []string{"+@read"}, Channels: []string{}},
			[]string{"reset", "on", ">pw", "~app:*", "+@read"}},
		{"commands only", serviceuser.RedisRules{Commands: []string{"+get"}}, []string{"reset", "on", ">pw", "~*", "&*", "+get"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := backend.RedisRules(backend.User{Name: "u", Password: "pw", Rules: c.rules})
			if !slices.Equal(got, c.want) {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestNativePasswordHash(t *testing.T) {
	// MySQL's documented example: PASSWORD('mypass').
	if got := backend.NativePasswordHash("mypass"); got != "*6C8989366EAF75BB670AD8EA7A7FC1176A95CEF4" {
		t.Fatalf("got %s", got)
	}
}

// TestRealServers creates, re-keys, inspects and drops users in each real
// server and checks who can log in.
func TestRealServers(t *testing.T) {
	engines := []struct {
		engine string
		uri    func(testing.TB) string
		// verifiesLogin: the server checks passwords at login (the test
		// PostgreSQL trusts loopback, so there Inspect's verifier check
		// stands in).
		verifiesLogin bool
	}{
		{backend.EnginePostgres, backendtest.Postgres, false},
		{backend.EngineMySQL, backendtest.MySQL, true},
		{backend.EngineRedis, backendtest.Redis, true},
	}
	for _, e := range engines {
		t.Run(e.engine, func(t *testing.T) {
			uri := e.uri(t)
			ctx := t.Context()
			b, err := backend.Open(ctx, uri)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { b.Close() }) // after the cleanups below, which use b
			name := backendtest.Name("gh_t")
			t.Cleanup(func() { _ = b.DropUser(context.Background(), name) })
			u := backend.User{Name: name, Password: "first-Password-1"}

			if err := b.CreateUser(ctx, u); err != nil {
				t.Fatalf("create: %v", err)
			}
			if err := b.CreateUser(ctx, u); err == nil {
				t.Fatal("creating an existing user succeeded")
			}
			if err := login(ctx, t, e.engine, uri, name, u.Password); err != nil {
				t.Fatalf("created user cannot log in: %v", err)
			}
			if e.verifiesLogin {
				if err := login(ctx, t, e.engine, uri, name, "wrong-password"); err == nil {
					t.Fatal("logged in with a wrong password")
				}
			}
			st, err := b.Inspect(ctx, u)
			if err != nil || !st.Exists || !st.InSync {
				t.Fatalf("inspect after create: %+v %v", st, err)
			}
			if st, _ := b.Inspect(ctx, backend.User{Name: name, Password: "not-it-at-all"}); st.InSync || !strings.Contains(st.Detail, "password") {
				t.Fatalf("inspect with another password: %+v", st)
			}
			names, err := b.ListUsers(ctx)
			if err != nil || !slices.Contains(names, name) {
				t.Fatalf("list %v does not hold %s: %v", names, name, err)
			}

			old := u.Password
			u.Password = "second-Password-2"
			if err := b.UpdateUser(ctx, u); err != nil {
				t.Fatalf("update: %v", err)
			}
			if err := login(ctx, t, e.engine, uri, name, u.Password); err != nil {
				t.Fatalf("re-keyed user cannot log in: %v", err)
			}
			if e.verifiesLogin {
				if err := login(ctx, t, e.engine, uri, name, old); err == nil {
					t.Fatal("the old password still works")
				}
			}
			if st, _ := b.Inspect(ctx, u); !st.InSync {
				t.Fatalf("inspect after update: %+v", st)
			}

			if err := b.DropUser(ctx, name); err != nil {
				t.Fatalf("drop: %v", err)
			}
			if err := login(ctx, t, e.engine, uri, name, u.Password); err == nil {
				t.Fatal("a dropped user logged in")
			}
			if st, _ := b.Inspect(ctx, u); st.Exists {
				t.Fatalf("inspect after drop: %+v", st)
			}
			if err := b.DropUser(ctx, name); err == nil {
				t.Fatal("dropping a missing user succeeded")
			}
			if err := b.UpdateUser(ctx, u); err == nil {
				t.Fatal("updating a missing user succeeded")
			}
		})
	}
}

func TestPostgresReplicationAndQuoting(t *testing.T) {
	uri := backendtest.Postgres(t)
	ctx := t.Context()
	b, err := backend.Open(ctx, uri)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() }) // after the cleanups below, which use b
	// A name needing quotes and a password with quotes and backslashes.
	name := backendtest.Name("Gh.T-x@y")
	t.Cleanup(func() { _ = b.DropUser(context.Background(), name) })
	u := backend.User{Name: name, Password: `it's a \'test\' password`, Replication: true}
	if err := b.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	st, err := b.Inspect(ctx, u)
	if err != nil || !st.InSync {
		t.Fatalf("inspect: %+v %v", st, err)
	}
	u.Replication = false
	if st, _ := b.Inspect(ctx, u); st.InSync || !strings.Contains(st.Detail, "replication") {
		t.Fatalf("replication drift not seen: %+v", st)
	}
	conn, err := pgx.Connect(ctx, uri)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) }) // after the table's cleanup
	var verifier string
	if err := conn.QueryRow(ctx, "SELECT rolpassword FROM pg_authid WHERE rolname = $1", name).Scan(&verifier); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(verifier, "SCRAM-SHA-256$4096:") {
		t.Fatalf("stored verifier %q is not SCRAM", verifier)
	}
	// A role owning objects is dropped without losing them.
	owner := backendtest.Name("gh_owner")
	if err := b.CreateUser(ctx, backend.User{Name: owner, Password: "owner-password-1"}); err != nil {
		t.Fatal(err)
	}
	table := backendtest.Name("gh_tbl")
	if _, err := conn.Exec(ctx, "CREATE TABLE "+table+" (x int)"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = conn.Exec(context.Background(), "DROP TABLE IF EXISTS "+table) })
	if _, err := conn.Exec(ctx, "ALTER TABLE "+table+" OWNER TO "+pgx.Identifier{owner}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	if err := b.DropUser(ctx, owner); err != nil {
		t.Fatalf("dropping an owner: %v", err)
	}
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("the owner's table went with it: %v", err)
	}
}

func TestMySQLAuthentication(t *testing.T) {
	uri := backendtest.MySQL(t)
	ctx := t.Context()
	b, err := backend.Open(ctx, uri)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() }) // after the cleanups below, which use b
	name := backendtest.Name("gh_auth")
	t.Cleanup(func() { _ = b.DropUser(context.Background(), name) })
	u := backend.User{Name: name, Password: "native-password-1", Authentication: "mysql_native_password"}
	if err := b.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := login(ctx, t, backend.EngineMySQL, uri, name, u.Password); err != nil {
		t.Fatal(err)
	}
	if st, err := b.Inspect(ctx, u); err != nil || !st.InSync {
		t.Fatalf("inspect: %+v %v", st, err)
	}
	// A password with quotes and backslashes stays a literal.
	u.Password = `it's \'quoted\' --`
	if err := b.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := login(ctx, t, backend.EngineMySQL, uri, name, u.Password); err != nil {
		t.Fatalf("quoted password: %v", err)
	}
}

func TestRedisACLApplied(t *testing.T) {
	uri := backendtest.Redis(t)
	ctx := t.Context()
	b, err := backend.Open(ctx, uri)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() }) // after the cleanups below, which use b
	name := backendtest.Name("gh_acl")
	t.Cleanup(func() { _ = b.DropUser(context.Background(), name) })
	u := backend.User{Name: name, Password: "acl-password-1", Rules: serviceuser.RedisRules{
		Keys: []string{name + ":*"}, Categories: []string{"+@read", "+@write", "+@connection"}, Channels: []string{}}}
	if err := b.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	opts, _ := redis.ParseURL(uri)
	opts.Username, opts.Password, opts.MaxRetries = name, u.Password, 0
	c := redis.NewClient(opts)
	defer c.Close()
	if err := c.Set(ctx, name+":k", "v", 0).Err(); err != nil {
		t.Fatalf("allowed key: %v", err)
	}
	if err := c.Set(ctx, "other:"+name, "v", 0).Err(); err == nil || !strings.Contains(err.Error(), "NOPERM") {
		t.Fatalf("key outside the pattern: %v", err)
	}
	if err := c.Do(ctx, "CONFIG", "GET", "maxmemory").Err(); err == nil || !strings.Contains(err.Error(), "NOPERM") {
		t.Fatalf("an admin command was allowed: %v", err)
	}
	admin := redis.NewClient(func() *redis.Options { o, _ := redis.ParseURL(uri); return o }())
	defer admin.Close()
	admin.Del(context.Background(), name+":k")
}

// BenchmarkRealServers measures one create and drop round trip per engine,
// connection included (as Gatehouse does per change).
func BenchmarkRealServers(b *testing.B) {
	for _, e := range []struct {
		name string
		uri  func(testing.TB) string
	}{{"pg", backendtest.Postgres}, {"mysql", backendtest.MySQL}, {"redis", backendtest.Redis}} {
		b.Run(e.name, func(b *testing.B) {
			uri := e.uri(b)
			ctx := b.Context()
			for b.Loop() {
				name := backendtest.Name("gh_bench")
				be, err := backend.Open(ctx, uri)
				if err != nil {
					b.Fatal(err)
				}
				if err := be.CreateUser(ctx, backend.User{Name: name, Password: "bench-password-1"}); err != nil {
					b.Fatal(err)
				}
				if err := be.DropUser(ctx, name); err != nil {
					b.Fatal(err)
				}
				be.Close()
			}
		})
	}
}
