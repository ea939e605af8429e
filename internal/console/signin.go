package console

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
)

func init() {
	route("GET /{$}", public, (*Console).home)
	route("GET /signin", public, (*Console).signInPage)
	route("POST /signin", public, (*Console).signIn)
	route("POST /signin/sso", public, (*Console).signInSSO)
	route("POST /signout", signedIn, (*Console).signOut)
}

// home sends a signed-in person to their first organization, anyone else
// to the sign-in page.
func (c *Console) home(w http.ResponseWriter, r *Request) error {
	if r.Actor == nil {
		return redirect(w, r, "/signin")
	}
	orgs, err := c.plane.ListOrganizations(r.Context(), r.Actor)
	if err != nil {
		return err
	}
	if len(orgs) == 0 {
		return c.render(w, r, http.StatusOK, "noorg", nil)
	}
	return redirect(w, r, "/orgs/"+orgs[0].ID)
}

type signInData struct {
	Form *Form
	Next string
	// SSO is the identity provider found for what the person typed
	// (home realm discovery), when they asked or their password was
	// refused.
	SSO *ssoOffer
}

// ssoOffer is where a person signs in through an identity provider.
type ssoOffer struct {
	For string // the email or organization asked about
	control.SSODiscovery
}

func (c *Console) signInPage(w http.ResponseWriter, r *Request) error {
	next := safeNext(r.URL.Query().Get("next"))
	if r.Actor != nil {
		return redirect(w, r, next)
	}
	return c.render(w, r, http.StatusOK, "signin", signInData{Form: newForm(r), Next: next})
}

// codeRequired is how Login says the password was right and a one-time
// code is due.
const codeRequired = "Two-factor authentication code required"

func (c *Console) signIn(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	next := safeNext(f.Get("next"))
	email, password, otp := strings.TrimSpace(f.Get("email")), f.Get("password"), strings.TrimSpace(f.Get("otp"))
	switch {
	case email == "":
		f.FailMsg("email", "Enter your email address.")
	case password == "":
		f.FailMsg("password", "Enter your password.")
	}
	if f.OK() {
		res, err := c.plane.Login(r.Context(), email, password, otp, c.opts.ClientIP(r.Request), r.UserAgent())
		if err == nil {
			c.cookies.Set(w, r.Request, res.Token, time.Time{})
			return redirect(w, r, next)
		}
		_, msg := c.describe(r, err)
		switch {
		case errors.Is(err, identity.ErrBadCredentials) && strings.HasPrefix(msg, codeRequired):
			f.FailMsg("otp", codeRequired+".")
			f.status = http.StatusUnauthorized
		case errors.Is(err, identity.ErrBadCredentials) && otp != "" && msg != "Authentication failed":
			f.Fail(c, r, "otp", err)
		default:
			f.Fail(c, r, "", err)
		}
	}
	f.Values.Del("password")
	d := signInData{Form: f, Next: next}
	if email != "" {
		// A refused password may be the organization's policy: offer its
		// identity provider, and say so when passwords are not allowed.
		if disc, err := c.plane.DiscoverSSO(r.Context(), email, ""); err == nil && disc.Found {
			d.SSO = &ssoOffer{For: email, SSODiscovery: disc}
		}
	}
	return c.render(w, r, f.Status(), "signin", d)
}

// signInSSO answers which identity provider signs in the email or
// organization typed (the discovery /v1/sso/discover answers): the page
// then offers "Sign in with <provider>", a link starting its sign-in.
func (c *Console) signInSSO(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	next := safeNext(f.Get("next"))
	who := strings.TrimSpace(f.Get("sso"))
	d := signInData{Form: f, Next: next}
	if who == "" {
		f.FailMsg("sso", "Enter your work email address or your organization's ID.")
		return c.render(w, r, f.Status(), "signin", d)
	}
	email, orgID := who, ""
	if !strings.Contains(who, "@") {
		email, orgID = "", who
	}
	disc, err := c.plane.DiscoverSSO(r.Context(), email, orgID)
	if err != nil {
		f.Fail(c, r, "sso", err)
		return c.render(w, r, f.Status(), "signin", d)
	}
	if !disc.Found {
		f.FailMsg("sso", "No identity provider signs in "+who+". Sign in with your email and password.")
		return c.render(w, r, f.Status(), "signin", d)
	}
	if email != "" {
		f.Values.Set("email", email)
	}
	d.SSO = &ssoOffer{For: who, SSODiscovery: disc}
	return c.render(w, r, http.StatusOK, "signin", d)
}

// signOut revokes this browser's session token only.
func (c *Console) signOut(w http.ResponseWriter, r *Request) error {
	if err := c.plane.Logout(r.Context(), r.Actor); err != nil {
		return err
	}
	c.cookies.Clear(w, r.Request)
	return redirect(w, r, "/signin")
}
