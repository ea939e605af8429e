package outbound

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"
)

func TestPolicyAllows(t *testing.T) {
	def := Default()
	narrow, err := Parse("10.0.0.0/8, 127.0.0.1 ,2001:db8::/32")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		p      *Policy
		addr   string
		allows bool
	}{
		{"default: loopback", def, "127.0.0.1", true},
		{"default: private", def, "10.1.2.3", true},
		{"default: public", def, "203.0.113.9", true},
		{"default: metadata", def, "169.254.169.254", false},
		{"default: link-local", def, "169.254.1.1", false},
		{"default: metadata IPv4-mapped", def, "::ffff:169.254.169.254", false},
		{"default: IPv6 link-local", def, "fe80::1", false},
		{"default: AWS IPv6 metadata", def, "fd00:ec2::254", false},
		{"default: IPv6 loopback", def, "::1", true},
		{"list: inside", narrow, "10.9.9.9", true},
		{"list: single address", narrow, "127.0.0.1", true},
		{"list: IPv4-mapped inside", narrow, "::ffff:10.0.0.1", true},
		{"list: other loopback", narrow, "127.0.0.2", false},
		{"list: IPv6 inside", narrow, "2001:db8::5", true},
		{"list: metadata", narrow, "169.254.169.254", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := c.p.Allows(netip.MustParseAddr(c.addr)); got != c.allows {
				t.Fatalf("Allows(%s) = %v", c.addr, got)
			}
		})
	}
}

func TestParseRefusesBadEntries(t *testing.T) {
	for _, s := range []string{"10.0.0.1/8", "example.com", "10.0.0.0/33", "fe80::1%eth0", ",", "10.0.0.0/8,"} {
		if _, err := Parse(s); !errors.Is(err, ErrBadPolicy) {
			t.Errorf("Parse(%q) = %v", s, err)
		}
	}
	if p, err := Parse(" "); err != nil || p.allow != nil {
		t.Errorf("empty list: %v %v", p, err)
	}
}

// TestDialerChecksResolvedAddress: the hook sees the address a name
// resolved to, so "localhost" is refused when loopback is not allowed,
// before any byte is sent.
func TestDialerChecksResolvedAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan struct{}, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			accepted <- struct{}{}
			c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	p, _ := Parse("10.0.0.0/8")
	_, err = p.Dialer(time.Second).DialContext(context.Background(), "tcp", net.JoinHostPort("localhost", port))
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("dial localhost with loopback not allowed: %v", err)
	}
	select {
	case <-accepted:
		t.Fatal("the refused dial reached the listener")
	case <-time.After(100 * time.Millisecond):
	}
	c, err := Default().Dialer(time.Second).DialContext(context.Background(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("default policy refuses loopback: %v", err)
	}
	c.Close()
}
