package storetest

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

func testTokens(t *testing.T, open Opener) {
	s := open(t)
	_, h1, p1 := token.New(token.KindPersonal)
	_, h2, p2 := token.New(token.KindSession)
	_, h3, p3 := token.New(token.KindPersonal)
	t1 := token.Token{Hash: h1, Prefix: p1, Kind: token.KindPersonal, UserID: "u1", Description: "ci",
		CreateTime: at(1), ExpiryTime: ptr(at(100)), MaxAgeSeconds: ptr(int64(3600)), ExtendWhenUsed: true,
		IPAllowlist: []string{"10.0.0.0/8", "192.168.1.1"}, Scopes: []string{"projects:read"}, CreatedManually: true}
	t2 := token.Token{Hash: h2, Prefix: p2, Kind: token.KindSession, UserID: "u1", CreateTime: at(2)}
	t3 := token.Token{Hash: h3, Prefix: p3, Kind: token.KindPersonal, UserID: "u2", CreateTime: at(3),
		IPAllowlist: []string{}, Scopes: []string{}}
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
		return nil
	})
	equal(t, "GetToken", readVal(t, s, func(tx store.Reader) (token.Token, error) { return tx.GetToken(h1) }), t1)
	equal(t, "GetToken with empty lists", readVal(t, s, func(tx store.Reader) (token.Token, error) { return tx.GetToken(h3) }), t3)
	equal(t, "GetTokenByPrefix", readVal(t, s, func(tx store.Reader) (token.Token, error) { return tx.GetTokenByPrefix("u1", p2) }), t2)
	equal(t, "ListTokens newest first", readVal(t, s, func(tx store.Reader) ([]token.Token, error) { return tx.ListTokens("u1") }),
		[]token.Token{t2, t1})

	t.Run("TouchExtends", func(t *testing.T) {
		write(t, s, func(tx store.Tx) error { return tx.TouchToken(h1, at(50), "10.1.2.3", "curl/8", ptr(at(200))) })
		want := t1
		want.LastUsedTime, want.LastIP, want.LastUserAgent, want.ExpiryTime = ptr(at(50)), "10.1.2.3", "curl/8", ptr(at(200))
		equal(t, "touched", readVal(t, s, func(tx store.Reader) (token.Token, error) { return tx.GetToken(h1) }), want)
		// A nil expiry leaves the stored expiry as it is.
		write(t, s, func(tx store.Tx) error { return tx.TouchToken(h1, at(60), "10.1.2.4", "curl/9", nil) })
		want.LastUsedTime, want.LastIP, want.LastUserAgent = ptr(at(60)), "10.1.2.4", "curl/9"
		equal(t, "touched without expiry", readVal(t, s, func(tx store.Reader) (token.Token, error) { return tx.GetToken(h1) }), want)
	})

	_, h4, p4 := token.New(token.KindPersonal)
	runErrCases(t, s, []errCase{
		{"CreateDuplicateHash", func(tx store.Tx) error {
			tk := t3
			tk.Prefix = p4
			return tx.CreateToken(tk)
		}, store.ErrConflict},
		{"CreateDuplicatePrefix", func(tx store.Tx) error {
			tk := t3
			tk.Hash = h4
			return tx.CreateToken(tk)
		}, store.ErrConflict},
		{"CreateForMissingUser", func(tx store.Tx) error {
			return tx.CreateToken(token.Token{Hash: h4, Prefix: p4, Kind: token.KindPersonal, UserID: "nope"})
		}, store.ErrNotFound},
		{"GetMissing", func(tx store.Tx) error { _, err := tx.GetToken(h4); return err }, store.ErrNotFound},
		{"GetByPrefixOfOtherUser", func(tx store.Tx) error { _, err := tx.GetTokenByPrefix("u2", p1); return err }, store.ErrNotFound},
		{"TouchMissing", func(tx store.Tx) error { return tx.TouchToken(h4, at(1), "", "", nil) }, store.ErrNotFound},
		{"DeleteMissing", func(tx store.Tx) error { return tx.DeleteToken(h4) }, store.ErrNotFound},
	})

	write(t, s, func(tx store.Tx) error { return tx.DeleteToken(h2) })
	if got := readVal(t, s, func(tx store.Reader) ([]token.Token, error) { return tx.ListTokens("u1") }); len(got) != 1 || got[0].Hash != h1 {
		t.Errorf("ListTokens after delete = %+v", got)
	}
}
