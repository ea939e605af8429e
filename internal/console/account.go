package console

import (
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"

	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
)

// The signed-in person's own account: two-factor enrolment with a QR
// code, and personal API tokens. Secrets (the TOTP key, a new token) are
// shown only in the answer to the POST that made them.

func init() {
	route("GET /account/two-factor", signedIn, (*Console).twoFactorPage)
	route("POST /account/two-factor/start", signedIn, (*Console).startTwoFactor)
	route("POST /account/two-factor/confirm", signedIn, (*Console).confirmTwoFactor)
	route("POST /account/two-factor/disable", signedIn, (*Console).disableTwoFactor)

	route("GET /account/tokens", signedIn, (*Console).tokensPage)
	route("POST /account/tokens", signedIn, (*Console).createToken)
	route("POST /account/tokens/{prefix}/revoke", signedIn, (*Console).revokeToken)

	flashes["2fa-enabled"] = "Two-factor authentication is on. Sign-ins now ask for a one-time code."
	flashes["2fa-disabled"] = "Two-factor authentication is off."
}

type twoFactorData struct {
	Form    *Form
	Enabled bool
	// Enrolling: the answer to "start", with the QR code and the key.
	Enrolling bool
	QR        template.URL // data: URL of the PNG, made here from bytes, never from input
	Key       string       // the TOTP secret, base32, for typing in
	URI       string       // posted back with the confirmation
}

func (c *Console) twoFactorPage(w http.ResponseWriter, r *Request) error {
	return c.twoFactorForm(w, r, newForm(r), twoFactorData{})
}

func (c *Console) twoFactorForm(w http.ResponseWriter, r *Request, f *Form, d twoFactorData) error {
	me, err := c.plane.Me(r.Context(), r.Actor)
	if err != nil {
		return err
	}
	d.Form, d.Enabled = f, me.TwoFactor
	return c.render(w, r, f.Status(), "twofactor", d)
}

func (c *Console) startTwoFactor(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	setup, err := c.plane.ConfigureTwoFactor(r.Context(), r.Actor, "otp", f.Get("password"))
	if err != nil {
		f.Fail(c, r, passwordOr(err, ""), err)
		return c.twoFactorForm(w, r, f, twoFactorData{})
	}
	return c.enrolment(w, r, newFormEmpty(), setup.URI, setup.QRCode)
}

// enrolment renders the QR code and the confirmation form for uri.
func (c *Console) enrolment(w http.ResponseWriter, r *Request, f *Form, uri, qr string) error {
	d := twoFactorData{Enrolling: true, URI: uri}
	if key, err := otp.NewKeyFromURL(uri); err == nil {
		d.Key = key.Secret()
		if qr == "" {
			qr = qrPNG(key)
		}
	}
	if qr != "" {
		if _, err := base64.StdEncoding.DecodeString(qr); err == nil {
			d.QR = template.URL("data:image/png;base64," + qr)
		}
	}
	return c.twoFactorForm(w, r, f, d)
}

func (c *Console) confirmTwoFactor(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	uri := f.Get("uri")
	secret, err := c.plane.ConfirmTOTP(r.Context(), r.Actor, strings.TrimSpace(f.Get("code")), f.Get("password"), uri)
	if err != nil {
		field := passwordOr(err, "code")
		if errors.Is(err, control.ErrConflict) {
			field = ""
		}
		f.Fail(c, r, field, err)
		f.Values.Del("password")
		return c.enrolment(w, r, f, uri, "")
	}
	// The new session counts as signed in with two factors; the one this
	// browser used until now is ended.
	c.cookies.Set(w, r.Request, secret, time.Time{})
	_ = c.plane.Logout(r.Context(), r.Actor)
	return redirect(w, r, withFlash("/account/two-factor", "2fa-enabled"))
}

func (c *Console) disableTwoFactor(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	if _, err := c.plane.ConfigureTwoFactor(r.Context(), r.Actor, "", f.Get("password")); err != nil {
		f.Fail(c, r, passwordOr(err, ""), err)
		return c.twoFactorForm(w, r, f, twoFactorData{})
	}
	return redirect(w, r, withFlash("/account/two-factor", "2fa-disabled"))
}

// passwordOr is the field an error of a password-checked operation
// belongs to: the code when a one-time code was refused, the password
// when the password was, else other.
func passwordOr(err error, other string) string {
	msg := strings.ToLower(err.Error())
	switch {
	case errors.Is(err, identity.ErrBadCredentials) && strings.Contains(msg, "one-time"):
		return "code"
	case errors.Is(err, identity.ErrBadCredentials), errors.Is(err, control.ErrForbidden) && strings.Contains(msg, "password is incorrect"):
		return "password"
	}
	return other
}

// newFormEmpty is a form with no submitted values (a new step of a flow).
func newFormEmpty() *Form { return &Form{Values: map[string][]string{}, Errors: map[string]string{}} }

// --- personal tokens ---

type tokensData struct {
	Form   *Form
	Tokens []control.TokenInfo
	// New is the token just created: its secret, shown this once.
	New *control.IssuedToken
}

func (c *Console) tokensPage(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	f.Values.Set("max_age", defaultLifetime)
	return c.tokensForm(w, r, f, nil)
}

func (c *Console) tokensForm(w http.ResponseWriter, r *Request, f *Form, issued *control.IssuedToken) error {
	ts, err := c.plane.ListAccessTokens(r.Context(), r.Actor)
	if err != nil {
		return err
	}
	slices.SortFunc(ts, func(a, b control.TokenInfo) int { return b.CreateTime.Compare(a.CreateTime) })
	return c.render(w, r, f.Status(), "tokens", tokensData{Form: f, Tokens: ts, New: issued})
}

func (c *Console) createToken(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	in := control.TokenInput{Description: strings.TrimSpace(f.Get("description")), ExtendWhenUsed: f.Get("extend") == "on"}
	if v := f.Get("max_age"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			f.FailMsg("max_age", "Choose an expiry from the list.")
		}
		in.MaxAgeSeconds = &n
	}
	in.IPAllowlist = strings.FieldsFunc(f.Get("ip_allowlist"), func(r rune) bool { return r == ',' || r == '\n' || r == '\r' || r == ' ' })
	if f.OK() {
		issued, err := c.plane.CreateAccessToken(r.Context(), r.Actor, in)
		if err == nil {
			next := newFormEmpty()
			next.Values.Set("max_age", defaultLifetime)
			return c.tokensForm(w, r, next, &issued)
		}
		_, msg := c.describe(r, err)
		switch {
		case strings.Contains(msg, "ip_allowlist"):
			f.Fail(c, r, "ip_allowlist", err)
		case strings.Contains(msg, "description"):
			f.Fail(c, r, "description", err)
		case strings.Contains(msg, "max_age") || strings.Contains(msg, "extend_when_used"):
			f.Fail(c, r, "max_age", err)
		default:
			f.Fail(c, r, "", err)
		}
	}
	return c.tokensForm(w, r, f, nil)
}

func (c *Console) revokeToken(w http.ResponseWriter, r *Request) error {
	ok, err := c.confirmFirst(w, r, confirmation{Title: "Revoke token", Button: "Revoke token", Back: "/account/tokens",
		Message: "Revoke the token " + r.PathValue("prefix") + "…? Whatever uses it stops working; if it is this browser's session, you are signed out."})
	if !ok {
		return err
	}
	if err := c.plane.RevokeAccessToken(r.Context(), r.Actor, r.PathValue("prefix")); err != nil {
		f := newForm(r)
		f.Fail(c, r, "", err)
		return c.tokensForm(w, r, f, nil)
	}
	return redirect(w, r, withFlash("/account/tokens", "token-revoked"))
}
