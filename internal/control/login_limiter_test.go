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

// TestLoginLimiterSuccessWhileGuessesInFlight: a right password judged
// while other attempts for the email are still being hashed forgives
// nothing and keeps its place, so those guesses cannot be followed by
// more; once nothing is in flight a success forgives as usual.
func TestLoginLimiterSuccessWhileGuessesInFlight(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := newLoginLimiter(func() time.Time { return now })
	const email, ip = "c@example.com", "192.0.2.3"
	var ats []time.Time
	for range maxFailures {
		at, wait := l.reserve(email, ip)
		if wait > 0 {
			t.Fatal("refused below the limit")
		}
		ats = append(ats, at)
		now = now.Add(time.Millisecond)
	}
	l.succeeded(email, ip, ats[0]) // four guesses still in flight
	if _, wait := l.reserve(email, ip); wait == 0 {
		t.Fatal("a success amid in-flight guesses freed a slot for another guess")
	}
	for range maxFailures - 1 {
		l.failed(email)
	}
	if n := l.pending["e:"+email]; n != 0 {
		t.Fatalf("%d attempts still pending after all were judged", n)
	}
	// Nothing in flight now: the owner's next success (once the window
	// lets them try) forgives the failures.
	now = now.Add(failureWindow + time.Second)
	at, wait := l.reserve(email, ip)
	if wait > 0 {
		t.Fatalf("still refused after the window: %s", wait)
	}
	l.succeeded(email, ip, at)
	if n := len(l.fails["e:"+email]); n != 0 {
		t.Fatalf("success with nothing in flight left %d failures", n)
	}
}
