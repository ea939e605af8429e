// Package ownershiptest runs a real DNS server on loopback for tests of
// domain verification: it serves the TXT records a test publishes, answers
// NXDOMAIN for names it does not know, and can be told to fail or to stay
// silent (a timeout).
package ownershiptest

import (
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// Mode makes the server misbehave for one name.
type Mode int

// Modes of a name.
const (
	Normal   Mode = iota
	ServFail      // answer SERVFAIL
	Silent        // never answer (the client times out)
)

// DNS is a loopback DNS server over UDP and TCP on the same port.
type DNS struct {
	addr string

	mu      sync.Mutex
	records map[string][]string // fqdn (lower case) -> TXT values
	exists  map[string]bool     // names that exist without TXT records
	modes   map[string]Mode
	queries []string
}

// NewDNS starts a server on 127.0.0.1 and stops it when t ends.
func NewDNS(t testing.TB) *DNS {
	t.Helper()
	d := &DNS{records: map[string][]string{}, exists: map[string]bool{}, modes: map[string]Mode{}}
	// UDP and TCP share the port number; another process may hold the TCP
	// side of the port the kernel picked for UDP, so try a few ports.
	var (
		pc  net.PacketConn
		ln  net.Listener
		err error
	)
	for attempt := 0; ; attempt++ {
		pc, err = net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		d.addr = pc.LocalAddr().String()
		ln, err = net.Listen("tcp", d.addr)
		if err == nil {
			break
		}
		pc.Close()
		if attempt == 20 {
			t.Fatal(err)
		}
	}
	udp := &dns.Server{PacketConn: pc, Handler: d}
	tcp := &dns.Server{Listener: ln, Handler: d}
	started := make(chan struct{}, 2)
	udp.NotifyStartedFunc = func() { started <- struct{}{} }
	tcp.NotifyStartedFunc = func() { started <- struct{}{} }
	go func() { _ = udp.ActivateAndServe() }()
	go func() { _ = tcp.ActivateAndServe() }()
	<-started
	<-started
	t.Cleanup(func() {
		_ = udp.Shutdown()
		_ = tcp.Shutdown()
	})
	return d
}

// Addr is the server's host:port.
func (d *DNS) Addr() string { return d.addr }

func key(name string) string { return strings.ToLower(dns.Fqdn(name)) }

// SetTXT replaces the TXT records of name; with no values the name exists
// but has no TXT record.
func (d *DNS) SetTXT(name string, values ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.records[key(name)] = values
	d.exists[key(name)] = true
}

// Remove makes name unknown again (NXDOMAIN).
func (d *DNS) Remove(name string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.records, key(name))
	delete(d.exists, key(name))
}

// SetMode makes the server misbehave for name.
func (d *DNS) SetMode(name string, m Mode) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.modes[key(name)] = m
}

// Queries returns the names asked so far.
func (d *DNS) Queries() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.queries...)
}

// ServeDNS answers one query.
func (d *DNS) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	if len(r.Question) != 1 {
		m := new(dns.Msg)
		m.SetRcode(r, dns.RcodeFormatError)
		_ = w.WriteMsg(m)
		return
	}
	q := r.Question[0]
	name := strings.ToLower(q.Name)
	d.mu.Lock()
	d.queries = append(d.queries, name)
	mode, values, exists := d.modes[name], d.records[name], d.exists[name]
	d.mu.Unlock()
	m := new(dns.Msg)
	switch {
	case mode == Silent:
		return
	case mode == ServFail:
		m.SetRcode(r, dns.RcodeServerFailure)
	case !exists:
		m.SetRcode(r, dns.RcodeNameError)
	default:
		m.SetReply(r)
		m.Authoritative = true
		if q.Qtype == dns.TypeTXT {
			for _, v := range values {
				m.Answer = append(m.Answer, &dns.TXT{
					Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 60},
					Txt: split(v),
				})
			}
		}
	}
	_ = w.WriteMsg(m)
}

// split cuts a value into the 255-byte strings a TXT record holds.
func split(v string) []string {
	var out []string
	for len(v) > 255 {
		out = append(out, v[:255])
		v = v[255:]
	}
	return append(out, v)
}
