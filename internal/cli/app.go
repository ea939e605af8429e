package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	aiven "github.com/aiven/go-client-codegen"
	"github.com/spf13/cobra"

	"github.com/gatehouse-dev/gatehouse/internal/cli/output"
)

// DefaultURL is the server the client talks to when neither --url,
// GATEHOUSE_URL nor a saved login names one (the server's default listen
// address).
const DefaultURL = "http://127.0.0.1:8080"

// app is one run of the command line: its streams, environment and the
// client flags every noun shares.
type app struct {
	stdin     *bufio.Reader
	stdinFile *os.File // the terminal, if stdin is one; nil in tests
	stdout    io.Writer
	stderr    io.Writer
	getenv    func(string) string

	url    string // --url
	token  string // --auth-token
	json   bool   // --json
	format string // --format
}

// tokenSource says where the token of a request came from; logout revokes
// only a token it saved itself.
type tokenSource int

const (
	tokenNone tokenSource = iota
	tokenFlag
	tokenEnv
	tokenSaved
)

// addClientFlags adds the flags every client command takes.
func (a *app) addClientFlags(cmd *cobra.Command) {
	f := cmd.PersistentFlags()
	f.StringVar(&a.url, "url", "", "server URL (env GATEHOUSE_URL; default: the saved login's, else "+DefaultURL+")")
	f.StringVar(&a.token, "auth-token", "", "API token to use instead of the saved login (env GATEHOUSE_AUTH_TOKEN)")
	f.BoolVar(&a.json, "json", false, "print the raw JSON answer")
	f.StringVar(&a.format, "format", "", "print each row with a Go template, e.g. '{{.user_id}} {{.user_info.user_email}}'")
}

// loginURL is the server a login or an invitation acceptance goes to; an
// unreadable credentials file does not stop them, they replace it.
func (a *app) loginURL() string {
	saved, _, _ := a.loadCredentials()
	return strings.TrimSuffix(firstOf(a.url, a.getenv("GATEHOUSE_URL"), saved.URL, DefaultURL), "/")
}

// target resolves the server URL and token: flags, then the environment,
// then the credentials saved by login.
func (a *app) target() (url, token string, src tokenSource, err error) {
	saved, ok, err := a.loadCredentials()
	if err != nil {
		return "", "", tokenNone, fmt.Errorf("%w (\"gatehouse login\" replaces the file)", err)
	}
	url = firstOf(a.url, a.getenv("GATEHOUSE_URL"))
	switch {
	case a.token != "":
		token, src = a.token, tokenFlag
	case a.getenv("GATEHOUSE_AUTH_TOKEN") != "":
		token, src = a.getenv("GATEHOUSE_AUTH_TOKEN"), tokenEnv
	case ok && (url == "" || sameURL(url, saved.URL)):
		token, src = saved.Token, tokenSaved
	}
	if url == "" && ok {
		url = saved.URL
	}
	if url == "" {
		url = DefaultURL
	}
	return strings.TrimSuffix(url, "/"), token, src, nil
}

func sameURL(a, b string) bool { return strings.TrimSuffix(a, "/") == strings.TrimSuffix(b, "/") }

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// errNotLoggedIn is returned by commands that need a token when there is none.
var errNotLoggedIn = errors.New("not logged in: run \"gatehouse login\" or pass --auth-token")

// api is Aiven's generated client for the calls it has, plus a raw helper
// for Gatehouse's own endpoints and for bodies the generated methods lack.
type api struct {
	aiven.Client
	url   string
	token string
	http  *http.Client
	revs  *revisionCarrier
}

// revisionCarrier sends every request asking for a decision at least as new
// as the newest revision an answer reported (Gatehouse-Revision), so that
// one command line reads its own writes whichever server of a database
// answers.
type revisionCarrier struct {
	next http.RoundTripper
	rev  atomic.Int64
}

func (t *revisionCarrier) RoundTrip(req *http.Request) (*http.Response, error) {
	if rev := t.rev.Load(); rev > 0 {
		req = req.Clone(req.Context())
		req.Header.Set("Gatehouse-At-Least-Revision", strconv.FormatInt(rev, 10))
	}
	resp, err := t.next.RoundTrip(req)
	if err == nil {
		if rev, perr := strconv.ParseInt(resp.Header.Get("Gatehouse-Revision"), 10, 64); perr == nil {
			t.raise(rev)
		}
	}
	return resp, err
}

// raise keeps the newest revision seen.
func (t *revisionCarrier) raise(rev int64) {
	for {
		cur := t.rev.Load()
		if rev <= cur || t.rev.CompareAndSwap(cur, rev) {
			return
		}
	}
}

// client returns the API client for the target server with the token.
func (a *app) client() (*api, error) {
	url, token, src, err := a.target()
	if err != nil {
		return nil, err
	}
	if token == "" {
		return nil, errNotLoggedIn
	}
	c, err := newAPIClient(url, token)
	if err != nil {
		return nil, err
	}
	if src == tokenSaved {
		// Carry on from the revision the last command of this login saw.
		if saved, ok, _ := a.loadCredentials(); ok && saved.Token == token {
			c.revs.raise(saved.Revision)
		}
	}
	return c, nil
}

// keepRevision saves the newest revision c saw beside the saved login it
// used, for the next command. Best effort: a command that succeeded does
// not fail for it.
func (a *app) keepRevision(c *api) {
	rev := c.revs.rev.Load()
	saved, ok, err := a.loadCredentials()
	if err != nil || !ok || saved.Token != c.token || !sameURL(saved.URL, c.url) || rev <= saved.Revision {
		return
	}
	saved.Revision = rev
	_, _ = a.saveCredentials(saved)
}

// transport sends every request of the command line; a variable so that
// tests can see which endpoints the commands reach.
var transport http.RoundTripper = http.DefaultTransport

func newAPIClient(url, token string) (*api, error) {
	revs := &revisionCarrier{next: transport}
	hc := &http.Client{Timeout: time.Minute, Transport: revs}
	// No retries: a person is waiting, Gatehouse answers at once, and some
	// 5xx answers are meant for the person (510 asks for a two-factor code).
	c, err := aiven.NewClient(aiven.HostOpt(url), aiven.TokenOpt(token), aiven.UserAgentOpt("gatehouse-cli"),
		aiven.RetryMaxOpt(0), aiven.DoerOpt(hc))
	if err != nil {
		return nil, err
	}
	return &api{Client: c, url: url, token: token, http: hc, revs: revs}, nil
}

// with wraps a command body that needs an API client.
func (a *app) with(fn func(ctx context.Context, c *api) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		c, err := a.client()
		if err != nil {
			return err
		}
		defer a.keepRevision(c)
		return fn(cmd.Context(), c)
	}
}

// print writes v as a table of columns, or as --json / --format ask.
func (a *app) print(v any, columns ...string) error {
	return output.Printer{W: a.stdout, JSON: a.json, Format: a.format}.Print(v, columns...)
}

// say prints a human message; silent with --json or --format so scripts
// get only data.
func (a *app) say(format string, args ...any) {
	if a.json || a.format != "" {
		return
	}
	for i, v := range args {
		if s, ok := v.(string); ok {
			args[i] = output.Printable(s) // values may come from the server
		}
	}
	fmt.Fprintf(a.stdout, format+"\n", args...)
}

// do sends one request and returns the answer as raw JSON ("{}" when
// empty). Failures are aiven.Error values, as the generated methods give.
func (c *api) do(ctx context.Context, op, method, path string, in any, query ...[2]string) (json.RawMessage, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.url+path, body)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	for _, kv := range query {
		q.Add(kv[0], kv[1])
	}
	req.URL.RawQuery = q.Encode()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "gatehouse-cli")
	req.Header.Set("Authorization", "aivenv1 "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := aiven.Error{OperationID: op, Status: resp.StatusCode}
		if json.Unmarshal(b, &e) != nil || e.Message == "" {
			e.Message = strings.TrimSpace(string(b))
		}
		return nil, e
	}
	if len(bytes.TrimSpace(b)) == 0 {
		b = []byte("{}")
	}
	return b, nil
}

// into is do decoding the answer into out.
func (c *api) into(ctx context.Context, op, method, path string, in, out any, query ...[2]string) error {
	raw, err := c.do(ctx, op, method, path, in, query...)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s: decoding the answer: %w", op, err)
	}
	return nil
}

// field returns one key of a raw JSON object, or the object itself when
// the key is absent (some answers are wrapped, some bare).
func field(raw json.RawMessage, key string) json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) == nil {
		if v, ok := m[key]; ok {
			return v
		}
	}
	return raw
}

// describe turns an error into the line printed before exiting 1: the
// server's own message and status for API errors.
func describe(err error) string {
	var e aiven.Error
	if errors.As(err, &e) {
		msg := e.Message
		if msg == "" {
			msg = http.StatusText(e.Status)
		}
		return output.Printable(fmt.Sprintf("%s (HTTP %d)", msg, e.Status))
	}
	// Server text is escaped: it must not drive the terminal.
	return output.Printable(err.Error())
}

func ptr[T any](v T) *T { return &v }
