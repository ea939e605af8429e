// Package loadgen drives a running Gatehouse server with concurrent HTTP
// requests and reports throughput and latency percentiles. It is how the
// numbers in docs/performance.md are measured: against a real server on
// loopback, never another host.
package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Config describes a load run.
type Config struct {
	BaseURL     string
	Token       string
	Method      string
	Paths       []string // requests cycle through these
	Body        []byte
	Concurrency int
	Duration    time.Duration
	MaxRequests int // stop after this many (0: no limit)
}

// Result summarises a run.
type Result struct {
	Requests  int
	Errors    int // transport errors and non-2xx answers
	Elapsed   time.Duration
	RPS       float64
	P50, P99  time.Duration
	Max       time.Duration
	FirstFail string
}

func (r Result) String() string {
	return fmt.Sprintf("%d requests in %v: %.0f req/s, p50 %v, p99 %v, max %v, %d errors",
		r.Requests, r.Elapsed.Round(time.Millisecond), r.RPS, r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond), r.Max.Round(time.Microsecond), r.Errors)
}

// Run performs the load test. It refuses targets that are not on the
// loopback interface.
func Run(ctx context.Context, cfg Config) (Result, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return Result{}, fmt.Errorf("url: %w", err)
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return Result{}, fmt.Errorf("load tests only target loopback addresses, not %q", u.Hostname())
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 16
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 10 * time.Second
	}
	if cfg.Method == "" {
		cfg.Method = http.MethodGet
	}
	if len(cfg.Paths) == 0 {
		return Result{}, fmt.Errorf("no paths to request")
	}
	tr := &http.Transport{MaxIdleConnsPerHost: cfg.Concurrency, MaxConnsPerHost: cfg.Concurrency}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()

	var mu sync.Mutex
	var all []time.Duration
	res := Result{}
	var wg sync.WaitGroup
	var seq atomic.Int64
	start := time.Now()
	for w := 0; w < cfg.Concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			errs := 0
			first := ""
			for ctx.Err() == nil {
				i := seq.Add(1) - 1
				if cfg.MaxRequests > 0 && i >= int64(cfg.MaxRequests) {
					break
				}
				req, _ := http.NewRequestWithContext(ctx, cfg.Method, cfg.BaseURL+cfg.Paths[i%int64(len(cfg.Paths))], bytes.NewReader(cfg.Body))
				req.Header.Set("Authorization", "aivenv1 "+cfg.Token)
				req.Header.Set("Content-Type", "application/json")
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() != nil {
						break
					}
					errs++
					if first == "" {
						first = err.Error()
					}
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat = append(lat, time.Since(t0))
				if resp.StatusCode/100 != 2 {
					errs++
					if first == "" {
						first = fmt.Sprintf("%s %s: %d", cfg.Method, req.URL.Path, resp.StatusCode)
					}
				}
			}
			mu.Lock()
			all = append(all, lat...)
			res.Errors += errs
			if res.FirstFail == "" {
				res.FirstFail = first
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.Requests = len(all)
	if len(all) > 0 {
		slices.Sort(all)
		res.P50 = all[len(all)/2]
		res.P99 = all[len(all)*99/100]
		res.Max = all[len(all)-1]
		res.RPS = float64(len(all)) / res.Elapsed.Seconds()
	}
	return res, nil
}
