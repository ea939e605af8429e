// Package metrics exposes Gatehouse's Prometheus metrics: HTTP requests by
// operation and status, authorization decisions, the decision engine's
// revision and follow lag, the token cache, logins, calls to outside
// systems, database pools and the Go runtime. It implements the small
// observer interfaces of packages api and control, which never import a
// metrics library themselves.
package metrics

import (
	"context"
	"database/sql"
	"maps"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

const namespace = "gatehouse"

// Metrics holds Gatehouse's metrics in a registry of their own.
type Metrics struct {
	reg *prometheus.Registry

	requests      *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	decisions     *prometheus.CounterVec
	tokenCache    *prometheus.CounterVec
	loginFailures prometheus.Counter
	loginBlocks   prometheus.Counter
	calls         *prometheus.CounterVec
	engineLoad    prometheus.Gauge

	// The series every request and authentication adds to, looked up
	// once: finding a series by its label values hashes them under a
	// lock, twice per request.
	allowed, denied     prometheus.Counter
	cacheHit, cacheMiss prometheus.Counter
	// series maps (operation, status) to its request series. Readers
	// load the map without a lock; a new pair copies it under seriesMu.
	// Operations and statuses are both few, so the map stays small.
	series   atomic.Pointer[map[requestKey]*requestSeries]
	seriesMu sync.Mutex
}

type requestKey struct {
	operation string
	status    int
}

type requestSeries struct {
	count prometheus.Counter
	took  prometheus.Observer
}

// New returns the metrics, with the Go runtime and process collectors
// registered.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "http_requests_total",
			Help: "HTTP requests answered, by operation and status code.",
		}, []string{"operation", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by operation and status code.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"operation", "code"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "authz_decisions_total",
			Help: "Authorization decisions of operations, by result (allowed, denied).",
		}, []string{"result"}),
		tokenCache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "token_cache_lookups_total",
			Help: "Token-cache lookups of authentications, by result (hit, miss).",
		}, []string{"result"}),
		loginFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "login_failures_total",
			Help: "Failed password or two-factor checks.",
		}),
		loginBlocks: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "login_limiter_blocks_total",
			Help: "Login and password re-check attempts refused by the limiter before checking.",
		}),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "external_calls_total",
			Help: "Calls to outside systems (smtp, dns, kafka, backend), by result.",
		}, []string{"system", "result"}),
		engineLoad: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Name: "engine_last_load_duration_seconds",
			Help: "How long the last full build of the decision engine from the database took.",
		}),
	}
	m.reg.MustRegister(m.requests, m.duration, m.decisions, m.tokenCache, m.loginFailures, m.loginBlocks, m.calls, m.engineLoad,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Series that ratios and alerts divide by exist from the start, at 0.
	m.allowed, m.denied = m.decisions.WithLabelValues("allowed"), m.decisions.WithLabelValues("denied")
	m.cacheHit, m.cacheMiss = m.tokenCache.WithLabelValues("hit"), m.tokenCache.WithLabelValues("miss")
	m.series.Store(&map[requestKey]*requestSeries{})
	return m
}

// Handler serves the metrics in Prometheus's exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Request counts an answered HTTP request (api.RequestObserver).
func (m *Metrics) Request(operation string, status int, took time.Duration) {
	k := requestKey{operation, status}
	s := (*m.series.Load())[k]
	if s == nil {
		s = m.addSeries(k)
	}
	s.count.Inc()
	s.took.Observe(took.Seconds())
}

// addSeries returns k's request series, adding it to m.series.
func (m *Metrics) addSeries(k requestKey) *requestSeries {
	m.seriesMu.Lock()
	defer m.seriesMu.Unlock()
	old := *m.series.Load()
	if s := old[k]; s != nil {
		return s // added meanwhile
	}
	code := strconv.Itoa(k.status)
	s := &requestSeries{count: m.requests.WithLabelValues(k.operation, code), took: m.duration.WithLabelValues(k.operation, code)}
	next := maps.Clone(old)
	next[k] = s
	m.series.Store(&next)
	return s
}

// Decision counts an authorization decision (control.Observer).
func (m *Metrics) Decision(allowed bool) {
	if allowed {
		m.allowed.Inc()
	} else {
		m.denied.Inc()
	}
}

// TokenCache counts a token-cache lookup (control.Observer).
func (m *Metrics) TokenCache(hit bool) {
	if hit {
		m.cacheHit.Inc()
	} else {
		m.cacheMiss.Inc()
	}
}

// LoginFailed counts a failed login check (control.Observer).
func (m *Metrics) LoginFailed() { m.loginFailures.Inc() }

// LoginBlocked counts a limiter refusal (control.Observer).
func (m *Metrics) LoginBlocked() { m.loginBlocks.Inc() }

// Call counts a call to an outside system (control.Observer).
func (m *Metrics) Call(system, result string) { m.calls.WithLabelValues(system, result).Inc() }

// EngineLoaded records a full engine build (control.Observer).
func (m *Metrics) EngineLoaded(took time.Duration) { m.engineLoad.Set(took.Seconds()) }

// Engine is the decision engine as the metrics see it (control.Plane).
type Engine interface {
	Revision() int64
	FollowLag(ctx context.Context) (revisions int64, behind time.Duration, err error)
}

// WatchEngine reports e's revision and follow lag at every scrape.
func (m *Metrics) WatchEngine(e Engine) { m.reg.MustRegister(engineCollector{e}) }

// WatchDB reports db's connection-pool statistics, labelled db_name=name.
func (m *Metrics) WatchDB(name string, db *sql.DB) {
	m.reg.MustRegister(collectors.NewDBStatsCollector(db, name))
}

var (
	revisionDesc = prometheus.NewDesc(namespace+"_engine_revision",
		"The change-log revision the decision engine reflects.", nil, nil)
	lagRevisionsDesc = prometheus.NewDesc(namespace+"_engine_follow_lag_revisions",
		"Change-log entries in the database the decision engine has not applied yet.", nil, nil)
	lagSecondsDesc = prometheus.NewDesc(namespace+"_engine_follow_lag_seconds",
		"How long the decision engine has not reflected the whole change log (0 when caught up).", nil, nil)
)

// lagTimeout bounds the database query of a scrape.
const lagTimeout = 2 * time.Second

type engineCollector struct{ e Engine }

func (c engineCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- revisionDesc
	ch <- lagRevisionsDesc
	ch <- lagSecondsDesc
}

func (c engineCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(revisionDesc, prometheus.GaugeValue, float64(c.e.Revision()))
	ctx, cancel := context.WithTimeout(context.Background(), lagTimeout)
	defer cancel()
	revs, behind, err := c.e.FollowLag(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(lagRevisionsDesc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(lagRevisionsDesc, prometheus.GaugeValue, float64(revs))
	ch <- prometheus.MustNewConstMetric(lagSecondsDesc, prometheus.GaugeValue, behind.Seconds())
}
