package api

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/control"
)

// RequestObserver is told about every answered request, for metrics. It is
// called on the request path: it must be cheap and never block.
type RequestObserver interface {
	Request(operation string, status int, took time.Duration)
}

// WithRequestObserver sets who is told about answered requests.
func WithRequestObserver(o RequestObserver) Option { return func(s *Server) { s.observer = o } }

// WithMetrics serves h (Prometheus's exposition) at GET /metrics, without
// authentication, as scrapers expect.
func WithMetrics(h http.Handler) Option { return func(s *Server) { s.metrics = h } }

// Operation labels of requests that reach no route of the table.
const (
	opUnmatched = "Unmatched" // no endpoint: 404 or 405
	opMetrics   = "Metrics"
	opConsole   = "Console" // a page of the web console (WithPages)
	opSSO       = "SSO"     // a browser sign-in endpoint (WithSSO)
)

// exchange is what is learnt about a request while it is served, for its
// metrics and its access-log line.
type exchange struct {
	requestID string
	operation string
	actorID   string
	w         statusWriter // the request's, in the same allocation
}

type exchangeKey struct{}

// exchangeCtx is a request's context carrying its exchange (under
// exchangeKey): one allocation for both, where context.WithValue and the
// exchange were two. A connection's (ConnContext) serves its requests in
// turn.
type exchangeCtx struct {
	context.Context
	ex exchange

	conn bool        // the connection's, found under connExchangeKey
	busy atomic.Bool // a request of the connection is using it
}

type connExchangeKey struct{}

func (c *exchangeCtx) Value(key any) any {
	switch key.(type) {
	case exchangeKey:
		return &c.ex
	case connExchangeKey:
		if c.conn {
			return c
		}
	}
	return c.Context.Value(key)
}

// ConnContext is for http.Server's ConnContext: the requests of a
// connection, which HTTP/1.1 serves one after another, share one context
// with their exchange and revision note rather than each making its own
// and a copy of the request to carry it. That was five allocations and
// 530 of the 3,250 bytes a single check allocates: a sixth of the
// collections under load. A request that finds it in use (HTTP/2 serves
// a connection's requests at once) makes its own.
func ConnContext(ctx context.Context, _ net.Conn) context.Context {
	return control.WithRevisionNote(&exchangeCtx{Context: ctx, conn: true})
}

// connExchange takes ctx's connection exchange context for a request, nil
// when there is none or another request has it.
func connExchange(ctx context.Context) *exchangeCtx {
	ec, _ := ctx.Value(connExchangeKey{}).(*exchangeCtx)
	if ec == nil || !ec.busy.CompareAndSwap(false, true) {
		return nil
	}
	return ec
}

// release ends a request's use of its connection's exchange context: its
// exchange no longer holds the request's response.
func (c *exchangeCtx) release() {
	c.ex = exchange{}
	c.busy.Store(false)
}

// noteOperation records the route's operation on r's exchange.
func noteOperation(r *http.Request, op string) {
	if ex := exchangeOf(r); ex != nil {
		ex.operation = op
	}
}

// noteActor records the authenticated user on r's exchange.
func noteActor(r *http.Request, userID string) {
	if ex := exchangeOf(r); ex != nil {
		ex.actorID = userID
	}
}

// statusWriter remembers the status code a handler answered.
type statusWriter struct {
	http.ResponseWriter
	status int
	// values hold the values of headers set through setHeader: the
	// request ID, revision and length every answer carries, without a
	// slice allocated for each.
	values [3][1]string
	nvalue int
}

// setHeader sets w's header key, which must be in canonical form, to v.
func setHeader(w http.ResponseWriter, key, v string) {
	if sw, ok := w.(*statusWriter); ok && sw.nvalue < len(sw.values) {
		vs := sw.values[sw.nvalue][:]
		sw.nvalue++
		vs[0] = v
		w.Header()[key] = vs
		return
	}
	w.Header()[key] = []string{v}
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// code is the answered status; a handler that wrote nothing answered 200.
func (w *statusWriter) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// RequestIDHeader carries a request's ID: taken from the request when it
// is sane (a proxy's or the client's), else generated, and always
// returned, so a client's report can be matched to the access log.
const RequestIDHeader = "X-Request-Id"

// maxRequestID bounds an accepted request ID.
const maxRequestID = 128

// requestID returns r's sane X-Request-Id, or a new random one.
func requestID(r *http.Request) string {
	if id := headerValue(r.Header, RequestIDHeader); saneRequestID(id) {
		return id
	}
	// 128 bits from the runtime's generator (ChaCha8, seeded by the
	// system) rather than crypto/rand, which cost more than the rest of
	// the ID: an ID must be unique, not secret, as a client may send its
	// own.
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(b[8:], rand.Uint64())
	var h [32]byte
	hex.Encode(h[:], b[:])
	return string(h[:])
}

// saneRequestID accepts IDs of letters, digits and ".-_:+=/" only: what
// UUIDs, trace IDs and proxies' IDs use, and nothing that could forge a
// log line or a header.
func saneRequestID(id string) bool {
	if id == "" || len(id) > maxRequestID {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(".-_:+=/", c) >= 0) {
			return false
		}
	}
	return true
}

// exchangeOf returns r's exchange (nil outside ServeHTTP).
func exchangeOf(r *http.Request) *exchange {
	ex, _ := r.Context().Value(exchangeKey{}).(*exchange)
	return ex
}

// reqID is r's request ID for log lines ("" outside ServeHTTP).
func reqID(r *http.Request) string {
	if ex := exchangeOf(r); ex != nil {
		return ex.requestID
	}
	return ""
}

// logAccess writes the request's access-log line: never a header's or
// body's content (tokens, passwords), only what identifies the exchange.
// It was answered at end, took after it began.
func (s *Server) logAccess(r *http.Request, ex *exchange, status int, end time.Time, took time.Duration) {
	if !s.log.Enabled(r.Context(), slog.LevelInfo) {
		return // not even the line's attributes are built (--log-level warn)
	}
	// Straight to the handler, as slog's wrappers do: Logger.LogAttrs
	// would walk the stack for the line's source, which no handler of
	// the server writes.
	rec := slog.NewRecord(end, slog.LevelInfo, "request", 0)
	rec.AddAttrs(
		slog.String("request_id", ex.requestID),
		slog.String("operation", ex.operation),
		slog.String("method", r.Method),
		slog.Int("status", status),
		slog.Float64("duration_ms", float64(took.Microseconds())/1000),
		slog.String("actor_id", ex.actorID),
		slog.String("client", clientIP(r)),
	)
	_ = s.log.Handler().Handle(r.Context(), rec) // a log's errors have nowhere to go
}
