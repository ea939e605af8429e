package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
)

// The page an emailed invitation link opens in a browser (the API
// redirects GET /v1/invitation/{code} here when the browser asks for
// HTML): a newcomer creates their account, a person with one proves it
// with their password, and either joins signed in.

func init() {
	route("GET /invite/{code}", public, (*Console).invitationPage)
	route("POST /invite/{code}", public, (*Console).acceptInvitation)
}

type invitationData struct {
	Form *Form
	Info control.InvitationInfo
	Code string
}

func (c *Console) invitationPage(w http.ResponseWriter, r *Request) error {
	return c.invitationForm(w, r, newForm(r))
}

func (c *Console) invitationForm(w http.ResponseWriter, r *Request, f *Form) error {
	code := r.PathValue("code")
	info, err := c.plane.InvitationByCode(r.Context(), code)
	if err != nil {
		return err
	}
	return c.render(w, r, f.Status(), "invitation", invitationData{Form: f, Info: info, Code: code})
}

func (c *Console) acceptInvitation(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	code := r.PathValue("code")
	info, err := c.plane.InvitationByCode(r.Context(), code)
	if err != nil {
		return err
	}
	realName, password, otp := strings.TrimSpace(f.Get("real_name")), f.Get("password"), strings.TrimSpace(f.Get("otp"))
	if !info.HasAccount {
		if realName == "" {
			f.FailMsg("real_name", "Enter your name.")
		}
		if password != f.Get("confirm") {
			f.FailMsg("confirm", "The two passwords differ.")
		}
	}
	if password == "" {
		f.FailMsg("password", "Enter a password.")
	}
	if f.OK() {
		res, err := c.plane.AcceptByCode(r.Context(), code, realName, password, otp, c.opts.ClientIP(r.Request), r.UserAgent())
		if err == nil {
			c.cookies.Set(w, r.Request, res.Token, time.Time{})
			return redirect(w, r, withFlash("/orgs/"+url.PathEscape(info.OrganizationID), "joined"))
		}
		_, msg := c.describe(r, err)
		switch {
		case errors.Is(err, identity.ErrWeakPassword), errors.Is(err, identity.ErrBadCredentials) && !strings.HasPrefix(msg, codeRequired) && otp == "":
			f.Fail(c, r, "password", err)
		case errors.Is(err, identity.ErrBadCredentials):
			f.Fail(c, r, "otp", err)
		case strings.Contains(msg, "real_name"):
			f.Fail(c, r, "real_name", err)
		default:
			f.Fail(c, r, "", err)
		}
	}
	f.Values.Del("password")
	f.Values.Del("confirm")
	return c.invitationForm(w, r, f)
}

func init() {
	flashes["joined"] = "Welcome! You joined the organization."
}
