package storetest

import (
	"errors"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

func testSSO(t *testing.T, open Opener) {
	s := open(t)
	write(t, s, func(tx store.Tx) error {
		if err := seedOrg(tx, "org1"); err != nil {
			return err
		}
		for _, u := range []identity.User{newUser("u1", "alice@example.com"), newUser("u2", "bob@example.com")} {
			if err := tx.CreateUser(u); err != nil {
				return err
			}
		}
		return tx.CreateAuthMethod(newAuthMethod("org1", "am1"))
	})
	link := identity.SSOIdentity{MethodID: "am1", Subject: "00u1abc", UserID: "u1", CreateTime: at(1)}
	write(t, s, func(tx store.Tx) error { return tx.CreateSSOIdentity(link) })
	equal(t, "GetSSOIdentity", readVal(t, s, func(tx store.Reader) (identity.SSOIdentity, error) { return tx.GetSSOIdentity("am1", "00u1abc") }), link)

	ticket := identity.SSOTicket{ID: "h1", Kind: "oidc-state", Data: `{"nonce":"n"}`, ExpireTime: at(60)}
	write(t, s, func(tx store.Tx) error { return tx.PutSSOTicket(ticket, at(0)) })
	runErrCases(t, s, []errCase{
		{"LinkTaken", func(tx store.Tx) error {
			return tx.CreateSSOIdentity(identity.SSOIdentity{MethodID: "am1", Subject: "00u1abc", UserID: "u2", CreateTime: at(2)})
		}, store.ErrConflict},
		{"LinkMissingMethod", func(tx store.Tx) error {
			return tx.CreateSSOIdentity(identity.SSOIdentity{MethodID: "nope", Subject: "s", UserID: "u2", CreateTime: at(2)})
		}, store.ErrNotFound},
		{"LinkMissingUser", func(tx store.Tx) error {
			return tx.CreateSSOIdentity(identity.SSOIdentity{MethodID: "am1", Subject: "s", UserID: "nope", CreateTime: at(2)})
		}, store.ErrNotFound},
		{"GetMissingLink", func(tx store.Tx) error { _, err := tx.GetSSOIdentity("am1", "other"); return err }, store.ErrNotFound},
		// A live ticket's ID is taken: this is how a replayed assertion is refused.
		{"TicketLive", func(tx store.Tx) error { return tx.PutSSOTicket(ticket, at(59)) }, store.ErrConflict},
		{"TakeExpired", func(tx store.Tx) error { _, err := tx.TakeSSOTicket("oidc-state", "h1", at(60)); return err }, store.ErrNotFound},
		{"TakeOtherKind", func(tx store.Tx) error { _, err := tx.TakeSSOTicket("cli-code", "h1", at(1)); return err }, store.ErrNotFound},
	})
	// Taking is once only.
	equal(t, "TakeSSOTicket", readValW(t, s, func(tx store.Tx) (identity.SSOTicket, error) { return tx.TakeSSOTicket("oidc-state", "h1", at(1)) }), ticket)
	write(t, s, func(tx store.Tx) error {
		if _, err := tx.TakeSSOTicket("oidc-state", "h1", at(1)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("second take: %v", err)
		}
		return nil
	})
	// An expired ticket's ID may be used again, and expired tickets are swept.
	write(t, s, func(tx store.Tx) error { return tx.PutSSOTicket(ticket, at(0)) })
	renewed := ticket
	renewed.ExpireTime = at(200)
	write(t, s, func(tx store.Tx) error { return tx.PutSSOTicket(renewed, at(60)) })
	write(t, s, func(tx store.Tx) error {
		return tx.PutSSOTicket(identity.SSOTicket{ID: "h2", Kind: "saml-assertion", Data: "{}", ExpireTime: at(100)}, at(0))
	})
	equal(t, "DeleteExpiredSSOTickets", readValW(t, s, func(tx store.Tx) (int, error) { return tx.DeleteExpiredSSOTickets(at(150)) }), 1)
	equal(t, "renewed survives", readValW(t, s, func(tx store.Tx) (identity.SSOTicket, error) { return tx.TakeSSOTicket("oidc-state", "h1", at(150)) }), renewed)
	// Deleting the method or the user drops the links.
	write(t, s, func(tx store.Tx) error { return tx.DeleteAuthMethod("am1") })
	if _, err := readValErr(s, t, func(tx store.Reader) (identity.SSOIdentity, error) { return tx.GetSSOIdentity("am1", "00u1abc") }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("link of a deleted method: %v", err)
	}
}
