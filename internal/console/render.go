package console

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
)

//go:embed templates
var templateFiles embed.FS

// pageSet holds one template per page: the layout and partials, plus the
// page's own file (each page defines "title" and "content").
type pageSet struct {
	pages map[string]*template.Template
}

var funcs = template.FuncMap{
	"when": func(v any) string {
		var t time.Time
		switch x := v.(type) {
		case time.Time:
			t = x
		case *time.Time:
			if x != nil {
				t = *x
			}
		}
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"join": strings.Join,
	// tokenLifetimes are the expiry choices of token forms.
	"tokenLifetimes": func() any { return tokenLifetimes },
	// kafkaWord is the Console's word for an Aiven Kafka ACL permission.
	"kafkaWord": kafkaWord,
	// slug makes an element ID from words.
	"slug": func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				return r
			}
			if r >= 'A' && r <= 'Z' {
				return r + 'a' - 'A'
			}
			return '-'
		}, s)
	},
	// initial is the avatar letter of an email or name.
	"initial": func(s string) string {
		for _, r := range s {
			return strings.ToUpper(string(r))
		}
		return "?"
	},
	// dict builds a map for passing several values to a partial.
	"dict": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, errors.New("dict wants key, value pairs")
		}
		m := make(map[string]any, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			k, ok := kv[i].(string)
			if !ok {
				return nil, errors.New("dict keys are strings")
			}
			m[k] = kv[i+1]
		}
		return m, nil
	},
}

func loadPages() (*pageSet, error) {
	base := template.New("layout").Funcs(funcs)
	base, err := base.ParseFS(templateFiles, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("console templates: %w", err)
	}
	files, err := fs.Glob(templateFiles, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	ps := &pageSet{pages: map[string]*template.Template{}}
	for _, f := range files {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if t, err = t.ParseFS(templateFiles, f); err != nil {
			return nil, fmt.Errorf("console page %s: %w", f, err)
		}
		ps.pages[strings.TrimSuffix(path.Base(f), ".html")] = t
	}
	return ps, nil
}

// View is what every template gets.
type View struct {
	Req   *Request
	CSRF  string
	Nav   []navSection
	Data  any
	Flash string // a one-line confirmation above the content ("Project created")
}

// render writes the page name with data. An htmx request that is not a
// boosted navigation gets only the page's "fragment" when it defines one.
func (c *Console) render(w http.ResponseWriter, r *Request, status int, name string, data any) error {
	return c.renderFlash(w, r, status, name, data, "")
}

// renderFlash is render with a confirmation line.
func (c *Console) renderFlash(w http.ResponseWriter, r *Request, status int, name string, data any, flash string) error {
	t, ok := c.pages.pages[name]
	if !ok {
		return fmt.Errorf("console: no page template %q", name)
	}
	if flash == "" {
		flash = flashes[r.URL.Query().Get("done")]
	}
	v := View{Req: r, CSRF: c.csrfToken(w, r), Data: data, Flash: flash}
	if r.Actor != nil {
		v.Nav = navFor(r)
	}
	entry := "layout"
	if r.Header.Get("HX-Request") != "" && r.Header.Get("HX-Boosted") == "" && t.Lookup("fragment") != nil {
		entry = "fragment"
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, entry, v); err != nil {
		return fmt.Errorf("console: rendering %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
	return nil
}

// fail renders err as an error page in the API's words and status.
func (c *Console) fail(w http.ResponseWriter, r *Request, err error) {
	status, msg := c.describe(r, err)
	if status == http.StatusUnauthorized {
		c.toSignIn(w, r, err)
		return
	}
	c.errorPage(w, r, status, msg)
}

// describe is the API's status and message for err; 5xx are logged and
// shown without detail.
func (c *Console) describe(r *Request, err error) (int, string) {
	status, msg := c.opts.Describe(err)
	if status >= 500 && status != http.StatusServiceUnavailable && status != http.StatusBadGateway {
		c.log.Error("console page failed", "method", r.Method, "path", r.URL.Path, "err", err)
		msg = "Something went wrong on our side."
	}
	return status, msg
}

// errorPage renders the error page; failing that, plain text.
func (c *Console) errorPage(w http.ResponseWriter, r *Request, status int, msg string) {
	data := struct {
		Status  int
		Title   string
		Message string
	}{status, http.StatusText(status), msg}
	if err := c.render(w, r, status, "error", data); err != nil {
		c.log.Error("rendering the error page", "err", err)
		http.Error(w, msg, status)
	}
}

// flashes are the confirmations a redirect's "done" value names (see
// withFlash): fixed words, so a crafted link cannot put text on a page.
// Each page file adds its own in init.
var flashes = map[string]string{}

// withFlash adds the confirmation code to target, shown by the page it
// leads to.
func withFlash(target, code string) string {
	if code == "" {
		return target
	}
	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}
	return target + sep + "done=" + url.QueryEscape(code)
}

// redirect answers a successful form post with a 303 to target (the
// browser then loads it with a GET: reloading does not post again).
func redirect(w http.ResponseWriter, r *Request, target string) error {
	http.Redirect(w, r.Request, target, http.StatusSeeOther)
	return nil
}
