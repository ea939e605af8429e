package console

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
)

// Admin → Application users: the seed's "Create application user →
// Generate token → Set expiration and allowed IP ranges → Copy token
// immediately".

func init() {
	route("GET /orgs/{org}/applications", inOrg, (*Console).applications)
	route("POST /orgs/{org}/applications", inOrg, (*Console).createApplication)
	route("GET /orgs/{org}/applications/{user}", inOrg, (*Console).application)
	route("POST /orgs/{org}/applications/{user}/tokens", inOrg, (*Console).createApplicationToken)
	route("GET /orgs/{org}/applications/{user}/tokens/{prefix}/revoke", inOrg, (*Console).revokeApplicationTokenPage)
	route("POST /orgs/{org}/applications/{user}/tokens/{prefix}/revoke", inOrg, (*Console).revokeApplicationToken)
	route("GET /orgs/{org}/applications/{user}/delete", inOrg, (*Console).deleteApplicationPage)
	route("POST /orgs/{org}/applications/{user}/delete", inOrg, (*Console).deleteApplication)
	flashes["token-revoked"] = "Token revoked"
	flashes["application-deleted"] = "Application user deleted"
}

// tokenLifetimes are the expirations offered when generating a token, in
// seconds ("" never expires).
var tokenLifetimes = []struct{ Value, Label string }{
	{"3600", "1 hour"}, {"86400", "1 day"}, {"604800", "7 days"}, {"2592000", "30 days"},
	{"7776000", "90 days"}, {"31536000", "1 year"}, {"", "Never"},
}

// defaultLifetime is the expiration offered first: 90 days, after which
// access review flags an unused token anyway.
const defaultLifetime = "7776000"

type applicationsData struct {
	Users []identity.User
	Form  *Form
}

func (c *Console) applications(w http.ResponseWriter, r *Request) error {
	return c.applicationsForm(w, r, newForm(r))
}

func (c *Console) applicationsForm(w http.ResponseWriter, r *Request, f *Form) error {
	users, err := c.plane.ListApplicationUsers(r.Context(), r.Actor, r.Org.ID)
	if err != nil {
		return err
	}
	slices.SortFunc(users, func(a, b identity.User) int {
		return strings.Compare(strings.ToLower(a.RealName), strings.ToLower(b.RealName))
	})
	return c.render(w, r, f.Status(), "applications", applicationsData{Users: users, Form: f})
}

func (c *Console) createApplication(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	name := strings.TrimSpace(f.Get("name"))
	if name == "" {
		f.FailMsg("name", "Enter a name.")
		return c.applicationsForm(w, r, f)
	}
	u, err := c.plane.CreateApplicationUser(r.Context(), r.Actor, r.Org.ID, name, nil)
	if err != nil {
		failField(c, r, f, err, map[string]string{"name": "name"})
		return c.applicationsForm(w, r, f)
	}
	return redirect(w, r, "/orgs/"+r.Org.ID+"/applications/"+u.ID)
}

type applicationData struct {
	User      identity.User
	Tokens    []control.TokenInfo
	Form      *Form
	Lifetimes []struct{ Value, Label string }
	// NewToken is the secret just generated: shown once, in the answer
	// to the POST that made it.
	NewToken string
}

func (c *Console) application(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	f.Values.Set("max_age", defaultLifetime)
	return c.applicationPage(w, r, f, "", "")
}

func (c *Console) applicationPage(w http.ResponseWriter, r *Request, f *Form, secret, flash string) error {
	ctx := r.Context()
	u, err := c.plane.GetApplicationUser(ctx, r.Actor, r.Org.ID, r.PathValue("user"))
	if err != nil {
		return err
	}
	tokens, err := c.plane.ListApplicationTokens(ctx, r.Actor, r.Org.ID, u.ID)
	if err != nil {
		return err
	}
	slices.SortFunc(tokens, func(a, b control.TokenInfo) int { return b.CreateTime.Compare(a.CreateTime) })
	return c.renderFlash(w, r, f.Status(), "application", applicationData{User: u, Tokens: tokens, Form: f, Lifetimes: tokenLifetimes, NewToken: secret}, flash)
}

func (c *Console) createApplicationToken(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	in := control.TokenInput{Description: strings.TrimSpace(f.Get("description")), ExtendWhenUsed: f.Get("extend") != "", IPAllowlist: splitList(f.Get("ip_allowlist"))}
	if s := f.Get("max_age"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			f.FailMsg("max_age", "Choose an expiration from the list.")
			return c.applicationPage(w, r, f, "", "")
		}
		in.MaxAgeSeconds = &n
	}
	issued, err := c.plane.CreateApplicationToken(r.Context(), r.Actor, r.Org.ID, r.PathValue("user"), in)
	if err != nil {
		failField(c, r, f, err, map[string]string{"ip_allowlist": "ip_allowlist", "max_age": "max_age", "extend_when_used": "extend", "description": "description"})
		return c.applicationPage(w, r, f, "", "")
	}
	f = blankForm()
	f.Values.Set("max_age", defaultLifetime)
	return c.applicationPage(w, r, f, issued.Secret, "Token generated: copy it now")
}

func (c *Console) revokeApplicationTokenPage(w http.ResponseWriter, r *Request) error {
	u, err := c.plane.GetApplicationUser(r.Context(), r.Actor, r.Org.ID, r.PathValue("user"))
	if err != nil {
		return err
	}
	back := "/orgs/" + r.Org.ID + "/applications/" + u.ID
	return c.confirm(w, r, confirmation{Title: "Revoke token", Button: "Revoke token",
		Message: "Revoke the token " + r.PathValue("prefix") + "… of " + u.RealName + "? Anything using it stops working at once.",
		Action:  back + "/tokens/" + r.PathValue("prefix") + "/revoke", Back: back})
}

func (c *Console) revokeApplicationToken(w http.ResponseWriter, r *Request) error {
	if err := c.plane.RevokeApplicationToken(r.Context(), r.Actor, r.Org.ID, r.PathValue("user"), r.PathValue("prefix")); err != nil {
		return err
	}
	return redirect(w, r, withFlash("/orgs/"+r.Org.ID+"/applications/"+r.PathValue("user"), "token-revoked"))
}

func (c *Console) deleteApplicationPage(w http.ResponseWriter, r *Request) error {
	u, err := c.plane.GetApplicationUser(r.Context(), r.Actor, r.Org.ID, r.PathValue("user"))
	if err != nil {
		return err
	}
	base := "/orgs/" + r.Org.ID + "/applications/"
	return c.confirm(w, r, confirmation{Title: "Delete application user", Button: "Delete " + u.RealName,
		Message: "Delete the application user " + u.RealName + " (" + u.ID + ")? Its tokens stop working and its grants and group memberships are removed.",
		Action:  base + u.ID + "/delete", Back: base + u.ID})
}

func (c *Console) deleteApplication(w http.ResponseWriter, r *Request) error {
	if err := c.plane.DeleteApplicationUser(r.Context(), r.Actor, r.Org.ID, r.PathValue("user")); err != nil {
		return err
	}
	return redirect(w, r, withFlash("/orgs/"+r.Org.ID+"/applications", "application-deleted"))
}
