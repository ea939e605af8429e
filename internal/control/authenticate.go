package control

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

// touchEvery bounds how often a token's last-used data is written: at most
// once a minute per token, so authenticating is not a database write.
const touchEvery = time.Minute

// tokenCacheTTL bounds how stale a cached token may be. Revocation and
// deactivation on another server take effect within this time.
const tokenCacheTTL = time.Second

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
