package control

import (
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

// BenchmarkAccessReviewFindings: the first page of the review of an
// organization with n findings of each kind the store pages (grants of
// deactivated members, stale and endless tokens, organization-wide
// grants, expired invitations).
func BenchmarkAccessReviewFindings(b *testing.B) {
	for _, n := range []int{100, 2000} {
		b.Run(fmt.Sprintf("findings=%d", n), func(b *testing.B) {
			clock := &fakeClock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
			f := newFixture(b, WithClock(clock.Now))
			ctx := b.Context()
			if _, err := f.p.CreateProject(ctx, f.admin, f.org.ID, ProjectInput{Name: "web"}); err != nil {
				b.Fatal(err)
			}
			now := clock.Now()
			old := now.Add(-100 * 24 * time.Hour)
			user := func(tx store.Tx, email string, app bool, state string) (identity.User, error) {
				u := identity.User{ID: org.NewID(org.PrefixUser), Email: email, RealName: email, IsApplication: app,
					State: state, CreateTime: old, UpdateTime: old}
				if err := tx.CreateUser(u); err != nil {
					return u, err
				}
				return u, tx.AddMember(identity.Membership{OrganizationID: f.org.ID, UserID: u.ID, JoinTime: old})
			}
			if err := f.p.write(ctx, func(tx store.Tx) error {
				app, err := user(tx, "ci@example.com", true, identity.StateActive)
				if err != nil {
					return err
				}
				for i := range n {
					gone, err := user(tx, fmt.Sprintf("gone%d@example.com", i), false, identity.StateDeactivated)
					if err != nil {
						return err
					}
					wide, err := user(tx, fmt.Sprintf("wide%d@example.com", i), false, identity.StateActive)
					if err != nil {
						return err
					}
					for _, g := range []grant.Grant{
						{PrincipalType: grant.PrincipalUser, PrincipalID: gone.ID, ResourceType: grant.ResourceProject, ResourceID: "web"},
						{PrincipalType: grant.PrincipalUser, PrincipalID: wide.ID, ResourceType: grant.ResourceOrganization, ResourceID: f.org.ID},
					} {
						g.OrganizationID, g.Permissions, g.CreateTime, g.UpdateTime = f.org.ID, []string{"read_only"}, old, old
						if err := tx.SetGrant(g); err != nil {
							return err
						}
					}
					for _, created := range []time.Time{old, now} { // stale, endless
						_, hash, prefix := token.New(token.KindApplication)
						if err := tx.CreateToken(token.Token{Hash: hash, Prefix: prefix, Kind: token.KindApplication, UserID: app.ID,
							Description: "ci", CreateTime: created}); err != nil {
							return err
						}
					}
					if err := tx.CreateInvitation(identity.Invitation{CodeHash: fmt.Sprintf("h%d", i), OrganizationID: f.org.ID,
						Email: fmt.Sprintf("late%d@example.com", i), InvitedBy: f.admin.User.ID, InvitedByEmail: f.admin.User.Email,
						State: identity.InvitationPending, CreateTime: old, ExpiryTime: old.Add(7 * 24 * time.Hour), UpdateTime: old}); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			p, err := New(ctx, f.p.store, WithClock(clock.Now))
			if err != nil {
				b.Fatal(err)
			}
			rev, err := p.ReviewAccess(ctx, f.admin, f.org.ID, ReviewPage{})
			if err != nil {
				b.Fatal(err)
			}
			for _, kind := range []string{FindingDeactivatedGrant, FindingStaleToken, FindingEndlessToken, FindingOrgWideGrant, FindingExpiredInvitation} {
				if rev.Totals[kind] != n {
					b.Fatalf("%s: %d findings, want %d", kind, rev.Totals[kind], n)
				}
			}
			for b.Loop() {
				if _, err := p.ReviewAccess(ctx, f.admin, f.org.ID, ReviewPage{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
