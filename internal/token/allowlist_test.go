package token

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestAllowlistAllows(t *testing.T) {
	cases := []struct {
		name    string
		entries []string
		addr    string
		want    bool
	}{
		{"empty allows all", nil, "203.0.113.9", true},
		{"empty allows invalid", nil, "", true},
		{"ipv4 cidr inside", []string{"10.0.0.0/8"}, "10.200.1.2", true},
		{"ipv4 cidr outside", []string{"10.0.0.0/8"}, "11.0.0.1", false},
		{"ipv4 single address", []string{"192.0.2.7"}, "192.0.2.7", true},
		{"ipv4 single address neighbour", []string{"192.0.2.7"}, "192.0.2.8", false},
		{"ipv4 /32", []string{"192.0.2.7/32"}, "192.0.2.7", true},
		{"ipv4 /0 allows all v4", []string{"0.0.0.0/0"}, "198.51.100.1", true},
		{"ipv4 /0 refuses v6", []string{"0.0.0.0/0"}, "2001:db8::1", false},
		{"ipv6 cidr inside", []string{"2001:db8::/32"}, "2001:db8:ffff::1", true},
		{"ipv6 cidr outside", []string{"2001:db8::/32"}, "2001:db9::1", false},
		{"ipv6 single", []string{"2001:db8::5"}, "2001:db8::5", true},
		{"ipv6 single compressed forms", []string{"2001:0db8:0000:0000:0000:0000:0000:0005"}, "2001:db8::5", true},
		{"ipv4-mapped client matches ipv4 entry", []string{"10.0.0.0/8"}, "::ffff:10.1.1.1", true},
		{"ipv4-mapped entry matches ipv4 client", []string{"::ffff:10.1.1.1"}, "10.1.1.1", true},
		{"second entry matches", []string{"10.0.0.0/8", "2001:db8::/32"}, "2001:db8::1", true},
		{"invalid client refused", []string{"10.0.0.0/8"}, "", false},
		{"loopback v6", []string{"::1"}, "::1", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, err := ParseAllowlist(c.entries)
			if err != nil {
				t.Fatal(err)
			}
			addr, _ := netip.ParseAddr(c.addr)
			if got := l.Allows(addr); got != c.want {
				t.Fatalf("Allows(%q) = %v, want %v", c.addr, got, c.want)
			}
		})
	}
}

func TestParseAllowlistRejects(t *testing.T) {
	cases := []struct {
		name    string
		entries []string
		msg     string
	}{
		{"empty entry", []string{""}, "not an IP"},
		{"hostname", []string{"example.com"}, "not an IP"},
		{"host bits", []string{"10.1.2.3/8"}, "host bits set; the range is 10.0.0.0/8"},
		{"ipv6 host bits", []string{"2001:db8::1/32"}, "host bits"},
		{"prefix too long", []string{"10.0.0.0/33"}, "not an IP"},
		{"negative prefix", []string{"10.0.0.0/-1"}, "not an IP"},
		{"spaces", []string{" 10.0.0.1"}, "not an IP"},
		{"zone", []string{"fe80::1%eth0"}, "not an IP"},
		{"mapped range", []string{"::ffff:10.0.0.0/104"}, "IPv4 form"},
		{"range syntax", []string{"10.0.0.1-10.0.0.9"}, "not an IP"},
		{"second bad", []string{"10.0.0.0/8", "nope"}, "entry 1"},
		{"too many", make([]string, MaxAllowlist+1), "at most"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseAllowlist(c.entries)
			if !errors.Is(err, ErrBadAllowlist) || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("err = %v, want ErrBadAllowlist mentioning %q", err, c.msg)
			}
		})
	}
}

func TestAllowlistCovers(t *testing.T) {
	cases := []struct {
		name  string
		outer []string
		inner []string
		want  bool
	}{
		{"empty covers empty", nil, nil, true},
		{"empty covers anything", nil, []string{"10.0.0.0/8"}, true},
		{"list does not cover empty", []string{"10.0.0.0/8"}, nil, false},
		{"narrower range", []string{"10.0.0.0/8"}, []string{"10.1.0.0/16"}, true},
		{"same range", []string{"10.0.0.0/8"}, []string{"10.0.0.0/8"}, true},
		{"address inside", []string{"10.0.0.0/8"}, []string{"10.9.9.9"}, true},
		{"wider range", []string{"10.1.0.0/16"}, []string{"10.0.0.0/8"}, false},
		{"one entry outside", []string{"10.0.0.0/8"}, []string{"10.1.1.1", "11.1.1.1"}, false},
		{"ipv6 inside", []string{"2001:db8::/32"}, []string{"2001:db8:1::/48"}, true},
		{"family mismatch", []string{"0.0.0.0/0"}, []string{"::1"}, false},
		{"split across entries", []string{"10.0.0.0/8", "::1"}, []string{"::1", "10.2.0.0/16"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			outer, err := ParseAllowlist(c.outer)
			if err != nil {
				t.Fatal(err)
			}
			inner, err := ParseAllowlist(c.inner)
			if err != nil {
				t.Fatal(err)
			}
			if got := outer.Covers(inner); got != c.want {
				t.Fatalf("Covers = %v, want %v", got, c.want)
			}
		})
	}
}

// FuzzParseAllowlist: the parser never panics, and whatever it accepts
// holds its own entries' addresses.
func FuzzParseAllowlist(f *testing.F) {
	for _, s := range []string{"10.0.0.0/8", "2001:db8::/32", "192.0.2.1", "::1", "10.1.2.3/8", "fe80::1%eth0", "", "0.0.0.0/0", "::ffff:1.2.3.4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseAllowlist([]string{s})
		if err != nil {
			if !errors.Is(err, ErrBadAllowlist) {
				t.Fatalf("error %v does not wrap ErrBadAllowlist", err)
			}
			return
		}
		if l.Empty() {
			t.Fatalf("accepted %q as an empty list", s)
		}
		addr := l.prefixes[0].Addr()
		if !l.Allows(addr) {
			t.Fatalf("%q does not allow its own address %s", s, addr)
		}
	})
}

func TestNearExpiry(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { x := now.Add(d); return &x }
	age := func(s int64) *int64 { return &s }
	cases := []struct {
		name string
		tok  Token
		want bool
	}{
		{"no expiry", Token{}, false},
		{"short token early", Token{ExpiryTime: at(13 * time.Minute), MaxAgeSeconds: age(3600)}, false},
		{"short token late", Token{ExpiryTime: at(11 * time.Minute), MaxAgeSeconds: age(3600)}, true},
		{"year token, a month left", Token{ExpiryTime: at(30 * 24 * time.Hour), MaxAgeSeconds: age(365 * 86400)}, false},
		{"year token, six days left", Token{ExpiryTime: at(6 * 24 * time.Hour), MaxAgeSeconds: age(365 * 86400)}, true},
		{"expired", Token{ExpiryTime: at(-time.Second), MaxAgeSeconds: age(3600)}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.tok.NearExpiry(now); got != c.want {
				t.Fatalf("NearExpiry = %v, want %v", got, c.want)
			}
		})
	}
}
