package ownership_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/ownership"
	"github.com/gatehouse-dev/gatehouse/internal/ownership/ownershiptest"
)

const token = "0123456789abcdef0123456789abcdef01234567"

func TestCheckDNS(t *testing.T) {
	srv := ownershiptest.NewDNS(t)
	c := &ownership.Checker{Resolver: srv.Addr(), Timeout: 300 * time.Millisecond}
	good := ownership.RecordValue(token)
	cases := []struct {
		name    string
		domain  string
		setup   func(record string)
		want    error    // nil, ErrNotProven or ErrLookup
		mention []string // the message must say these
	}{
		{"published", "ok.example", func(r string) { srv.SetTXT(r, good) }, nil, nil},
		{"among other records", "many.example", func(r string) { srv.SetTXT(r, "v=spf1 -all", good, "token=other,expiry=never") }, nil, nil},
		{"spaces and order", "spaces.example", func(r string) { srv.SetTXT(r, " expiry = never , token = "+token+" ") }, nil, nil},
		// Over 255 bytes: served as two character strings, joined again.
		{"long record split in strings", "long.example", func(r string) { srv.SetTXT(r, strings.Repeat(" ", 250)+good) }, nil, nil},
		{"no such name", "nx.example", func(string) {}, ownership.ErrNotProven, []string{"_gatehouse-challenge.nx.example", "NXDOMAIN", good}},
		{"name without TXT record", "empty.example", func(r string) { srv.SetTXT(r) }, ownership.ErrNotProven, []string{"no TXT record", good}},
		{"wrong token", "wrong.example", func(r string) { srv.SetTXT(r, "token=nottheone,expiry=never") }, ownership.ErrNotProven,
			[]string{`found "token=nottheone,expiry=never"`, good}},
		{"token prefix only", "prefix.example", func(r string) { srv.SetTXT(r, "token="+token[:10]+",expiry=never") }, ownership.ErrNotProven, nil},
		{"expiry not never", "expiry.example", func(r string) { srv.SetTXT(r, "token="+token+",expiry=2030-01-01") }, ownership.ErrNotProven, nil},
		{"bare token", "bare.example", func(r string) { srv.SetTXT(r, token) }, ownership.ErrNotProven, nil},
		{"extra field", "extra.example", func(r string) { srv.SetTXT(r, good+",x=y") }, ownership.ErrNotProven, nil},
		{"server failure", "fail.example", func(r string) { srv.SetTXT(r, good); srv.SetMode(r, ownershiptest.ServFail) }, ownership.ErrLookup,
			[]string{"SERVFAIL", srv.Addr()}},
		{"timeout", "slow.example", func(r string) { srv.SetTXT(r, good); srv.SetMode(r, ownershiptest.Silent) }, ownership.ErrLookup,
			[]string{"no answer within 300ms", srv.Addr()}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.setup(c.RecordName(tc.domain))
			start := time.Now()
			err := c.CheckDNS(t.Context(), tc.domain, token)
			if took := time.Since(start); took > 2*time.Second {
				t.Fatalf("check took %s", took)
			}
			if tc.want == nil {
				if err != nil {
					t.Fatalf("CheckDNS: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			for _, m := range tc.mention {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("message %q does not mention %q", err, m)
				}
			}
		})
	}
}

func TestCheckDNSRecordName(t *testing.T) {
	srv := ownershiptest.NewDNS(t)
	c := &ownership.Checker{Resolver: srv.Addr(), Record: "_aiven-challenge", Timeout: time.Second}
	srv.SetTXT("_aiven-challenge.example.com", ownership.RecordValue(token))
	if err := c.CheckDNS(t.Context(), "example.com", token); err != nil {
		t.Fatal(err)
	}
	if q := srv.Queries(); len(q) != 1 || q[0] != "_aiven-challenge.example.com." {
		t.Fatalf("queries = %v", q)
	}
	if got := c.FileURL("example.com"); got != "https://example.com/.well-known/aiven-challenge" {
		t.Fatalf("FileURL = %q", got)
	}
}

func TestCheckDNSUnreachableResolver(t *testing.T) {
	// A closed UDP port: the resolver is down, which is not a proof that
	// the record is gone.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close()
	c := &ownership.Checker{Resolver: addr, Timeout: 300 * time.Millisecond}
	err = c.CheckDNS(t.Context(), "example.com", token)
	if !errors.Is(err, ownership.ErrLookup) || !strings.Contains(err.Error(), addr) {
		t.Fatalf("err = %v", err)
	}
}

// tlsChecker returns a checker whose HTTP client reaches srv for any host
// name, trusting its certificate (issued for example.com).
func tlsChecker(srv *httptest.Server) *ownership.Checker {
	client := srv.Client()
	tr := client.Transport.(*http.Transport).Clone()
	addr := srv.Listener.Addr().String()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	client.Transport = tr
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	_, port, _ := net.SplitHostPort(addr)
	return &ownership.Checker{HTTPClient: client, HTTPPort: port, Timeout: 500 * time.Millisecond}
}

func TestCheckHTTP(t *testing.T) {
	bodies := map[string]func(w http.ResponseWriter){
		"ok.example.com":      func(w http.ResponseWriter) { w.Write([]byte(token + "\n")) },
		"record.example.com":  func(w http.ResponseWriter) { w.Write([]byte(ownership.RecordValue(token))) },
		"wrong.example.com":   func(w http.ResponseWriter) { w.Write([]byte("something else")) },
		"missing.example.com": func(w http.ResponseWriter) { http.NotFound(w, nil) },
		"moved.example.com": func(w http.ResponseWriter) {
			w.Header().Set("Location", "http://10.0.0.1/")
			w.WriteHeader(http.StatusFound)
		},
		"broken.example.com":   func(w http.ResponseWriter) { w.WriteHeader(http.StatusBadGateway) },
		"huge.example.com":     func(w http.ResponseWriter) { w.Write([]byte(strings.Repeat(token, 200))) },
		"slow.example.com":     func(w http.ResponseWriter) { time.Sleep(time.Second); w.Write([]byte(token)) },
		"prefixed.example.com": func(w http.ResponseWriter) { w.Write([]byte(token + "x")) },
	}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/gatehouse-challenge" {
			http.NotFound(w, r)
			return
		}
		host, _, _ := net.SplitHostPort(r.Host)
		bodies[host](w)
	}))
	defer srv.Close()
	c := tlsChecker(srv)
	cases := []struct {
		domain  string
		want    error
		mention string
	}{
		{"ok.example.com", nil, ""},
		{"record.example.com", nil, ""},
		{"wrong.example.com", ownership.ErrNotProven, `HTTP 200 with "something else"`},
		{"missing.example.com", ownership.ErrNotProven, "HTTP 404"},
		{"moved.example.com", ownership.ErrNotProven, "redirect"},
		{"broken.example.com", ownership.ErrLookup, "HTTP 502"},
		{"huge.example.com", ownership.ErrNotProven, "larger than"},
		{"slow.example.com", ownership.ErrLookup, "no answer within"},
		{"prefixed.example.com", ownership.ErrNotProven, "not the challenge token"},
	}
	for _, tc := range cases {
		t.Run(tc.domain, func(t *testing.T) {
			err := c.CheckHTTP(t.Context(), tc.domain, token)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.mention) ||
				!strings.Contains(err.Error(), "https://"+tc.domain+":") {
				t.Fatalf("err = %v, want %v mentioning %q and the URL", err, tc.want, tc.mention)
			}
		})
	}
}

func TestCheckHTTPRefusesPrivateAddresses(t *testing.T) {
	// The default client will not connect to loopback, even when the
	// file is there: a domain name must not reach the server's network.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(token)) }))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	c := &ownership.Checker{HTTPScheme: "http", HTTPPort: port, Timeout: time.Second}
	err := c.CheckHTTP(t.Context(), "127.0.0.1", token)
	if !errors.Is(err, ownership.ErrNotProven) || !strings.Contains(err.Error(), "not a public address") {
		t.Fatalf("err = %v", err)
	}
}

func TestIsPublic(t *testing.T) {
	for addr, want := range map[string]bool{
		"8.8.8.8": true, "2606:4700::1111": true, "127.0.0.1": false, "10.1.2.3": false, "192.168.1.1": false,
		"172.16.0.1": false, "169.254.169.254": false, "100.64.0.1": false, "::1": false, "fe80::1": false,
		"fd00::1": false, "0.0.0.0": false, "224.0.0.1": false, "::ffff:127.0.0.1": false,
	} {
		if got := ownership.IsPublic(net.ParseIP(addr)); got != want {
			t.Errorf("IsPublic(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestCheckDNSSystemResolver(t *testing.T) {
	// Without a configured resolver the system's is asked. Names under
	// .invalid never exist (RFC 6761); whether the answer is NXDOMAIN or
	// no answer at all depends on the machine, but it is never a proof
	// and never a panic or a hang.
	c := &ownership.Checker{Timeout: 2 * time.Second}
	start := time.Now()
	err := c.CheckDNS(t.Context(), "gatehouse-test.invalid", token)
	if !errors.Is(err, ownership.ErrNotProven) && !errors.Is(err, ownership.ErrLookup) {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "_gatehouse-challenge.gatehouse-test.invalid") || !strings.Contains(err.Error(), "the system resolver") {
		t.Fatalf("message %q", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("took %s", took)
	}
}
