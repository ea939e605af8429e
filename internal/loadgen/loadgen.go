// Package loadgen drives a running Gatehouse server with concurrent HTTP
// requests and reports throughput and latency percentiles. It is how the
// numbers in docs/performance.md are measured: against a real server on
// loopback, never another host.
//
// The generator shares the machine with the server it measures, so its own
// cost per request is part of every number: it speaks HTTP/1.1 itself over
// one kept-alive connection per worker, sending request bytes built once
// and reading answers into a buffer it reuses, with no allocation per
// request. net/http's client cost more CPU per request than the server's
// whole batch check.
package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
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
	Requests int
	Errors   int // transport errors and non-2xx answers
	// Decisions counts the access decisions ("allowed" keys) in the
	// bodies of successful answers: a batch check answers many per request.
	Decisions int
	Elapsed   time.Duration
	RPS       float64
	P50, P99  time.Duration
	P999      time.Duration // 99.9th percentile
	Max       time.Duration
	// Histogram counts the answered requests by latency: how a tail is
	// made (a few slow requests, or a slow mode) shows there and not in
	// percentiles.
	Histogram []Bucket
	FirstFail string
}

// Bucket counts the requests whose latency was above the previous
// bucket's Upto and at most its own; the last bucket's Upto is 0: all
// slower ones.
type Bucket struct {
	Upto  time.Duration
	Count int
}

// histogramBounds are the buckets' upper bounds, doubling from 125 µs.
var histogramBounds = []time.Duration{125 * time.Microsecond, 250 * time.Microsecond, 500 * time.Microsecond,
	time.Millisecond, 2 * time.Millisecond, 4 * time.Millisecond, 8 * time.Millisecond, 16 * time.Millisecond, 32 * time.Millisecond}

// histogram buckets sorted latencies.
func histogram(sorted []time.Duration) []Bucket {
	out := make([]Bucket, 0, len(histogramBounds)+1)
	i := 0
	for _, upto := range histogramBounds {
		n := sort.Search(len(sorted)-i, func(j int) bool { return sorted[i+j] > upto })
		out = append(out, Bucket{Upto: upto, Count: n})
		i += n
	}
	return append(out, Bucket{Count: len(sorted) - i})
}

// HistogramString prints the histogram one bucket a line, with each
// bucket's share of the requests.
func (r Result) HistogramString() string {
	var b strings.Builder
	prev := time.Duration(0)
	for _, k := range r.Histogram {
		share := 0.0
		if r.Requests > 0 {
			share = 100 * float64(k.Count) / float64(r.Requests)
		}
		if k.Upto == 0 {
			fmt.Fprintf(&b, "  > %-16v %9d %8.3f%%\n", prev, k.Count, share)
			break
		}
		fmt.Fprintf(&b, "  %-18s %9d %8.3f%%\n", fmt.Sprintf("%v-%v", prev, k.Upto), k.Count, share)
		prev = k.Upto
	}
	return b.String()
}

func (r Result) String() string {
	s := fmt.Sprintf("%d requests in %v: %.0f req/s, p50 %v, p99 %v, p99.9 %v, max %v, %d errors",
		r.Requests, r.Elapsed.Round(time.Millisecond), r.RPS, r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond),
		r.P999.Round(time.Microsecond), r.Max.Round(time.Microsecond), r.Errors)
	if r.Decisions > 0 && r.Elapsed > 0 {
		s += fmt.Sprintf(", %d decisions (%.0f/s)", r.Decisions, float64(r.Decisions)/r.Elapsed.Seconds())
	}
	return s
}

// requestTimeout bounds one request, as the net/http client's Timeout did.
const requestTimeout = 30 * time.Second

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
	if u.Scheme != "http" && u.Scheme != "https" {
		return Result{}, fmt.Errorf("url: scheme %q is not http or https", u.Scheme)
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
	reqs := make([][]byte, len(cfg.Paths))
	for i, p := range cfg.Paths {
		if reqs[i], err = buildRequest(cfg, p); err != nil {
			return Result{}, err
		}
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), map[string]string{"http": "80", "https": "443"}[u.Scheme])
	}
	dial := func() (net.Conn, error) {
		c, err := net.DialTimeout("tcp", addr, requestTimeout)
		if err != nil || u.Scheme == "http" {
			return c, err
		}
		return tls.Client(c, &tls.Config{ServerName: u.Hostname()}), nil
	}

	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	// Workers poll a flag, not the context (whose Err takes a lock), and a
	// request in flight when time is up is cut off by its connection's
	// deadline, as the net/http client's context did.
	var stop atomic.Bool
	var conns sync.Map // worker -> net.Conn in use
	go func() {
		<-ctx.Done()
		stop.Store(true)
		conns.Range(func(_, c any) bool { _ = c.(net.Conn).SetDeadline(time.Now()); return true })
	}()

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
			cl := client{dial: dial, method: cfg.Method}
			defer cl.close()
			lat := make([]time.Duration, 0, 1<<14)
			errs, decisions := 0, 0
			first := ""
			for !stop.Load() {
				i := seq.Add(1) - 1
				if cfg.MaxRequests > 0 && i >= int64(cfg.MaxRequests) {
					break
				}
				if cl.conn == nil {
					if err := cl.connect(); err != nil {
						if stop.Load() {
							break
						}
						errs++
						if first == "" {
							first = err.Error()
						}
						continue
					}
					conns.Store(w, cl.conn)
					if stop.Load() { // the watcher may have missed it
						break
					}
				}
				t0 := time.Now()
				status, body, err := cl.do(reqs[i%int64(len(reqs))], t0)
				if err != nil {
					cl.close()
					conns.Delete(w)
					if stop.Load() {
						break // cut off at the end of the run, not a failure
					}
					errs++
					if first == "" {
						first = err.Error()
					}
					continue
				}
				lat = append(lat, time.Since(t0))
				if status/100 != 2 {
					errs++
					if first == "" {
						first = fmt.Sprintf("%s %s: %d", cfg.Method, cfg.Paths[i%int64(len(cfg.Paths))], status)
					}
					continue
				}
				decisions += countDecisions(body)
			}
			mu.Lock()
			all = append(all, lat...)
			res.Errors += errs
			res.Decisions += decisions
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
		res.P999 = all[len(all)*999/1000]
		res.Max = all[len(all)-1]
		res.Histogram = histogram(all)
		res.RPS = float64(len(all)) / res.Elapsed.Seconds()
	}
	return res, nil
}

// buildRequest encodes the request for path once: every request to it
// sends these bytes.
func buildRequest(cfg Config, path string) ([]byte, error) {
	u, err := url.Parse(cfg.BaseURL + path)
	if err != nil {
		return nil, fmt.Errorf("url: %w", err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: gatehouse-bench\r\n", cfg.Method, u.RequestURI(), u.Host)
	if cfg.Token != "" {
		fmt.Fprintf(&b, "Authorization: aivenv1 %s\r\n", cfg.Token)
	}
	b.WriteString("Content-Type: application/json\r\n")
	switch {
	case len(cfg.Body) > 0:
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(cfg.Body))
	case cfg.Method != http.MethodGet && cfg.Method != http.MethodHead && cfg.Method != http.MethodDelete && cfg.Method != http.MethodOptions:
		b.WriteString("Content-Length: 0\r\n")
	}
	b.WriteString("\r\n")
	b.Write(cfg.Body)
	return b.Bytes(), nil
}

// countDecisions counts the "allowed" keys of an access check's answer:
// one for a single check, one per check for a batch, none for other
// answers.
func countDecisions(body []byte) int { return bytes.Count(body, []byte(`"allowed":`)) }

// client is one worker's HTTP/1.1 connection.
type client struct {
	dial   func() (net.Conn, error)
	method string
	conn   net.Conn
	// deadline is conn's; see do.
	deadline time.Time
	r        *bufio.Reader
	body     []byte // the last answer's body, reused
}

func (c *client) connect() error {
	conn, err := c.dial()
	if err != nil {
		return err
	}
	c.conn = conn
	c.deadline = time.Time{}
	if c.r == nil {
		c.r = bufio.NewReaderSize(conn, 64<<10)
	} else {
		c.r.Reset(conn)
	}
	return nil
}

func (c *client) close() {
	if c.conn != nil {
		_ = c.conn.Close()
		c.conn = nil
	}
}

// errClose reports an answer that ends its connection: the next request
// dials again.
var errClose = errors.New("connection closed by the server")

// do sends req and reads its answer: the status code and the body (valid
// until the next call). The connection is closed by the caller on error.
func (c *client) do(req []byte, t0 time.Time) (int, []byte, error) {
	// Setting a deadline updates a runtime timer; it is moved only when
	// less than half of requestTimeout is left, so a request gets between
	// half and all of it.
	if t0.Add(requestTimeout / 2).After(c.deadline) {
		c.deadline = t0.Add(requestTimeout)
		if err := c.conn.SetDeadline(c.deadline); err != nil {
			return 0, nil, err
		}
	}
	if _, err := c.conn.Write(req); err != nil {
		return 0, nil, err
	}
	status, closeAfter, err := c.readAnswer()
	if err != nil {
		return 0, nil, err
	}
	if closeAfter {
		c.close()
	}
	return status, c.body, nil
}

// readAnswer reads one HTTP/1.1 response into c.body: a body framed by
// Content-Length, by chunked transfer encoding, or by the end of the
// connection.
func (c *client) readAnswer() (status int, closeAfter bool, err error) {
	for {
		line, err := c.readLine()
		if err != nil {
			return 0, false, err
		}
		// "HTTP/1.1 200 OK"
		if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
			return 0, false, fmt.Errorf("malformed status line %q", line)
		}
		status, err = strconv.Atoi(string(line[9:12]))
		if err != nil {
			return 0, false, fmt.Errorf("malformed status line %q", line)
		}
		closeAfter = line[7] == '0' // HTTP/1.0 closes unless told otherwise; the server speaks 1.1
		length, chunked := -1, false
		for {
			h, err := c.readLine()
			if err != nil {
				return 0, false, err
			}
			if len(h) == 0 {
				break
			}
			k, v, ok := bytes.Cut(h, []byte(":"))
			if !ok {
				return 0, false, fmt.Errorf("malformed header %q", h)
			}
			v = bytes.TrimSpace(v)
			switch {
			case bytes.EqualFold(k, []byte("Content-Length")):
				n, err := strconv.Atoi(string(v))
				if err != nil || n < 0 {
					return 0, false, fmt.Errorf("malformed Content-Length %q", v)
				}
				length = n
			case bytes.EqualFold(k, []byte("Transfer-Encoding")):
				chunked = bytes.EqualFold(v, []byte("chunked"))
			case bytes.EqualFold(k, []byte("Connection")):
				closeAfter = bytes.EqualFold(v, []byte("close"))
			}
		}
		if status >= 100 && status < 200 {
			continue // 100 Continue: the answer follows
		}
		c.body = c.body[:0]
		switch {
		case c.method == http.MethodHead || status == http.StatusNoContent || status == http.StatusNotModified:
		case chunked:
			err = c.readChunked()
		case length >= 0:
			err = c.readN(length)
		default:
			closeAfter = true
			c.body, err = appendAll(c.body, io.LimitReader(c.r, maxAnswer+1))
			if err == nil && len(c.body) > maxAnswer {
				err = errTooLarge
			}
		}
		return status, closeAfter, err
	}
}

// readLine reads one CRLF-terminated line without its line end. The line
// is valid until the next read.
func (c *client) readLine() ([]byte, error) {
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, errors.New("response line too long")
		}
		if errors.Is(err, io.EOF) {
			return nil, errClose
		}
		return nil, err
	}
	return bytes.TrimRight(line, "\r\n"), nil
}

// maxAnswer bounds an answer's body: a length or chunk size beyond it
// is refused rather than allocated.
const maxAnswer = 64 << 20

var errTooLarge = fmt.Errorf("answer larger than %d bytes", maxAnswer)

func (c *client) readN(n int) error {
	start := len(c.body)
	if n > maxAnswer-start {
		return errTooLarge
	}
	c.body = slices.Grow(c.body, n)[:start+n]
	_, err := io.ReadFull(c.r, c.body[start:])
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errClose
	}
	return err
}

func (c *client) readChunked() error {
	for {
		line, err := c.readLine()
		if err != nil {
			return err
		}
		if i := bytes.IndexByte(line, ';'); i >= 0 {
			line = line[:i] // chunk extensions
		}
		n, err := strconv.ParseUint(string(bytes.TrimSpace(line)), 16, 31)
		if err != nil {
			return fmt.Errorf("malformed chunk size %q", line)
		}
		if n == 0 {
			for { // trailers, up to the empty line
				t, err := c.readLine()
				if err != nil {
					return err
				}
				if len(t) == 0 {
					return nil
				}
			}
		}
		if err := c.readN(int(n)); err != nil {
			return err
		}
		if end, err := c.readLine(); err != nil || len(end) != 0 {
			if err == nil {
				err = errors.New("malformed chunk end")
			}
			return err
		}
	}
}

func appendAll(b []byte, r io.Reader) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if errors.Is(err, io.EOF) {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}
