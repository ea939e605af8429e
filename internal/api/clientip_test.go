package api

import (
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestForwardedClient(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		trusted string
		peer    string
		xff     []string
		want    string
	}{
		{"no proxies: header ignored", "", "203.0.113.5:4000", []string{"10.9.9.9"}, "203.0.113.5"},
		{"untrusted peer: header ignored", "10.0.0.0/8", "203.0.113.5:4000", []string{"192.0.2.1"}, "203.0.113.5"},
		{"trusted peer: last hop believed", "10.0.0.0/8", "10.0.0.2:4000", []string{"192.0.2.1"}, "192.0.2.1"},
		{"spoofed left entries ignored", "10.0.0.0/8", "10.0.0.2:4000", []string{"6.6.6.6, 192.0.2.1"}, "192.0.2.1"},
		{"chain of trusted proxies", "10.0.0.0/8", "10.0.0.2:4000", []string{"192.0.2.1, 10.1.1.1", "10.2.2.2"}, "192.0.2.1"},
		{"all trusted: leftmost", "10.0.0.0/8", "10.0.0.2:4000", []string{"10.3.3.3"}, "10.3.3.3"},
		{"no header: peer", "10.0.0.0/8", "10.0.0.2:4000", nil, "10.0.0.2"},
		{"malformed entry stops at last trusted hop", "10.0.0.0/8", "10.0.0.2:4000", []string{"192.0.2.1, garbage"}, "10.0.0.2"},
		{"ipv6 proxy and client", "2001:db8::/32", "[2001:db8::1]:4000", []string{"2001:db9::7"}, "2001:db9::7"},
		{"ipv4-mapped client", "10.0.0.1", "10.0.0.1:4000", []string{"::ffff:192.0.2.9"}, "192.0.2.9"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ps, err := ParseTrustedProxies(c.trusted)
			if err != nil {
				t.Fatal(err)
			}
			s := &Server{trusted: ps}
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = c.peer
			for _, h := range c.xff {
				r.Header.Add("X-Forwarded-For", h)
			}
			if got := clientIP(s.withClientIP(r)); got != c.want {
				t.Fatalf("client = %q, want %q", got, c.want)
			}
		})
	}
}

func TestParseTrustedProxies(t *testing.T) {
	t.Parallel()
	good := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{" 10.0.0.0/8 , 192.0.2.1,2001:db8::/32 ", []string{"10.0.0.0/8", "192.0.2.1/32", "2001:db8::/32"}},
		{"10.1.2.3/8", []string{"10.0.0.0/8"}},
	}
	for _, c := range good {
		ps, err := ParseTrustedProxies(c.in)
		if err != nil {
			t.Fatalf("%q: %v", c.in, err)
		}
		var got []string
		for _, p := range ps {
			got = append(got, p.String())
		}
		if strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Fatalf("%q: got %v, want %v", c.in, got, c.want)
		}
	}
	for _, bad := range []string{"proxy.example.com", "10.0.0.0/40", "10.0.0.1,nope"} {
		if _, err := ParseTrustedProxies(bad); err == nil {
			t.Fatalf("%q accepted", bad)
		}
	}
}

// FuzzForwardedClient: any header gives a parseable address, never a
// panic, and an untrusted peer is never overridden.
func FuzzForwardedClient(f *testing.F) {
	for _, s := range []string{"192.0.2.1", "a, b, 10.0.0.1", "", ",,,", "::ffff:1.2.3.4, 10.9.9.9", "[::1]"} {
		f.Add(s, "10.0.0.0/8", true)
	}
	f.Fuzz(func(t *testing.T, xff, trusted string, peerTrusted bool) {
		ps, err := ParseTrustedProxies(trusted)
		if err != nil {
			return
		}
		s := &Server{trusted: ps}
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = "203.0.113.5:1"
		if peerTrusted {
			r.RemoteAddr = "10.0.0.2:1"
		}
		r.Header.Set("X-Forwarded-For", xff)
		got := clientIP(s.withClientIP(r))
		if _, err := netip.ParseAddr(got); err != nil {
			t.Fatalf("client %q is not an address", got)
		}
		if peer, _ := netip.ParseAddr(strings.Split(r.RemoteAddr, ":")[0]); !s.isTrusted(peer) && got != peer.String() {
			t.Fatalf("untrusted peer overridden by %q", got)
		}
	})
}
