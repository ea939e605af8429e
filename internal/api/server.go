// Package api serves Gatehouse's HTTP API, wire-compatible with Aiven's
// public API: the same paths, JSON field names, status codes and error
// bodies, and "Authorization: aivenv1 <token>". Handlers decode requests,
// call the use cases in package control and encode responses; they never
// touch storage and never decide authorization themselves.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"path"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/tracing"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Server is the HTTP API.
type Server struct {
	plane  *control.Plane
	log    *slog.Logger
	mux    *http.ServeMux
	routes []Route

	trusted []netip.Prefix // proxies whose X-Forwarded-For is believed

	observer    RequestObserver // nil: none
	metrics     http.Handler    // GET /metrics; nil: not served
	readyMaxLag time.Duration   // see WithReadyMaxLag
	pages       http.Handler    // paths outside the API (the console); nil: 404
	sso         http.Handler    // the browser sign-in endpoints under /v1/sso/; nil: 404
	// pageFor: routes a browser opens from an email, and the console page
	// it is sent to (publicPage).
	pageFor map[string]func(*http.Request) string
}

// Route describes one registered endpoint; Operation is Aiven's operation
// ID for it (or Gatehouse's own, for endpoints Aiven lacks), the same
// constant its use case authorizes with.
type Route struct {
	Pattern   string
	Operation control.Op
	Public    bool // served without authentication
}

// TokenExpiryHeader is set on responses to requests whose token is near its
// expiry (see control.Plane.TokenExpiringSoon), with the expiry time in
// RFC 3339: time to rotate.
const TokenExpiryHeader = "Gatehouse-Token-Expiry"

// RevisionHeader answers every successful request with the change-log
// revision it was decided at, or for a write the revision that covers it.
// AtLeastRevisionHeader asks for a decision at least that new: the server
// catches up first, waiting a bounded time, then answers 409. Together
// they give read-your-writes across servers on one database.
const (
	RevisionHeader        = "Gatehouse-Revision"
	AtLeastRevisionHeader = "Gatehouse-At-Least-Revision"
)

// handlerFunc is an endpoint: it returns the status and the body to encode,
// or an error that becomes Aiven's error body.
type handlerFunc func(r *http.Request, a *control.Actor) (int, any, error)

// New returns the API server over plane.
func New(plane *control.Plane, log *slog.Logger, opts ...Option) *Server {
	s := &Server{plane: plane, log: log, mux: http.NewServeMux(), readyMaxLag: DefaultReadyMaxLag}
	for _, o := range opts {
		o(s)
	}
	s.registerRoutes()
	if s.metrics != nil {
		s.mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
			noteOperation(r, opMetrics)
			s.metrics.ServeHTTP(w, r)
		})
	}
	if s.sso != nil {
		// Only the browser endpoints' prefixes: anything else under
		// /v1/sso/ stays the API's (JSON routes, JSON 404s).
		for _, prefix := range []string{"/v1/sso/saml/", "/v1/sso/oidc/"} {
			s.mux.HandleFunc(prefix, func(w http.ResponseWriter, r *http.Request) {
				noteOperation(r, opSSO)
				s.sso.ServeHTTP(w, r)
			})
		}
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if s.pages != nil && !isAPIPath(r.URL.Path) {
			noteOperation(r, opConsole)
			s.pages.ServeHTTP(w, r)
			return
		}
		s.writeError(w, r, &httpError{http.StatusNotFound, "not_found", "No such API endpoint: " + r.Method + " " + r.URL.Path})
	})
	return s
}

// WithSSO serves h for the browser endpoints of identity-provider sign-in
// under /v1/sso/ (package sso), beside the JSON routes there.
func WithSSO(h http.Handler) Option { return func(s *Server) { s.sso = h } }

// WithPages serves h for every path outside the API (/v1/ and the probes
// keep their JSON answers): the web console. Its requests get the same
// request ID, access log, metrics and client address as the API's.
func WithPages(h http.Handler) Option { return func(s *Server) { s.pages = h } }

// isAPIPath reports whether p belongs to the API, whose unknown paths
// answer JSON 404s rather than pages.
func isAPIPath(p string) bool {
	return p == "/v1" || strings.HasPrefix(p, "/v1/") || p == "/healthz" || p == "/readyz" || p == "/metrics"
}

// prefersHTML reports whether r's Accept header lists text/html before
// any JSON type: a browser following a link, not an API client (which
// sends application/json, */* or nothing).
func prefersHTML(r *http.Request) bool {
	for _, part := range strings.Split(strings.Join(r.Header.Values("Accept"), ","), ",") {
		mt, _, _ := strings.Cut(part, ";")
		switch strings.ToLower(strings.TrimSpace(mt)) {
		case "text/html", "application/xhtml+xml":
			return true
		case "application/json", "*/*":
			return false
		}
	}
	return false
}

// ClientIP is r's client address as the API decides it: the TCP peer, or
// what a trusted proxy forwarded (WithTrustedProxies). Pages served
// through WithPages use it so token IP allow-lists apply alike.
func ClientIP(r *http.Request) string { return clientIP(r) }

// Describe is the status and message the API answers for err: the one
// translation of domain errors, shared with the console.
func Describe(err error) (status int, message string) {
	status, _, message = statusOf(err)
	return status, message
}

// Routes lists every registered endpoint.
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }

func (s *Server) handle(pattern string, op control.Op, h handlerFunc) { s.add(pattern, op, false, h) }

func (s *Server) public(pattern string, op control.Op, h handlerFunc) { s.add(pattern, op, true, h) }

// publicPage is public for a route whose URL people open in a browser
// (a link in an email): when pages are served (WithPages) and the
// request prefers HTML, it is redirected to page(r), the console's page
// for it.
func (s *Server) publicPage(pattern string, op control.Op, h handlerFunc, page func(*http.Request) string) {
	s.add(pattern, op, true, h)
	if s.pageFor == nil {
		s.pageFor = map[string]func(*http.Request) string{}
	}
	s.pageFor[pattern] = page
}

func (s *Server) add(pattern string, op control.Op, public bool, h handlerFunc) {
	s.routes = append(s.routes, Route{Pattern: pattern, Operation: op, Public: public})
	params := wildcards(pattern)
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		noteOperation(r, string(op))
		if page := s.pageFor[pattern]; page != nil && s.pages != nil && prefersHTML(r) {
			if err := checkPathValues(r, params); err != nil {
				s.writeError(w, r, err)
				return
			}
			http.Redirect(w, r, page(r), http.StatusSeeOther)
			return
		}
		var a *control.Actor
		if !public {
			var err error
			if a, err = s.authenticate(r); err != nil {
				s.writeError(w, r, err)
				return
			}
			noteActor(r, a.User.ID)
			if exp, soon := s.plane.TokenExpiringSoon(a); soon {
				// Clients (the CLI) warn on this; Aiven's ignore it.
				w.Header().Set(TokenExpiryHeader, exp.UTC().Format(time.RFC3339))
			}
		}
		if err := checkPathValues(r, params); err != nil {
			s.writeError(w, r, err)
			return
		}
		if err := s.awaitRevision(r); err != nil {
			s.writeError(w, r, err)
			return
		}
		status, body, err := h(r, a) // r carries a revision note (ServeHTTP)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		rev := control.WrittenRevision(r.Context())
		if rev == 0 {
			rev = s.plane.Revision()
		}
		setHeader(w, RevisionHeader, strconv.FormatInt(rev, 10))
		if r.Method != http.MethodGet && r.Method != http.MethodHead { // HEAD: GET's length
			body = withMessage(body, r.Method)
		}
		writeJSON(w, status, body)
		if b, ok := body.(*encodedJSON); ok {
			releaseAnswer(b)
		}
	})
}

// awaitRevision honours AtLeastRevisionHeader.
func (s *Server) awaitRevision(r *http.Request) error {
	v := headerValue(r.Header, AtLeastRevisionHeader)
	if v == "" {
		return nil
	}
	rev, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || rev < 0 {
		return &httpError{http.StatusBadRequest, "invalid_revision", AtLeastRevisionHeader + " must be a revision number (a whole number from 0), as a " + RevisionHeader + " header gave it"}
	}
	return s.plane.AwaitRevision(r.Context(), rev)
}

// ServeHTTP implements http.Handler: it answers r through the route table,
// then counts the request and writes its access-log line.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ex0 := exchange{requestID: requestID(r), operation: opUnmatched, w: statusWriter{ResponseWriter: w}}
	ec := connExchange(r.Context())
	if ec != nil {
		ec.ex = ex0
		control.ResetRevisionNote(r.Context())
		defer ec.release()
	} else {
		// One copy of the request for the exchange and the note of what
		// a write commits (control.WithRevisionNote), which the route's
		// handler reads: each copy is a 250-byte allocation.
		ec = &exchangeCtx{Context: r.Context(), ex: ex0}
		r = r.WithContext(control.WithRevisionNote(ec))
	}
	ex := &ec.ex
	sw := &ex.w
	setHeader(sw, RequestIDHeader, ex.requestID)
	r = s.withClientIP(r)
	span := trace.SpanFromContext(r.Context()) // a no-op span, without tracing
	if tracing.Enabled() {
		// Only then: building the attributes and copying the request
		// cost allocations on every request.
		var ctx context.Context
		ctx, span = tracing.Start(tracing.Extract(r.Context(), propagation.HeaderCarrier(r.Header)), r.Method+" request",
			attribute.String("http.request.method", r.Method), attribute.String("gatehouse.request_id", ex.requestID))
		r = r.WithContext(ctx)
	}
	defer func() {
		end := time.Now()
		took := end.Sub(start)
		if tracing.Enabled() {
			span.SetName(string(ex.operation))
			span.SetAttributes(attribute.Int("http.response.status_code", sw.code()))
			if sw.code() >= 500 {
				span.SetStatus(codes.Error, http.StatusText(sw.code()))
			}
		}
		span.End()
		if s.observer != nil {
			s.observer.Request(ex.operation, sw.code(), took)
		}
		s.logAccess(r, ex, sw.code(), end, took)
	}()
	s.serve(sw, r)
}

// serve answers r through the route table, recovering from panics so a
// bug answers 500 in the API's error shape instead of dropping the
// connection.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic serving request", "request_id", reqID(r), "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
			writeJSON(w, http.StatusInternalServerError, errorBody{Message: "internal error", Errors: []errorEntry{{Message: "internal error", Status: 500}}})
		}
	}()
	// A path with "." or ".." segments or doubled slashes names no
	// endpoint. The mux would redirect it to the cleaned path, and clients
	// repeat a 307 with its method: deleting the service ".." would delete
	// its project.
	if r.URL.Path != cleanPath(r.URL.Path) {
		s.writeError(w, r, &httpError{http.StatusNotFound, "not_found", "No such API endpoint: " + r.Method + " " + r.URL.Path})
		return
	}
	s.mux.ServeHTTP(w, r)
}

// cleanPath is the path the mux would redirect p to: path.Clean, keeping
// a trailing slash.
func cleanPath(p string) string {
	// Every segment path.Clean would change ("", "." and "..") begins
	// after a slash with a slash or a dot: a path with neither is clean,
	// which is every path a well-behaved client sends.
	if p != "" && p[0] == '/' && !strings.Contains(p, "//") && !strings.Contains(p, "/.") {
		return p
	}
	if p == "" || p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	if p[len(p)-1] == '/' && np != "/" {
		np += "/"
	}
	return np
}

func (s *Server) authenticate(r *http.Request) (*control.Actor, error) {
	h := headerValue(r.Header, "Authorization")
	scheme, secret, ok := strings.Cut(h, " ")
	if !ok || (!strings.EqualFold(scheme, "aivenv1") && !strings.EqualFold(scheme, "bearer")) || secret == "" {
		return nil, &httpError{http.StatusUnauthorized, "unauthenticated", "Authentication required: send 'Authorization: aivenv1 <token>'"}
	}
	return s.plane.Authenticate(r.Context(), strings.TrimSpace(secret), clientIP(r), headerValue(r.Header, "User-Agent"))
}

// headerValue is h.Get(key) for a key already in canonical form, as
// net/http stores a request's headers: Get canonicalizes its key first,
// which cost more than the lookup, four times on every request.
func headerValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, code, msg := statusOf(err)
	if wait, ok := control.RetryAfter(err); ok && status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
	}
	if status >= 500 && status != http.StatusNotImplemented {
		if errors.Is(err, context.Canceled) {
			return
		}
		s.log.Error("request failed", "request_id", reqID(r), "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeJSON(w, status, errorBody{Message: msg, Errors: []errorEntry{{Message: msg, Status: status, ErrorCode: code}}})
}

// writeMessages are the "message" of a write's answer that does not say
// its own: Aiven's write answers always carry one (avn prints it).
var writeMessages = map[string]string{
	http.MethodPost:   "Created",
	http.MethodPut:    "Updated",
	http.MethodPatch:  "Updated",
	http.MethodDelete: "Deleted",
}

// withMessage adds "message" to a write's JSON object answer that lacks
// one. Answers that are not objects (or fail to encode) pass unchanged.
func withMessage(body any, method string) any {
	if b, ok := body.(*encodedJSON); ok {
		return b // carries its message already
	}
	if body == nil {
		body = struct{}{}
	}
	if m, ok := body.(map[string]any); ok {
		// The common shape: no encoding round trip to look for the key
		// (batch checks answer hundreds of thousands of decisions a
		// second through here).
		if _, has := m["message"]; !has {
			m["message"] = writeMessages[method]
		}
		return m
	}
	b, err := json.Marshal(body)
	if err != nil || len(b) < 2 || b[0] != '{' {
		return body
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil {
		return body
	}
	if _, ok := keys["message"]; ok {
		return body
	}
	msg, _ := json.Marshal(writeMessages[method])
	keys["message"] = msg
	return keys
}

// encodedJSON is an answer encoded by its handler: one JSON object with
// its keys in encoding/json's order and, for a write, its "message" (see
// withMessage). writeJSON sends it as it is. The hottest answers (access
// checks) are written so; encoding a map by reflection cost more than
// deciding a hundred checks. Its memory comes from answerBufs and goes
// back there once written (releaseAnswer): make one only through
// checkAnswer, never from bytes that anything else holds.
type encodedJSON struct{ b []byte }

func writeJSON(w http.ResponseWriter, status int, body any) {
	if b, ok := body.(*encodedJSON); ok {
		b.b = append(b.b, '\n')
		send(w, status, b.b)
		return
	}
	if status == http.StatusNoContent || body == nil {
		if status == http.StatusNoContent {
			w.WriteHeader(status)
			return
		}
		body = struct{}{}
	}
	b, err := json.Marshal(body)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"message":"internal error","errors":[{"message":"internal error","status":500}]}`)
	}
	send(w, status, append(b, '\n'))
}

// send writes a whole JSON answer and hands it to the connection at once:
// with its Content-Length known, flushing keeps the plain (unchunked)
// encoding, and the request's access-log line, metrics and span are
// finished after the client has its answer, not before.
func send(w http.ResponseWriter, status int, b []byte) {
	// Keys as http.CanonicalHeaderKey spells them; Set would check.
	w.Header()["Content-Type"] = jsonContentType
	setHeader(w, "Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
	_ = http.NewResponseController(w).Flush()
}

// jsonContentType is every answer's Content-Type value. net/http only
// reads header values, so all answers share it.
var jsonContentType = []string{"application/json"}
