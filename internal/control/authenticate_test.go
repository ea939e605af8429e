package control

import (
	"testing"
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
