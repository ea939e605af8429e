package control

import (
	"errors"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/token"
)

// TestAuthenticateSharesActors: a request from the same address and user
// agent as the token's last is handed the last request's Actor, without
// copying it; any other gets its own, and no Actor handed out changes
// afterwards. Not parallel: it counts allocations.
func TestAuthenticateSharesActors(t *testing.T) {
	f, clock := newClockFixture(t)
	ctx := t.Context()
	tk, err := f.p.CreateAccessToken(ctx, f.admin, TokenInput{Description: "laptop"})
	if err != nil {
		t.Fatal(err)
	}
	auth := func(ip, ua string) *Actor {
		t.Helper()
		a, err := f.p.Authenticate(ctx, tk.Secret, ip, ua)
		if err != nil {
			t.Fatal(err)
		}
		if a.ClientIP != ip || a.UserAgent != ua || a.User.ID != f.admin.User.ID || a.Token.Hash != tk.Token.Hash {
			t.Fatalf("Authenticate(%s, %s) = user %s token %s from %s, %s", ip, ua, a.User.ID, a.Token.Prefix, a.ClientIP, a.UserAgent)
		}
		return a
	}
	first := auth("192.0.2.1", "cli/1")
	if first.Token.LastUsedTime == nil || !first.Token.LastUsedTime.Equal(clock.Now()) {
		t.Fatalf("first use not on the actor: %v", first.Token.LastUsedTime)
	}
	if again := auth("192.0.2.1", "cli/1"); again != first {
		t.Fatal("same client, a new Actor")
	}
	if n := testing.AllocsPerRun(100, func() { auth("192.0.2.1", "cli/1") }); n != 0 {
		t.Fatalf("authenticating a cached token from the same client: %v allocations, want 0", n)
	}
	for _, tc := range []struct{ name, ip, ua string }{
		{"other address", "192.0.2.2", "cli/1"},
		{"other agent", "192.0.2.2", "cli/2"},
		{"back to the first", "192.0.2.1", "cli/1"},
	} {
		a := auth(tc.ip, tc.ua)
		if a == first {
			t.Fatalf("%s: handed the first client's Actor", tc.name)
		}
	}
	if first.ClientIP != "192.0.2.1" || first.UserAgent != "cli/1" {
		t.Fatalf("an Actor handed out changed: from %s, %s", first.ClientIP, first.UserAgent)
	}
	// A recorded use replaces the token's state: the next Actor carries it.
	clock.Add(2 * touchEvery)
	if a := auth("192.0.2.1", "cli/1"); a.Token.LastUsedTime == nil || !a.Token.LastUsedTime.Equal(clock.Now()) {
		t.Fatalf("the Actor after a recorded use has last use %v, want %v", a.Token.LastUsedTime, clock.Now())
	}
	if !first.Token.LastUsedTime.Equal(clock.Now().Add(-2 * touchEvery)) {
		t.Fatalf("an Actor handed out changed its last use: %v", first.Token.LastUsedTime)
	}
}

// lookups counts token-cache lookups.
type lookups struct {
	hits, misses int
}

func (o *lookups) Decision(bool) {}
func (o *lookups) TokenCache(hit bool) {
	if hit {
		o.hits++
	} else {
		o.misses++
	}
}
func (o *lookups) LoginFailed()               {}
func (o *lookups) LoginBlocked()              {}
func (o *lookups) Call(string, string)        {}
func (o *lookups) EngineLoaded(time.Duration) {}

// TestAuthenticateMalformed: a string that is no well-formed token is
// refused before the cache and the store are asked, whether or not a
// well-formed token is cached; a well-formed one is looked up, and found
// in the cache the second time.
func TestAuthenticateMalformed(t *testing.T) {
	var obs lookups
	f := newFixture(t, WithObserver(&obs))
	ctx := t.Context()
	tk, err := f.p.CreateAccessToken(ctx, f.admin, TokenInput{Description: "laptop"})
	if err != nil {
		t.Fatal(err)
	}
	good := tk.Secret
	flip := []byte(good)
	flip[len(flip)-1] ^= 'a' ^ 'b'
	if flip[len(flip)-1] != 'a' && flip[len(flip)-1] != 'b' {
		flip[len(flip)-1] = 'a'
	}
	unknown, _, _ := token.New(token.KindPersonal)
	for round, cached := range []bool{false, true} {
		for _, tc := range []struct{ name, secret string }{
			{"empty", ""},
			{"short", good[:len(good)-1]},
			{"long", good + "x"},
			{"wrong checksum", string(flip)},
			{"wrong prefix", "gthx_" + good[5:]},
		} {
			before := obs
			if _, err := f.p.Authenticate(ctx, tc.secret, "192.0.2.1", "cli"); !errors.Is(err, ErrUnauthenticated) {
				t.Errorf("round %d, %s: %v, want unauthenticated", round, tc.name, err)
			}
			if obs != before {
				t.Errorf("round %d, %s: the token cache was asked", round, tc.name)
			}
		}
		if _, err := f.p.Authenticate(ctx, unknown, "192.0.2.1", "cli"); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("round %d: an unknown token: %v, want unauthenticated", round, err)
		}
		before := obs
		if _, err := f.p.Authenticate(ctx, good, "192.0.2.1", "cli"); err != nil {
			t.Fatal(err)
		}
		if want := (lookups{before.hits + 1, before.misses}); cached && obs != want {
			t.Errorf("round %d: lookups %+v, want a hit: %+v", round, obs, want)
		}
	}
}
