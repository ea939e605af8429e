package storetest

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

func runApplications(t *testing.T, open Opener) {
	t.Run("ListApplicationUsers", func(t *testing.T) { testListApplicationUsers(t, open) })
	t.Run("TokenDescriptionAndDeleteAll", func(t *testing.T) { testTokenBulk(t, open) })
	t.Run("RevokedTokens", func(t *testing.T) { testRevokedTokens(t, open) })
}

func testListApplicationUsers(t *testing.T, open Opener) {
	s := open(t)
	app := func(id string) identity.User {
		u := newUser(id, id+"@application-users.invalid")
		u.PasswordHash, u.IsApplication = "", true
		return u
	}
	a1, a2, other, person := app("u3"), app("u1"), app("u2"), newUser("u4", "p@example.com")
	write(t, s, func(tx store.Tx) error {
		for _, o := range []string{"org1", "org2"} {
			if err := tx.CreateOrganization(newOrg(o)); err != nil {
				return err
			}
		}
		for _, m := range []struct {
			u   identity.User
			org string
		}{{a1, "org1"}, {a2, "org1"}, {other, "org2"}, {person, "org1"}} {
			if err := tx.CreateUser(m.u); err != nil {
				return err
			}
			if err := tx.AddMember(identity.Membership{OrganizationID: m.org, UserID: m.u.ID, JoinTime: at(0)}); err != nil {
				return err
			}
		}
		return nil
	})
	cases := []struct {
		name string
		org  string
		want []identity.User
	}{
		{"members only, people left out, ordered by ID", "org1", []identity.User{a2, a1}},
		{"other organization", "org2", []identity.User{other}},
		{"unknown organization", "nope", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			equal(t, "ListApplicationUsers", readVal(t, s, func(tx store.Reader) ([]identity.User, error) { return tx.ListApplicationUsers(c.org) }), c.want)
		})
	}
}

func testTokenBulk(t *testing.T, open Opener) {
	s := open(t)
	mk := func(user string, sec int) token.Token {
		_, h, p := token.New(token.KindPersonal)
		return token.Token{Hash: h, Prefix: p, Kind: token.KindPersonal, UserID: user, Description: "d", CreateTime: at(sec)}
	}
	t1, t2, t3 := mk("u1", 1), mk("u1", 2), mk("u2", 3)
	write(t, s, func(tx store.Tx) error {
		for _, u := range []identity.User{newUser("u1", "u1@example.com"), newUser("u2", "u2@example.com")} {
			if err := tx.CreateUser(u); err != nil {
				return err
			}
		}
		for _, tk := range []token.Token{t1, t2, t3} {
			if err := tx.CreateToken(tk); err != nil {
				return err
			}
		}
		return tx.UpdateTokenDescription(t1.Hash, "renamed")
	})
	want := t1
	want.Description = "renamed"
	equal(t, "description", readVal(t, s, func(tx store.Reader) (token.Token, error) { return tx.GetToken(t1.Hash) }), want)
	runErrCases(t, s, []errCase{
		{"DescribeMissing", func(tx store.Tx) error { return tx.UpdateTokenDescription(mk("u1", 0).Hash, "x") }, store.ErrNotFound},
	})
	n := readValW(t, s, func(tx store.Tx) (int, error) { return tx.DeleteUserTokens("u1") })
	equal(t, "deleted", n, 2)
	equal(t, "u1 tokens left", readVal(t, s, func(tx store.Reader) ([]token.Token, error) { return tx.ListTokens("u1") }), []token.Token(nil))
	equal(t, "u2 tokens left", len(readVal(t, s, func(tx store.Reader) ([]token.Token, error) { return tx.ListTokens("u2") })), 1)
	equal(t, "deleting none", readValW(t, s, func(tx store.Tx) (int, error) { return tx.DeleteUserTokens("u1") }), 0)
}

func testRevokedTokens(t *testing.T, open Opener) {
	s := open(t)
	_, h1, p1 := token.New(token.KindApplication)
	_, h2, p2 := token.New(token.KindPersonal)
	r1 := store.RevokedToken{Hash: h1, Prefix: p1, Kind: token.KindApplication, UserID: "u1", UserEmail: "u1@application-users.invalid",
		OrganizationIDs: []string{"org1"}, Reason: "revoked", RevokeTime: at(10)}
	r2 := store.RevokedToken{Hash: h2, Prefix: p2, Kind: token.KindPersonal, UserID: "u2", UserEmail: "u2@example.com",
		OrganizationIDs: []string{"org1", "org2"}, Reason: "user deleted", RevokeTime: at(20)}
	// Records outlive users: no user rows exist here at all.
	write(t, s, func(tx store.Tx) error { return tx.AddRevokedTokens(r1, r2) })
	equal(t, "get r1", readVal(t, s, func(tx store.Reader) (store.RevokedToken, error) { return tx.GetRevokedToken(h1) }), r1)
	equal(t, "get r2", readVal(t, s, func(tx store.Reader) (store.RevokedToken, error) { return tx.GetRevokedToken(h2) }), r2)

	again := r1
	again.Reason = "expired all"
	write(t, s, func(tx store.Tx) error { return tx.AddRevokedTokens(again) })
	equal(t, "a second record keeps the first", readVal(t, s, func(tx store.Reader) (store.RevokedToken, error) { return tx.GetRevokedToken(h1) }), r1)

	equal(t, "pruned", readValW(t, s, func(tx store.Tx) (int, error) { return tx.PruneRevokedTokens(at(15)) }), 1)
	runErrCases(t, s, []errCase{
		{"GetPruned", func(tx store.Tx) error { _, err := tx.GetRevokedToken(h1); return err }, store.ErrNotFound},
	})
	equal(t, "kept", readVal(t, s, func(tx store.Reader) (store.RevokedToken, error) { return tx.GetRevokedToken(h2) }), r2)
}

// readValW runs one write and returns its value.
func readValW[T any](t *testing.T, s store.Store, fn func(store.Tx) (T, error)) T {
	t.Helper()
	var v T
	write(t, s, func(tx store.Tx) (err error) {
		v, err = fn(tx)
		return err
	})
	return v
}
