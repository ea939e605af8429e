// Package ownership proves that an organization controls an email domain:
// it looks for the organization's challenge token in a DNS TXT record
// (<record>.<domain>, value "token=<token>,expiry=never") or in a file
// served at https://<domain>/.well-known/<file>. A failed check says what
// was looked up and what was found, and tells a definite absence
// (ErrNotProven) from a lookup that could not be answered (ErrLookup), so
// a resolver outage is not mistaken for a withdrawn proof.
package ownership

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	neturl "net/url"
	"strings"
	"syscall"
	"time"

	"github.com/miekg/dns"
)

// Sentinel errors every failed check wraps.
var (
	// ErrNotProven: the record or file is missing or holds something else.
	ErrNotProven = errors.New("ownership not proven")
	// ErrLookup: the lookup could not be answered (timeout, server failure,
	// connection refused); the proof may or may not be in place.
	ErrLookup = errors.New("ownership lookup failed")
)

// Failure is a failed check: Msg says what was looked up and what was
// found, meant for the person publishing the proof.
type Failure struct {
	Temporary bool // ErrLookup rather than ErrNotProven
	Msg       string
}

func (f *Failure) Error() string { return f.Msg }

// Unwrap returns ErrLookup or ErrNotProven.
func (f *Failure) Unwrap() error {
	if f.Temporary {
		return ErrLookup
	}
	return ErrNotProven
}

func notProven(format string, args ...any) error {
	return &Failure{Msg: fmt.Sprintf(format, args...)}
}

func lookupFailed(format string, args ...any) error {
	return &Failure{Temporary: true, Msg: fmt.Sprintf(format, args...)}
}

// DefaultRecord is the default TXT record name prefix.
const DefaultRecord = "_gatehouse-challenge"

// DefaultTimeout bounds one check.
const DefaultTimeout = 5 * time.Second

// Checker checks domain ownership proofs. The zero value asks the system
// resolver for "_gatehouse-challenge.<domain>" and fetches over HTTPS from
// public addresses only.
type Checker struct {
	// Resolver is the host:port of the DNS server to ask; "" means the
	// system resolver.
	Resolver string
	// Record is the TXT record name prefix; the HTTP file is named after
	// it without its leading underscore ("gatehouse-challenge").
	Record string
	// Timeout bounds one check; default DefaultTimeout.
	Timeout time.Duration
	// HTTPClient fetches the well-known file. The default connects only to
	// public addresses and follows no redirects, so a domain name cannot
	// make the server probe its own network.
	HTTPClient *http.Client
	// HTTPScheme and HTTPPort change where the file is fetched from
	// (tests); defaults "https" and the scheme's port.
	HTTPScheme string
	HTTPPort   string
}

func (c *Checker) record() string {
	if c.Record == "" {
		return DefaultRecord
	}
	return c.Record
}

func (c *Checker) timeout() time.Duration {
	if c.Timeout <= 0 {
		return DefaultTimeout
	}
	return c.Timeout
}

// RecordName is the DNS name whose TXT record must hold the proof.
func (c *Checker) RecordName(domain string) string { return c.record() + "." + domain }

// RecordValue is the TXT record value that proves ownership.
func RecordValue(token string) string { return "token=" + token + ",expiry=never" }

// FileURL is where the HTTP proof must be served.
func (c *Checker) FileURL(domain string) string {
	scheme := c.HTTPScheme
	if scheme == "" {
		scheme = "https"
	}
	host := domain
	if c.HTTPPort != "" {
		host = net.JoinHostPort(domain, c.HTTPPort)
	}
	return scheme + "://" + host + "/.well-known/" + strings.TrimPrefix(c.record(), "_")
}

// Check runs the check of kind ("dns" or "http") for domain and token.
func (c *Checker) Check(ctx context.Context, kind, domain, token string) error {
	if kind == "http" {
		return c.CheckHTTP(ctx, domain, token)
	}
	return c.CheckDNS(ctx, domain, token)
}

// CheckDNS looks for a TXT record at RecordName(domain) holding
// RecordValue(token).
func (c *Checker) CheckDNS(ctx context.Context, domain, token string) error {
	name := c.RecordName(domain)
	where := "the system resolver"
	if c.Resolver != "" {
		where = "resolver " + c.Resolver
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	var (
		values []string
		err    error
	)
	if c.Resolver != "" {
		values, err = c.exchangeTXT(ctx, name)
	} else {
		// Rooted, so the resolver's search domains are never appended.
		values, err = systemTXT(ctx, dns.Fqdn(name))
	}
	want := RecordValue(token)
	var nx *nxError
	switch {
	case errors.As(err, &nx):
		return notProven("looked up TXT %s at %s: the name does not exist (%s); publish a TXT record with the value %q", name, where, nx.rcode, want)
	case errors.Is(err, context.DeadlineExceeded):
		return lookupFailed("looked up TXT %s at %s: no answer within %s", name, where, c.timeout())
	case err != nil:
		return lookupFailed("looked up TXT %s at %s: %v", name, where, err)
	case len(values) == 0:
		return notProven("looked up TXT %s at %s: the name has no TXT record; publish one with the value %q", name, where, want)
	}
	for _, v := range values {
		if matchValue(v, token) {
			return nil
		}
	}
	return notProven("looked up TXT %s at %s: found %s, none of which is %q", name, where, quoteSome(values), want)
}

// nxError is a definite "no such name" answer.
type nxError struct{ rcode string }

func (e *nxError) Error() string { return e.rcode }

// exchangeTXT asks c.Resolver directly, over UDP and then TCP when the
// answer was truncated.
func (c *Checker) exchangeTXT(ctx context.Context, name string) ([]string, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), dns.TypeTXT)
	m.RecursionDesired = true
	cl := &dns.Client{Timeout: c.timeout()}
	in, _, err := cl.ExchangeContext(ctx, m, c.Resolver)
	if err == nil && in.Truncated {
		cl.Net = "tcp"
		in, _, err = cl.ExchangeContext(ctx, m, c.Resolver)
	}
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() || ctx.Err() != nil {
			return nil, context.DeadlineExceeded
		}
		return nil, err
	}
	switch in.Rcode {
	case dns.RcodeSuccess:
	case dns.RcodeNameError:
		return nil, &nxError{"NXDOMAIN"}
	default:
		return nil, fmt.Errorf("the resolver answered %s", dns.RcodeToString[in.Rcode])
	}
	var out []string
	for _, rr := range in.Answer {
		// Any TXT in the answer counts: the resolver followed CNAMEs.
		if txt, ok := rr.(*dns.TXT); ok {
			out = append(out, strings.Join(txt.Txt, ""))
		}
	}
	return out, nil
}

// systemTXT asks the operating system's resolver.
func systemTXT(ctx context.Context, name string) ([]string, error) {
	values, err := net.DefaultResolver.LookupTXT(ctx, name)
	var de *net.DNSError
	switch {
	case err == nil:
		return values, nil
	case errors.As(err, &de) && de.IsNotFound:
		// Go does not tell NXDOMAIN from "no TXT record"; both are a
		// definite absence.
		return nil, &nxError{"NXDOMAIN or no records"}
	case errors.As(err, &de) && de.IsTimeout, ctx.Err() != nil:
		return nil, context.DeadlineExceeded
	}
	return nil, err
}

// matchValue reports whether a TXT value is "token=<token>,expiry=never",
// allowing spaces around the parts and in any order.
func matchValue(v, token string) bool {
	var tok, expiry string
	var seen int
	for _, part := range strings.Split(v, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return false
		}
		switch strings.TrimSpace(k) {
		case "token":
			tok = strings.TrimSpace(val)
		case "expiry":
			expiry = strings.TrimSpace(val)
		default:
			return false
		}
		seen++
	}
	return seen == 2 && expiry == "never" && tok != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(token)) == 1
}

// quoteSome quotes up to five values, each cut to 100 bytes.
func quoteSome(values []string) string {
	var parts []string
	for i, v := range values {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("and %d more", len(values)-5))
			break
		}
		if len(v) > 100 {
			v = v[:100] + "..."
		}
		parts = append(parts, fmt.Sprintf("%q", v))
	}
	return strings.Join(parts, ", ")
}

// maxFileSize bounds how much of the well-known file is read.
const maxFileSize = 4096

// CheckHTTP fetches FileURL(domain) and expects it to hold the token
// (alone, or as RecordValue(token)).
func (c *Checker) CheckHTTP(ctx context.Context, domain, token string) error {
	url := c.FileURL(domain)
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return notProven("GET %s: %v", url, err)
	}
	req.Header.Set("User-Agent", "gatehouse-domain-verification")
	client := c.HTTPClient
	if client == nil {
		client = publicClient
	}
	resp, err := client.Do(req)
	if err != nil {
		var pe *privateAddrError
		if errors.As(err, &pe) {
			return notProven("GET %s: %v", url, pe)
		}
		if ctx.Err() != nil {
			return lookupFailed("GET %s: no answer within %s", url, c.timeout())
		}
		return lookupFailed("GET %s: %v", url, unwrapURLError(err))
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode >= 500:
		return lookupFailed("GET %s: HTTP %d", url, resp.StatusCode)
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return notProven("GET %s: HTTP %d redirect to %q; the file must be served directly", url, resp.StatusCode, resp.Header.Get("Location"))
	case resp.StatusCode != http.StatusOK:
		return notProven("GET %s: HTTP %d; serve a file holding the challenge token there", url, resp.StatusCode)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxFileSize+1))
	if err != nil {
		return lookupFailed("GET %s: reading the body: %v", url, err)
	}
	if len(raw) > maxFileSize {
		return notProven("GET %s: the file is larger than %d bytes; it must hold only the challenge token", url, maxFileSize)
	}
	body := strings.TrimSpace(string(raw))
	if subtle.ConstantTimeCompare([]byte(body), []byte(token)) == 1 || matchValue(body, token) {
		return nil
	}
	shown := body
	if len(shown) > 64 {
		shown = shown[:64] + "..."
	}
	return notProven("GET %s: HTTP 200 with %q, not the challenge token", url, shown)
}

func unwrapURLError(err error) error {
	var ue *neturl.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// privateAddrError refuses a connection to a non-public address.
type privateAddrError struct{ addr string }

func (e *privateAddrError) Error() string {
	return fmt.Sprintf("the domain resolves to %s, which is not a public address", e.addr)
}

// publicClient fetches only from public addresses and follows no
// redirects: a domain name pointing at 127.0.0.1 or 10.0.0.0/8 must not
// let an organization admin probe the server's own network.
var publicClient = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Transport: &http.Transport{
		Proxy: nil,
		DialContext: (&net.Dialer{Timeout: DefaultTimeout, Control: func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			if ip := net.ParseIP(host); ip == nil || !IsPublic(ip) {
				return &privateAddrError{host}
			}
			return nil
		}}).DialContext,
		TLSHandshakeTimeout:   DefaultTimeout,
		ResponseHeaderTimeout: DefaultTimeout,
		MaxIdleConns:          4,
		IdleConnTimeout:       30 * time.Second,
	},
}

// cgnat is the shared address space of RFC 6598.
var cgnat = &net.IPNet{IP: net.IPv4(100, 64, 0, 0), Mask: net.CIDRMask(10, 32)}

// IsPublic reports whether ip is a globally routable unicast address.
func IsPublic(ip net.IP) bool {
	return !(ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() || ip.IsLinkLocalUnicast() ||
		ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || cgnat.Contains(ip))
}
