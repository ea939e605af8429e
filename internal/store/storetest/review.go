package storetest

import (
	"testing"

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
	mk := func(user string, sec int) token.Token {
		_, h, p := token.New(token.KindPersonal)
		return token.Token{Hash: h, Prefix: p, Kind: token.KindPersonal, UserID: user, Description: "d", CreateTime: at(sec)}
	}
	older, newer, persons := mk("u5", 1), mk("u5", 2), mk("u1", 3)
	write(t, s, func(tx store.Tx) error {
		for _, tk := range []token.Token{older, newer, persons} {
			if err := tx.CreateToken(tk); err != nil {
				return err
			}
		}
		return nil
	})
	equal(t, "ListApplicationTokens", readVal(t, s, func(tx store.Reader) ([]token.Token, error) { return tx.ListApplicationTokens("org1") }),
		[]token.Token{newer, older})
	equal(t, "ListApplicationTokens, none", readVal(t, s, func(tx store.Reader) ([]token.Token, error) { return tx.ListApplicationTokens("org2") }),
		[]token.Token(nil))
	admins := readVal(t, s, func(tx store.Reader) ([]identity.Membership, error) { return tx.ListSuperAdmins("org1") })
	equal(t, "ListSuperAdmins", admins, []identity.Membership{
		{OrganizationID: "org1", UserID: "u1", IsSuperAdmin: true, JoinTime: at(1)},
		{OrganizationID: "org1", UserID: "u4", IsSuperAdmin: true, JoinTime: at(1)},
	})
	equal(t, "ListMembersInState deactivated", readVal(t, s, func(tx store.Reader) ([]identity.User, error) {
		return tx.ListMembersInState("org1", identity.StateDeactivated)
	}), []identity.User{users["u3"]})
	equal(t, "ListMembersInState in another organization", readVal(t, s, func(tx store.Reader) ([]identity.User, error) {
		return tx.ListMembersInState("org2", identity.StateDeactivated)
	}), []identity.User(nil))
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
