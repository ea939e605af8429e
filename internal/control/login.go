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
