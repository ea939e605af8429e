package api

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Option configures a Server.
type Option func(*Server)

// WithTrustedProxies sets the reverse proxies whose X-Forwarded-For header
// is believed. Without any, the client address is always the TCP peer's:
// a header anyone can set must not decide which token IP allow-list
// applies.
func WithTrustedProxies(ps []netip.Prefix) Option {
	return func(s *Server) { s.trusted = ps }
}

// ParseTrustedProxies parses a comma-separated list of addresses and CIDR
// ranges ("10.0.0.0/8, 2001:db8::1"); an empty string is no proxies.
func ParseTrustedProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, e := range strings.Split(list, ",") {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		if strings.Contains(e, "/") {
			p, err := netip.ParsePrefix(e)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q is not an address or CIDR range", e)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(e)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is not an address or CIDR range", e)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

type clientIPKey struct{}

// withClientIP resolves the request's client address once, for clientIP.
func (s *Server) withClientIP(r *http.Request) *http.Request {
	if len(s.trusted) == 0 {
		return r // clientIP falls back to the peer address
	}
	return r.WithContext(context.WithValue(r.Context(), clientIPKey{}, s.forwardedClient(r)))
}

func (s *Server) isTrusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// forwardedClient walks X-Forwarded-For from the right, past trusted
// proxies: the first address not a trusted proxy is the client. Entries
// left of it were written by the client itself and are ignored. A
// malformed entry stops the walk at the last trusted hop, which is then
// taken as the client.
func (s *Server) forwardedClient(r *http.Request) string {
	peer := peerIP(r)
	cur, err := netip.ParseAddr(peer)
	if err != nil || !s.isTrusted(cur) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		h := strings.TrimSpace(hops[i])
		if h == "" {
			continue
		}
		a, err := netip.ParseAddr(h)
		if err != nil {
			break
		}
		cur = a.Unmap()
		if !s.isTrusted(cur) {
			break
		}
	}
	return cur.String()
}

// clientIP is the request's client address: the TCP peer, or the address a
// trusted proxy forwarded (WithTrustedProxies).
func clientIP(r *http.Request) string {
	if ip, ok := r.Context().Value(clientIPKey{}).(string); ok {
		return ip
	}
	return peerIP(r)
}

func peerIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
