// Package outbound decides which networks Gatehouse may connect to on its
// users' behalf: the servers behind services (connection_uri) and Kafka
// clusters to sync ACLs to. Both take an address from the caller, which
// makes them a server-side request forgery primitive unless limited. The
// decision is made when the socket connects, on the address actually
// dialled (net.Dialer's Control hook), so a name that resolves to an
// allowed address when checked and to a forbidden one when used (DNS
// rebinding) gains nothing.
package outbound

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// ErrRefused reports a connection to an address outside the allowed
// networks.
var ErrRefused = errors.New("outbound connection refused")

// ErrBadPolicy reports an allow-list entry that is not an address or CIDR
// range.
var ErrBadPolicy = errors.New("invalid outbound allow-list")

// defaultDenied are refused when no allow-list is configured: link-local
// ranges, where clouds serve instance metadata and credentials
// (169.254.169.254, and AWS's fd00:ec2::254 over IPv6).
var defaultDenied = []netip.Prefix{
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("fe80::/10"),
	netip.MustParsePrefix("fd00:ec2::254/128"),
}

// Policy is the set of networks outbound connections may reach.
type Policy struct {
	allow []netip.Prefix // nil: everything not in deny
	deny  []netip.Prefix
}

// Default allows every address except link-local ranges and the cloud
// metadata addresses, so local development (loopback, private networks)
// keeps working.
func Default() *Policy { return &Policy{deny: defaultDenied} }

// Parse reads a comma-separated list of CIDR ranges and addresses: only
// those networks may be reached. An empty list is Default.
func Parse(s string) (*Policy, error) {
	if strings.TrimSpace(s) == "" {
		return Default(), nil
	}
	p := &Policy{allow: []netip.Prefix{}}
	for _, e := range strings.Split(s, ",") {
		e = strings.TrimSpace(e)
		var pr netip.Prefix
		var err error
		if strings.Contains(e, "/") {
			pr, err = netip.ParsePrefix(e)
			if err == nil && pr.Masked() != pr {
				err = fmt.Errorf("host bits set; the range is %s", pr.Masked())
			}
		} else {
			var a netip.Addr
			if a, err = netip.ParseAddr(e); err == nil && a.Zone() != "" {
				err = errors.New("zones are not allowed")
			} else if err == nil {
				a = a.Unmap()
				pr = netip.PrefixFrom(a, a.BitLen())
			}
		}
		if err != nil || pr.Addr().Zone() != "" {
			return nil, fmt.Errorf("%w: %q is not an IP address or CIDR range", ErrBadPolicy, e)
		}
		if pr.Addr().Is4In6() {
			pr = netip.PrefixFrom(pr.Addr().Unmap(), pr.Bits()-96)
		}
		p.allow = append(p.allow, pr)
	}
	return p, nil
}

// Allows reports whether a connection to addr may be made.
func (p *Policy) Allows(addr netip.Addr) bool {
	if !addr.IsValid() {
		return false
	}
	addr = addr.Unmap().WithZone("")
	if p.allow != nil {
		for _, pr := range p.allow {
			if pr.Contains(addr) {
				return true
			}
		}
		return false
	}
	for _, pr := range p.deny {
		if pr.Contains(addr) {
			return false
		}
	}
	return true
}

// Control is a net.Dialer Control hook: it runs after the name is
// resolved and before the socket connects, with the numeric address.
func (p *Policy) Control(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		host = address
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || !p.Allows(addr) {
		return fmt.Errorf("%w: %s is outside the networks this server may connect to", ErrRefused, host)
	}
	return nil
}

// Dialer returns a dialer whose every connection the policy checks.
func (p *Policy) Dialer(timeout time.Duration) *net.Dialer {
	return &net.Dialer{Timeout: timeout, Control: p.Control}
}

// String describes the policy for logs.
func (p *Policy) String() string {
	if p.allow == nil {
		return "any address except link-local and cloud metadata"
	}
	s := make([]string, len(p.allow))
	for i, pr := range p.allow {
		s[i] = pr.String()
	}
	return "only " + strings.Join(s, ", ")
}
