package console

import (
	"embed"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/websession"
)

//go:embed static
var staticFiles embed.FS

// Options are what the console takes from the server that mounts it.
type Options struct {
	// PublicURL is the server's external base URL; an https one makes
	// cookies Secure even on plain-HTTP requests (a TLS-terminating proxy).
	PublicURL string
	// Describe turns an error of a use case into the status and message
	// the API would answer: the one place domain errors are translated.
	Describe func(error) (status int, message string)
	// ClientIP is the request's client address as the API decides it
	// (the peer, or what a trusted proxy forwarded).
	ClientIP func(*http.Request) string
	Log      *slog.Logger
}

// Console serves the web console.
type Console struct {
	plane   *control.Plane
	opts    Options
	log     *slog.Logger
	cookies websession.Cookies
	// publicHost is the host of Options.PublicURL: forms posted from it
	// are this console's even when a proxy changed the Host header.
	publicHost string
	mux        *http.ServeMux
	pages      *pageSet
}

// access says who may open a route.
type access int

const (
	public   access = iota // anyone: sign-in, password reset, invitations
	signedIn               // a signed-in person: Request.Actor is set
	inOrg                  // also Request.Org: the {org} path value, one of the person's organizations
)

// Request is what a page handler gets.
type Request struct {
	*http.Request
	Actor *control.Actor     // nil on public pages without a session
	Orgs  []org.Organization // the person's organizations (signedIn, inOrg)
	Org   org.Organization   // the organization of an inOrg route
	csrf  string
}

// handler serves one route.
type handler func(c *Console, w http.ResponseWriter, r *Request) error

type routeDef struct {
	pattern string
	access  access
	h       handler
}

// routes is filled by each page file's init (see doc.go).
var routes []routeDef

// route registers a page's route; call it from init.
func route(pattern string, acc access, h handler) {
	routes = append(routes, routeDef{pattern, acc, h})
}

// New returns the console over plane.
func New(plane *control.Plane, opts Options) (*Console, error) {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Describe == nil {
		return nil, errors.New("console: Options.Describe is required")
	}
	if opts.ClientIP == nil {
		opts.ClientIP = peerIP
	}
	pages, err := loadPages()
	if err != nil {
		return nil, err
	}
	c := &Console{plane: plane, opts: opts, log: opts.Log, cookies: websession.New(opts.PublicURL), mux: http.NewServeMux(), pages: pages}
	if u, err := url.Parse(opts.PublicURL); err == nil {
		c.publicHost = u.Host
	}
	static, err := fs.Sub(staticFiles, "static")
	if err != nil {
		return nil, err
	}
	fileServer := http.StripPrefix("/static/", http.FileServerFS(static))
	c.mux.Handle("GET /static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Assets change only with the binary; a day of caching is safe
		// enough and a new release reloads within it.
		w.Header().Set("Cache-Control", "public, max-age=86400")
		fileServer.ServeHTTP(w, r)
	}))
	for _, rt := range routes {
		c.mux.Handle(rt.pattern, c.wrap(rt))
	}
	c.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		c.errorPage(w, &Request{Request: r}, http.StatusNotFound, "There is no such page.")
	})
	return c, nil
}

// securityHeaders go on every answer of the console. No inline script or
// style is allowed; images may be data: URLs (the two-factor QR code).
var securityHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
	"Referrer-Policy":            "same-origin",
	"X-Content-Type-Options":     "nosniff",
	"X-Frame-Options":            "DENY",
	"Cross-Origin-Opener-Policy": "same-origin",
}

// ServeHTTP implements http.Handler.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	for k, v := range securityHeaders {
		h.Set(k, v)
	}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			c.log.Error("panic serving console page", "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
			c.errorPage(w, &Request{Request: r}, http.StatusInternalServerError, "Something went wrong on our side.")
		}
	}()
	c.mux.ServeHTTP(w, r)
}

// wrap authenticates, checks CSRF, loads the organization and runs the
// route's handler.
func (c *Console) wrap(rt routeDef) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, hr *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		r := &Request{Request: hr}
		if a, err := c.authenticate(hr); err == nil {
			r.Actor = a
		} else if rt.access != public {
			c.toSignIn(w, r, err)
			return
		}
		if isWrite(hr.Method) {
			// Forms are small; a larger body fails to parse and is refused.
			hr.Body = http.MaxBytesReader(w, hr.Body, maxForm)
		}
		if isWrite(hr.Method) && !c.checkCSRF(r) {
			c.errorPage(w, r, http.StatusForbidden, "This form has expired or did not come from this console. Go back, reload the page and try again.")
			return
		}
		if r.Actor != nil {
			orgs, err := c.plane.ListOrganizations(hr.Context(), r.Actor)
			if err != nil {
				c.fail(w, r, err)
				return
			}
			r.Orgs = orgs
		}
		if rt.access == inOrg {
			o, err := c.plane.GetOrganization(hr.Context(), r.Actor, hr.PathValue("org"))
			if err != nil {
				c.fail(w, r, err)
				return
			}
			r.Org = o
		}
		if err := rt.h(c, w, r); err != nil {
			c.fail(w, r, err)
		}
	})
}

// maxForm bounds a posted form.
const maxForm = 1 << 20

func isWrite(method string) bool {
	return method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
}

// toSignIn sends a request without a usable session to the sign-in page,
// remembering where it was going (GET only: a form's post is not
// repeatable). A cookie that no longer works is dropped.
func (c *Console) toSignIn(w http.ResponseWriter, r *Request, err error) {
	if _, had := websession.Token(r.Request); had {
		c.cookies.Clear(w, r.Request)
	}
	target := "/signin"
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	if r.Header.Get("HX-Request") != "" {
		// htmx follows a redirect inside the fragment; make it load the page.
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r.Request, target, http.StatusSeeOther)
}

// safeNext keeps a post-sign-in redirect on this console: a path, never
// another host ("//evil", "/\evil" or a scheme).
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n\t") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return next
}

func peerIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = strings.Trim(host[:i], "[]")
	}
	return host
}
