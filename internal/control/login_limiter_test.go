package control

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestLoginLimiterReservesBeforeHashing: however many attempts arrive at
// once, at most the limit get a reservation; a success or a cancelled
// attempt gives its reservation back.
func TestLoginLimiterReservesBeforeHashing(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := newLoginLimiter(func() time.Time { return now })
	var granted atomic.Int32
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, wait := l.reserve("a@example.com", "192.0.2.1"); wait == 0 {
				granted.Add(1)
			}
		}()
	}
	wg.Wait()
	if got := granted.Load(); got != maxFailures {
		t.Fatalf("%d of 64 concurrent attempts reserved, want %d", got, maxFailures)
	}
	if _, wait := l.reserve("a@example.com", "192.0.2.1"); wait <= 0 || wait > failureWindow {
		t.Fatalf("after the limit: wait %s", wait)
	}

	cases := []struct {
		name   string
		finish func(email, ip string, at time.Time)
	}{
		{"cancelled attempts are not failures", l.cancel},
		{"successes are not failures", l.succeeded},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			email, ip := "b"+string(rune('0'+i))+"@example.com", "192.0.2.9"
			for range 3 * maxFailures {
				at, wait := l.reserve(email, ip)
				if wait > 0 {
					t.Fatalf("refused after given-back attempts: wait %s", wait)
				}
				c.finish(email, ip, at)
			}
			if n := len(l.fails["i:"+ip]); n != 0 {
				t.Fatalf("address still counts %d attempts", n)
			}
		})
	}
}
