package console

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Helpers shared by the Admin pages (users, application users, groups,
// domains, authentication, permissions).

func init() {
	// Template functions of the Admin pages, added beside the shared ones.
	funcs["add"] = func(a, b int) int { return a + b }
	funcs["whenp"] = func(t *time.Time) string {
		if t == nil {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	}
}

// confirmation is a destructive action waiting for a second click: the
// page states what will happen and posts to Action only when confirmed.
// Every destructive action answers GET on its own path with its
// confirmation, so it works without JavaScript.
type confirmation struct {
	Title   string
	Message string
	Action  string // the POST target
	Button  string
	Back    string
	Fields  map[string]string // hidden fields posted with the action
	// Repost: a posted form sent again, each value as posted (see
	// withConfirmed), for actions confirmed on the path they post to.
	Repost url.Values
}

// confirmedField marks the second click of a confirmation reposting a
// form (confirmation.Repost).
const confirmedField = "confirmed"

// withConfirmed is a form's values with the confirmation mark added.
func withConfirmed(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		if k != csrfField {
			out[k] = vs
		}
	}
	out.Set(confirmedField, "yes")
	return out
}

// confirm renders a confirmation page.
func (c *Console) confirm(w http.ResponseWriter, r *Request, cf confirmation) error {
	return c.render(w, r, http.StatusOK, "confirm", cf)
}

// confirmFirst lets a destructive post act only on its second click: a
// post without the confirmation mark is answered with the confirmation
// page, which posts the same form to the same path again, marked. It
// reports whether the action may go ahead; when not, err is the
// rendering's. A plain form either way, so it works without JavaScript.
func (c *Console) confirmFirst(w http.ResponseWriter, r *Request, cf confirmation) (ok bool, err error) {
	_ = r.ParseForm()
	if r.PostForm.Get(confirmedField) != "" {
		return true, nil
	}
	if cf.Action == "" {
		cf.Action = r.URL.Path
	}
	cf.Repost = withConfirmed(r.PostForm)
	return false, c.confirm(w, r, cf)
}

// blankForm is an empty form, shown again after a successful post.
func blankForm() *Form { return &Form{Values: url.Values{}, Errors: map[string]string{}} }

// splitList splits what a person typed into a list: commas, spaces and
// new lines separate entries.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' || r == ';'
	})
}

// failField puts err next to the field its message names (the API's
// messages name the JSON field: "invalid ip_allowlist: ..."), else above
// the form.
func failField(c *Console, r *Request, f *Form, err error, fields map[string]string) {
	_, msg := c.describe(r, err)
	for key, field := range fields {
		if strings.Contains(msg, key) {
			f.Fail(c, r, field, err)
			return
		}
	}
	f.Fail(c, r, "", err)
}
