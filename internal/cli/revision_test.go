package cli

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// balancer spreads requests round-robin over servers, as a load balancer
// in front of replicas does, and records the revision each request asked
// for.
type balancer struct {
	next    atomic.Int64
	proxies []*httputil.ReverseProxy
	mu      sync.Mutex
	asked   []string // Gatehouse-At-Least-Revision of each request, "" for none
}

func (b *balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	b.asked = append(b.asked, r.Header.Get("Gatehouse-At-Least-Revision"))
	b.mu.Unlock()
	b.proxies[int(b.next.Add(1))%len(b.proxies)].ServeHTTP(w, r)
}

func (b *balancer) lastAsked() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.asked[len(b.asked)-1]
}

// TestRevisionCarriedAcrossCommands: a command's write answers with its
// revision, which is saved beside the login, and the next command asks
// every server for decisions at least that new. On PostgreSQL the commands
// go through a round-robin balancer over two servers, and a project
// created through one is read at once through the other.
func TestRevisionCarriedAcrossCommands(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		h := newHarness(t, db)
		servers := []*servertest.Instance{h.srv}
		if strings.HasPrefix(db, "postgres") {
			servers = append(servers, servertest.Start(t, db))
		}
		lb := &balancer{}
		for _, s := range servers {
			u, _ := url.Parse(s.URL)
			lb.proxies = append(lb.proxies, httputil.NewSingleHostReverseProxy(u))
		}
		front := httptest.NewServer(lb)
		defer front.Close()
		h.env["GATEHOUSE_URL"] = front.URL
		h.login()
		a := &app{getenv: func(k string) string { return h.env[k] }}
		saved := func() int64 {
			c, ok, err := a.loadCredentials()
			if err != nil || !ok {
				t.Fatalf("no saved credentials: %v", err)
			}
			return c.Revision
		}
		org := strings.TrimSpace(h.ok("organization", "list", "--format", "{{.organization_id}}"))
		for i := range 6 {
			before := saved()
			name := "carried" + strconv.Itoa(i)
			h.ok("project", "create", "--organization-id", org, "--project", name)
			after := saved()
			if after <= before {
				t.Fatalf("revision saved after a write = %d, before %d: the write's revision was not kept", after, before)
			}
			h.ok("project", "get", "--project", name)
			if got := lb.lastAsked(); got != strconv.FormatInt(after, 10) {
				t.Fatalf("the next command asked for revision %q, want %d", got, after)
			}
		}
	})
}
