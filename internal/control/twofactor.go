package control

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"image/png"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

// Two-factor operations (Aiven's user handler).
const (
	OpTwoFactorAuthConfigure    Op = "TwoFactorAuthConfigure"
	OpTwoFactorAuthConfigureOTP Op = "TwoFactorAuthConfigureOTP"
)

func init() {
	addRequirements(map[Op]rule{
		OpTwoFactorAuthConfigure:    {authenticated: true},
		OpTwoFactorAuthConfigureOTP: {authenticated: true},
	})
}

// TOTP parameters: RFC 6238 defaults, which every authenticator app reads.
const (
	totpPeriod = 30
	totpSkew   = 1 // one step either side, for clocks a little off
	totpIssuer = "Gatehouse"
)

// TwoFactorSetup is the answer to a two-factor configuration request.
type TwoFactorSetup struct {
	Method string // "otp" or "" (disabled)
	URI    string // otpauth:// URI, only while enrolling
	QRCode string // the URI as a base64 PNG, only while enrolling
}

// ConfigureTwoFactor starts TOTP enrolment (method "otp") or turns
// two-factor authentication off (method ""), after checking the actor's
// password. Enrolment returns the secret once, as an otpauth URI; it is
// active only after ConfirmTOTP.
func (p *Plane) ConfigureTwoFactor(ctx context.Context, a *Actor, method, password string) (TwoFactorSetup, error) {
	if err := p.authorizeCaller(a, OpTwoFactorAuthConfigure); err != nil {
		return TwoFactorSetup{}, err
	}
	if method != "" && method != "otp" {
		return TwoFactorSetup{}, fail(ErrInvalid, "method must be \"otp\" or empty (to disable two-factor authentication)")
	}
	if err := p.checkOwnPassword(ctx, a, password); err != nil {
		return TwoFactorSetup{}, err
	}
	if method == "" {
		err := p.write(ctx, func(tx store.Tx) error {
			if err := tx.DeleteTwoFactor(a.User.ID); err != nil {
				return notFound(err, "Two-factor authentication is not enabled")
			}
			return p.eventForUserOrgs(tx, a.User, a.ClientIP, "user_2fa_disable", "Disabled two-factor authentication")
		})
		return TwoFactorSetup{}, err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: a.User.Email, Period: totpPeriod})
	if err != nil {
		return TwoFactorSetup{}, err
	}
	err = p.write(ctx, func(tx store.Tx) error {
		cur, err := tx.GetTwoFactor(a.User.ID)
		if err == nil && cur.Confirmed {
			return fail(ErrConflict, "Two-factor authentication is already enabled; disable it first to enrol a new device")
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return tx.SetTwoFactor(identity.TwoFactor{UserID: a.User.ID, Secret: p.seal(key.Secret(), a.User.ID), UpdateTime: p.now().UTC()})
	})
	if err != nil {
		return TwoFactorSetup{}, err
	}
	out := TwoFactorSetup{Method: "otp", URI: key.URL()}
	if img, err := key.Image(200, 200); err == nil {
		var buf bytes.Buffer
		if png.Encode(&buf, img) == nil {
			out.QRCode = base64.StdEncoding.EncodeToString(buf.Bytes())
		}
	}
	return out, nil
}

// ConfirmTOTP completes enrolment: the otpauth URI must be the one given
// at enrolment and code a current code from it. Two-factor authentication
// is then on, and a new session token that counts as signed in with two
// factors is returned.
func (p *Plane) ConfirmTOTP(ctx context.Context, a *Actor, code, password, uri string) (string, error) {
	if err := p.authorizeCaller(a, OpTwoFactorAuthConfigureOTP); err != nil {
		return "", err
	}
	if err := p.checkOwnPassword(ctx, a, password); err != nil {
		return "", err
	}
	key, err := otp.NewKeyFromURL(uri)
	if err != nil || key.Secret() == "" {
		return "", fail(ErrInvalid, "uri must be the otpauth:// URI returned when two-factor authentication was configured")
	}
	var secret string
	err = p.write(ctx, func(tx store.Tx) error {
		tf, err := tx.GetTwoFactor(a.User.ID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && tf.Confirmed) {
			return fail(ErrConflict, "No two-factor enrolment is in progress; configure method \"otp\" first")
		}
		if err != nil {
			return err
		}
		want, err := p.unseal(tf.Secret, a.User.ID)
		if err != nil {
			return err
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(key.Secret())) != 1 {
			return fail(ErrInvalid, "uri does not match the enrolment in progress")
		}
		step, ok := p.matchTOTP(want, code, tf.LastStep)
		if !ok {
			return fail(identity.ErrBadCredentials, "Invalid one-time password")
		}
		tf.Confirmed, tf.LastStep, tf.UpdateTime = true, step, p.now().UTC()
		if err := tx.SetTwoFactor(tf); err != nil {
			return err
		}
		n, err := p.endPasswordOnlySessions(tx, a)
		if err != nil {
			return err
		}
		if secret, err = p.sessionFrom(tx, a, a.User, true); err != nil {
			return err
		}
		return p.eventForUserOrgs(tx, a.User, a.ClientIP, "user_2fa_enable",
			fmt.Sprintf("Enabled two-factor authentication (TOTP); ended %d other password-only sessions", n))
	})
	if err == nil {
		p.tokens.dropUser(a.User.ID)
	}
	return secret, err
}

// endPasswordOnlySessions ends the actor's other sessions that were
// signed in without a second factor: turning two-factor on is what a
// person does when a password may be known to someone else, whose session
// must not outlive it. The session in use stays; personal tokens are
// revoked separately (they are not sessions).
func (p *Plane) endPasswordOnlySessions(tx store.Tx, a *Actor) (int, error) {
	ts, err := tx.ListTokens(a.User.ID)
	if err != nil {
		return 0, err
	}
	var ended []token.Token
	for _, t := range ts {
		if t.Kind != token.KindSession || t.TwoFactor || t.Hash == a.Token.Hash {
			continue
		}
		if err := tx.DeleteToken(t.Hash); err != nil {
			return 0, err
		}
		ended = append(ended, t)
	}
	if len(ended) == 0 {
		return 0, nil
	}
	orgs, err := userOrgs(tx, a.User.ID)
	if err != nil {
		return 0, err
	}
	return len(ended), p.remember(tx, a.User, orgs, "two-factor enabled", ended...)
}

// matchTOTP checks code against the steps around now and returns the step
// it matched. Steps at or before last were used already: refusing them
// stops a code seen over someone's shoulder from being replayed.
func (p *Plane) matchTOTP(secret, code string, last int64) (int64, bool) {
	if len(code) != 6 {
		return 0, false
	}
	now := p.now()
	cur := now.Unix() / totpPeriod
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		step := cur + d
		if step <= last {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0), totp.ValidateOpts{
			Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// useTOTP checks a login code against a user's confirmed enrolment and
// records its step so that it cannot be used again.
func (p *Plane) useTOTP(ctx context.Context, userID, code string) error {
	// Detached: a code checked must be recorded as used, whoever hangs up.
	return p.mustWrite(ctx, func(tx store.Tx) error {
		tf, err := tx.GetTwoFactor(userID)
		if err != nil {
			return err
		}
		secret, err := p.unseal(tf.Secret, userID)
		if err != nil {
			return err
		}
		step, ok := p.matchTOTP(secret, code, tf.LastStep)
		if !ok {
			return fail(identity.ErrBadCredentials, "Invalid one-time password")
		}
		tf.LastStep, tf.UpdateTime = step, p.now().UTC()
		return tx.SetTwoFactor(tf)
	})
}

// checkOwnPassword re-checks the signed-in person's password before a
// sensitive change; failures count towards the login limiter.
func (p *Plane) checkOwnPassword(ctx context.Context, a *Actor, password string) error {
	if a.User.IsApplication {
		return fail(ErrForbidden, "Application users have no password")
	}
	at, wait := p.limiter.reserve(a.User.Email, a.ClientIP)
	if wait > 0 {
		p.obs.LoginBlocked()
		return tooMany(wait, "too many failed attempts; try again in %d seconds", seconds(wait))
	}
	var u identity.User
	err := p.read(ctx, func(tx store.Reader) error {
		var err error
		u, err = tx.GetUser(a.User.ID)
		return err
	})
	if err != nil {
		p.limiter.cancel(a.User.Email, a.ClientIP, at)
		return err
	}
	ok, err := p.verifyPassword(ctx, u.PasswordHash, password)
	if err != nil {
		p.limiter.cancel(a.User.Email, a.ClientIP, at)
		return err
	}
	if !ok {
		p.limiter.failed(a.User.Email)
		return fail(ErrForbidden, "Current password is incorrect")
	}
	p.limiter.succeeded(a.User.Email, a.ClientIP, at)
	return nil
}
