package control

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/audit"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
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

// Login checks an email, password and (for people who enrolled in
// two-factor authentication) a TOTP code, and issues a session token that
// remembers how the person signed in. Every failure looks the same to the
// caller; repeated failures per email and per client address are throttled.
func (p *Plane) Login(ctx context.Context, email, password, otp, clientIP, userAgent string) (LoginResult, error) {
	u, twoFactor, err := p.checkCredentials(ctx, email, password, otp, clientIP)
	if err != nil {
		return LoginResult{}, err
	}
	if err := p.refuseLinkedPassword(ctx, u); err != nil {
		return LoginResult{}, err
	}
	var secret string
	err = p.store.Write(ctx, func(tx store.Tx) error {
		var err error
		if secret, err = p.newSession(tx, u, twoFactor, clientIP, userAgent); err != nil {
			return err
		}
		desc := "Logged in with password"
		if twoFactor {
			desc += " and two-factor authentication"
		}
		return p.eventForUserOrgs(tx, u, clientIP, "user_login", desc)
	})
	if err != nil {
		return LoginResult{}, err
	}
	return LoginResult{Token: secret, User: u}, nil
}

// refuseLinkedPassword refuses a password sign-in of a person whose email
// is on a domain linked to an identity provider of an organization whose
// policy disallows passwords: that person signs in through the provider.
func (p *Plane) refuseLinkedPassword(ctx context.Context, u identity.User) error {
	return p.read(ctx, func(tx store.Reader) error {
		m, pol, ok, err := p.linkedMethod(tx, u.Email)
		if err != nil || !ok || pol.PasswordAuthEnabled {
			return err
		}
		return fail(ErrForbidden, "Password sign-in is disabled for %s: sign in through %q at %s", org.EmailDomain(u.Email), m.Name, p.SSOEndpoints(m).Login)
	})
}

// checkCredentials verifies a person's password and, when they enrolled in
// two-factor authentication, their TOTP code; it reports whether a second
// factor was checked. Failures are throttled and logged.
func (p *Plane) checkCredentials(ctx context.Context, email, password, otp, clientIP string) (identity.User, bool, error) {
	// An attempt once received is decided and, when it fails, recorded,
	// even if the client hangs up meanwhile: hanging up must not be a way
	// to guess passwords off the record.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), bookkeepingTimeout)
	defer cancel()
	email = org.CanonicalEmail(email)
	if email == "" || password == "" {
		return identity.User{}, false, fail(ErrInvalid, "email and password are required")
	}
	// The attempt counts as a failure from before the hash is computed,
	// so concurrent guesses cannot all pass the check before any is
	// recorded; a right password gives the reservation back.
	at, wait := p.limiter.reserve(email, clientIP)
	if wait > 0 {
		p.obs.LoginBlocked()
		return identity.User{}, false, tooMany(wait, "too many failed login attempts; try again in %d seconds", seconds(wait))
	}
	var (
		u  identity.User
		tf identity.TwoFactor
	)
	err := p.store.Read(ctx, func(tx store.Reader) error {
		var err error
		if u, err = tx.GetUserByEmail(email); err != nil {
			return err
		}
		tf, err = tx.GetTwoFactor(u.ID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		p.limiter.cancel(email, clientIP, at)
		return u, false, err
	}
	// The hash costs the same whether or not the user exists.
	match, herr := p.verifyPassword(ctx, u.PasswordHash, password)
	if herr != nil {
		p.limiter.cancel(email, clientIP, at) // nothing was tried
		return identity.User{}, false, herr
	}
	if !match || err != nil || u.IsApplication || !u.Active() {
		p.limiter.failed(email)
		p.recordLoginFailure(ctx, u, email, clientIP)
		return identity.User{}, false, fail(identity.ErrBadCredentials, "Authentication failed")
	}
	if !tf.Confirmed {
		p.limiter.succeeded(email, clientIP, at)
		return u, false, nil
	}
	if otp == "" {
		// The password was right; asking for the code is the normal second
		// step, not a failure.
		p.limiter.cancel(email, clientIP, at)
		return identity.User{}, false, fail(identity.ErrBadCredentials, "Two-factor authentication code required: send it as otp")
	}
	if err := p.useTOTP(ctx, u.ID, otp); err != nil {
		if errors.Is(err, identity.ErrBadCredentials) {
			p.limiter.failed(email)
			p.recordLoginFailure(ctx, u, email, clientIP)
		} else {
			p.limiter.cancel(email, clientIP, at)
		}
		return identity.User{}, false, err
	}
	p.limiter.succeeded(email, clientIP, at)
	return u, true, nil
}

// newSession stores a session token for u and returns its secret.
func (p *Plane) newSession(tx store.Tx, u identity.User, twoFactor bool, clientIP, userAgent string) (string, error) {
	secret, t := p.sessionToken(u, twoFactor, clientIP, userAgent)
	return secret, tx.CreateToken(t)
}

// sessionToken makes a password-login session token for u: its secret and
// what is stored.
func (p *Plane) sessionToken(u identity.User, twoFactor bool, clientIP, userAgent string) (string, token.Token) {
	secret, hash, prefix := token.New(token.KindSession)
	now := p.now().UTC()
	expiry := now.Add(sessionMaxAge)
	maxAge := int64(sessionMaxAge / time.Second)
	t := token.Token{
		Hash: hash, Prefix: prefix, Kind: token.KindSession, UserID: u.ID,
		Description: "login session", CreateTime: now, ExpiryTime: &expiry,
		MaxAgeSeconds: &maxAge, ExtendWhenUsed: true, LastIP: clientIP, LastUserAgent: userAgent, LastUsedTime: &now,
		AuthMethod: token.AuthMethodPassword, TwoFactor: twoFactor,
	}
	return secret, t
}

func (p *Plane) recordLoginFailure(ctx context.Context, u identity.User, email, clientIP string) {
	p.obs.LoginFailed()
	if u.ID == "" {
		return // no organization to log an unknown email against
	}
	err := p.mustWrite(ctx, func(tx store.Tx) error {
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
// one email, or maxIPFailures from one client address, within window,
// further attempts are refused until the window has passed. The address
// threshold is higher because many people can share one address (NAT, an
// office proxy) and one person's typos must not lock out the rest.
//
// An attempt is reserved (counted as a failure) before the password is
// hashed, in the same critical section as the check, and given back when
// it succeeds: however many guesses arrive at once, at most the limit are
// ever hashed.
type loginLimiter struct {
	mu    sync.Mutex
	now   func() time.Time
	fails map[string][]time.Time
	// pending counts an email's reserved attempts not yet judged. A right
	// password forgives the email's failures only when no other attempt
	// is in flight: forgiving while guesses are still being hashed would
	// free their slots for more guesses.
	pending map[string]int
}

const (
	maxFailures    = 5
	maxIPFailures  = 50
	failureWindow  = 15 * time.Minute
	maxLimiterKeys = 100_000
)

func newLoginLimiter(now func() time.Time) *loginLimiter {
	return &loginLimiter{now: now, fails: make(map[string][]time.Time), pending: make(map[string]int)}
}

func limiterKeys(email, ip string) [2]string { return [2]string{"e:" + email, "i:" + ip} }

// reserve counts one attempt for email and ip, unless either is at its
// limit: then it reports how long to wait and counts nothing. The returned
// time names the reservation for cancel and succeeded.
func (l *loginLimiter) reserve(email, ip string) (time.Time, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var wait time.Duration
	for _, k := range limiterKeys(email, ip) {
		ts := l.prune(k, now)
		limit := maxFailures
		if k[0] == 'i' {
			limit = maxIPFailures
		}
		if len(ts) >= limit {
			if w := ts[len(ts)-limit].Add(failureWindow).Sub(now); w > wait {
				wait = w
			}
		}
	}
	if wait > 0 {
		return time.Time{}, wait
	}
	if len(l.fails) >= maxLimiterKeys {
		clear(l.fails)
		clear(l.pending)
	}
	for _, k := range limiterKeys(email, ip) {
		l.fails[k] = append(l.fails[k], now)
	}
	l.pending["e:"+email]++
	return now, 0
}

// settle marks one of email's attempts judged; l.mu is held.
func (l *loginLimiter) settle(email string) (stillPending int) {
	k := "e:" + email
	if l.pending[k] <= 1 {
		delete(l.pending, k)
		return 0
	}
	l.pending[k]--
	return l.pending[k]
}

// failed marks a reserved attempt judged wrong: its reservation stays as
// the failure it was counted as.
func (l *loginLimiter) failed(email string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.settle(email)
}

// cancel gives back a reservation whose attempt was never judged (the
// password could not be checked).
func (l *loginLimiter) cancel(email, ip string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.settle(email)
	for _, k := range limiterKeys(email, ip) {
		l.drop(k, at)
	}
}

// succeeded forgets email's failures and gives back the address's
// reservation: a right password is no failure. While other attempts for
// the email are still being judged, nothing is forgiven and the attempt
// keeps its place, so concurrent guesses never exceed the limit.
func (l *loginLimiter) succeeded(email, ip string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.settle(email) > 0 {
		return
	}
	delete(l.fails, "e:"+email)
	l.drop("i:"+ip, at)
}

// drop removes one entry at time at from key k.
func (l *loginLimiter) drop(k string, at time.Time) {
	ts := l.fails[k]
	for i := len(ts) - 1; i >= 0; i-- {
		if ts[i].Equal(at) {
			ts = append(ts[:i:i], ts[i+1:]...)
			break
		}
	}
	if len(ts) == 0 {
		delete(l.fails, k)
		return
	}
	l.fails[k] = ts
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

// seconds rounds a wait up to whole seconds for messages.
func seconds(d time.Duration) int { return int((d + time.Second - 1) / time.Second) }
