package storetest

import (
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

func testReviewReads(t *testing.T, open Opener) {
	s := open(t)
	// org1: people in every state, with and without two-factor, an
	// application user and two super admins; org2 shares one person.
	people := []struct {
		id, email, state string
		app, admin       bool
		twoFactor        string // "", "pending" or "confirmed"
	}{
		{"u1", "dora@example.com", identity.StateActive, false, true, ""},
		{"u2", "bea@example.com", identity.StateActive, false, false, "confirmed"},
		{"u3", "cal@example.com", identity.StateDeactivated, false, false, ""},
		{"u4", "abe@example.com", identity.StateActive, false, true, "pending"},
		{"u5", "app@example.com", identity.StateActive, true, false, ""},
		{"u6", "eve@example.com", identity.StateActive, false, false, ""},
	}
	users := map[string]identity.User{}
	write(t, s, func(tx store.Tx) error {
		for _, id := range []string{"org1", "org2"} {
			if err := seedOrg(tx, id); err != nil {
				return err
			}
		}
		for _, p := range people {
			u := newUser(p.id, p.email)
			u.State, u.IsApplication = p.state, p.app
			if err := tx.CreateUser(u); err != nil {
				return err
			}
			users[u.ID] = u
			if err := tx.AddMember(identity.Membership{OrganizationID: "org1", UserID: u.ID, IsSuperAdmin: p.admin, JoinTime: at(1)}); err != nil {
				return err
			}
			if p.twoFactor != "" {
				if err := tx.SetTwoFactor(identity.TwoFactor{UserID: u.ID, Secret: "s", Confirmed: p.twoFactor == "confirmed", UpdateTime: at(1)}); err != nil {
					return err
				}
			}
		}
		o := newUser("u7", "zed@example.com")
		users[o.ID] = o
		if err := tx.CreateUser(o); err != nil {
			return err
		}
		return tx.AddMember(identity.Membership{OrganizationID: "org2", UserID: o.ID, IsSuperAdmin: true, JoinTime: at(1)})
	})
	admins := readVal(t, s, func(tx store.Reader) ([]identity.Membership, error) { return tx.ListSuperAdmins("org1") })
	equal(t, "ListSuperAdmins", admins, []identity.Membership{
		{OrganizationID: "org1", UserID: "u1", IsSuperAdmin: true, JoinTime: at(1)},
		{OrganizationID: "org1", UserID: "u4", IsSuperAdmin: true, JoinTime: at(1)},
	})
	cases := []struct {
		name          string
		offset, limit int
		want          []string
	}{
		{"all", 0, 10, []string{"u4", "u1", "u6"}},
		{"a page", 1, 1, []string{"u1"}},
		{"past the end", 3, 10, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var (
				us    []identity.User
				total int
			)
			read(t, s, func(tx store.Reader) (err error) {
				us, total, err = tx.ListWithoutTwoFactor("org1", c.offset, c.limit)
				return err
			})
			var got []string
			for _, u := range us {
				got = append(got, u.ID)
				equal(t, "user", u, users[u.ID])
			}
			equal(t, "page", got, c.want)
			equal(t, "total", total, 3)
		})
	}
}

// pageCase is one page of a paged review read: the keys it lists, in
// order, and the total it reports.
type pageCase struct {
	name          string
	org           string
	offset, limit int
	want          []string
	total         int
}

// pageCases are the cases every paged review read passes, given the keys
// of all it finds in org1 (at least five, in order) and in org2; org3
// holds nothing.
func pageCases(all, other []string) []pageCase {
	n := len(all)
	return []pageCase{
		{"empty", "org3", 0, 10, nil, 0},
		{"empty, offset past the end", "org3", 3, 10, nil, 0},
		{"one page, in order", "org1", 0, n + 5, all, n},
		{"first of several pages", "org1", 0, 2, all[:2], n},
		{"middle page", "org1", 2, 2, all[2:4], n},
		{"last page, cut short", "org1", n - 1, 2, all[n-1:], n},
		{"offset at the end", "org1", n, 2, nil, n},
		{"offset past the end", "org1", n + 3, 2, nil, n},
		{"other organization's only", "org2", 0, 10, other, len(other)},
	}
}

// runPages runs pageCases over a paged read; check sees every row read.
func runPages[T any](t *testing.T, s store.Store, all, other []string,
	list func(tx store.Reader, orgID string, offset, limit int) ([]T, int, error), key func(T) string, check func(*testing.T, T)) {
	t.Helper()
	for _, c := range pageCases(all, other) {
		t.Run(c.name, func(t *testing.T) {
			var (
				page  []T
				total int
			)
			read(t, s, func(tx store.Reader) (err error) {
				page, total, err = list(tx, c.org, c.offset, c.limit)
				return err
			})
			var got []string
			for _, v := range page {
				got = append(got, key(v))
				check(t, v)
			}
			equal(t, "page", got, c.want)
			equal(t, "total", total, c.total)
		})
	}
	t.Run("every page", func(t *testing.T) {
		var got []string
		for offset := 0; offset < len(all); offset += 2 {
			read(t, s, func(tx store.Reader) error {
				page, total, err := list(tx, "org1", offset, 2)
				for _, v := range page {
					got = append(got, key(v))
				}
				equal(t, "total", total, len(all))
				return err
			})
		}
		equal(t, "pages", got, all)
	})
}

// testReviewPages: the review's paged reads find what they look for and
// nothing else, in their order, a page at a time with the count of all.
func testReviewPages(t *testing.T, open Opener) {
	s := open(t)
	users := map[string]identity.User{}
	member := func(tx store.Tx, org, id, state string, app bool) error {
		u := newUser(id, id+"@example.com")
		u.State, u.IsApplication = state, app
		if err := tx.CreateUser(u); err != nil {
			return err
		}
		users[id] = u
		return tx.AddMember(identity.Membership{OrganizationID: org, UserID: id, JoinTime: at(1)})
	}
	// Deactivated: d1, d2 (org1), d3 (org2); active a1, a2 (org1);
	// application users app1, app2 (org1), app3 (org2).
	write(t, s, func(tx store.Tx) error {
		for _, id := range []string{"org1", "org2", "org3"} {
			if err := seedOrg(tx, id); err != nil {
				return err
			}
		}
		for _, m := range []struct {
			org, id, state string
			app            bool
		}{
			{"org1", "d1", identity.StateDeactivated, false},
			{"org1", "d2", identity.StateDeactivated, false},
			{"org2", "d3", identity.StateDeactivated, false},
			{"org1", "a1", identity.StateActive, false},
			{"org1", "a2", identity.StateActive, false},
			{"org1", "app2", identity.StateActive, true},
			{"org1", "app1", identity.StateActive, true},
			{"org2", "app3", identity.StateActive, true},
		} {
			if err := member(tx, m.org, m.id, m.state, m.app); err != nil {
				return err
			}
		}
		return nil
	})

	t.Run("ListDeactivatedGrants", func(t *testing.T) {
		membershipOnly := newGrant("org1", grant.PrincipalUser, "d2", grant.ResourceProject, "p3")
		membershipOnly.Membership = []string{"developer"}
		grants := setGrants(t, s, []grant.Grant{
			newGrant("org1", grant.PrincipalUser, "d1", grant.ResourceProject, "p2", "developer"),
			newGrant("org1", grant.PrincipalUser, "d1", grant.ResourceProject, "p1", "read_only"),
			newGrant("org1", grant.PrincipalUser, "d2", grant.ResourceProject, "p1", "developer", "operator"),
			newGrant("org1", grant.PrincipalUser, "d2", grant.ResourceOrganization, "org1", "admin"),
			newGrant("org1", grant.PrincipalUser, "d1", grant.ResourceUnit, "org1-root", "admin"),
			newGrant("org2", grant.PrincipalUser, "d1", grant.ResourceProject, "p9", "developer"),  // not org1's
			newGrant("org1", grant.PrincipalUser, "a1", grant.ResourceProject, "p1", "developer"),  // active
			newGrant("org1", grant.PrincipalGroup, "d1", grant.ResourceProject, "p1", "developer"), // a group
			newGrant("org2", grant.PrincipalUser, "d3", grant.ResourceProject, "p9", "developer"),
			membershipOnly, // no permissions
		})
		runPages(t, s,
			[]string{"d2/organization/org1", "d1/organization_unit/org1-root", "d1/project/p1", "d2/project/p1", "d1/project/p2"},
			[]string{"d3/project/p9"},
			func(tx store.Reader, org string, offset, limit int) ([]store.UserGrant, int, error) {
				return tx.ListDeactivatedGrants(org, offset, limit)
			},
			func(g store.UserGrant) string { return g.PrincipalID + "/" + g.ResourceType + "/" + g.ResourceID },
			func(t *testing.T, g store.UserGrant) {
				equal(t, "grant", g.Grant, grants[grantKey(g.Grant)])
				equal(t, "email", g.Email, users[g.PrincipalID].Email)
			})
	})

	t.Run("ListOrganizationWideGrants", func(t *testing.T) {
		projectLevel := []string{"developer", "read_only", "project:services:read"}
		empty := newGrant("org1", grant.PrincipalUser, "a2", grant.ResourceOrganization, "org1")
		empty.Membership = []string{"developer"}
		grants := setGrants(t, s, []grant.Grant{
			newGrant("org1", grant.PrincipalUser, "a1", grant.ResourceOrganization, "org1", "developer", "read_only"),
			newGrant("org1", grant.PrincipalGroup, "g2", grant.ResourceOrganization, "org1", "read_only"),
			newGrant("org1", grant.PrincipalUser, "ghost", grant.ResourceOrganization, "org1", "project:services:read"),
			newGrant("org1", grant.PrincipalGroup, "g1", grant.ResourceOrganization, "org1", "developer"),
			newGrant("org1", grant.PrincipalUser, "d1", grant.ResourceOrganization, "org1", "developer"),
			newGrant("org1", grant.PrincipalUser, "app1", grant.ResourceOrganization, "org1", "developer", "organization:billing:read"),
			newGrant("org1", grant.PrincipalUser, "app2", grant.ResourceOrganization, "org1", "not a permission"),
			newGrant("org1", grant.PrincipalUser, "a1", grant.ResourceProject, "p1", "developer"), // on a project
			newGrant("org2", grant.PrincipalUser, "d3", grant.ResourceOrganization, "org2", "read_only"),
			empty, // no permissions
		})
		runPages(t, s,
			// d2's organization grant ("admin", from the case above) is
			// not project-level.
			[]string{"user/a1", "user/d1", "user/ghost", "user_group/g1", "user_group/g2"},
			[]string{"user/d3"},
			func(tx store.Reader, org string, offset, limit int) ([]store.UserGrant, int, error) {
				return tx.ListOrganizationWideGrants(org, projectLevel, offset, limit)
			},
			func(g store.UserGrant) string { return g.PrincipalType + "/" + g.PrincipalID },
			func(t *testing.T, g store.UserGrant) {
				equal(t, "grant", g.Grant, grants[grantKey(g.Grant)])
				want := users[g.PrincipalID].Email // none for a group or a missing user
				if g.PrincipalType != grant.PrincipalUser {
					want = ""
				}
				equal(t, "email", g.Email, want)
			})
		equal(t, "no permission is project-level", readVal(t, s, func(tx store.Reader) (int, error) {
			_, n, err := tx.ListOrganizationWideGrants("org1", nil, 0, 10)
			return n, err
		}), 0)
	})

	t.Run("Tokens", func(t *testing.T) {
		// now's nanoseconds are below the microsecond the store keeps.
		now, usedBy := at(1000).Add(999), at(500).Add(999)
		tokens := map[string]token.Token{}
		mk := func(name, user string, created int, lastUsed, expiry *time.Time, maxAge *int64) {
			_, h, p := token.New(token.KindPersonal)
			tk := token.Token{Hash: h, Prefix: p, Kind: token.KindPersonal, UserID: user, Description: name,
				CreateTime: at(created), LastUsedTime: lastUsed, ExpiryTime: expiry, MaxAgeSeconds: maxAge}
			write(t, s, func(tx store.Tx) error { return tx.CreateToken(tk) })
			tokens[name] = tk
		}
		mk("never used", "app1", 10, nil, nil, nil)
		mk("used lately", "app1", 20, ptr(at(900)), nil, nil)  // endless
		mk("expired now", "app1", 30, nil, ptr(at(1000)), nil) // neither
		mk("expiring after now", "app1", 40, nil, ptr(at(1000).Add(time.Microsecond)), nil)
		mk("created at the limit", "app1", 500, nil, nil, nil)
		mk("created after the limit", "app1", 501, nil, nil, nil) // endless
		mk("used at the limit", "app1", 600, ptr(at(500)), nil, nil)
		mk("used after the limit", "app1", 600, ptr(at(500).Add(time.Microsecond)), nil, nil) // endless
		mk("with a maximum age", "app1", 600, nil, nil, ptr(int64(3600)))                     // neither
		mk("with an expiry", "app1", 600, nil, ptr(at(5000)), nil)                            // neither
		mk("second user's old", "app2", 50, nil, nil, nil)
		mk("second user's new", "app2", 700, nil, nil, nil)  // endless
		mk("second user's twin", "app2", 700, nil, nil, nil) // endless
		mk("a person's", "a1", 10, nil, nil, nil)            // not an application user
		mk("other organization's", "app3", 10, nil, nil, nil)
		mk("other organization's endless", "app3", 900, nil, nil, nil)
		twins := []string{"second user's new", "second user's twin"}
		if tokens[twins[1]].Hash < tokens[twins[0]].Hash {
			twins[0], twins[1] = twins[1], twins[0]
		}
		check := func(t *testing.T, tk store.UserToken) {
			equal(t, "token", tk.Token, tokens[tk.Description])
			equal(t, "user name", tk.UserName, users[tk.UserID].RealName)
		}
		key := func(tk store.UserToken) string { return tk.Description }
		t.Run("ListStaleTokens", func(t *testing.T) {
			runPages(t, s,
				[]string{"used at the limit", "created at the limit", "expiring after now", "never used", "second user's old"},
				[]string{"other organization's"},
				func(tx store.Reader, org string, offset, limit int) ([]store.UserToken, int, error) {
					return tx.ListStaleTokens(org, now, usedBy, offset, limit)
				}, key, check)
		})
		t.Run("ListEndlessTokens", func(t *testing.T) {
			runPages(t, s,
				[]string{"used after the limit", "created after the limit", "used lately", twins[0], twins[1]},
				[]string{"other organization's endless"},
				func(tx store.Reader, org string, offset, limit int) ([]store.UserToken, int, error) {
					return tx.ListEndlessTokens(org, usedBy, offset, limit)
				}, key, check)
		})
	})

	t.Run("ListExpiredInvitations", func(t *testing.T) {
		now := at(5000).Add(999)
		invs := map[string]identity.Invitation{}
		write(t, s, func(tx store.Tx) error {
			for _, c := range []struct {
				org, hash, state string
				created          int
				expiry           time.Time
			}{
				{"org1", "h1", identity.InvitationPending, 1, at(3601)},
				{"org1", "h0", identity.InvitationPending, 1, at(3601)},
				{"org1", "h2", identity.InvitationPending, 2, at(5000)}, // expired at now's microsecond
				{"org1", "h3", identity.InvitationPending, 3, at(5000).Add(time.Microsecond)},
				{"org1", "h4", identity.InvitationAccepted, 4, at(3604)},
				{"org1", "h5", identity.InvitationPending, 5, at(4000)},
				{"org1", "h6", identity.InvitationPending, 6, at(10)},
				{"org2", "h7", identity.InvitationPending, 7, at(10)},
			} {
				inv := newOrgInvitation(c.org, c.hash, c.hash+"@example.com", c.created)
				inv.State, inv.ExpiryTime = c.state, c.expiry
				if err := tx.CreateInvitation(inv); err != nil {
					return err
				}
				invs[inv.CodeHash] = inv
			}
			return nil
		})
		runPages(t, s, []string{"h6", "h5", "h2", "h0", "h1"}, []string{"h7"},
			func(tx store.Reader, org string, offset, limit int) ([]identity.Invitation, int, error) {
				return tx.ListExpiredInvitations(org, now, offset, limit)
			},
			func(inv identity.Invitation) string { return inv.CodeHash },
			func(t *testing.T, inv identity.Invitation) { equal(t, "invitation", inv, invs[inv.CodeHash]) })
	})
}

// setGrants writes gs and returns them by grantKey.
func setGrants(t *testing.T, s store.Store, gs []grant.Grant) map[string]grant.Grant {
	t.Helper()
	byKey := make(map[string]grant.Grant, len(gs))
	write(t, s, func(tx store.Tx) error {
		for _, g := range gs {
			if err := tx.SetGrant(g); err != nil {
				return err
			}
			byKey[grantKey(g)] = g
		}
		return nil
	})
	return byKey
}

// grantKey names a grant by its principal and resource.
func grantKey(g grant.Grant) string {
	return g.PrincipalType + "/" + g.PrincipalID + "/" + g.ResourceType + "/" + g.ResourceID
}
