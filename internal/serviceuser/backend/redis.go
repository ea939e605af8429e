package backend

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"

	"github.com/redis/go-redis/v9"
)

type redisServer struct {
	client *redis.Client
	admin  string
}

func openRedis(ctx context.Context, uri string, d *net.Dialer) (*redisServer, error) {
	// valkey:// is redis:// to the client.
	if rest, ok := strings.CutPrefix(uri, "valkey://"); ok {
		uri = "redis://" + rest
	} else if rest, ok := strings.CutPrefix(uri, "valkeys://"); ok {
		uri = "rediss://" + rest
	}
	opts, err := redis.ParseURL(uri)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrBadURI, redactErr(err, uri))
	}
	opts.DialTimeout = connectTimeout
	// go-redis's own dialer would bypass d; TLS is then ours to add.
	tlsConfig := opts.TLSConfig
	opts.Dialer = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if tlsConfig == nil {
			return d.DialContext(ctx, network, addr)
		}
		return (&tls.Dialer{NetDialer: d, Config: tlsConfig}).DialContext(ctx, network, addr)
	}
	opts.MaxRetries = 0
	opts.DialerRetries = 1
	opts.PoolSize = 1
	opts.Protocol = 2 // replies as arrays, which every server version speaks
	c := redis.NewClient(opts)
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		return nil, err // OpenVia words it (connectFailure)
	}
	admin := opts.Username
	if admin == "" {
		admin = "default"
	}
	return &redisServer{client: c, admin: admin}, nil
}

func (r *redisServer) Close() error { return r.client.Close() }

// RedisRules returns the ACL SETUSER arguments for u: reset everything,
// enable, set the one password, then keys, channels, categories and
// commands. Lists left unset get the defaults of an Aiven user: every
// key, every channel, every command.
func RedisRules(u User) []string {
	args := []string{"reset", "on", ">" + u.Password}
	rules := u.Rules
	if rules.Keys == nil {
		args = append(args, "~*")
	}
	for _, k := range rules.Keys {
		args = append(args, "~"+k)
	}
	if rules.Channels == nil {
		args = append(args, "&*")
	}
	for _, c := range rules.Channels {
		args = append(args, "&"+c)
	}
	if rules.Categories == nil && rules.Commands == nil {
		args = append(args, "+@all")
	}
	args = append(args, rules.Categories...)
	args = append(args, rules.Commands...)
	return args
}

func (r *redisServer) setUser(ctx context.Context, u User) error {
	args := []any{"ACL", "SETUSER", u.Name}
	for _, a := range RedisRules(u) {
		args = append(args, a)
	}
	if err := r.client.Do(ctx, args...).Err(); err != nil {
		return err
	}
	r.save(ctx)
	return nil
}

// save persists the ACL when the server keeps an ACL file; servers
// without one answer with an error, which is expected.
func (r *redisServer) save(ctx context.Context) { _ = r.client.Do(ctx, "ACL", "SAVE").Err() }

func (r *redisServer) exists(ctx context.Context, name string) (map[string]any, error) {
	v, err := r.client.Do(ctx, "ACL", "GETUSER", name).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return pairs(v), nil
}

// pairs reads ACL GETUSER's reply, a flat key/value array.
func pairs(v any) map[string]any {
	out := map[string]any{}
	switch t := v.(type) {
	case []any:
		for i := 0; i+1 < len(t); i += 2 {
			if k, ok := t[i].(string); ok {
				out[k] = t[i+1]
			}
		}
	case map[any]any:
		for k, val := range t {
			if ks, ok := k.(string); ok {
				out[ks] = val
			}
		}
	}
	return out
}

func (r *redisServer) CreateUser(ctx context.Context, u User) error {
	got, err := r.exists(ctx, u.Name)
	if err != nil {
		return err
	}
	if got != nil {
		return fmt.Errorf("user %q already exists", u.Name)
	}
	return r.setUser(ctx, u)
}

func (r *redisServer) UpdateUser(ctx context.Context, u User) error {
	got, err := r.exists(ctx, u.Name)
	if err != nil {
		return err
	}
	if got == nil {
		return fmt.Errorf("user %q does not exist", u.Name)
	}
	return r.setUser(ctx, u)
}

func (r *redisServer) DropUser(ctx context.Context, name string) error {
	n, err := r.client.Do(ctx, "ACL", "DELUSER", name).Int()
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("user %q does not exist", name)
	}
	// Connections already authenticated as the user are closed, so a
	// deleted user is out at once.
	_ = r.client.Do(ctx, "CLIENT", "KILL", "USER", name).Err()
	r.save(ctx)
	return nil
}

func strs(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func (r *redisServer) Inspect(ctx context.Context, u User) (State, error) {
	got, err := r.exists(ctx, u.Name)
	if err != nil {
		return State{}, err
	}
	if got == nil {
		return State{Detail: "missing on the server"}, nil
	}
	var diffs []string
	if !slices.Contains(strs(got["flags"]), "on") {
		diffs = append(diffs, "disabled")
	}
	sum := sha256.Sum256([]byte(u.Password))
	want := hex.EncodeToString(sum[:])
	pws := strs(got["passwords"])
	if len(pws) != 1 || subtle.ConstantTimeCompare([]byte(pws[0]), []byte(want)) != 1 {
		diffs = append(diffs, "password differs")
	}
	st := State{Exists: true, InSync: len(diffs) == 0, Detail: strings.Join(diffs, ", ")}
	return st, nil
}

func (r *redisServer) ListUsers(ctx context.Context) ([]string, error) {
	names, err := r.client.Do(ctx, "ACL", "USERS").StringSlice()
	if err != nil {
		return nil, err
	}
	out := names[:0]
	for _, n := range names {
		if n != "default" && n != r.admin {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, nil
}
