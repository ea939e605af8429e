package control

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/org"
)

// TestRefusedPasswordResetHashesNothing: a reset that will be refused must
// not cost a password hash (32 MiB and tens of milliseconds each at
// production cost), or any signed-in caller could make the server hash on
// demand with made-up IDs. Every hash takes a hashing slot; the count of
// slots taken must not move.
func TestRefusedPasswordResetHashesNothing(t *testing.T) {
	t.Parallel()
	f := newDomainFixture(t)
	ctx := t.Context()
	unmanaged := f.member(t, "eve@example.org")
	cases := []struct {
		name   string
		actor  *Actor
		orgID  string
		userID string
	}{
		{"unknown user", f.admin, f.org.ID, org.NewID(org.PrefixUser)},
		{"malformed user id", f.admin, f.org.ID, "x' OR 1=1"},
		{"unmanaged user", f.admin, f.org.ID, unmanaged.User.ID},
		{"caller without users:write", unmanaged, f.org.ID, f.admin.User.ID},
		{"unknown organization", f.admin, org.NewID(org.PrefixOrganization), unmanaged.User.ID},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := f.p.hashing.taken.Load()
			for range 4 {
				if _, err := f.p.ResetManagedUserPassword(ctx, c.actor, c.orgID, c.userID); err == nil {
					t.Fatal("reset allowed")
				}
			}
			if n := f.p.hashing.taken.Load() - before; n != 0 {
				t.Fatalf("4 refused resets hashed %d passwords", n)
			}
		})
	}
}
