package console

import (
	"net/http"
	"net/url"
)

// Form is a submitted form being answered: the values to show again and
// the errors to show next to each field, in the API's words.
type Form struct {
	Values  url.Values
	Errors  map[string]string // field name → message
	Message string            // an error about the whole form
	status  int
}

// newForm starts a form from a request's posted values (empty for a GET).
func newForm(r *Request) *Form {
	f := &Form{Values: url.Values{}, Errors: map[string]string{}}
	if r.Method != http.MethodGet {
		_ = r.ParseForm()
		for k, v := range r.PostForm {
			if k != csrfField {
				f.Values[k] = v
			}
		}
	}
	return f
}

// Get is a submitted value.
func (f *Form) Get(field string) string { return f.Values.Get(field) }

// Fail records err next to field ("" for the whole form) in the API's
// words; the page is then rendered again with f.Status().
func (f *Form) Fail(c *Console, r *Request, field string, err error) {
	status, msg := c.describe(r, err)
	f.FailMsg(field, msg)
	if f.status == 0 || f.status == http.StatusUnprocessableEntity {
		f.status = status
	}
}

// FailMsg records a message next to field ("" for the whole form).
func (f *Form) FailMsg(field, msg string) {
	if field == "" {
		f.Message = msg
	} else {
		f.Errors[field] = msg
	}
	if f.status == 0 {
		f.status = http.StatusUnprocessableEntity
	}
}

// OK reports whether no error was recorded.
func (f *Form) OK() bool { return f.Message == "" && len(f.Errors) == 0 }

// Status is the status to render the form again with: 200 when it holds
// no error, else the first error's 4xx.
func (f *Form) Status() int {
	if f.status == 0 {
		return http.StatusOK
	}
	return f.status
}
