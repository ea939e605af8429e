package storetest

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

func newOrgInvitation(orgID, hash, email string, sec int) identity.Invitation {
	return identity.Invitation{CodeHash: hash, OrganizationID: orgID, Email: email, InvitedBy: "u1",
		InvitedByEmail: "u1@example.com", State: identity.InvitationPending, CreateTime: at(sec),
		ExpiryTime: at(sec + 3600), UpdateTime: at(sec)}
}

func testInvitations(t *testing.T, open Opener) {
	s := open(t)
	i1 := newOrgInvitation("org1", "h1", "a@example.com", 1)
	i2 := newOrgInvitation("org1", "h2", "b@example.com", 2)
	i2.AcceptLink = "https://gatehouse.example.com/v1/invitation/code"
	i3 := newOrgInvitation("org2", "h3", "a@example.com", 3)
	write(t, s, func(tx store.Tx) error {
		for _, id := range []string{"org1", "org2"} {
			if err := seedOrg(tx, id); err != nil {
				return err
			}
		}
		for _, inv := range []identity.Invitation{i1, i2, i3} {
			if err := tx.CreateInvitation(inv); err != nil {
				return err
			}
		}
		return nil
	})
	equal(t, "GetInvitation", readVal(t, s, func(tx store.Reader) (identity.Invitation, error) { return tx.GetInvitation("h2") }), i2)
	equal(t, "ListInvitations newest first", readVal(t, s, func(tx store.Reader) ([]identity.Invitation, error) {
		return tx.ListInvitations("org1", identity.InvitationPending)
	}), []identity.Invitation{i2, i1})

	accepted := i1
	accepted.State, accepted.UpdateTime = identity.InvitationAccepted, at(10)
	cancelled := i2
	cancelled.State, cancelled.AcceptLink, cancelled.UpdateTime = identity.InvitationCancelled, "", at(11)
	write(t, s, func(tx store.Tx) error {
		if err := tx.UpdateInvitation(accepted); err != nil {
			return err
		}
		return tx.UpdateInvitation(cancelled)
	})
	equal(t, "updated", readVal(t, s, func(tx store.Reader) (identity.Invitation, error) { return tx.GetInvitation("h2") }), cancelled)
	equal(t, "no pending left", len(readVal(t, s, func(tx store.Reader) ([]identity.Invitation, error) {
		return tx.ListInvitations("org1", identity.InvitationPending)
	})), 0)
	equal(t, "every state", readVal(t, s, func(tx store.Reader) ([]identity.Invitation, error) {
		return tx.ListInvitations("org1", "")
	}), []identity.Invitation{cancelled, accepted})

	runErrCases(t, s, []errCase{
		{"CreateDuplicate", func(tx store.Tx) error {
			return tx.CreateInvitation(newOrgInvitation("org1", "h1", "c@example.com", 5))
		}, store.ErrConflict},
		{"CreateInMissingOrg", func(tx store.Tx) error {
			return tx.CreateInvitation(newOrgInvitation("nope", "h9", "c@example.com", 5))
		}, store.ErrNotFound},
		{"GetMissing", func(tx store.Tx) error { _, err := tx.GetInvitation("h9"); return err }, store.ErrNotFound},
		{"UpdateMissing", func(tx store.Tx) error {
			return tx.UpdateInvitation(newOrgInvitation("org1", "h9", "c@example.com", 5))
		}, store.ErrNotFound},
	})

	t.Run("GoWithOrganization", func(t *testing.T) {
		write(t, s, func(tx store.Tx) error { return tx.DeleteOrganization("org2") })
		_, err := readValErr(s, t, func(tx store.Reader) (identity.Invitation, error) { return tx.GetInvitation("h3") })
		equal(t, "invitation of deleted organization", err != nil, true)
	})
}

func testTwoFactor(t *testing.T, open Opener) {
	s := open(t)
	write(t, s, func(tx store.Tx) error { return tx.CreateUser(newUser("u1", "u1@example.com")) })
	pending := identity.TwoFactor{UserID: "u1", Secret: "sealed-1", UpdateTime: at(1)}
	write(t, s, func(tx store.Tx) error { return tx.SetTwoFactor(pending) })
	equal(t, "pending", readVal(t, s, func(tx store.Reader) (identity.TwoFactor, error) { return tx.GetTwoFactor("u1") }), pending)
	confirmed := identity.TwoFactor{UserID: "u1", Secret: "sealed-2", Confirmed: true, LastStep: 58000000, UpdateTime: at(2)}
	write(t, s, func(tx store.Tx) error { return tx.SetTwoFactor(confirmed) })
	equal(t, "replaced", readVal(t, s, func(tx store.Reader) (identity.TwoFactor, error) { return tx.GetTwoFactor("u1") }), confirmed)

	runErrCases(t, s, []errCase{
		{"SetForMissingUser", func(tx store.Tx) error { return tx.SetTwoFactor(identity.TwoFactor{UserID: "nope"}) }, store.ErrNotFound},
		{"GetMissing", func(tx store.Tx) error { _, err := tx.GetTwoFactor("nope"); return err }, store.ErrNotFound},
		{"DeleteMissing", func(tx store.Tx) error { return tx.DeleteTwoFactor("nope") }, store.ErrNotFound},
	})
	write(t, s, func(tx store.Tx) error { return tx.DeleteTwoFactor("u1") })
	_, err := readValErr(s, t, func(tx store.Reader) (identity.TwoFactor, error) { return tx.GetTwoFactor("u1") })
	equal(t, "deleted", err != nil, true)

	t.Run("GoesWithUser", func(t *testing.T) {
		write(t, s, func(tx store.Tx) error { return tx.SetTwoFactor(confirmed) })
		write(t, s, func(tx store.Tx) error { return tx.DeleteUser("u1") })
		_, err := readValErr(s, t, func(tx store.Reader) (identity.TwoFactor, error) { return tx.GetTwoFactor("u1") })
		equal(t, "enrolment of deleted user", err != nil, true)
	})
}

func testPasswordResets(t *testing.T, open Opener) {
	s := open(t)
	r1 := identity.PasswordReset{CodeHash: "h1", UserID: "u1", CreateTime: at(1), ExpiryTime: at(100)}
	r2 := identity.PasswordReset{CodeHash: "h2", UserID: "u1", CreateTime: at(2), ExpiryTime: at(100)}
	r3 := identity.PasswordReset{CodeHash: "h3", UserID: "u2", CreateTime: at(3), ExpiryTime: at(100)}
	_, sh, sp := token.New(token.KindSession)
	_, ph, pp := token.New(token.KindPersonal)
	write(t, s, func(tx store.Tx) error {
		for _, u := range []identity.User{newUser("u1", "u1@example.com"), newUser("u2", "u2@example.com")} {
			if err := tx.CreateUser(u); err != nil {
				return err
			}
		}
		for _, r := range []identity.PasswordReset{r1, r2, r3} {
			if err := tx.CreatePasswordReset(r); err != nil {
				return err
			}
		}
		if err := tx.CreateToken(token.Token{Hash: sh, Prefix: sp, Kind: token.KindSession, UserID: "u1", CreateTime: at(1)}); err != nil {
			return err
		}
		return tx.CreateToken(token.Token{Hash: ph, Prefix: pp, Kind: token.KindPersonal, UserID: "u1", CreateTime: at(1)})
	})
	equal(t, "GetPasswordReset", readVal(t, s, func(tx store.Reader) (identity.PasswordReset, error) { return tx.GetPasswordReset("h2") }), r2)
	runErrCases(t, s, []errCase{
		{"CreateDuplicate", func(tx store.Tx) error { return tx.CreatePasswordReset(r1) }, store.ErrConflict},
		{"CreateForMissingUser", func(tx store.Tx) error {
			return tx.CreatePasswordReset(identity.PasswordReset{CodeHash: "h9", UserID: "nope"})
		}, store.ErrNotFound},
		{"GetMissing", func(tx store.Tx) error { _, err := tx.GetPasswordReset("h9"); return err }, store.ErrNotFound},
	})
	write(t, s, func(tx store.Tx) error { return tx.DeletePasswordResets("u1") })
	for _, h := range []string{"h1", "h2"} {
		_, err := readValErr(s, t, func(tx store.Reader) (identity.PasswordReset, error) { return tx.GetPasswordReset(h) })
		equal(t, "reset "+h+" deleted", err != nil, true)
	}
	equal(t, "other user's reset kept", readVal(t, s, func(tx store.Reader) (identity.PasswordReset, error) { return tx.GetPasswordReset("h3") }), r3)

	t.Run("DeleteSessions", func(t *testing.T) {
		n := readValWrite(t, s, func(tx store.Tx) (int, error) { return tx.DeleteSessions("u1") })
		equal(t, "sessions deleted", n, 1)
		left := readVal(t, s, func(tx store.Reader) ([]token.Token, error) { return tx.ListTokens("u1") })
		if len(left) != 1 || left[0].Hash != ph {
			t.Errorf("tokens left = %+v, want only the personal token", left)
		}
	})
}

// readValWrite runs fn in a write transaction and returns its value.
func readValWrite[T any](t *testing.T, s store.Store, fn func(store.Tx) (T, error)) T {
	t.Helper()
	var v T
	write(t, s, func(tx store.Tx) (err error) {
		v, err = fn(tx)
		return err
	})
	return v
}

func testAuthPolicies(t *testing.T, open Opener) {
	s := open(t)
	write(t, s, func(tx store.Tx) error { return seedOrg(tx, "org1") })
	_, err := readValErr(s, t, func(tx store.Reader) (identity.AuthPolicy, error) { return tx.GetAuthPolicy("org1") })
	equal(t, "no policy yet is not found", err != nil, true)

	p := identity.DefaultAuthPolicy("org1")
	p.TwoFactorRequired, p.IPAllowlist, p.UpdateTime = true, []string{"10.0.0.0/8", "2001:db8::/32"}, at(1)
	write(t, s, func(tx store.Tx) error { return tx.SetAuthPolicy(p) })
	equal(t, "GetAuthPolicy", readVal(t, s, func(tx store.Reader) (identity.AuthPolicy, error) { return tx.GetAuthPolicy("org1") }), p)

	q := p
	q.PasswordAuthEnabled, q.PersonalTokensEnabled, q.IPAllowlist, q.UpdateTime = false, false, nil, at(2)
	write(t, s, func(tx store.Tx) error { return tx.SetAuthPolicy(q) })
	equal(t, "replaced", readVal(t, s, func(tx store.Reader) (identity.AuthPolicy, error) { return tx.GetAuthPolicy("org1") }), q)

	runErrCases(t, s, []errCase{
		{"SetForMissingOrg", func(tx store.Tx) error { return tx.SetAuthPolicy(identity.DefaultAuthPolicy("nope")) }, store.ErrNotFound},
		{"GetMissing", func(tx store.Tx) error { _, err := tx.GetAuthPolicy("nope"); return err }, store.ErrNotFound},
	})
}

func testTokenAuthMethod(t *testing.T, open Opener) {
	s := open(t)
	_, h1, p1 := token.New(token.KindSession)
	_, h2, p2 := token.New(token.KindSession)
	t1 := token.Token{Hash: h1, Prefix: p1, Kind: token.KindSession, UserID: "u1", CreateTime: at(1),
		AuthMethod: token.AuthMethodPassword, TwoFactor: true}
	t2 := token.Token{Hash: h2, Prefix: p2, Kind: token.KindSession, UserID: "u1", CreateTime: at(2)}
	write(t, s, func(tx store.Tx) error {
		if err := tx.CreateUser(newUser("u1", "u1@example.com")); err != nil {
			return err
		}
		if err := tx.CreateToken(t1); err != nil {
			return err
		}
		return tx.CreateToken(t2)
	})
	equal(t, "password and 2FA kept", readVal(t, s, func(tx store.Reader) (token.Token, error) { return tx.GetToken(h1) }), t1)
	equal(t, "defaults", readVal(t, s, func(tx store.Reader) (token.Token, error) { return tx.GetToken(h2) }), t2)
}

func testProfiles(t *testing.T, open Opener) {
	s := open(t)
	write(t, s, func(tx store.Tx) error { return tx.CreateUser(newUser("u1", "u1@example.com")) })
	_, err := readValErr(s, t, func(tx store.Reader) (identity.Profile, error) { return tx.GetProfile("u1") })
	equal(t, "no profile yet is not found", err != nil, true)
	p := identity.Profile{UserID: "u1", JobTitle: "Engineer", Department: "Platform", City: "Helsinki", Country: "FI"}
	write(t, s, func(tx store.Tx) error { return tx.SetProfile(p) })
	equal(t, "GetProfile", readVal(t, s, func(tx store.Reader) (identity.Profile, error) { return tx.GetProfile("u1") }), p)
	p.City = "Espoo"
	write(t, s, func(tx store.Tx) error { return tx.SetProfile(p) })
	equal(t, "replaced", readVal(t, s, func(tx store.Reader) (identity.Profile, error) { return tx.GetProfile("u1") }), p)
	runErrCases(t, s, []errCase{
		{"SetForMissingUser", func(tx store.Tx) error { return tx.SetProfile(identity.Profile{UserID: "nope"}) }, store.ErrNotFound},
	})
	write(t, s, func(tx store.Tx) error { return tx.DeleteUser("u1") })
	_, err = readValErr(s, t, func(tx store.Reader) (identity.Profile, error) { return tx.GetProfile("u1") })
	equal(t, "profile goes with its user", err != nil, true)
}
