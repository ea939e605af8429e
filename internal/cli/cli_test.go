package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	aiven "github.com/aiven/go-client-codegen"
	"github.com/aiven/go-client-codegen/handler/user"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gatehouse-dev/gatehouse/internal/server"
	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// backends runs fn against SQLite, and PostgreSQL when configured.
func backends(t *testing.T, fn func(t *testing.T, database string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, servertest.SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, servertest.Postgres(t)) })
}

// harness runs the command line in-process against one server, with its
// own configuration directory and environment.
type harness struct {
	t   *testing.T
	srv *servertest.Instance
	env map[string]string
}

func newHarness(t *testing.T, database string, configure ...func(*server.Config)) *harness {
	srv := servertest.Start(t, database, configure...)
	return &harness{t: t, srv: srv, env: map[string]string{"GATEHOUSE_CONFIG_DIR": t.TempDir(), "GATEHOUSE_URL": srv.URL}}
}

type result struct {
	stdout, stderr string
	code           int
}

// run runs the command line with stdin and returns what it printed.
func (h *harness) run(stdin string, args ...string) result {
	h.t.Helper()
	var out, errb bytes.Buffer
	code := run(h.t.Context(), args, strings.NewReader(stdin), &out, &errb, func(k string) string { return h.env[k] })
	return result{out.String(), errb.String(), code}
}

// ok runs a command that must succeed and returns its stdout.
func (h *harness) ok(args ...string) string {
	h.t.Helper()
	r := h.run("", args...)
	if r.code != 0 {
		h.t.Fatalf("gatehouse %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// fails runs a command that must exit 1 and returns its stderr.
func (h *harness) fails(args ...string) string {
	h.t.Helper()
	r := h.run("", args...)
	if r.code != 1 {
		h.t.Fatalf("gatehouse %s: exit %d, want 1\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stderr
}

// login logs the command line in as the bootstrap admin.
func (h *harness) login() {
	h.t.Helper()
	r := h.run(servertest.AdminPassword+"\n", "login", "--email", servertest.AdminEmail)
	if r.code != 0 {
		h.t.Fatalf("login: exit %d: %s", r.code, r.stderr)
	}
}

// savedToken is the token in the credentials file.
func (h *harness) savedToken() string {
	h.t.Helper()
	a := &app{getenv: func(k string) string { return h.env[k] }}
	c, ok, err := a.loadCredentials()
	if err != nil || !ok {
		h.t.Fatalf("no saved credentials: %v", err)
	}
	return c.Token
}

// api is Aiven's client as the admin, to check effects independently of
// the command line.
func (h *harness) api() aiven.Client {
	h.t.Helper()
	c, err := aiven.NewClient(aiven.HostOpt(h.srv.URL), aiven.TokenOpt("x"), aiven.RetryMaxOpt(0))
	if err != nil {
		h.t.Fatal(err)
	}
	out, err := c.UserAuth(h.t.Context(), &user.UserAuthIn{Email: servertest.AdminEmail, Password: servertest.AdminPassword})
	if err != nil {
		h.t.Fatal(err)
	}
	c, err = aiven.NewClient(aiven.HostOpt(h.srv.URL), aiven.TokenOpt(out.Token), aiven.RetryMaxOpt(0))
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

// needRoute skips the test when the server does not serve method and
// path yet: commands are written against Aiven's wire format ahead of the
// endpoints landing, and their tests run from the day they do.
func (h *harness) needRoute(method, path string) {
	h.t.Helper()
	req, err := http.NewRequestWithContext(h.t.Context(), method, h.srv.URL+path, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Message string `json:"message"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	if resp.StatusCode == http.StatusNotFound && strings.HasPrefix(body.Message, "No such API endpoint") {
		h.t.Skipf("the server has no %s %s yet", method, path)
	}
}

func wantStatus(t *testing.T, err error, status int) {
	t.Helper()
	var e aiven.Error
	if !errors.As(err, &e) || e.Status != status {
		t.Fatalf("err = %v, want status %d", err, status)
	}
}

func TestLoginLogout(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		h := newHarness(t, db)
		ctx := t.Context()

		if msg := h.fails("organization", "list"); !strings.Contains(msg, "not logged in") {
			t.Errorf("before login: %q", msg)
		}
		r := h.run("wrong password\n", "login", "--email", servertest.AdminEmail)
		if r.code != 1 || !strings.Contains(r.stderr, "Authentication failed") || !strings.Contains(r.stderr, "HTTP 401") {
			t.Fatalf("bad password: exit %d, stderr %q", r.code, r.stderr)
		}
		// Email and password both prompted for.
		r = h.run(servertest.AdminEmail+"\n"+servertest.AdminPassword+"\n", "login")
		if r.code != 0 || !strings.Contains(r.stdout, "Logged in") {
			t.Fatalf("login: exit %d: %s %s", r.code, r.stdout, r.stderr)
		}
		if strings.Contains(r.stdout+r.stderr, servertest.AdminPassword) {
			t.Error("the password was echoed")
		}
		path := filepath.Join(h.env["GATEHOUSE_CONFIG_DIR"], "credentials.json")
		st, err := os.Stat(path)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("credentials file: %v, mode %v", err, st.Mode())
		}
		if out := h.ok("user", "info"); !strings.Contains(out, servertest.AdminEmail) {
			t.Errorf("user info = %q", out)
		}
		saved := h.savedToken()

		// A token of its own, passed on the command line, is used and
		// never revoked by logout.
		other, err := h.api().UserAuth(ctx, &user.UserAuthIn{Email: servertest.AdminEmail, Password: servertest.AdminPassword})
		if err != nil {
			t.Fatal(err)
		}
		r = h.run("", "logout", "--auth-token", other.Token)
		if r.code != 0 || !strings.Contains(r.stderr, "not revoked") {
			t.Fatalf("logout: exit %d: %s %s", r.code, r.stdout, r.stderr)
		}
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("credentials file still there: %v", err)
		}
		check := func(token string) error {
			c, err := aiven.NewClient(aiven.HostOpt(h.srv.URL), aiven.TokenOpt(token), aiven.RetryMaxOpt(0))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.UserInfo(ctx)
			return err
		}
		wantStatus(t, check(saved), 401)
		if err := check(other.Token); err != nil {
			t.Errorf("the command-line token was revoked: %v", err)
		}
		if out := h.ok("logout"); !strings.Contains(out, "Not logged in") {
			t.Errorf("second logout: %q", out)
		}
		// The environment's token works without any saved login.
		h.env["GATEHOUSE_AUTH_TOKEN"] = other.Token
		if out := h.ok("user", "info", "--format", "{{.user}}"); out != servertest.AdminEmail+"\n" {
			t.Errorf("user info with GATEHOUSE_AUTH_TOKEN = %q", out)
		}
	})
}

func TestLoginReplacesACorruptFile(t *testing.T) {
	t.Parallel()
	h := newHarness(t, servertest.SQLite(t))
	path := filepath.Join(h.env["GATEHOUSE_CONFIG_DIR"], "credentials.json")
	if err := os.WriteFile(path, []byte("{oops"), 0o600); err != nil {
		t.Fatal(err)
	}
	if msg := h.fails("organization", "list"); !strings.Contains(msg, "gatehouse login") {
		t.Errorf("corrupt file: %q", msg)
	}
	h.login()
	h.ok("organization", "list")
}

func TestSavedTokenNotSentElsewhere(t *testing.T) {
	t.Parallel()
	h := newHarness(t, servertest.SQLite(t))
	h.login()
	// A different --url must not receive the saved session token.
	if msg := h.fails("organization", "list", "--url", "http://127.0.0.1:1"); !strings.Contains(msg, "not logged in") {
		t.Errorf("other URL: %q", msg)
	}
}

func TestOutputConventions(t *testing.T) {
	t.Parallel()
	h := newHarness(t, servertest.SQLite(t))
	h.login()
	table := h.ok("organization", "list")
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if len(lines) != 3 || strings.Join(strings.Fields(lines[0]), " ") != "ORGANIZATION_ID ORGANIZATION_NAME ACCOUNT_ID TIER CREATE_TIME" || !strings.HasPrefix(lines[1], "====") {
		t.Fatalf("table:\n%s", table)
	}
	js := h.ok("organization", "list", "--json")
	if !strings.HasPrefix(js, "[\n    {\n        \"account_id\"") {
		t.Errorf("json:\n%s", js)
	}
	id := strings.Fields(lines[2])[0]
	if out := h.ok("organization", "list", "--format", "{{.organization_id}}"); out != id+"\n" {
		t.Errorf("format = %q, want %q", out, id)
	}
	// Errors print the server's message and exit 1.
	if msg := h.fails("organization", "get", "--organization-id", "org00000000000"); !strings.Contains(msg, "HTTP 404") && !strings.Contains(msg, "HTTP 403") {
		t.Errorf("unknown organization: %q", msg)
	}
	// Destructive commands ask; anything but yes leaves things alone.
	r := h.run("n\n", "organization", "delete", "--organization-id", id)
	if r.code != 1 || !strings.Contains(r.stderr, "aborted") {
		t.Fatalf("delete answered no: exit %d %q", r.code, r.stderr)
	}
	if _, err := h.api().OrganizationGet(t.Context(), id); err != nil {
		t.Fatalf("organization gone after answering no: %v", err)
	}
	if msg := h.fails("organization", "delete", "--organization-id", id); !strings.Contains(msg, "--force") {
		t.Errorf("no answer at all: %q", msg)
	}
	for _, shell := range []string{"bash", "zsh", "fish"} {
		if out := h.ok("completion", shell); !strings.Contains(out, "gatehouse") {
			t.Errorf("%s completion: %.80q", shell, out)
		}
	}
	// Flag values complete: roles from the catalogue, Kafka values for
	// the Kafka commands.
	if out := h.ok("__complete", "organization", "user-permission-grant", "--role", ""); !strings.Contains(out, "role:organization:admin\t") || strings.Contains(out, "internal:") {
		t.Errorf("role completion:\n%s", out)
	}
	if out := h.ok("__complete", "service", "acl-add", "--permission", ""); !strings.Contains(out, "readwrite") || strings.Contains(out, "role:") {
		t.Errorf("Kafka permission completion:\n%s", out)
	}
	if out := h.ok("organization", "application-user-token-create", "--help"); !strings.Contains(out, "--max-age-seconds") || !strings.Contains(out, "--cidr-blocks") {
		t.Errorf("help: %s", out)
	}
}

// TestEveryFlagExplained walks the command tree: every command has a
// short description and every flag a usage line, so --help explains all.
func TestEveryFlagExplained(t *testing.T) {
	t.Parallel()
	root := newRoot(&app{getenv: func(string) string { return "" }, stdout: io.Discard, stderr: io.Discard})
	var walk func(cmd *cobra.Command)
	n := 0
	walk = func(cmd *cobra.Command) {
		if cmd.Short == "" {
			t.Errorf("%q has no description", cmd.CommandPath())
		}
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			n++
			if strings.TrimSpace(f.Usage) == "" {
				t.Errorf("%s --%s has no usage", cmd.CommandPath(), f.Name)
			}
		})
		for _, c := range cmd.Commands() {
			walk(c)
		}
	}
	walk(root)
	if n < 200 {
		t.Errorf("only %d flags found", n)
	}
}
