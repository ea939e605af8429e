package control

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/mail"
	"github.com/gatehouse-dev/gatehouse/internal/ownership"
	"github.com/gatehouse-dev/gatehouse/internal/serviceuser/backend"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Observer is told what the plane does, for an operator's metrics. The
// methods are called on request paths: they must be cheap and never block.
// Package metrics implements it; control never imports a metrics library.
type Observer interface {
	// Decision is an authorization decision of an operation.
	Decision(allowed bool)
	// TokenCache is an authentication's token-cache lookup.
	TokenCache(hit bool)
	// LoginFailed is a failed password or two-factor check.
	LoginFailed()
	// LoginBlocked is an attempt the login limiter refused before checking.
	LoginBlocked()
	// Call is a call to an outside system ("smtp", "dns", "kafka",
	// "backend") and its result ("ok", "error", or for "dns"
	// "verified", "not_proven", "lookup_failed").
	Call(system, result string)
	// EngineLoaded is a full build of the decision engine from the store.
	EngineLoaded(took time.Duration)
}

// WithObserver sets who is told what the plane does (default: nobody).
func WithObserver(o Observer) Option { return func(p *Plane) { p.obs = o } }

type nopObserver struct{}

func (nopObserver) Decision(bool)              {}
func (nopObserver) TokenCache(bool)            {}
func (nopObserver) LoginFailed()               {}
func (nopObserver) LoginBlocked()              {}
func (nopObserver) Call(string, string)        {}
func (nopObserver) EngineLoaded(time.Duration) {}

// callResult names err's outcome for Observer.Call.
func callResult(err error) string {
	if err != nil {
		return "error"
	}
	return "ok"
}

// proofResult names a domain proof check's outcome for Observer.Call.
func proofResult(err error) string {
	switch {
	case err == nil:
		return "verified"
	case errors.Is(err, ownership.ErrNotProven):
		return "not_proven"
	case errors.Is(err, ownership.ErrLookup):
		return "lookup_failed"
	}
	return "error"
}

// observedMailer counts the mail a configured relay was asked to send.
type observedMailer struct {
	mail.Sender
	obs Observer
}

func (m observedMailer) Send(ctx context.Context, msg mail.Message) error {
	err := m.Sender.Send(ctx, msg)
	if !errors.Is(err, mail.ErrNotConfigured) {
		m.obs.Call("smtp", callResult(err))
	}
	return err
}

// observe wraps the outside systems the plane calls so that each call is
// counted; called once by New after the defaults are set.
func (p *Plane) observe() {
	if p.obs == nil {
		p.obs = nopObserver{}
		return
	}
	p.cfg.mailer = observedMailer{p.cfg.mailer, p.obs}
	open := p.cfg.backends
	p.cfg.backends = func(ctx context.Context, uri string) (backend.Backend, error) {
		b, err := open(ctx, uri)
		p.obs.Call("backend", callResult(err))
		return b, err
	}
}

// checkProof checks a domain's ownership proof, counting the lookup.
func (p *Plane) checkProof(ctx context.Context, kind, name, challenge string) error {
	err := p.cfg.proof.Check(ctx, kind, name, challenge)
	p.obs.Call("dns", proofResult(err))
	return err
}

// followState remembers when the engine last reflected the whole change
// log, for the follow lag of metrics and readiness.
type followState struct {
	mu       sync.Mutex
	caughtUp time.Time
}

func (f *followState) mark(t time.Time) {
	f.mu.Lock()
	f.caughtUp = t
	f.mu.Unlock()
}

func (f *followState) since(now time.Time) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return now.Sub(f.caughtUp)
}

// FollowLag reports how far the engine is behind the store's change log:
// the entries it has not applied yet, and for how long it has not
// reflected the whole log (zero when it is caught up).
func (p *Plane) FollowLag(ctx context.Context) (revisions int64, behind time.Duration, err error) {
	var head int64
	err = p.store.Read(ctx, func(tx store.Reader) error {
		var err error
		head, err = tx.Revision()
		return err
	})
	if err != nil {
		return 0, 0, err
	}
	revisions = head - p.engine.Revision()
	if revisions <= 0 {
		return 0, 0, nil
	}
	return revisions, p.follow.since(time.Now()), nil
}

// ErrNotReady: the server should not be sent requests yet (see Ready).
var ErrNotReady = errors.New("not ready")

// Ready reports whether the server may be sent requests: the database
// answers and the decision engine reflects the change log, or has fallen
// behind it for less than maxLag (a replica following a busy writer is a
// few milliseconds behind all the time; one behind for longer has
// stopped following). Migrations were applied and the engine loaded
// before the server started listening.
func (p *Plane) Ready(ctx context.Context, maxLag time.Duration) error {
	revs, behind, err := p.FollowLag(ctx)
	if err != nil {
		return fmt.Errorf("%w: database: %w", ErrNotReady, err)
	}
	if revs > 0 && behind >= maxLag {
		return fmt.Errorf("%w: the decision engine is %d change-log entries behind, for %s", ErrNotReady, revs, behind.Round(time.Millisecond))
	}
	return nil
}
