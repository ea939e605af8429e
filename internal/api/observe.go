package api

import (
	"context"
	"net/http"
	"time"
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
)

// exchange is what is learnt about a request while it is served, for its
// metrics and its access-log line.
type exchange struct {
	operation string
	actorID   string
}

type exchangeKey struct{}

// noteOperation records the route's operation on r's exchange.
func noteOperation(r *http.Request, op string) {
	if ex, ok := r.Context().Value(exchangeKey{}).(*exchange); ok {
		ex.operation = op
	}
}

// noteActor records the authenticated user on r's exchange.
func noteActor(r *http.Request, userID string) {
	if ex, ok := r.Context().Value(exchangeKey{}).(*exchange); ok {
		ex.actorID = userID
	}
}

func withExchange(r *http.Request, ex *exchange) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), exchangeKey{}, ex))
}

// statusWriter remembers the status code a handler answered.
type statusWriter struct {
	http.ResponseWriter
	status int
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
