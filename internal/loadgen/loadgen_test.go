package loadgen

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// decisions answers an access check of n decisions, as the server does.
func decisions(n int) string {
	var b strings.Builder
	b.WriteString(`{"message":"Created","results":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"allowed":%t}`, i%2 == 0)
	}
	b.WriteString(`],"revision":7}`)
	return b.String()
}

func TestRun(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "aivenv1 tok" {
			w.WriteHeader(401)
			return
		}
		if b, _ := io.ReadAll(r.Body); string(b) != `{"q":1}` || r.Method != http.MethodPost {
			w.WriteHeader(400)
			return
		}
		switch r.URL.Path {
		case "/bad":
			w.WriteHeader(500)
			_, _ = io.WriteString(w, decisions(3)) // not counted: a failure
		case "/single":
			_, _ = io.WriteString(w, `{"allowed":true,"message":"Created","revision":7}`)
		case "/batch": // longer than net/http's buffer: chunked
			_, _ = io.WriteString(w, decisions(1000))
		case "/flushed": // chunked in several pieces
			for i := range 3 {
				_, _ = io.WriteString(w, decisions(i+1))
				w.(http.Flusher).Flush()
			}
		case "/close":
			w.Header().Set("Connection", "close")
			_, _ = io.WriteString(w, decisions(2))
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	defer srv.Close()
	for _, tc := range []struct {
		name                          string
		token                         string
		paths                         []string
		requests, errors, decisionsIn int
	}{
		{"single", "tok", []string{"/single"}, 200, 0, 200},
		{"batch chunked", "tok", []string{"/batch"}, 200, 0, 200 * 1000},
		{"flushed chunks", "tok", []string{"/flushed"}, 200, 0, 200 * 6},
		{"connection close", "tok", []string{"/close"}, 200, 0, 200 * 2},
		{"no content", "tok", []string{"/empty"}, 200, 0, 0},
		{"failures not counted", "tok", []string{"/single", "/bad"}, 200, 100, 100},
		{"unauthenticated", "nope", []string{"/single"}, 200, 200, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Run(t.Context(), Config{BaseURL: srv.URL, Token: tc.token, Method: http.MethodPost, Body: []byte(`{"q":1}`),
				Paths: tc.paths, Concurrency: 4, Duration: 10 * time.Second, MaxRequests: 200})
			if err != nil {
				t.Fatal(err)
			}
			if res.Requests != tc.requests || res.Errors != tc.errors || res.Decisions != tc.decisionsIn || res.P50 <= 0 || res.P99 < res.P50 || res.P999 < res.P99 || res.Max < res.P999 {
				t.Fatalf("result %+v, want %d requests, %d errors, %d decisions", res, tc.requests, tc.errors, tc.decisionsIn)
			}
			counted := 0
			for _, b := range res.Histogram {
				counted += b.Count
			}
			if counted != res.Requests {
				t.Fatalf("the histogram counts %d requests of %d", counted, res.Requests)
			}
			if (tc.errors == 0) != (res.FirstFail == "") {
				t.Fatalf("first failure %q with %d errors", res.FirstFail, res.Errors)
			}
		})
	}
}

func TestHistogram(t *testing.T) {
	const us = time.Microsecond
	ms := func(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }
	for _, tc := range []struct {
		name   string
		sorted []time.Duration
		want   []int // counts by bucket, histogramBounds then the rest
	}{
		{"none", nil, []int{0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
		{"a bound belongs to its bucket", []time.Duration{125 * us, 126 * us, ms(1), ms(1) + 1}, []int{1, 1, 0, 1, 1, 0, 0, 0, 0, 0}},
		{"fast and slow", []time.Duration{1, 2, 3, ms(3), ms(40), ms(900)}, []int{3, 0, 0, 0, 0, 1, 0, 0, 0, 2}},
		{"past the last bound", []time.Duration{ms(32), ms(32) + 1}, []int{0, 0, 0, 0, 0, 0, 0, 0, 1, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := histogram(tc.sorted)
			if len(h) != len(tc.want) || h[len(h)-1].Upto != 0 {
				t.Fatalf("buckets %+v", h)
			}
			for i, b := range h {
				if b.Count != tc.want[i] || (i < len(histogramBounds) && b.Upto != histogramBounds[i]) {
					t.Fatalf("bucket %d is %+v, want %d requests up to %v (all %+v)", i, b, tc.want[i], b.Upto, h)
				}
			}
			res := Result{Requests: len(tc.sorted), Histogram: h}
			if lines := strings.Count(res.HistogramString(), "\n"); lines != len(h) {
				t.Fatalf("%d lines for %d buckets:\n%s", lines, len(h), res.HistogramString())
			}
		})
	}
}

// TestRunBrokenAnswers: answers cut short or malformed are transport
// errors, not requests, and the worker reconnects after each.
func TestRunBrokenAnswers(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer string
	}{
		{"cut body", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"allowed\":true}"},
		{"cut chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n{\"allowed\":true}"},
		{"bad status line", "HTTP/1.1 OK\r\n\r\n"},
		{"bad length", "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"},
		{"bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"},
		{"nothing", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			go func() {
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					go func() {
						defer c.Close()
						req, err := http.ReadRequest(bufio.NewReader(c))
						if err != nil {
							return
						}
						_, _ = io.Copy(io.Discard, req.Body)
						_, _ = io.WriteString(c, tc.answer)
					}()
				}
			}()
			res, err := Run(t.Context(), Config{BaseURL: "http://" + ln.Addr().String(), Paths: []string{"/"}, Concurrency: 2, Duration: 10 * time.Second, MaxRequests: 20})
			if err != nil {
				t.Fatal(err)
			}
			if res.Requests != 0 || res.Errors != 20 || res.Decisions != 0 || res.FirstFail == "" {
				t.Fatalf("result %+v", res)
			}
		})
	}
}

// TestRunUntilDuration: without a request limit, the run ends on time
// and what was cut off at the end is neither a request nor an error.
func TestRunUntilDuration(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Millisecond)
		_, _ = io.WriteString(w, `{"allowed":false}`)
	}))
	defer srv.Close()
	res, err := Run(t.Context(), Config{BaseURL: srv.URL, Paths: []string{"/"}, Concurrency: 3, Duration: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests == 0 || res.Errors != 0 || res.Decisions != res.Requests || res.Elapsed > 2*time.Second {
		t.Fatalf("result %+v", res)
	}
}

func TestBuildRequest(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		path string
		want string
	}{
		{"post with body", Config{BaseURL: "http://127.0.0.1:8080", Token: "t", Method: "POST", Body: []byte("{}")}, "/v1/x?a=b",
			"POST /v1/x?a=b HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: gatehouse-bench\r\nAuthorization: aivenv1 t\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"},
		{"get without body or token", Config{BaseURL: "http://localhost:1/base", Method: "GET"}, "/y",
			"GET /base/y HTTP/1.1\r\nHost: localhost:1\r\nUser-Agent: gatehouse-bench\r\nContent-Type: application/json\r\n\r\n"},
		{"empty post", Config{BaseURL: "http://[::1]:9", Method: "POST"}, "/",
			"POST / HTTP/1.1\r\nHost: [::1]:9\r\nUser-Agent: gatehouse-bench\r\nContent-Type: application/json\r\nContent-Length: 0\r\n\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := buildRequest(tc.cfg, tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Fatalf("got %q\nwant %q", got, tc.want)
			}
			if _, err := http.ReadRequest(bufio.NewReader(strings.NewReader(string(got)))); err != nil {
				t.Fatalf("not a valid request: %v", err)
			}
		})
	}
}

func TestCountDecisions(t *testing.T) {
	for _, tc := range []struct {
		body string
		want int
	}{
		{`{"allowed":true,"message":"Created","revision":1}`, 1},
		{decisions(100), 100},
		{`{"projects":[]}`, 0},
		{`{"message":"Created","results":[],"revision":1}`, 0},
	} {
		if got := countDecisions([]byte(tc.body)); got != tc.want {
			t.Errorf("countDecisions(%.40q) = %d, want %d", tc.body, got, tc.want)
		}
	}
}

// TestNoAllocationPerRequest: a kept-alive request costs the generator no
// allocation. The server is a loop writing fixed answers, so that it
// allocates nothing either (AllocsPerRun counts the whole process).
func TestNoAllocationPerRequest(t *testing.T) {
	for _, tc := range []struct{ name, answer string }{
		{"content length", fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(decisions(100)), decisions(100))},
		{"chunked", fmt.Sprintf("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n", len(decisions(100)), decisions(100))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			cfg := Config{BaseURL: "http://" + ln.Addr().String(), Method: http.MethodPost, Body: []byte(`{}`)}
			req, err := buildRequest(cfg, "/")
			if err != nil {
				t.Fatal(err)
			}
			go func() {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				defer c.Close()
				buf, answer := make([]byte, len(req)), []byte(tc.answer)
				for {
					if _, err := io.ReadFull(c, buf); err != nil {
						return
					}
					if _, err := c.Write(answer); err != nil {
						return
					}
				}
			}()
			cl := client{dial: func() (net.Conn, error) { return net.Dial("tcp", ln.Addr().String()) }, method: cfg.Method}
			if err := cl.connect(); err != nil {
				t.Fatal(err)
			}
			defer cl.close()
			allocs := testing.AllocsPerRun(200, func() {
				status, got, err := cl.do(req, time.Now())
				if err != nil || status != 200 || countDecisions(got) != 100 {
					t.Fatalf("status %d, err %v, body %.40q", status, err, got)
				}
			})
			if allocs != 0 {
				t.Fatalf("%v allocations per request", allocs)
			}
		})
	}
}

func TestRefusesNonLoopback(t *testing.T) {
	for _, u := range []string{"http://10.0.0.1:8080", "http://example.com", "::bad", "ftp://127.0.0.1/"} {
		if _, err := Run(t.Context(), Config{BaseURL: u, Paths: []string{"/"}}); err == nil {
			t.Fatalf("Run(%q) accepted a non-loopback target", u)
		}
	}
}

// FuzzReadAnswer feeds the answer parser arbitrary bytes: it must return
// (an answer or an error) without panicking, and never accept a body
// larger than maxAnswer.
func FuzzReadAnswer(f *testing.F) {
	for _, seed := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
		"HTTP/1.0 200 OK\r\n\r\nuntil the end",
		"HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7fffffff\r\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &client{method: http.MethodGet, r: bufio.NewReader(bytes.NewReader(data))}
		for range 8 { // a few answers on one connection, then the input ends
			if _, _, err := c.readAnswer(); err != nil {
				return
			}
			if len(c.body) > maxAnswer {
				t.Fatalf("accepted a body of %d bytes", len(c.body))
			}
		}
	})
}

// TestRefusesHugeAnswers: a length or chunk size past maxAnswer is an
// error, not an allocation.
func TestRefusesHugeAnswers(t *testing.T) {
	for _, answer := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7fffffff\r\n",
	} {
		c := &client{method: http.MethodGet, r: bufio.NewReader(strings.NewReader(answer))}
		if _, _, err := c.readAnswer(); !errors.Is(err, errTooLarge) {
			t.Errorf("%q: err %v, want %v", answer, err, errTooLarge)
		}
	}
}
