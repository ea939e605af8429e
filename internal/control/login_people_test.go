package control

import (
	"fmt"
	"github.com/gatehouse-dev/gatehouse/internal/secret"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

// session logs in and returns the actor of the new session.
func (f *peopleFixture) session(t *testing.T, email, password, code, ip string) *Actor {
	t.Helper()
	res, err := f.p.Login(t.Context(), email, password, code, ip, "test")
	if err != nil {
		t.Fatalf("Login(%s): %v", email, err)
	}
	a, err := f.p.Authenticate(t.Context(), res.Token, ip, "test")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func codeAt(t *testing.T, uri string, at time.Time) string {
	t.Helper()
	key, err := otp.NewKeyFromURL(uri)
	if err != nil {
		t.Fatal(err)
	}
	c, err := totp.GenerateCode(key.Secret(), at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTwoFactorEnrolmentAndLogin(t *testing.T) {
	t.Parallel()
	f := newPeopleFixture(t, WithSecretKeys(secret.NewKey()))
	ctx := t.Context()
	a := f.session(t, "admin@example.com", "admin password 1", "", "192.0.2.1")
	if a.Token.AuthMethod != token.AuthMethodPassword || a.Token.TwoFactor {
		t.Fatalf("password session recorded as %q 2fa=%v", a.Token.AuthMethod, a.Token.TwoFactor)
	}

	_, err := f.p.ConfigureTwoFactor(ctx, a, "otp", "wrong password")
	wantErr(t, err, ErrForbidden)
	_, err = f.p.ConfigureTwoFactor(ctx, a, "sms", "admin password 1")
	wantErr(t, err, ErrInvalid)
	setup, err := f.p.ConfigureTwoFactor(ctx, a, "otp", "admin password 1")
	if err != nil || setup.Method != "otp" || !strings.HasPrefix(setup.URI, "otpauth://totp/") || setup.QRCode == "" {
		t.Fatalf("ConfigureTwoFactor = %+v, %v", setup, err)
	}
	// Until confirmed, login needs no code.
	f.session(t, "admin@example.com", "admin password 1", "", "192.0.2.1")

	// The stored secret is sealed: the URI's secret is nowhere in the row.
	var tf identity.TwoFactor
	_ = f.p.store.Read(ctx, func(tx store.Reader) error { tf, err = tx.GetTwoFactor(a.User.ID); return err })
	key, _ := otp.NewKeyFromURL(setup.URI)
	if strings.Contains(tf.Secret, key.Secret()) || !strings.HasPrefix(tf.Secret, sealedPrefix) {
		t.Fatalf("secret stored unsealed: %q", tf.Secret)
	}

	other, _ := otp.NewKeyFromURL("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP")
	_, err = f.p.ConfirmTOTP(ctx, a, codeAt(t, other.URL(), f.clock.Now()), "admin password 1", other.URL())
	wantErr(t, err, ErrInvalid) // someone else's URI
	_, err = f.p.ConfirmTOTP(ctx, a, "000000", "admin password 1", setup.URI)
	wantErr(t, err, identity.ErrBadCredentials)
	tok, err := f.p.ConfirmTOTP(ctx, a, codeAt(t, setup.URI, f.clock.Now()), "admin password 1", setup.URI)
	if err != nil {
		t.Fatalf("ConfirmTOTP: %v", err)
	}
	b, err := f.p.Authenticate(ctx, tok, "192.0.2.1", "test")
	if err != nil || !b.Token.TwoFactor {
		t.Fatalf("session after confirmation: %+v, %v", b, err)
	}
	_, err = f.p.ConfigureTwoFactor(ctx, a, "otp", "admin password 1")
	wantErr(t, err, ErrConflict)

	f.clock.Add(time.Minute) // the confirmation's step is used up
	_, err = f.p.Login(ctx, "admin@example.com", "admin password 1", "", "192.0.2.1", "t")
	wantErr(t, err, identity.ErrBadCredentials)
	_, err = f.p.Login(ctx, "admin@example.com", "admin password 1", "123", "192.0.2.1", "t")
	wantErr(t, err, identity.ErrBadCredentials)
	code := codeAt(t, setup.URI, f.clock.Now())
	s := f.session(t, "admin@example.com", "admin password 1", code, "192.0.2.1")
	if !s.Token.TwoFactor {
		t.Error("2FA login not recorded on the session")
	}
	_, err = f.p.Login(ctx, "admin@example.com", "admin password 1", code, "192.0.2.1", "t")
	wantErr(t, err, identity.ErrBadCredentials) // replayed code

	if _, err := f.p.ConfigureTwoFactor(ctx, s, "", "admin password 1"); err != nil {
		t.Fatalf("disable: %v", err)
	}
	f.session(t, "admin@example.com", "admin password 1", "", "192.0.2.1")
	f.wantEvent(t, "user_2fa_enable")
	f.wantEvent(t, "user_2fa_disable")
}

func TestLoginLimiterPerAccountAndAddress(t *testing.T) {
	t.Parallel()
	f := newPeopleFixture(t)
	ctx := t.Context()
	for range maxFailures {
		_, err := f.p.Login(ctx, "admin@example.com", "wrong", "", "198.51.100.1", "t")
		wantErr(t, err, identity.ErrBadCredentials)
	}
	_, err := f.p.Login(ctx, "admin@example.com", "admin password 1", "", "198.51.100.9", "t")
	wantErr(t, err, ErrTooManyRequests) // the account is locked from anywhere
	f.clock.Add(failureWindow + time.Second)
	if _, err := f.p.Login(ctx, "admin@example.com", "admin password 1", "", "198.51.100.9", "t"); err != nil {
		t.Fatalf("after the window: %v", err)
	}

	// One address guessing many accounts: blocked after maxIPFailures,
	// not after the per-account threshold.
	for i := range maxIPFailures {
		_, err := f.p.Login(ctx, fmt.Sprintf("nobody%d@example.com", i), "wrong", "", "203.0.113.7", "t")
		wantErr(t, err, identity.ErrBadCredentials)
	}
	_, err = f.p.Login(ctx, "admin@example.com", "admin password 1", "", "203.0.113.7", "t")
	wantErr(t, err, ErrTooManyRequests)
	if _, err := f.p.Login(ctx, "admin@example.com", "admin password 1", "", "203.0.113.8", "t"); err != nil {
		t.Fatalf("another address is not affected: %v", err)
	}
}

var resetCodeInMail = regexp.MustCompile(`/v1/user/password_reset/([A-Za-z0-9_-]{43})`)

func TestPasswordChangeAndReset(t *testing.T) {
	t.Parallel()
	f := newPeopleFixture(t)
	ctx := t.Context()
	a := f.session(t, "admin@example.com", "admin password 1", "", "192.0.2.1")
	other := f.session(t, "admin@example.com", "admin password 1", "", "192.0.2.2")

	_, err := f.p.ChangePassword(ctx, a, "wrong", "a new password 2", false)
	wantErr(t, err, ErrForbidden)
	_, err = f.p.ChangePassword(ctx, a, "admin password 1", "short", false)
	wantErr(t, err, identity.ErrWeakPassword)
	tok, err := f.p.ChangePassword(ctx, a, "admin password 1", "a new password 2", false)
	if err != nil {
		t.Fatal(err)
	}
	var left []token.Token
	_ = f.p.store.Read(ctx, func(tx store.Reader) error { left, err = tx.ListTokens(a.User.ID); return err })
	for _, tk := range left {
		if tk.Hash == other.Token.Hash || tk.Hash == a.Token.Hash {
			t.Errorf("session %s survived the password change", tk.Prefix)
		}
	}
	if _, err := f.p.Authenticate(ctx, tok, "192.0.2.1", "t"); err != nil {
		t.Fatalf("new session: %v", err)
	}
	_, err = f.p.Login(ctx, "admin@example.com", "admin password 1", "", "192.0.2.1", "t")
	wantErr(t, err, identity.ErrBadCredentials)

	// Reset by emailed code.
	if err := f.p.RequestPasswordReset(ctx, "nobody@example.com", "192.0.2.3"); err != nil {
		t.Fatalf("unknown email answers the same: %v", err)
	}
	if err := f.p.RequestPasswordReset(ctx, "admin@example.com", "192.0.2.3"); err != nil {
		t.Fatal(err)
	}
	m := resetCodeInMail.FindStringSubmatch(f.mail.last(t).Text)
	if m == nil {
		t.Fatalf("no reset link in %q", f.mail.last(t).Text)
	}
	wantErr(t, f.p.ResetPassword(ctx, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "reset password 3", "", false), ErrNotFound)
	wantErr(t, f.p.ResetPassword(ctx, m[1], "short", "", false), identity.ErrWeakPassword)
	if err := f.p.ResetPassword(ctx, m[1], "reset password 3", "", false); err != nil {
		t.Fatal(err)
	}
	_, err = f.p.Authenticate(ctx, tok, "192.0.2.1", "t")
	wantErr(t, err, ErrUnauthenticated) // sessions end on reset
	wantErr(t, f.p.ResetPassword(ctx, m[1], "reset password 4", "", false), ErrNotFound)
	f.session(t, "admin@example.com", "reset password 3", "", "192.0.2.1")

	if err := f.p.RequestPasswordReset(ctx, "admin@example.com", "192.0.2.4"); err != nil {
		t.Fatal(err)
	}
	m = resetCodeInMail.FindStringSubmatch(f.mail.last(t).Text)
	f.clock.Add(passwordResetTTL + time.Second)
	wantErr(t, f.p.ResetPassword(ctx, m[1], "reset password 5", "", false), ErrGone)
	f.wantEvent(t, "user_password_change")
	f.wantEvent(t, "user_password_reset")
}

func TestSealRotation(t *testing.T) {
	t.Parallel()
	withKeys := func(keys ...[]byte) *Plane {
		p := &Plane{}
		WithSecretKeys(keys...)(p)
		if p.cfg.keyringErr != nil {
			t.Fatal(p.cfg.keyringErr)
		}
		return p
	}
	oldKey, newKey := secret.NewKey(), secret.NewKey()
	old := withKeys(oldKey)
	sealed := old.seal("JBSWY3DPEHPK3PXP", "u1")
	rotated := withKeys(newKey, oldKey)
	cases := []struct {
		name    string
		p       *Plane
		sealed  string
		context string
		ok      bool
	}{
		{"same key", old, sealed, "u1", true},
		{"old key after rotation", rotated, sealed, "u1", true},
		{"other owner", old, sealed, "u2", false},
		{"unknown key", withKeys(secret.NewKey()), sealed, "u1", false},
		{"plain without keys", &Plane{}, (&Plane{}).seal("S", "u1"), "u1", true},
		{"garbage", old, "v2:" + old.cfg.keyring.Primary() + ":!!!", "u1", false},
		{"truncated", old, sealed[:len(sealed)-4], "u1", false},
		{"no prefix", old, "JBSWY3DPEHPK3PXP", "u1", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.p.unseal(c.sealed, c.context)
			if (err == nil) != c.ok {
				t.Fatalf("unseal: %v, want ok=%v", err, c.ok)
			}
		})
	}
}
