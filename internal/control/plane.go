// Package control holds Gatehouse's use cases. Each exported method of Plane
// is one operation of the API: it authenticates nothing (the caller passes an
// Actor), checks authorization with the decision engine, and runs its reads
// and writes in one store transaction together with its audit event and its
// change-log entry. Transports (HTTP, tests) call it; it never sees HTTP.
package control

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

// Actor is who performs an operation: an authenticated user (a person or an
// application user) and how they authenticated. An Actor is never changed
// once made: Authenticate hands the same one to every request of a token
// from the same address and user agent, concurrent ones included.
type Actor struct {
	User      identity.User
	Token     token.Token
	ClientIP  string
	UserAgent string
}

// Plane runs the use cases.
type Plane struct {
	store  store.Store
	engine *authz.Engine
	log    *slog.Logger
	now    func() time.Time

	syncMu sync.Mutex // serialises applying change-log entries to the engine

	limiter  *loginLimiter // failed logins and password re-checks
	resets   *loginLimiter // anonymous password-reset requests, apart so they never lock a login
	hashing  *hashSlots
	tokens   *tokenCache
	refusals *eventLimiter // rate-limits refused-token events
	uses     *useBatch     // token uses waiting to be written
	policies *policyCache
	members  *memberCache // organization memberships found, for batch checks

	passwords *identity.PasswordHasher

	cfg settings

	kafka kafkaAuthorizers // compiled Kafka ACLs per service

	obs     Observer    // metrics; nopObserver by default
	follow  followState // when the engine last reflected the whole change log
	checked func(Op)    // told every operation authorize checks (tests); nil otherwise
}

// Option configures a Plane.
type Option func(*Plane)

// WithClock replaces the wall clock (tests).
func WithClock(now func() time.Time) Option { return func(p *Plane) { p.now = now } }

// WithCheckRecorder has f told the operation of every authorization check,
// so tests can prove each route authorizes with its own operation. f must
// be safe for concurrent use. Without it authorize pays one nil check.
func WithCheckRecorder(f func(Op)) Option { return func(p *Plane) { p.checked = f } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(p *Plane) { p.log = l } }

// New returns a Plane over st, with the decision engine built from the
// store's current contents.
func New(ctx context.Context, st store.Store, opts ...Option) (*Plane, error) {
	members := newMemberCache()
	p := &Plane{
		store:   seamStore{Store: st, written: members.dropAll},
		engine:  authz.NewEngine(),
		log:     slog.Default(),
		now:     time.Now,
		members: members,
	}
	for _, o := range opts {
		o(p)
	}
	if p.hashing == nil {
		p.hashing = newHashSlots(0, 0)
	}
	p.cfg.applyDefaults()
	p.observe()
	if p.cfg.keyringErr != nil {
		return nil, fmt.Errorf("secret keys: %w", p.cfg.keyringErr)
	}
	p.limiter = newLoginLimiter(p.now)
	p.resets = newLoginLimiter(p.now)
	p.tokens = newTokenCache()
	p.refusals = newEventLimiter(refusalEvery, refusalBurst)
	p.uses = newUseBatch()
	p.policies = newPolicyCache()
	p.passwords = identity.NewPasswordHasher(p.cfg.passwordParams)
	if err := p.loadEngine(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

// Engine exposes the decision engine (read-only use: benchmarks, checks).
func (p *Plane) Engine() *authz.Engine { return p.engine }

// Revision is the change-log revision the local engine reflects.
func (p *Plane) Revision() int64 { return p.engine.Revision() }

// Follow applies other servers' changes from the shared store's change log
// until ctx ends. The store pushes each commit (PostgreSQL: LISTEN/NOTIFY
// on a dedicated connection), so a grant, revocation or deactivation made
// on one server reaches every follower within milliseconds; deleted tokens
// leave the token cache by the same push. The poll every interval is the
// fallback while the push is down (it reconnects by itself).
func (p *Plane) Follow(ctx context.Context, interval time.Duration) {
	wake := make(chan struct{}, 1)
	listening := make(chan struct{})
	go func() {
		defer close(listening)
		p.store.Listen(ctx, func(n store.Notice) {
			switch {
			case n.TokenHash != "":
				p.tokens.drop(n.TokenHash)
			case n.TokenUserID != "":
				p.tokens.dropUser(n.TokenUserID)
			case n.Resync:
				p.tokens.dropAll()
				p.members.dropAll()
			}
			if n.Resync || n.Revision > p.engine.Revision() {
				select {
				case wake <- struct{}{}:
				default: // a sync is already due; it reads every entry
				}
			}
		})
	}()
	defer func() { <-listening }()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-t.C:
		}
		if err := p.sync(ctx); err != nil && ctx.Err() == nil {
			p.log.Warn("following the change log failed", "err", err)
		}
	}
}
