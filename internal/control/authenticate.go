package control

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/audit"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

// touchEvery bounds how often a token's last use is recorded: at most once
// a minute per token, and then only in memory; RecordTokenUse writes the
// batch (see tokenuse.go), so authenticating is never a database write.
const touchEvery = time.Minute

// tokenCacheTTL bounds how stale a cached token may be. Revocation,
// deletion and deactivation on another server take effect within this
// time; half a second leaves room for a loaded server's read latency
// within the promised second, at the cost of one indexed read per token
// and half second.
const tokenCacheTTL = 500 * time.Millisecond

// Refusal events are rate-limited so that a flood of bad requests cannot
// fill the event log: at most one event per token and reason per
// refusalEvery, and at most refusalBurst events per refusalEvery in all.
const (
	refusalEvery = time.Minute
	refusalBurst = 100
)

const msgBadToken = "Invalid or expired token"

// Authenticate resolves a bearer token to an Actor. The checks run in this
// order: the token's format and checksum (no I/O, so forged tokens cost
// nothing; a token found in the cache passed them when it was cached);
// revocation; expiry; the token's IP allow-list against
// clientIP; the user's state. Known tokens are served from a half-second
// cache, so authenticating costs no database round trip on the hot path.
// Refusals of known tokens are recorded as events in the owner's
// organizations.
func (p *Plane) Authenticate(ctx context.Context, secret, clientIP, userAgent string) (*Actor, error) {
	if len(secret) != token.Len {
		return nil, fail(ErrUnauthenticated, msgBadToken) // not even hashed
	}
	// The hash as a string only when it is used beyond the cache lookup:
	// a cached token costs no allocation to find.
	var hb [token.HashLen]byte
	key := token.AppendHash(hb[:0], secret)
	now := p.now()
	// Only tokens that passed Parse are cached (below), keyed by their
	// hash: a hit is such a token, and is not parsed again.
	e, ok := p.tokens.get(key, now)
	if !ok {
		if _, err := token.Parse(secret); err != nil {
			return nil, fail(ErrUnauthenticated, msgBadToken)
		}
	}
	p.obs.TokenCache(ok)
	if !ok {
		hash := string(key)
		gen := p.tokens.generation()
		var err error
		if e, err = p.loadToken(ctx, hash, now); err != nil {
			return nil, err
		}
		p.tokens.put(hash, e, gen)
	}
	if e.revoked != nil {
		p.refuse(ctx, refusal{hash: string(key), prefix: e.revoked.Prefix, kind: e.revoked.Kind, userID: e.revoked.UserID,
			email: e.revoked.UserEmail, orgIDs: e.revoked.OrganizationIDs, reason: e.revoked.Reason, ip: clientIP})
		return nil, fail(ErrUnauthenticated, msgBadToken)
	}
	st := e.state.Load()
	t, u := &st.Token, &st.User
	if t.Expired(now) {
		p.refuseLive(ctx, string(key), t, u, "expired at "+t.ExpiryTime.UTC().Format(time.RFC3339), clientIP)
		return nil, fail(ErrUnauthenticated, msgBadToken)
	}
	if !e.allow.Empty() {
		addr, _ := netip.ParseAddr(clientIP)
		if !e.allow.Allows(addr) {
			p.refuseLive(ctx, string(key), t, u, "used from "+clientIP+", outside its IP allow-list", clientIP)
			return nil, fail(ErrForbidden, "This token may not be used from %s: the address is outside its IP allow-list", clientIP)
		}
	}
	if !u.Active() {
		p.refuseLive(ctx, string(key), t, u, "its user is deactivated", clientIP)
		return nil, fail(ErrUnauthenticated, "User account is deactivated")
	}
	if e.claimTouch(now) {
		p.recordUse(e, now, clientIP, userAgent)
		st = e.state.Load() // with the extended expiry
	}
	if st.ClientIP == clientIP && st.UserAgent == userAgent {
		return st, nil // the last request's Actor, and this one's
	}
	a := &Actor{User: st.User, Token: st.Token, ClientIP: clientIP, UserAgent: userAgent}
	// The next request from this client reuses it; if the state moved on
	// meanwhile (a recorded use), it keeps the newer one.
	e.state.CompareAndSwap(st, a)
	return a, nil
}

// loadToken reads a token and its user, or the record of its revocation.
func (p *Plane) loadToken(ctx context.Context, hash string, now time.Time) (*cachedToken, error) {
	e := &cachedToken{fetched: now}
	var st Actor
	err := p.read(ctx, func(tx store.Reader) error {
		var err error
		st.Token, err = tx.GetToken(hash)
		if errors.Is(err, store.ErrNotFound) {
			rt, rerr := tx.GetRevokedToken(hash)
			if rerr != nil {
				return rerr
			}
			e.revoked = &rt
			return nil
		}
		if err != nil {
			return err
		}
		st.User, err = tx.GetUser(st.Token.UserID)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, fail(ErrUnauthenticated, msgBadToken)
	}
	if err != nil {
		return nil, err
	}
	if e.revoked == nil {
		p.uses.overlay(&st.Token)
		if e.allow, err = token.ParseAllowlist(st.Token.IPAllowlist); err != nil {
			// Validated when created: a stored list that no longer parses
			// is corrupt, and the token fails closed.
			p.log.Error("stored token allow-list does not parse; refusing the token", "prefix", st.Token.Prefix, "err", err)
			return nil, fail(ErrUnauthenticated, msgBadToken)
		}
	}
	e.state.Store(&st)
	return e, nil
}

// refusal describes a refused token for the event log: its prefix and
// owner, never the secret or its hash.
type refusal struct {
	hash, prefix  string
	kind          token.Kind
	userID, email string
	orgIDs        []string
	reason, ip    string
}

func (p *Plane) refuseLive(ctx context.Context, hash string, t *token.Token, u *identity.User, reason, ip string) {
	p.refuse(ctx, refusal{hash: hash, prefix: t.Prefix, kind: t.Kind, userID: u.ID, email: u.Email, reason: reason, ip: ip})
}

// refuse records a refused token use as an event in its owner's
// organizations, unless the rate limit says enough were recorded.
func (p *Plane) refuse(ctx context.Context, r refusal) {
	if !p.refusals.allow(r.hash+"\x00"+r.reason, p.now()) {
		return
	}
	err := p.mustWrite(ctx, func(tx store.Tx) error {
		orgIDs := r.orgIDs
		if orgIDs == nil {
			var err error
			if orgIDs, err = userOrgs(tx, r.userID); err != nil {
				return err
			}
		}
		return p.orgEvents(tx, orgIDs, audit.Event{ActorUserID: r.userID, ActorEmail: r.email, ActionType: "token_refused",
			Description: fmt.Sprintf("Refused %s token %s of %s: %s", r.kind, r.prefix, r.email, r.reason),
			ClientIP:    r.ip, CreateTime: p.now().UTC()})
	})
	if err != nil {
		p.log.Warn("recording a refused token", "prefix", r.prefix, "err", err)
	}
}

// Logout revokes the session token the actor used, and nothing else.
func (p *Plane) Logout(ctx context.Context, a *Actor) error {
	if err := p.authorizeCaller(a, OpUserLogout); err != nil {
		return err
	}
	err := p.mustWrite(ctx, func(tx store.Tx) error { return tx.DeleteToken(a.Token.Hash) })
	p.tokens.drop(a.Token.Hash)
	return err
}

// cachedToken is a token as one server last read it. Its state is
// replaced, never changed, so the hot path reads it without locks.
type cachedToken struct {
	fetched time.Time
	// revoked is set, and the state empty, for a revoked token: remembered
	// like any other, so a flood of it costs no reads.
	revoked *store.RevokedToken
	allow   token.Allowlist

	// state is the token and its user as last read (and used), as the
	// Actor of the last request authenticated by it: replaced, never
	// changed, like every Actor, so the hot path reads it without locks
	// and a request from the same address and user agent as the last is
	// handed the same Actor instead of a copy.
	state   atomic.Pointer[Actor]
	claimed atomic.Int64 // when this server last claimed the right to record a use (Unix ns)
}

func (c *cachedToken) snapshot() (token.Token, identity.User) {
	s := c.state.Load()
	return s.Token, s.User
}

// claimTouch reports whether the caller should record a use now: the last
// recorded use is at least touchEvery old and no other request of this
// server has claimed the write within touchEvery. Exactly one of many
// concurrent requests wins.
func (c *cachedToken) claimTouch(now time.Time) bool {
	if last := c.state.Load().Token.LastUsedTime; last != nil && now.Sub(*last) < touchEvery {
		return false
	}
	prev := c.claimed.Load()
	if prev != 0 && now.Sub(time.Unix(0, prev)) < touchEvery {
		return false
	}
	return c.claimed.CompareAndSwap(prev, now.UnixNano())
}

func (c *cachedToken) touched(u tokenUse) {
	for {
		old := c.state.Load()
		next := *old
		u.apply(&next.Token)
		if c.state.CompareAndSwap(old, &next) {
			return
		}
	}
}

// tokenCache maps token hashes to recently read tokens and their users.
type tokenCache struct {
	mu sync.RWMutex
	m  map[string]*cachedToken
	// gen counts invalidations: a token read before one is not cached
	// after it, so a revocation pushed while a request was reading the
	// token cannot be undone by that request's put.
	gen uint64
}

const tokenCacheMax = 100_000

func newTokenCache() *tokenCache { return &tokenCache{m: make(map[string]*cachedToken)} }

func (c *tokenCache) get(hash []byte, now time.Time) (*cachedToken, bool) {
	c.mu.RLock()
	e, ok := c.m[string(hash)]
	c.mu.RUnlock()
	if !ok || now.Sub(e.fetched) > tokenCacheTTL || now.Before(e.fetched) {
		return nil, false
	}
	return e, true
}

// generation is read before loading a token, and handed to put.
func (c *tokenCache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

func (c *tokenCache) put(hash string, e *cachedToken, gen uint64) {
	c.mu.Lock()
	if gen != c.gen {
		c.mu.Unlock()
		return // invalidated while it was read: read again next time
	}
	if len(c.m) >= tokenCacheMax {
		clear(c.m) // crude but bounded; entries are re-read within a second anyway
	}
	c.m[hash] = e
	c.mu.Unlock()
}

func (c *tokenCache) drop(hash string) {
	c.mu.Lock()
	delete(c.m, hash)
	c.gen++
	c.mu.Unlock()
}

// dropAll forgets every cached token (invalidations may have been missed).
func (c *tokenCache) dropAll() {
	c.mu.Lock()
	clear(c.m)
	c.gen++
	c.mu.Unlock()
}

// dropUser forgets every cached token of a user (deactivation, deletion).
func (c *tokenCache) dropUser(userID string) {
	c.mu.Lock()
	for h, e := range c.m {
		if e.revoked != nil && e.revoked.UserID == userID || e.revoked == nil && e.state.Load().User.ID == userID {
			delete(c.m, h)
		}
	}
	c.gen++
	c.mu.Unlock()
}

// eventLimiter allows an event per key once per window, and at most burst
// events per window in all.
type eventLimiter struct {
	mu     sync.Mutex
	window time.Duration
	burst  int
	start  time.Time
	count  int
	seen   map[string]time.Time
}

func newEventLimiter(window time.Duration, burst int) *eventLimiter {
	return &eventLimiter{window: window, burst: burst, seen: make(map[string]time.Time)}
}

func (l *eventLimiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.start) >= l.window || now.Before(l.start) {
		l.start, l.count = now, 0
		clear(l.seen) // keys older than a window no longer matter
	}
	if _, dup := l.seen[key]; dup || l.count >= l.burst {
		return false
	}
	l.seen[key] = now
	l.count++
	return true
}
