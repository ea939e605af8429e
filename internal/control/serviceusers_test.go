package control

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/secret"
	"github.com/gatehouse-dev/gatehouse/internal/serviceuser"
	"github.com/gatehouse-dev/gatehouse/internal/serviceuser/backend"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/store/sqlstore"
)

// svcFixture is the fixture with options (secret keys, limits) and a
// project "p1".
func svcFixture(t *testing.T, opts ...Option) *fixture {
	t.Helper()
	f := newFixture(t, opts...)
	if _, err := f.p.CreateProject(t.Context(), f.admin, f.org.ID, ProjectInput{Name: "p1"}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) grantProject(t *testing.T, a *Actor, perms ...string) {
	t.Helper()
	if err := f.p.UpdatePermissions(t.Context(), f.admin, f.org.ID, grant.ResourceProject, "p1", "grant",
		[]PrincipalPermissions{{grant.PrincipalUser, a.User.ID, perms}}); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) service(t *testing.T, name, typ string, userConfig map[string]any) {
	t.Helper()
	if _, err := f.p.CreateService(t.Context(), f.admin, ServiceInput{Project: "p1", Name: name, Type: typ, Plan: "startup-4", UserConfig: userConfig}); err != nil {
		t.Fatal(err)
	}
}

func withKey() Option { return WithSecretKeys(secret.NewKey()) }

func TestServiceUserLifecycle(t *testing.T) {
	t.Parallel()
	f := svcFixture(t, withKey())
	ctx := t.Context()
	f.service(t, "pg-1", "pg", nil)

	users, err := f.p.ListServiceUsers(ctx, f.admin, "p1", "pg-1")
	if err != nil || len(users) != 1 || users[0].Username != "avnadmin" || users[0].Type != "primary" || users[0].Password == nil {
		t.Fatalf("a new service has avnadmin with a password: %+v %v", users, err)
	}
	u, err := f.p.CreateServiceUser(ctx, f.admin, "p1", "pg-1", ServiceUserInput{Username: "app"})
	if err != nil {
		t.Fatal(err)
	}
	if u.Type != "normal" || u.Password == nil || len(*u.Password) < 24 {
		t.Fatalf("created user %+v", u)
	}
	first := *u.Password
	got, err := f.p.GetServiceUser(ctx, f.admin, "p1", "pg-1", "app")
	if err != nil || got.Password == nil || *got.Password != first {
		t.Fatalf("get returns the stored password: %+v %v", got, err)
	}
	if _, err := f.p.CreateServiceUser(ctx, f.admin, "p1", "pg-1", ServiceUserInput{Username: "app"}); !errors.Is(err, ErrConflict) {
		t.Fatalf("duplicate: %v", err)
	}

	if _, err := f.p.ResetServiceUserCredentials(ctx, f.admin, "p1", "pg-1", "app"); err != nil {
		t.Fatal(err)
	}
	got, _ = f.p.GetServiceUser(ctx, f.admin, "p1", "pg-1", "app")
	if *got.Password == first || len(*got.Password) < 24 {
		t.Fatal("reset kept the password")
	}
	chosen := "my own password 123"
	if _, err := f.p.ModifyServiceUser(ctx, f.admin, "p1", "pg-1", "app", CredentialsChange{Operation: ChangeResetCredentials, NewPassword: &chosen}); err != nil {
		t.Fatal(err)
	}
	got, _ = f.p.GetServiceUser(ctx, f.admin, "p1", "pg-1", "app")
	if *got.Password != chosen {
		t.Fatalf("password = %q, want the one set", *got.Password)
	}
	repl := true
	if _, err := f.p.ModifyServiceUser(ctx, f.admin, "p1", "pg-1", "app", CredentialsChange{Operation: ChangeSetAccessControl,
		AccessControl: &serviceuser.AccessControl{PGAllowReplication: &repl}}); err != nil {
		t.Fatal(err)
	}
	got, _ = f.p.GetServiceUser(ctx, f.admin, "p1", "pg-1", "app")
	if got.AccessControl.PGAllowReplication == nil || !*got.AccessControl.PGAllowReplication || *got.Password != chosen {
		t.Fatalf("after set-access-control: %+v", got)
	}
	if _, err := f.p.ModifyServiceUser(ctx, f.admin, "p1", "pg-1", "app", CredentialsChange{Operation: ChangeAcknowledgeRenewal}); err != nil {
		t.Fatal(err)
	}

	if err := f.p.DeleteServiceUser(ctx, f.admin, "p1", "pg-1", "avnadmin"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("deleting the primary user: %v", err)
	}
	if err := f.p.DeleteServiceUser(ctx, f.admin, "p1", "pg-1", "app"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.GetServiceUser(ctx, f.admin, "p1", "pg-1", "app"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted user: %v", err)
	}

	// Every change is in the project's event log, never a password.
	events, err := f.p.ProjectEvents(ctx, f.admin, "p1", 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, e := range events {
		seen[e.ActionType]++
		for _, pw := range []string{first, chosen, *users[0].Password} {
			if strings.Contains(e.Description, pw) {
				t.Fatalf("event %q holds a password", e.Description)
			}
		}
	}
	for action, n := range map[string]int{"service_user_create": 1, "service_user_credentials_reset": 2, "service_user_access_control_set": 1, "service_user_delete": 1} {
		if seen[action] != n {
			t.Errorf("%d %s events, want %d (%v)", seen[action], action, n, seen)
		}
	}
}

func TestServiceUserValidation(t *testing.T) {
	t.Parallel()
	f := svcFixture(t, withKey())
	ctx := t.Context()
	f.service(t, "pg-1", "pg", nil)
	f.service(t, "my-1", "mysql", nil)
	f.service(t, "rd-1", "redis", nil)
	short, long := "short", strings.Repeat("x", 257)
	ctrl := "bad\x00password"
	cases := []struct {
		name    string
		service string
		in      ServiceUserInput
		want    error
	}{
		{"empty name", "pg-1", ServiceUserInput{}, serviceuser.ErrInvalid},
		{"reserved primary name", "pg-1", ServiceUserInput{Username: "avnadmin"}, serviceuser.ErrInvalid},
		{"pg reserved prefix", "pg-1", ServiceUserInput{Username: "pg_monitor"}, serviceuser.ErrInvalid},
		{"redis default", "rd-1", ServiceUserInput{Username: "default"}, serviceuser.ErrInvalid},
		{"quote in name", "pg-1", ServiceUserInput{Username: `a"b`}, serviceuser.ErrInvalid},
		{"space in name", "pg-1", ServiceUserInput{Username: "a b"}, serviceuser.ErrInvalid},
		{"mysql name too long", "my-1", ServiceUserInput{Username: strings.Repeat("a", 33)}, serviceuser.ErrInvalid},
		{"authentication on pg", "pg-1", ServiceUserInput{Username: "a", Authentication: "mysql_native_password"}, serviceuser.ErrInvalid},
		{"unknown plugin", "my-1", ServiceUserInput{Username: "a", Authentication: "sha256_password"}, serviceuser.ErrInvalid},
		{"redis rules on pg", "pg-1", ServiceUserInput{Username: "a", AccessControl: &serviceuser.AccessControl{RedisACLKeys: []string{"*"}}}, serviceuser.ErrInvalid},
		{"malformed category", "rd-1", ServiceUserInput{Username: "a", AccessControl: &serviceuser.AccessControl{RedisACLCategories: []string{"all"}}}, serviceuser.ErrInvalid},
		{"rule with a space", "rd-1", ServiceUserInput{Username: "a", AccessControl: &serviceuser.AccessControl{RedisACLKeys: []string{"a nopass"}}}, serviceuser.ErrInvalid},
		{"missing service", "nope", ServiceUserInput{Username: "a"}, ErrNotFound},
		{"ok mysql plugin", "my-1", ServiceUserInput{Username: "a", Authentication: "caching_sha2_password"}, nil},
		{"ok redis rules", "rd-1", ServiceUserInput{Username: "a", AccessControl: &serviceuser.AccessControl{RedisACLKeys: []string{"app:*"},
			RedisACLCategories: []string{"+@read", "-@dangerous"}, RedisACLCommands: []string{"+config|get"}, RedisACLChannels: []string{}}}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.p.CreateServiceUser(ctx, f.admin, "p1", c.service, c.in)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}
	modCases := []struct {
		name string
		ch   CredentialsChange
	}{
		{"no operation", CredentialsChange{}},
		{"unknown operation", CredentialsChange{Operation: "explode"}},
		{"password too short", CredentialsChange{Operation: ChangeResetCredentials, NewPassword: &short}},
		{"password too long", CredentialsChange{Operation: ChangeResetCredentials, NewPassword: &long}},
		{"control character", CredentialsChange{Operation: ChangeResetCredentials, NewPassword: &ctrl}},
		{"password with set-access-control", CredentialsChange{Operation: ChangeSetAccessControl, NewPassword: &long, AccessControl: &serviceuser.AccessControl{}}},
		{"set-access-control without rules", CredentialsChange{Operation: ChangeSetAccessControl}},
	}
	for _, c := range modCases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.p.ModifyServiceUser(ctx, f.admin, "p1", "pg-1", "avnadmin", c.ch)
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, serviceuser.ErrInvalid) {
				t.Fatalf("err = %v, want invalid", err)
			}
		})
	}
}

func TestServiceUserPasswordVisibility(t *testing.T) {
	t.Parallel()
	f := svcFixture(t, withKey())
	ctx := t.Context()
	f.service(t, "pg-1", "pg", nil)
	if _, err := f.p.CreateServiceUser(ctx, f.admin, "p1", "pg-1", ServiceUserInput{Username: "app"}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		perms      []string
		listOK     bool
		getOK      bool
		sees       bool
		canReset   bool
		canCreated bool
	}{
		{[]string{"read_only"}, true, false, false, false, false},
		{[]string{"role:project:read"}, true, false, false, false, false},
		{[]string{"project:services:read", "service:secrets:read"}, true, false, true, false, false},
		{[]string{"project:services:read", "service:configuration:write"}, true, true, false, false, false},
		{[]string{"developer"}, true, true, true, true, true},
		{[]string{"admin"}, true, true, true, true, true},
		{[]string{"service:users:write"}, false, true, true, true, true},
	}
	for i, c := range cases {
		t.Run(strings.Join(c.perms, "+"), func(t *testing.T) {
			a := f.member(t, "m-"+strings.ReplaceAll(strings.Join(c.perms, "-"), ":", ".")+"@example.com")
			f.grantProject(t, a, c.perms...)
			users, err := f.p.ListServiceUsers(ctx, a, "p1", "pg-1")
			if (err == nil) != c.listOK {
				t.Fatalf("list: %v", err)
			}
			for _, u := range users {
				if (u.Password != nil) != c.sees {
					t.Fatalf("list shows password = %v, want %v", u.Password != nil, c.sees)
				}
			}
			got, err := f.p.GetServiceUser(ctx, a, "p1", "pg-1", "app")
			if (err == nil) != c.getOK {
				t.Fatalf("get: %v", err)
			}
			if err == nil && (got.Password != nil) != c.sees {
				t.Fatalf("get shows password = %v, want %v", got.Password != nil, c.sees)
			}
			if _, err := f.p.ResetServiceUserCredentials(ctx, a, "p1", "pg-1", "app"); (err == nil) != c.canReset {
				t.Fatalf("reset: %v", err)
			}
			_, err = f.p.CreateServiceUser(ctx, a, "p1", "pg-1", ServiceUserInput{Username: "u" + string(rune('a'+i))})
			if (err == nil) != c.canCreated {
				t.Fatalf("create: %v", err)
			}
			if err != nil && !errors.Is(err, ErrForbidden) {
				t.Fatalf("create refused with %v, want forbidden", err)
			}
		})
	}
	// A caller without any right learns nothing of missing services.
	nobody := f.member(t, "nobody@example.com")
	if _, err := f.p.ListServiceUsers(ctx, nobody, "p1", "does-not-exist"); !errors.Is(err, ErrForbidden) {
		t.Fatalf("missing service for a stranger: %v", err)
	}
	if _, err := f.p.ListServiceUsers(ctx, f.admin, "p1", "does-not-exist"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing service for an admin: %v", err)
	}
}

func TestServiceUserLimits(t *testing.T) {
	t.Parallel()
	f := svcFixture(t, withKey())
	ctx := t.Context()
	f.service(t, "kafka-1", "kafka", nil)
	f.service(t, "kafka-2", "kafka", map[string]any{"service_user_limit": 3.0})
	f.service(t, "pg-1", "pg", nil)
	fill := func(service string, n int) error {
		for i := range n {
			if _, err := f.p.CreateServiceUser(ctx, f.admin, "p1", service, ServiceUserInput{Username: "u" + itoa(i)}); err != nil {
				return err
			}
		}
		return nil
	}
	// avnadmin is the first of 50.
	if err := fill("kafka-1", 49); err != nil {
		t.Fatal(err)
	}
	_, err := f.p.CreateServiceUser(ctx, f.admin, "p1", "kafka-1", ServiceUserInput{Username: "one-too-many"})
	if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "50") {
		t.Fatalf("51st Kafka user: %v", err)
	}
	if err := fill("kafka-2", 2); err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.CreateServiceUser(ctx, f.admin, "p1", "kafka-2", ServiceUserInput{Username: "x"}); !errors.Is(err, ErrConflict) {
		t.Fatalf("per-service limit: %v", err)
	}
	// Other types have no cap.
	if err := fill("pg-1", 60); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []any{0.0, -1.0, 2.5, "10", 1e9} {
		_, err := f.p.CreateService(ctx, f.admin, ServiceInput{Project: "p1", Name: "bad", Type: "kafka", Plan: "x", UserConfig: map[string]any{"service_user_limit": bad}})
		if !errors.Is(err, ErrInvalid) {
			t.Fatalf("service_user_limit %v: %v", bad, err)
		}
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

func TestServiceUserSealedAtRest(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	st, err := sqlstore.Open(t.Context(), filepath.Join(dir, "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	oldKey, newKey := secret.NewKey(), secret.NewKey()
	f, _ := newFixtureOn(t, st, WithSecretKeys(oldKey))
	if _, err := f.p.CreateProject(t.Context(), f.admin, f.org.ID, ProjectInput{Name: "p1"}); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	f.service(t, "pg-1", "pg", nil)
	u, err := f.p.CreateServiceUser(ctx, f.admin, "p1", "pg-1", ServiceUserInput{Username: "app"})
	if err != nil {
		t.Fatal(err)
	}
	var raw store.ServiceUser
	if err := st.Read(ctx, func(tx store.Reader) (err error) { raw, err = tx.GetServiceUser("p1", "pg-1", "app"); return err }); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw.Password), *u.Password) || raw.PasswordKeyID != secret.KeyID(oldKey) {
		t.Fatalf("stored password not sealed under the key: key %s", raw.PasswordKeyID)
	}

	// Rotation: the new key first, the old one still decrypts.
	rotated, _ := newFixtureOn(t, st, WithSecretKeys(newKey, oldKey))
	got, err := rotated.p.GetServiceUser(ctx, rotated.admin, "p1", "pg-1", "app")
	if err != nil || *got.Password != *u.Password {
		t.Fatalf("after rotation: %v", err)
	}
	n, err := rotated.p.RewrapSecrets(ctx)
	if err != nil || n != 2 {
		t.Fatalf("rewrapped %d secrets, want 2 (avnadmin and app): %v", n, err)
	}
	onlyNew, _ := newFixtureOn(t, st, WithSecretKeys(newKey))
	got, err = onlyNew.p.GetServiceUser(ctx, onlyNew.admin, "p1", "pg-1", "app")
	if err != nil || *got.Password != *u.Password {
		t.Fatalf("after rewrap, the new key alone reads it: %v", err)
	}
	if n, err := onlyNew.p.RewrapSecrets(ctx); err != nil || n != 0 {
		t.Fatalf("second rewrap changed %d: %v", n, err)
	}
	wrong, _ := newFixtureOn(t, st, WithSecretKeys(secret.NewKey()))
	if _, err := wrong.p.GetServiceUser(ctx, wrong.admin, "p1", "pg-1", "app"); !errors.Is(err, secret.ErrUnknownKey) {
		t.Fatalf("unknown key: %v", err)
	}
}

func TestServiceUsersWithoutKey(t *testing.T) {
	t.Parallel()
	f := svcFixture(t)
	ctx := t.Context()
	f.service(t, "pg-1", "pg", nil)
	users, err := f.p.ListServiceUsers(ctx, f.admin, "p1", "pg-1")
	if err != nil || len(users) != 1 || users[0].Password != nil {
		t.Fatalf("without a key avnadmin has no password: %+v %v", users, err)
	}
	if _, err := f.p.CreateServiceUser(ctx, f.admin, "p1", "pg-1", ServiceUserInput{Username: "app"}); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("creating without a key: %v", err)
	}
	_, err = f.p.CreateService(ctx, f.admin, ServiceInput{Project: "p1", Name: "pg-2", Type: "pg", Plan: "x", ConnectionURI: "postgres://u:p@127.0.0.1:1/db"})
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("a connection without a key: %v", err)
	}
}

// fakeServer is a backend that records calls and fails on demand.
type fakeServer struct {
	mu      sync.Mutex
	users   map[string]backend.User
	calls   []string
	failOn  string              // method name that fails
	onWrite func(method string) // called after a successful change
}

func (s *fakeServer) note(m, name string) error {
	s.calls = append(s.calls, m+" "+name)
	if s.failOn == m {
		return errors.New("permission denied for " + m)
	}
	return nil
}

func (s *fakeServer) CreateUser(_ context.Context, u backend.User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.note("create", u.Name); err != nil {
		return err
	}
	s.users[u.Name] = u
	if s.onWrite != nil {
		s.onWrite("create")
	}
	return nil
}

func (s *fakeServer) UpdateUser(_ context.Context, u backend.User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.note("update", u.Name); err != nil {
		return err
	}
	s.users[u.Name] = u
	return nil
}

func (s *fakeServer) DropUser(_ context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.note("drop", name); err != nil {
		return err
	}
	delete(s.users, name)
	return nil
}

func (s *fakeServer) Inspect(_ context.Context, u backend.User) (backend.State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	have, ok := s.users[u.Name]
	if !ok {
		return backend.State{Detail: "missing on the server"}, nil
	}
	if have.Password != u.Password {
		return backend.State{Exists: true, Detail: "password differs"}, nil
	}
	return backend.State{Exists: true, InSync: true}, nil
}

func (s *fakeServer) ListUsers(context.Context) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for n := range s.users {
		out = append(out, n)
	}
	return out, nil
}

func (s *fakeServer) Close() error { return nil }

func connectedFixture(t *testing.T) (*fixture, *fakeServer) {
	t.Helper()
	srv := &fakeServer{users: map[string]backend.User{}}
	f := svcFixture(t, withKey(), func(p *Plane) {
		p.cfg.backends = func(context.Context, string) (backend.Backend, error) { return srv, nil }
	})
	_, err := f.p.CreateService(t.Context(), f.admin, ServiceInput{Project: "p1", Name: "pg-1", Type: "pg", Plan: "x",
		UserConfig: map[string]any{"connection_uri": "postgres://admin:topsecret@db.example.com:5432/app"}})
	if err != nil {
		t.Fatal(err)
	}
	return f, srv
}

func TestConnectedServiceUsers(t *testing.T) {
	t.Parallel()
	f, srv := connectedFixture(t)
	ctx := t.Context()
	svc, err := f.p.GetService(ctx, f.admin, "p1", "pg-1")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := svc.UserConfig["connection_uri"]; ok {
		t.Fatal("the connection URI was stored in user_config")
	}
	users, _ := f.p.ListServiceUsers(ctx, f.admin, "p1", "pg-1")
	if len(users) != 1 || users[0].Password != nil {
		t.Fatalf("the primary user of a connected service has no password in Gatehouse: %+v", users)
	}
	u, err := f.p.CreateServiceUser(ctx, f.admin, "p1", "pg-1", ServiceUserInput{Username: "app"})
	if err != nil {
		t.Fatal(err)
	}
	if srv.users["app"].Password != *u.Password {
		t.Fatal("the server got another password")
	}
	if _, err := f.p.ResetServiceUserCredentials(ctx, f.admin, "p1", "pg-1", "app"); err != nil {
		t.Fatal(err)
	}
	got, _ := f.p.GetServiceUser(ctx, f.admin, "p1", "pg-1", "app")
	if srv.users["app"].Password != *got.Password || *got.Password == *u.Password {
		t.Fatal("reset did not re-key the server")
	}
	if _, err := f.p.ResetServiceUserCredentials(ctx, f.admin, "p1", "pg-1", "avnadmin"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("re-keying the connection's admin: %v", err)
	}

	// The server refuses: Gatehouse changes nothing and says why.
	srv.failOn = "create"
	_, err = f.p.CreateServiceUser(ctx, f.admin, "p1", "pg-1", ServiceUserInput{Username: "refused"})
	if !errors.Is(err, ErrUpstream) || !strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("refused create: %v", err)
	}
	if _, err := f.p.GetServiceUser(ctx, f.admin, "p1", "pg-1", "refused"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a refused user was kept: %v", err)
	}
	srv.failOn = "update"
	before, _ := f.p.GetServiceUser(ctx, f.admin, "p1", "pg-1", "app")
	if _, err := f.p.ResetServiceUserCredentials(ctx, f.admin, "p1", "pg-1", "app"); !errors.Is(err, ErrUpstream) {
		t.Fatalf("refused reset: %v", err)
	}
	after, _ := f.p.GetServiceUser(ctx, f.admin, "p1", "pg-1", "app")
	if *after.Password != *before.Password {
		t.Fatal("a refused reset changed the password")
	}
	srv.failOn = "drop"
	if err := f.p.DeleteServiceUser(ctx, f.admin, "p1", "pg-1", "app"); !errors.Is(err, ErrUpstream) {
		t.Fatalf("refused drop: %v", err)
	}
	if _, err := f.p.GetServiceUser(ctx, f.admin, "p1", "pg-1", "app"); err != nil {
		t.Fatalf("a refused drop removed the user: %v", err)
	}
	srv.failOn = ""
	if err := f.p.DeleteServiceUser(ctx, f.admin, "p1", "pg-1", "app"); err != nil {
		t.Fatal(err)
	}
	if _, ok := srv.users["app"]; ok {
		t.Fatal("deleted user left on the server")
	}
	events, _ := f.p.ProjectEvents(ctx, f.admin, "p1", 100, 0)
	for _, e := range events {
		if strings.Contains(e.Description, "topsecret") || strings.Contains(e.Description, *before.Password) {
			t.Fatalf("event holds a secret: %s", e.Description)
		}
	}
}

// A commit that fails after the server changed undoes the server change.
func TestConnectedServiceUndoOnFailedCommit(t *testing.T) {
	t.Parallel()
	f, srv := connectedFixture(t)
	ctx, cancel := context.WithCancel(t.Context())
	// Cancelling the context once the server changed makes the store's
	// commit fail.
	srv.onWrite = func(string) { cancel() }
	_, err := f.p.CreateServiceUser(ctx, f.admin, "p1", "pg-1", ServiceUserInput{Username: "ghost"})
	if err == nil {
		t.Fatal("commit with a cancelled context succeeded")
	}
	srv.onWrite = nil
	if _, ok := srv.users["ghost"]; ok {
		t.Fatalf("server kept a user whose record was rolled back (calls %v)", srv.calls)
	}
	if _, err := f.p.GetServiceUser(t.Context(), f.admin, "p1", "pg-1", "ghost"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("record: %v", err)
	}
}

func TestServiceConnectionChecks(t *testing.T) {
	t.Parallel()
	f := svcFixture(t, withKey(), func(p *Plane) {
		p.cfg.backends = func(context.Context, string) (backend.Backend, error) { return nil, errors.New("connection refused") }
	})
	cases := []struct {
		name, typ, uri string
		want           error
	}{
		{"wrong engine", "pg", "redis://127.0.0.1:6379", ErrInvalid},
		{"type without servers", "kafka", "postgres://u@127.0.0.1/db", ErrInvalid},
		{"not a URI", "pg", "::nope", ErrInvalid},
		{"no host", "pg", "postgres:///db", ErrInvalid},
		{"unreachable", "pg", "postgres://u:hunter22@127.0.0.1:1/db", ErrUpstream},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.p.CreateService(t.Context(), f.admin, ServiceInput{Project: "p1", Name: "s1", Type: c.typ, Plan: "x", ConnectionURI: c.uri})
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if strings.Contains(err.Error(), "hunter22") {
				t.Fatalf("error shows the password: %v", err)
			}
		})
	}
}

func TestSyncServiceUsers(t *testing.T) {
	t.Parallel()
	f, srv := connectedFixture(t)
	ctx := t.Context()
	for _, n := range []string{"a", "b", "c"} {
		if _, err := f.p.CreateServiceUser(ctx, f.admin, "p1", "pg-1", ServiceUserInput{Username: n}); err != nil {
			t.Fatal(err)
		}
	}
	// Drift: a dropped by hand, b re-keyed by hand, a stranger added.
	delete(srv.users, "a")
	b := srv.users["b"]
	b.Password = "changed by hand"
	srv.users["b"] = b
	srv.users["stranger"] = backend.User{Name: "stranger"}

	states := func(rep SyncReport) map[string]string {
		out := map[string]string{}
		for _, u := range rep.Users {
			out[u.Username] = u.State
		}
		return out
	}
	rep, err := f.p.SyncServiceUsers(ctx, f.admin, "p1", "pg-1", true)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": SyncMissing, "b": SyncDrifted, "c": SyncInSync}
	if got := states(rep); !equalMaps(got, want) || len(rep.Unmanaged) != 1 || rep.Unmanaged[0] != "stranger" {
		t.Fatalf("dry run: %+v", rep)
	}
	if _, ok := srv.users["a"]; ok {
		t.Fatal("a dry run changed the server")
	}
	if rep, err = f.p.SyncServiceUsers(ctx, f.admin, "p1", "pg-1", false); err != nil {
		t.Fatal(err)
	}
	for _, u := range rep.Users {
		if u.Fixed != (u.State != SyncInSync) {
			t.Fatalf("fix: %+v", u)
		}
	}
	rep, _ = f.p.SyncServiceUsers(ctx, f.admin, "p1", "pg-1", true)
	for _, u := range rep.Users {
		if u.State != SyncInSync {
			t.Fatalf("after the fix: %+v", rep)
		}
	}
	if _, ok := srv.users["stranger"]; !ok {
		t.Fatal("an unmanaged user was dropped")
	}

	// Only service:users:write may re-sync; record-only services have
	// nothing to sync.
	viewer := f.member(t, "viewer@example.com")
	f.grantProject(t, viewer, "read_only")
	if _, err := f.p.SyncServiceUsers(ctx, viewer, "p1", "pg-1", true); !errors.Is(err, ErrForbidden) {
		t.Fatalf("read_only re-sync: %v", err)
	}
	f.service(t, "plain", "pg", nil)
	if _, err := f.p.SyncServiceUsers(ctx, f.admin, "p1", "plain", true); !errors.Is(err, ErrInvalid) {
		t.Fatalf("record-only re-sync: %v", err)
	}
	events, _ := f.p.ProjectEvents(ctx, f.admin, "p1", 100, 0)
	syncs := 0
	for _, e := range events {
		if e.ActionType == "service_user_sync" {
			syncs++
		}
	}
	if syncs != 1 {
		t.Fatalf("%d sync events, want 1 (dry runs log nothing)", syncs)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// BenchmarkServiceUsers measures the record-only path on SQLite: a create
// (seal, insert, event, commit) and a get that decrypts.
func BenchmarkServiceUsers(b *testing.B) {
	st, err := sqlstore.Open(b.Context(), filepath.Join(b.TempDir(), "g.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	p, err := New(b.Context(), st, withKey())
	if err != nil {
		b.Fatal(err)
	}
	boot, err := p.Bootstrap(b.Context(), "admin@example.com", "admin password 1", "Acme")
	if err != nil {
		b.Fatal(err)
	}
	var admin Actor
	if err := st.Read(b.Context(), func(tx store.Reader) (err error) {
		admin.User, err = tx.GetUserByEmail("admin@example.com")
		return err
	}); err != nil {
		b.Fatal(err)
	}
	if _, err := p.CreateProject(b.Context(), &admin, boot.Organization.ID, ProjectInput{Name: "p1"}); err != nil {
		b.Fatal(err)
	}
	if _, err := p.CreateService(b.Context(), &admin, ServiceInput{Project: "p1", Name: "pg-1", Type: "pg", Plan: "x"}); err != nil {
		b.Fatal(err)
	}
	b.Run("create", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			if _, err := p.CreateServiceUser(b.Context(), &admin, "p1", "pg-1", ServiceUserInput{Username: "u" + itoa(i)}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("get", func(b *testing.B) {
		for b.Loop() {
			if _, err := p.GetServiceUser(b.Context(), &admin, "p1", "pg-1", "u1"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
