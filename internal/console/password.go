package console

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
)

// Password reset: asking for the email (the answer is the same whether
// or not the address is known), and the page the emailed link opens to
// choose a new password.

func init() {
	route("GET /password-reset", public, (*Console).resetRequestPage)
	route("POST /password-reset", public, (*Console).requestReset)
	route("GET /password-reset/{code}", public, (*Console).resetPage)
	route("POST /password-reset/{code}", public, (*Console).resetPassword)
	flashes["password-reset"] = "Your password was changed. Sign in with the new one."
}

type resetData struct {
	Form *Form
	Code string
	Sent bool
}

func (c *Console) resetRequestPage(w http.ResponseWriter, r *Request) error {
	return c.render(w, r, http.StatusOK, "resetrequest", resetData{Form: newForm(r)})
}

func (c *Console) requestReset(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	email := strings.TrimSpace(f.Get("email"))
	if email == "" {
		f.FailMsg("email", "Enter your email address.")
	} else if err := c.plane.RequestPasswordReset(r.Context(), email, c.opts.ClientIP(r.Request)); err != nil {
		f.Fail(c, r, "email", err)
	}
	return c.render(w, r, f.Status(), "resetrequest", resetData{Form: f, Sent: f.OK()})
}

func (c *Console) resetPage(w http.ResponseWriter, r *Request) error {
	return c.render(w, r, http.StatusOK, "reset", resetData{Form: newForm(r), Code: r.PathValue("code")})
}

func (c *Console) resetPassword(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	code := r.PathValue("code")
	password := f.Get("password")
	switch {
	case password == "":
		f.FailMsg("password", "Enter a new password.")
	case password != f.Get("confirm"):
		f.FailMsg("confirm", "The two passwords differ.")
	}
	if f.OK() {
		err := c.plane.ResetPassword(r.Context(), code, password, c.opts.ClientIP(r.Request), f.Get("revoke_tokens") == "on")
		if err == nil {
			return redirect(w, r, withFlash("/signin", "password-reset"))
		}
		if errors.Is(err, identity.ErrWeakPassword) {
			f.Fail(c, r, "password", err)
		} else {
			f.Fail(c, r, "", err)
		}
	}
	f.Values.Del("password")
	f.Values.Del("confirm")
	return c.render(w, r, f.Status(), "reset", resetData{Form: f, Code: code})
}
