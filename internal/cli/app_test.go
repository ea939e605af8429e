package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	aiven "github.com/aiven/go-client-codegen"
)

func TestNeedsOTP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"Aiven's 510", aiven.Error{Status: 510, Message: "Two-factor authentication OTP required"}, true},
		{"a 4xx naming the code", aiven.Error{Status: 401, Message: "Invalid or missing OTP"}, true},
		{"a 4xx naming two-factor", aiven.Error{Status: 403, Message: "Two-factor authentication required"}, true},
		{"bad password", aiven.Error{Status: 401, Message: "Authentication failed"}, false},
		{"server error naming otp", aiven.Error{Status: 500, Message: "otp backend down"}, false},
		{"not an API error", errors.New("dial tcp: refused"), false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := needsOTP(tt.err); got != tt.want {
				t.Errorf("needsOTP(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

// TestLoginAsksForOTP logs in to a loopback server that wants a
// two-factor code the way Aiven asks for one.
func TestLoginAsksForOTP(t *testing.T) {
	t.Parallel()
	var calls []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Email, Password, OTP string }
		_ = json.NewDecoder(r.Body).Decode(&in)
		calls = append(calls, in.OTP)
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path != "/v1/userauth" || in.Password != "pw":
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"message":"Authentication failed","errors":[]}`)
		case in.OTP == "":
			w.WriteHeader(510)
			fmt.Fprint(w, `{"message":"Two-factor authentication OTP required","errors":[]}`)
		case in.OTP != "123456":
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"message":"Invalid OTP","errors":[]}`)
		default:
			fmt.Fprint(w, `{"token":"gths_session","state":"active","user_email":"jane@example.com"}`)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	env := map[string]string{"GATEHOUSE_CONFIG_DIR": dir, "GATEHOUSE_URL": srv.URL}
	getenv := func(k string) string { return env[k] }

	var out, errb bytes.Buffer
	if code := run(t.Context(), []string{"login", "--email", "jane@example.com"}, strings.NewReader("pw\n123456\n"), &out, &errb, getenv); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "Two-factor authentication code: ") || len(calls) != 2 {
		t.Fatalf("prompts %q, calls %q", errb.String(), calls)
	}
	b, err := os.ReadFile(filepath.Join(dir, "credentials.json"))
	if err != nil || !strings.Contains(string(b), "gths_session") || !strings.Contains(string(b), srv.URL) {
		t.Fatalf("credentials: %s %v", b, err)
	}

	// A wrong code is the server's refusal, not a second prompt.
	calls = nil
	errb.Reset()
	if code := run(t.Context(), []string{"login", "--email", "jane@example.com"}, strings.NewReader("pw\n000000\n"), &out, &errb, getenv); code != 1 {
		t.Fatalf("wrong code: exit %d", code)
	}
	if !strings.Contains(errb.String(), "Invalid OTP (HTTP 401)") || len(calls) != 2 {
		t.Errorf("wrong code: %q, calls %q", errb.String(), calls)
	}
	// --otp sends the code at once.
	calls = nil
	if code := run(t.Context(), []string{"login", "--email", "jane@example.com", "--otp", "123456"}, strings.NewReader("pw\n"), &out, &errb, getenv); code != 0 || len(calls) != 1 {
		t.Errorf("--otp: exit %d, calls %q", code, calls)
	}
}

func TestCredentialsFile(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "nested", "gatehouse")
	a := &app{getenv: func(k string) string {
		if k == "GATEHOUSE_CONFIG_DIR" {
			return dir
		}
		return ""
	}}
	if _, ok, err := a.loadCredentials(); ok || err != nil {
		t.Fatalf("empty: ok %v, err %v", ok, err)
	}
	want := credentials{URL: "http://127.0.0.1:1", Token: "gths_x", UserEmail: "a@example.com"}
	path, err := a.saveCredentials(want)
	if err != nil {
		t.Fatal(err)
	}
	for p, mode := range map[string]os.FileMode{path: 0o600, dir: 0o700} {
		st, err := os.Stat(p)
		if err != nil || st.Mode().Perm() != mode {
			t.Errorf("%s: mode %v, want %v (%v)", p, st.Mode().Perm(), mode, err)
		}
	}
	if got, ok, err := a.loadCredentials(); !ok || err != nil || got != want {
		t.Fatalf("load = %+v %v %v", got, ok, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("left-over files: %v", entries)
	}
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.loadCredentials(); err == nil {
		t.Error("a corrupt file was accepted")
	}
	if err := a.removeCredentials(); err != nil {
		t.Fatal(err)
	}
	if err := a.removeCredentials(); err != nil {
		t.Errorf("removing twice: %v", err)
	}
}

func TestTarget(t *testing.T) {
	t.Parallel()
	saved := credentials{URL: "http://saved:1", Token: "gths_saved"}
	tests := []struct {
		name      string
		flagURL   string
		flagToken string
		env       map[string]string
		wantURL   string
		wantToken string
		wantSrc   tokenSource
	}{
		{"saved login", "", "", nil, "http://saved:1", "gths_saved", tokenSaved},
		{"flag token wins", "", "gtha_flag", map[string]string{"GATEHOUSE_AUTH_TOKEN": "gtha_env"}, "http://saved:1", "gtha_flag", tokenFlag},
		{"environment token", "", "", map[string]string{"GATEHOUSE_AUTH_TOKEN": "gtha_env"}, "http://saved:1", "gtha_env", tokenEnv},
		{"same server, slash", "http://saved:1/", "", nil, "http://saved:1", "gths_saved", tokenSaved},
		{"other server gets no saved token", "http://other:2", "", nil, "http://other:2", "", tokenNone},
		{"other server from the environment", "", "", map[string]string{"GATEHOUSE_URL": "http://other:2"}, "http://other:2", "", tokenNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"GATEHOUSE_CONFIG_DIR": t.TempDir()}
			for k, v := range tt.env {
				env[k] = v
			}
			a := &app{getenv: func(k string) string { return env[k] }, url: tt.flagURL, token: tt.flagToken}
			if _, err := a.saveCredentials(saved); err != nil {
				t.Fatal(err)
			}
			url, token, src, err := a.target()
			if err != nil || url != tt.wantURL || token != tt.wantToken || src != tt.wantSrc {
				t.Errorf("target = %q %q %v %v, want %q %q %v", url, token, src, err, tt.wantURL, tt.wantToken, tt.wantSrc)
			}
		})
	}
}

func TestConfirm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		force bool
		input string
		ok    bool
	}{
		{"force skips the question", true, "", true},
		{"yes", false, "y\n", true},
		{"YES without newline", false, "YES", true},
		{"no", false, "n\n", false},
		{"empty answer is no", false, "\n", false},
		{"end of input is no", false, "", false},
		{"anything else is no", false, "sure\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var errb bytes.Buffer
			a := &app{stdin: bufio.NewReader(strings.NewReader(tt.input)), stderr: &errb}
			err := a.confirm(tt.force, "Delete?")
			if (err == nil) != tt.ok || (err != nil && !errors.Is(err, errAborted)) {
				t.Errorf("confirm = %v, want ok %v", err, tt.ok)
			}
			if !tt.force && !strings.Contains(errb.String(), "Delete? [y/N]") {
				t.Errorf("prompt = %q", errb.String())
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"API error", aiven.Error{Status: 404, Message: "Project does not exist", OperationID: "ProjectGet"}, "Project does not exist (HTTP 404)"},
		{"wrapped API error", fmt.Errorf("inviting x: %w", aiven.Error{Status: 409, Message: "already invited"}), "already invited (HTTP 409)"},
		{"API error without message", aiven.Error{Status: 502}, "Bad Gateway (HTTP 502)"},
		{"other", errors.New("--project is required"), "--project is required"},
		{"terminal escapes are escaped", aiven.Error{Status: 400, Message: "bad \x1b[2Jname\n"}, `bad \x1b[2Jname\n (HTTP 400)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := describe(tt.err); got != tt.want {
				t.Errorf("describe = %q, want %q", got, tt.want)
			}
		})
	}
}

// FuzzField: unwrapping any answer never panics and returns either the
// key's value or the input.
func FuzzField(f *testing.F) {
	f.Add(`{"user":{"a":1}}`, "user")
	f.Add(`[1,2]`, "x")
	f.Add(`{"x":null}`, "x")
	f.Fuzz(func(t *testing.T, doc, key string) {
		got := field(json.RawMessage(doc), key)
		var m map[string]json.RawMessage
		if json.Unmarshal([]byte(doc), &m) == nil {
			if v, ok := m[key]; ok && string(got) != string(v) {
				t.Fatalf("field = %s, want %s", got, v)
			}
			return
		}
		if string(got) != doc {
			t.Fatalf("field of a non-object = %s", got)
		}
	})
}
