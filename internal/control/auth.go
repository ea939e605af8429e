package control

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/audit"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

// Session tokens from a password login live this long unless used; each use
// within a day of expiry extends them (Aiven's web sessions behave alike).
const sessionMaxAge = 30 * 24 * time.Hour

// touchEvery bounds how often a token's last-used data is written: at most
// once a minute per token, so authenticating is not a database write.
const touchEvery = time.Minute

// tokenCacheTTL bounds how stale a cached token may be. Revocation and
// deactivation on another server take effect within this time.
const tokenCacheTTL = time.Second

// LoginResult is what a successful login returns.
type LoginResult struct {
	Token string
	User  identity.User
}

// Login checks an email and password and issues a session token. Every
// failure looks the same to the caller; repeated failures per email and per
// client address are throttled.
func (p *Plane) Login(ctx context.Context, email, password, otp, clientIP, userAgent string) (LoginResult, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" || password == "" {
		return LoginResult{}, fail(ErrInvalid, "email and password are required")
	}
	if wait := p.limiter.blocked(email, clientIP); wait > 0 {
		return LoginResult{}, fail(ErrTooManyRequests, "too many failed login attempts; try again in %d seconds", int(wait.Seconds())+1)
	}
	var u identity.User
	err := p.store.Read(ctx, func(tx store.Tx) error {
		var err error
		u, err = tx.GetUserByEmail(email)
		return err
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return LoginResult{}, err
	}
	// VerifyPassword spends the same time whether or not the user exists.
	ok := identity.VerifyPassword(u.PasswordHash, password) && err == nil && !u.IsApplication && u.Active()
	if !ok {
		p.limiter.failed(email, clientIP)
		p.recordLoginFailure(ctx, u, email, clientIP)
		return LoginResult{}, fail(identity.ErrBadCredentials, "Authentication failed")
	}
	p.limiter.succeeded(email)
	secret, hash, prefix := token.New(token.KindSession)
	now := p.now().UTC()
	expiry := now.Add(sessionMaxAge)
	maxAge := int64(sessionMaxAge / time.Second)
	t := token.Token{
		Hash: hash, Prefix: prefix, Kind: token.KindSession, UserID: u.ID,
		Description: "login session", CreateTime: now, ExpiryTime: &expiry,
		MaxAgeSeconds: &maxAge, ExtendWhenUsed: true, LastIP: clientIP, LastUserAgent: userAgent, LastUsedTime: &now,
	}
	err = p.store.Write(ctx, func(tx store.Tx) error {
		if err := tx.CreateToken(t); err != nil {
			return err
		}
		return p.eventForUserOrgs(tx, u, clientIP, "user_login", "Logged in with password")
	})
	if err != nil {
		return LoginResult{}, err
	}
	return LoginResult{Token: secret, User: u}, nil
}

func (p *Plane) recordLoginFailure(ctx context.Context, u identity.User, email, clientIP string) {
	if u.ID == "" {
		return // no organization to log an unknown email against
	}
	err := p.store.Write(ctx, func(tx store.Tx) error {
		return p.eventForUserOrgs(tx, u, clientIP, "user_login_failed", "Failed login attempt for "+email)
	})
	if err != nil {
		p.log.Warn("recording a failed login", "err", err)
	}
}

// eventForUserOrgs writes one event into each organization the user belongs to.
func (p *Plane) eventForUserOrgs(tx store.Tx, u identity.User, clientIP, action, desc string) error {
	ms, err := tx.ListUserMemberships(u.ID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		o, err := tx.GetOrganization(m.OrganizationID)
		if err != nil {
			return err
		}
		if _, err := tx.AppendEvent(audit.Event{
			OrganizationID: o.ID, AccountID: o.AccountID, ActorUserID: u.ID, ActorEmail: u.Email,
			ActionType: action, Description: desc, ClientIP: clientIP, CreateTime: p.now().UTC(),
		}); err != nil {
			return err
		}
	}
	return nil
}

// Authenticate resolves a bearer token to an Actor. Malformed tokens are
// refused before any lookup; known tokens are served from a short-lived
// cache so authenticating costs no database round trip on the hot path.
func (p *Plane) Authenticate(ctx context.Context, secret, clientIP, userAgent string) (*Actor, error) {
	if _, err := token.Parse(secret); err != nil {
		return nil, fail(ErrUnauthenticated, "Invalid or expired token")
	}
	hash := token.Hash(secret)
	now := p.now()
	e, ok := p.tokens.get(hash, now)
	if !ok {
		var t token.Token
		var u identity.User
		err := p.store.Read(ctx, func(tx store.Tx) error {
			var err error
			if t, err = tx.GetToken(hash); err != nil {
				return err
			}
			u, err = tx.GetUser(t.UserID)
			return err
		})
		if errors.Is(err, store.ErrNotFound) {
			return nil, fail(ErrUnauthenticated, "Invalid or expired token")
		}
		if err != nil {
			return nil, err
		}
		e = &cachedToken{token: t, user: u, fetched: now}
		p.tokens.put(hash, e)
	}
	t, u := e.snapshot()
	if t.Expired(now) {
		return nil, fail(ErrUnauthenticated, "Invalid or expired token")
	}
	if !u.Active() {
		return nil, fail(ErrUnauthenticated, "User account is deactivated")
	}
	if t.LastUsedTime == nil || now.Sub(*t.LastUsedTime) >= touchEvery {
		p.touch(ctx, e, now, clientIP, userAgent)
	}
	return &Actor{User: u, Token: t, ClientIP: clientIP, UserAgent: userAgent}, nil
}

func (p *Plane) touch(ctx context.Context, e *cachedToken, now time.Time, ip, ua string) {
	t, _ := e.snapshot()
	var expiry *time.Time
	if t.ExtendWhenUsed && t.MaxAgeSeconds != nil {
		x := now.UTC().Add(time.Duration(*t.MaxAgeSeconds) * time.Second)
		expiry = &x
	} else {
		expiry = t.ExpiryTime
	}
	at := now.UTC()
	err := p.store.Write(ctx, func(tx store.Tx) error { return tx.TouchToken(t.Hash, at, ip, ua, expiry) })
	if err != nil {
		p.log.Warn("recording token use", "err", err)
		return
	}
	e.touched(at, ip, ua, expiry)
}

// Logout revokes the session token the actor used, and nothing else.
func (p *Plane) Logout(ctx context.Context, a *Actor) error {
	err := p.store.Write(ctx, func(tx store.Tx) error { return tx.DeleteToken(a.Token.Hash) })
	p.tokens.drop(a.Token.Hash)
	return err
}

type cachedToken struct {
	mu      sync.Mutex
	token   token.Token
	user    identity.User
	fetched time.Time
}

func (c *cachedToken) snapshot() (token.Token, identity.User) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token, c.user
}

func (c *cachedToken) touched(at time.Time, ip, ua string, expiry *time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.token.LastUsedTime, c.token.LastIP, c.token.LastUserAgent, c.token.ExpiryTime = &at, ip, ua, expiry
}

// tokenCache maps token hashes to recently read tokens and their users.
type tokenCache struct {
	mu sync.RWMutex
	m  map[string]*cachedToken
}

const tokenCacheMax = 100_000

func newTokenCache() *tokenCache { return &tokenCache{m: make(map[string]*cachedToken)} }

func (c *tokenCache) get(hash string, now time.Time) (*cachedToken, bool) {
	c.mu.RLock()
	e, ok := c.m[hash]
	c.mu.RUnlock()
	if !ok || now.Sub(e.fetched) > tokenCacheTTL || now.Before(e.fetched) {
		return nil, false
	}
	return e, true
}

func (c *tokenCache) put(hash string, e *cachedToken) {
	c.mu.Lock()
	if len(c.m) >= tokenCacheMax {
		clear(c.m) // crude but bounded; entries are re-read within a second anyway
	}
	c.m[hash] = e
	c.mu.Unlock()
}

func (c *tokenCache) drop(hash string) {
	c.mu.Lock()
	delete(c.m, hash)
	c.mu.Unlock()
}

// dropUser forgets every cached token of a user (deactivation, deletion).
func (c *tokenCache) dropUser(userID string) {
	c.mu.Lock()
	for h, e := range c.m {
		if e.user.ID == userID {
			delete(c.m, h)
		}
	}
	c.mu.Unlock()
}

// loginLimiter throttles password guessing: after maxFailures failures for
// one email or one client address within window, further attempts are
// refused until the window has passed.
type loginLimiter struct {
	mu    sync.Mutex
	now   func() time.Time
	fails map[string][]time.Time
}

const (
	maxFailures    = 5
	failureWindow  = 15 * time.Minute
	maxLimiterKeys = 100_000
)

func newLoginLimiter(now func() time.Time) *loginLimiter {
	return &loginLimiter{now: now, fails: make(map[string][]time.Time)}
}

func (l *loginLimiter) blocked(email, ip string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var wait time.Duration
	for _, k := range []string{"e:" + email, "i:" + ip} {
		ts := l.prune(k, now)
		if len(ts) >= maxFailures {
			if w := ts[0].Add(failureWindow).Sub(now); w > wait {
				wait = w
			}
		}
	}
	return wait
}

func (l *loginLimiter) failed(email, ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.fails) >= maxLimiterKeys {
		clear(l.fails)
	}
	now := l.now()
	for _, k := range []string{"e:" + email, "i:" + ip} {
		l.fails[k] = append(l.prune(k, now), now)
	}
}

func (l *loginLimiter) succeeded(email string) {
	l.mu.Lock()
	delete(l.fails, "e:"+email)
	l.mu.Unlock()
}

func (l *loginLimiter) prune(k string, now time.Time) []time.Time {
	ts := l.fails[k]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) > failureWindow {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(l.fails, k)
		return nil
	}
	l.fails[k] = ts
	return ts
}
