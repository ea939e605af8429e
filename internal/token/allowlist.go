package token

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// MaxAllowlist bounds how many entries one token's IP allow-list holds.
const MaxAllowlist = 100

// ErrBadAllowlist reports an IP allow-list entry that is neither an IPv4 or
// IPv6 address nor a CIDR range.
var ErrBadAllowlist = errors.New("invalid IP allow-list")

// Allowlist is a parsed IP allow-list: the addresses a token may be used
// from. The empty Allowlist allows every address.
type Allowlist struct {
	prefixes []netip.Prefix
}

// ParseAllowlist parses entries, each an address ("10.1.2.3", "2001:db8::1")
// or a CIDR range ("10.0.0.0/8", "2001:db8::/32"). A range with host bits
// set ("10.1.2.3/8") is refused rather than silently widened or narrowed:
// the caller most likely meant something else. Zones are refused too.
func ParseAllowlist(entries []string) (Allowlist, error) {
	if len(entries) > MaxAllowlist {
		return Allowlist{}, fmt.Errorf("%w: at most %d entries", ErrBadAllowlist, MaxAllowlist)
	}
	out := Allowlist{prefixes: make([]netip.Prefix, 0, len(entries))}
	for i, e := range entries {
		p, err := parseEntry(e)
		if err != nil {
			return Allowlist{}, fmt.Errorf("%w: entry %d: %w", ErrBadAllowlist, i, err)
		}
		out.prefixes = append(out.prefixes, p)
	}
	return out, nil
}

func parseEntry(e string) (netip.Prefix, error) {
	if e == "" || len(e) > 64 || strings.TrimSpace(e) != e {
		return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR range", e)
	}
	if strings.Contains(e, "/") {
		p, err := netip.ParsePrefix(e)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR range", e)
		}
		if p.Addr().Is4In6() {
			return netip.Prefix{}, fmt.Errorf("%q: write IPv4-mapped ranges in IPv4 form", e)
		}
		if m := p.Masked(); m != p {
			return netip.Prefix{}, fmt.Errorf("%q has host bits set; the range is %s", e, m)
		}
		return p, nil
	}
	a, err := netip.ParseAddr(e)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR range", e)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// Empty reports whether the list allows every address.
func (l Allowlist) Empty() bool { return len(l.prefixes) == 0 }

// Allows reports whether addr may use the token. IPv4-mapped IPv6
// addresses match IPv4 entries; an invalid addr is allowed only by the
// empty list.
func (l Allowlist) Allows(addr netip.Addr) bool {
	if len(l.prefixes) == 0 {
		return true
	}
	if !addr.IsValid() {
		return false
	}
	addr = addr.Unmap().WithZone("")
	for _, p := range l.prefixes {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// Covers reports whether every address other allows, l allows too. The
// empty list covers everything; it is covered only by itself.
func (l Allowlist) Covers(other Allowlist) bool {
	if len(l.prefixes) == 0 {
		return true
	}
	if len(other.prefixes) == 0 {
		return false
	}
	for _, o := range other.prefixes {
		inside := false
		for _, p := range l.prefixes {
			if p.Bits() <= o.Bits() && p.Contains(o.Addr()) {
				inside = true
				break
			}
		}
		if !inside {
			return false
		}
	}
	return true
}

// NearExpiry reports whether the token expires soon at now: within a fifth
// of its maximum age, and never more than a week ahead, so rotation can
// start in time. Tokens without expiry are never near it.
func (t Token) NearExpiry(now time.Time) bool {
	if t.ExpiryTime == nil {
		return false
	}
	window := 7 * 24 * time.Hour
	if t.MaxAgeSeconds != nil {
		if w := time.Duration(*t.MaxAgeSeconds) * time.Second / 5; w < window {
			window = w
		}
	}
	return t.ExpiryTime.Sub(now) <= window
}
