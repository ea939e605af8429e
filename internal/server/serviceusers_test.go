package server_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	aiven "github.com/aiven/go-client-codegen"
	"github.com/aiven/go-client-codegen/handler/project"
	"github.com/aiven/go-client-codegen/handler/service"
	"github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
	"github.com/gatehouse-dev/gatehouse/internal/serviceuser/backend"
	"github.com/gatehouse-dev/gatehouse/internal/serviceuser/backend/backendtest"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/store/sqlstore"
)

// addProjectMember puts a user straight into the store as a member of the
// bootstrap organization with perms on project (invitations are another
// feature), and returns a token for it.
func addProjectMember(t *testing.T, srv *servertest.Instance, adminClient aiven.Client, adminToken, email, projectName string, perms ...string) string {
	t.Helper()
	ctx := t.Context()
	orgs, err := adminClient.UserOrganizationsList(ctx)
	if err != nil || len(orgs) == 0 {
		t.Fatalf("organizations: %v", err)
	}
	orgID := orgs[0].OrganizationId
	st, err := sqlstore.Open(ctx, srv.Database)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const pw = "member password 1"
	hash := servertest.HashPassword(t, pw)
	now := time.Now().UTC()
	u := identity.User{ID: org.NewID(org.PrefixUser), Email: email, RealName: email, PasswordHash: hash, State: identity.StateActive, CreateTime: now, UpdateTime: now}
	var rev int64
	err = st.Write(ctx, func(tx store.Tx) error {
		if err := tx.CreateUser(u); err != nil {
			return err
		}
		if err := tx.AddMember(identity.Membership{OrganizationID: orgID, UserID: u.ID, JoinTime: now}); err != nil {
			return err
		}
		if err := tx.SetGrant(grant.Grant{OrganizationID: orgID, PrincipalType: grant.PrincipalUser, PrincipalID: u.ID,
			ResourceType: grant.ResourceProject, ResourceID: projectName, Permissions: perms, CreateTime: now, UpdateTime: now}); err != nil {
			return err
		}
		set, err := authz.ParseSet(perms)
		if err != nil {
			return err
		}
		payload, err := json.Marshal([]authz.Change{authz.SetUser(u.ID, true), authz.SetGrant(authz.UserP(u.ID), authz.Project(projectName), set)})
		if err != nil {
			return err
		}
		rev, err = tx.AppendChange(payload)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// A check asking for at least this revision makes the server pull
	// the change log up to it.
	body := []byte(`{"principal_id": "` + u.ID + `", "permission": "` + perms[0] + `", "resource_type": "project", "resource_id": "` + projectName + `", "at_least_revision": ` + strconv.FormatInt(rev, 10) + `}`)
	status, res := rawCall(t, "POST", srv.URL+"/v1/organization/"+orgID+"/access/check", adminToken, body)
	if status != http.StatusOK || res["allowed"] != true {
		t.Fatalf("the server did not take the new member: %d %v", status, res)
	}
	return login(t, srv.URL, email, pw)
}

func rootAccount(t *testing.T, c aiven.Client) string {
	t.Helper()
	orgs, err := c.UserOrganizationsList(t.Context())
	if err != nil || len(orgs) == 0 {
		t.Fatalf("organizations: %v", err)
	}
	return orgs[0].AccountId
}

func TestServiceUsersThroughAivenClient(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		srv := servertest.Start(t, db)
		ctx := t.Context()
		admin := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
		c := client(t, srv.URL, admin)
		if _, err := c.ProjectCreate(ctx, &project.ProjectCreateIn{Project: "svc-users", AccountId: ptr(rootAccount(t, c))}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.ServiceCreate(ctx, "svc-users", &service.ServiceCreateIn{ServiceName: "pg-1", ServiceType: "pg", Plan: "startup-4"}); err != nil {
			t.Fatal(err)
		}
		svc, err := c.ServiceGet(ctx, "svc-users", "pg-1", service.ServiceGetIncludeSecrets(true))
		if err != nil || len(svc.Users) != 1 || svc.Users[0].Username != "avnadmin" || svc.Users[0].Type != "primary" || len(svc.Users[0].Password) < 24 {
			t.Fatalf("avnadmin on registration: %+v %v", svc, err)
		}

		u, err := c.ServiceUserCreate(ctx, "svc-users", "pg-1", &service.ServiceUserCreateIn{Username: "app",
			AccessControl: &service.AccessControlIn{PGAllowReplication: ptr(true)}})
		if err != nil {
			t.Fatal(err)
		}
		if u.Username != "app" || u.Type != "normal" || len(u.Password) < 24 || u.AccessControl == nil || !*u.AccessControl.PGAllowReplication {
			t.Fatalf("created: %+v", u)
		}
		got, err := c.ServiceUserGet(ctx, "svc-users", "pg-1", "app", service.ServiceUserGetIncludeSecrets(true))
		if err != nil || got.Password != u.Password || got.PasswordUpdatedTime == nil {
			t.Fatalf("get: %+v %v", got, err)
		}
		_, err = c.ServiceUserCreate(ctx, "svc-users", "pg-1", &service.ServiceUserCreateIn{Username: "app"})
		wantStatus(t, err, http.StatusConflict)
		_, err = c.ServiceUserCreate(ctx, "svc-users", "pg-1", &service.ServiceUserCreateIn{Username: "bad name"})
		wantStatus(t, err, http.StatusBadRequest)
		_, err = c.ServiceUserGet(ctx, "svc-users", "pg-1", "nobody")
		wantStatus(t, err, http.StatusNotFound)

		mod, err := c.ServiceUserCredentialsModify(ctx, "svc-users", "pg-1", "app", &service.ServiceUserCredentialsModifyIn{
			Operation: service.ServiceUserCredentialsModifyOperationTypeResetCredentials, NewPassword: ptr("chosen password 42")})
		if err != nil || mod.ServiceName != "pg-1" || len(mod.Users) != 2 {
			t.Fatalf("modify: %+v %v", mod, err)
		}
		for _, x := range mod.Users {
			if x.Username == "app" && x.Password != "chosen password 42" {
				t.Fatalf("modify did not set the password: %+v", x)
			}
		}
		_, err = c.ServiceUserCredentialsModify(ctx, "svc-users", "pg-1", "app", &service.ServiceUserCredentialsModifyIn{
			Operation: service.ServiceUserCredentialsModifyOperationTypeResetCredentials, NewPassword: ptr("short")})
		wantStatus(t, err, http.StatusBadRequest)
		reset, err := c.ServiceUserCredentialsReset(ctx, "svc-users", "pg-1", "app")
		if err != nil || len(reset.Users) != 2 {
			t.Fatalf("reset: %+v %v", reset, err)
		}

		// read_only sees the users, never a password.
		roToken := addProjectMember(t, srv, c, admin, "viewer@example.com", "svc-users", "read_only")
		ro := client(t, srv.URL, roToken)
		view, err := ro.ServiceGet(ctx, "svc-users", "pg-1", service.ServiceGetIncludeSecrets(true))
		if err != nil || len(view.Users) != 2 {
			t.Fatalf("read_only service view: %+v %v", view, err)
		}
		for _, x := range view.Users {
			if x.Password != "" {
				t.Fatalf("read_only sees the password of %s", x.Username)
			}
		}
		status, body := rawCall(t, "GET", srv.URL+"/v1/project/svc-users/service/pg-1/user", roToken, nil)
		list, _ := body["users"].([]any)
		if status != http.StatusOK || len(list) != 2 {
			t.Fatalf("read_only user list: %d %v", status, body)
		}
		for _, x := range list {
			if pw, present := x.(map[string]any)["password"]; !present || pw != nil {
				t.Fatalf("read_only list shows password %v", pw)
			}
		}
		_, err = ro.ServiceUserGet(ctx, "svc-users", "pg-1", "app")
		wantStatus(t, err, http.StatusForbidden)
		_, err = ro.ServiceUserCreate(ctx, "svc-users", "pg-1", &service.ServiceUserCreateIn{Username: "x"})
		wantStatus(t, err, http.StatusForbidden)
		wantStatus(t, ro.ServiceUserDelete(ctx, "svc-users", "pg-1", "app"), http.StatusForbidden)

		// Rights to act without rights to read the service still get
		// Aiven's answer: a user manager resets (and sees the users), a
		// service creator creates (without the users).
		mgr := client(t, srv.URL, addProjectMember(t, srv, c, admin, "manager@example.com", "svc-users", "service:users:write"))
		if out, err := mgr.ServiceUserCredentialsReset(ctx, "svc-users", "pg-1", "app"); err != nil || len(out.Users) != 2 || out.Users[0].Password == "" {
			t.Fatalf("reset by service:users:write alone: %+v %v", out, err)
		}
		creator := client(t, srv.URL, addProjectMember(t, srv, c, admin, "creator@example.com", "svc-users", "project:services:write"))
		if out, err := creator.ServiceCreate(ctx, "svc-users", &service.ServiceCreateIn{ServiceName: "pg-2", ServiceType: "pg", Plan: "startup-4"}); err != nil || len(out.Users) != 0 {
			t.Fatalf("create by project:services:write alone: %+v %v", out, err)
		}

		// Kafka: at most 50 users, avnadmin included.
		if _, err := c.ServiceCreate(ctx, "svc-users", &service.ServiceCreateIn{ServiceName: "kafka-1", ServiceType: "kafka", Plan: "business-4"}); err != nil {
			t.Fatal(err)
		}
		for i := range 49 {
			if _, err := c.ServiceUserCreate(ctx, "svc-users", "kafka-1", &service.ServiceUserCreateIn{Username: "k" + strings.Repeat("x", i%5) + string(rune('a'+i%26)) + string(rune('a'+i/26))}); err != nil {
				t.Fatalf("user %d: %v", i+2, err)
			}
		}
		_, err = c.ServiceUserCreate(ctx, "svc-users", "kafka-1", &service.ServiceUserCreateIn{Username: "fifty-first"})
		wantStatus(t, err, http.StatusConflict)

		wantStatus(t, c.ServiceUserDelete(ctx, "svc-users", "pg-1", "avnadmin"), http.StatusBadRequest)
		if err := c.ServiceUserDelete(ctx, "svc-users", "pg-1", "app"); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, c.ServiceUserDelete(ctx, "svc-users", "pg-1", "app"), http.StatusNotFound)

		events, err := c.ProjectGetEventLogs(ctx, "svc-users")
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]bool{}
		for _, e := range events {
			kinds[e.EventType] = true
			if strings.Contains(e.EventDesc, u.Password) || strings.Contains(e.EventDesc, "chosen password 42") {
				t.Fatalf("event with a password: %s", e.EventDesc)
			}
		}
		for _, k := range []string{"service_user_create", "service_user_credentials_reset", "service_user_delete"} {
			if !kinds[k] {
				t.Errorf("no %s event in %v", k, kinds)
			}
		}
	})
}

// canLogIn reports whether user logs in to the real server with pw. The
// test PostgreSQL trusts loopback, so there the stored verifier is checked
// instead of a login.
func canLogIn(ctx context.Context, t *testing.T, engine, adminURI, user, pw string) bool {
	t.Helper()
	switch engine {
	case backend.EnginePostgres:
		b, err := backend.Open(ctx, adminURI)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		st, err := b.Inspect(ctx, backend.User{Name: user, Password: pw})
		if err != nil {
			t.Fatal(err)
		}
		return st.InSync
	case backend.EngineMySQL:
		u, _ := url.Parse(adminURI)
		cfg := mysql.NewConfig()
		cfg.Net, cfg.Addr, cfg.User, cfg.Passwd = "tcp", u.Host, user, pw
		conn, err := mysql.NewConnector(cfg)
		if err != nil {
			t.Fatal(err)
		}
		db := sql.OpenDB(conn)
		defer db.Close()
		return db.PingContext(ctx) == nil
	default:
		opts, err := redis.ParseURL(adminURI)
		if err != nil {
			t.Fatal(err)
		}
		opts.Username, opts.Password, opts.MaxRetries = user, pw, 0
		c := redis.NewClient(opts)
		defer c.Close()
		return c.Ping(ctx).Err() == nil
	}
}

// TestRealServiceUsersThroughAivenClient registers services backed by the
// real PostgreSQL, MariaDB and Redis servers and manages their users
// through Aiven's client: a created user logs in with the returned
// password, a re-keyed one only with the new one, a deleted one not at all.
func TestRealServiceUsersThroughAivenClient(t *testing.T) {
	t.Parallel()
	engines := []struct {
		serviceType, engine string
		uri                 func(testing.TB) string
	}{
		{"pg", backend.EnginePostgres, backendtest.Postgres},
		{"mysql", backend.EngineMySQL, backendtest.MySQL},
		{"redis", backend.EngineRedis, backendtest.Redis},
	}
	srv := servertest.Start(t, servertest.SQLite(t))
	ctx := t.Context()
	admin := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
	c := client(t, srv.URL, admin)
	if _, err := c.ProjectCreate(ctx, &project.ProjectCreateIn{Project: "real", AccountId: ptr(rootAccount(t, c))}); err != nil {
		t.Fatal(err)
	}
	for _, e := range engines {
		t.Run(e.serviceType, func(t *testing.T) {
			uri := e.uri(t)
			name := backendtest.Name("gh_it")
			svcName := strings.ReplaceAll(e.serviceType+"-"+name[len("gh_it_"):], "_", "-")
			t.Cleanup(func() {
				if b, err := backend.Open(context.Background(), uri); err == nil {
					_ = b.DropUser(context.Background(), name)
					b.Close()
				}
			})
			svc, err := c.ServiceCreate(ctx, "real", &service.ServiceCreateIn{ServiceName: svcName, ServiceType: e.serviceType, Plan: "startup-4",
				UserConfig: &map[string]any{"connection_uri": uri}})
			if err != nil {
				t.Fatal(err)
			}
			if _, leaked := svc.UserConfig["connection_uri"]; leaked {
				t.Fatal("the connection URI came back in user_config")
			}
			status, raw := rawCall(t, "GET", srv.URL+"/v1/project/real/service/"+svcName, admin, nil)
			if b, _ := json.Marshal(raw); status != http.StatusOK || strings.Contains(string(b), uri) {
				t.Fatalf("service view holds the connection: %d %s", status, b)
			}

			u, err := c.ServiceUserCreate(ctx, "real", svcName, &service.ServiceUserCreateIn{Username: name})
			if err != nil {
				t.Fatal(err)
			}
			if !canLogIn(ctx, t, e.engine, uri, name, u.Password) {
				t.Fatal("a created user cannot log in with the returned password")
			}
			reset, err := c.ServiceUserCredentialsReset(ctx, "real", svcName, name)
			if err != nil {
				t.Fatal(err)
			}
			var newPW string
			for _, x := range reset.Users {
				if x.Username == name {
					newPW = x.Password
				}
			}
			if newPW == "" || newPW == u.Password || !canLogIn(ctx, t, e.engine, uri, name, newPW) {
				t.Fatal("the re-keyed user cannot log in with its new password")
			}
			if canLogIn(ctx, t, e.engine, uri, name, u.Password) {
				t.Fatal("the old password still works after a reset")
			}

			if e.serviceType == "redis" {
				// set-access-control reaches the server: keys outside
				// the pattern are refused.
				_, err := c.ServiceUserCredentialsModify(ctx, "real", svcName, name, &service.ServiceUserCredentialsModifyIn{
					Operation:     service.ServiceUserCredentialsModifyOperationTypeSetAccessControl,
					AccessControl: &service.AccessControlIn{RedisAclKeys: &[]string{name + ":*"}, RedisAclCategories: &[]string{"+@all"}}})
				if err != nil {
					t.Fatal(err)
				}
				opts, _ := redis.ParseURL(uri)
				opts.Username, opts.Password, opts.MaxRetries = name, newPW, 0
				rc := redis.NewClient(opts)
				defer rc.Close()
				if err := rc.Set(ctx, name+":k", "v", time.Minute).Err(); err != nil {
					t.Fatalf("allowed key: %v", err)
				}
				if err := rc.Set(ctx, "elsewhere", "v", time.Minute).Err(); err == nil || !strings.Contains(err.Error(), "NOPERM") {
					t.Fatalf("key outside the rules: %v", err)
				}
			}

			// The server refuses (the name exists there already): nothing
			// is recorded and the error says why.
			taken := backendtest.Name("gh_taken")
			b, err := backend.Open(ctx, uri)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { b.Close() }) // after the cleanups below, which use b
			if err := b.CreateUser(ctx, backend.User{Name: taken, Password: "preexisting-1"}); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = b.DropUser(context.Background(), taken) })
			_, err = c.ServiceUserCreate(ctx, "real", svcName, &service.ServiceUserCreateIn{Username: taken})
			wantStatus(t, err, http.StatusBadGateway)
			_, err = c.ServiceUserGet(ctx, "real", svcName, taken)
			wantStatus(t, err, http.StatusNotFound)

			// Drift: the user is dropped behind Gatehouse's back; a dry
			// run shows it, a re-sync restores it with the same password.
			if err := b.DropUser(ctx, name); err != nil {
				t.Fatal(err)
			}
			syncURL := srv.URL + "/v1/project/real/service/" + svcName + "/user-sync"
			status, rep := rawCall(t, "POST", syncURL, admin, []byte(`{"dry_run": true}`))
			if status != http.StatusOK || !syncState(rep, name, "missing") || !hasString(rep["unmanaged"], taken) {
				t.Fatalf("dry run: %d %v", status, rep)
			}
			if canLogIn(ctx, t, e.engine, uri, name, newPW) {
				t.Fatal("a dry run changed the server")
			}
			if status, rep = rawCall(t, "POST", syncURL, admin, []byte(`{}`)); status != http.StatusOK || !syncState(rep, name, "missing") {
				t.Fatalf("re-sync: %d %v", status, rep)
			}
			if !canLogIn(ctx, t, e.engine, uri, name, newPW) {
				t.Fatal("re-sync did not restore the user")
			}
			if status, rep = rawCall(t, "POST", syncURL, admin, []byte(`{"dry_run": true}`)); status != http.StatusOK || !syncState(rep, name, "in_sync") {
				t.Fatalf("after re-sync: %d %v", status, rep)
			}

			if err := c.ServiceUserDelete(ctx, "real", svcName, name); err != nil {
				t.Fatal(err)
			}
			if canLogIn(ctx, t, e.engine, uri, name, newPW) {
				t.Fatal("a deleted user still logs in")
			}
			if err := c.ServiceDelete(ctx, "real", svcName); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func syncState(rep map[string]any, user, state string) bool {
	users, _ := rep["users"].([]any)
	for _, u := range users {
		m, _ := u.(map[string]any)
		if m["username"] == user {
			return m["state"] == state
		}
	}
	return false
}

func hasString(v any, s string) bool {
	list, _ := v.([]any)
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
