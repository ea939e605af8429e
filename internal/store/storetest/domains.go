package storetest

import (
	"errors"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

func newDomain(orgID, id, name string) org.Domain {
	return org.Domain{ID: id, OrganizationID: orgID, Name: name, ChallengeToken: "token-" + id,
		VerificationType: org.VerifyDNS, State: org.DomainUnverified, CreateTime: at(0)}
}

func testDomains(t *testing.T, open Opener) {
	s := open(t)
	acme := newDomain("org1", "dom1", "example.com")
	other := newDomain("org1", "dom2", "example.org")
	rival := newDomain("org2", "dom3", "example.com")
	write(t, s, func(tx store.Tx) error {
		for _, id := range []string{"org1", "org2"} {
			if err := seedOrg(tx, id); err != nil {
				return err
			}
		}
		// Inserted out of name order: listings sort by name.
		for _, d := range []org.Domain{other, acme, rival} {
			if err := tx.CreateDomain(d); err != nil {
				return err
			}
		}
		return nil
	})
	equal(t, "GetDomain", readVal(t, s, func(tx store.Reader) (org.Domain, error) { return tx.GetDomain("dom1") }), acme)
	equal(t, "ListDomains", readVal(t, s, func(tx store.Reader) ([]org.Domain, error) { return tx.ListDomains("org1") }),
		[]org.Domain{acme, other})
	equal(t, "ListVerifiedDomains before", readVal(t, s, store.Reader.ListVerifiedDomains), []org.Domain(nil))

	verified := acme
	verified.State = org.DomainVerified
	verified.VerificationType = org.VerifyHTTP
	verified.VerifyTime, verified.CheckTime, verified.MissingSince = ptr(at(5)), ptr(at(6)), ptr(at(7))
	write(t, s, func(tx store.Tx) error { return tx.UpdateDomain(verified) })
	equal(t, "GetDomain after update", readVal(t, s, func(tx store.Reader) (org.Domain, error) { return tx.GetDomain("dom1") }), verified)
	equal(t, "GetVerifiedDomain", readVal(t, s, func(tx store.Reader) (org.Domain, error) { return tx.GetVerifiedDomain("example.com") }), verified)
	equal(t, "ListVerifiedDomains", readVal(t, s, store.Reader.ListVerifiedDomains), []org.Domain{verified})

	runErrCases(t, s, []errCase{
		{"CreateDuplicateName", func(tx store.Tx) error { return tx.CreateDomain(newDomain("org1", "dom9", "example.com")) }, store.ErrConflict},
		{"CreateDuplicateID", func(tx store.Tx) error { return tx.CreateDomain(newDomain("org2", "dom1", "example.net")) }, store.ErrConflict},
		{"CreateMissingOrg", func(tx store.Tx) error { return tx.CreateDomain(newDomain("nope", "dom9", "example.net")) }, store.ErrNotFound},
		{"VerifySecondOrganization", func(tx store.Tx) error {
			d := rival
			d.State = org.DomainVerified
			return tx.UpdateDomain(d)
		}, store.ErrConflict},
		{"CreateVerifiedTaken", func(tx store.Tx) error {
			d := newDomain("org2", "dom9", "example.com")
			d.State = org.DomainVerified
			return tx.CreateDomain(d)
		}, store.ErrConflict},
		{"GetMissing", func(tx store.Tx) error { _, err := tx.GetDomain("nope"); return err }, store.ErrNotFound},
		{"GetVerifiedUnverified", func(tx store.Tx) error { _, err := tx.GetVerifiedDomain("example.org"); return err }, store.ErrNotFound},
		{"UpdateMissing", func(tx store.Tx) error { return tx.UpdateDomain(newDomain("org1", "nope", "example.net")) }, store.ErrNotFound},
		{"DeleteMissing", func(tx store.Tx) error { return tx.DeleteDomain("nope") }, store.ErrNotFound},
	})
	// An error keeps the transaction usable: the rival is still refused
	// and the next statement still works, on every backend.
	write(t, s, func(tx store.Tx) error {
		d := rival
		d.State = org.DomainVerified
		if err := tx.UpdateDomain(d); !errors.Is(err, store.ErrConflict) {
			t.Errorf("second verification: %v", err)
		}
		_, err := tx.GetDomain("dom3")
		return err
	})

	// Users by email domain: exact domain only, wildcards literal.
	users := []identity.User{
		newUser("u1", "alice@example.com"),
		newUser("u2", "bob@eng.example.com"),
		newUser("u3", "carol@example.org"),
		newUser("u4", "dave@example.com"),
		newUser("u5", "eve@xexample.com"),
		newUser("u6", "mallory@example_com"),
	}
	users[3].ManagingOrgID = "org1"
	write(t, s, func(tx store.Tx) error {
		for _, u := range users {
			if err := tx.CreateUser(u); err != nil {
				return err
			}
		}
		return nil
	})
	equal(t, "ListUsersByEmailDomain", readVal(t, s, func(tx store.Reader) ([]identity.User, error) {
		return tx.ListUsersByEmailDomain("example.com")
	}), []identity.User{users[0], users[3]})
	equal(t, "ListUsersByEmailDomain wildcard", readVal(t, s, func(tx store.Reader) ([]identity.User, error) {
		return tx.ListUsersByEmailDomain("example_com")
	}), []identity.User{users[5]})
	equal(t, "ListUsersByEmailDomain none", readVal(t, s, func(tx store.Reader) ([]identity.User, error) {
		return tx.ListUsersByEmailDomain("example.net")
	}), []identity.User(nil))
	equal(t, "ListManagedUsers", readVal(t, s, func(tx store.Reader) ([]identity.User, error) { return tx.ListManagedUsers("org1") }),
		[]identity.User{users[3]})

	// Deleting frees the name for another organization; deleting an
	// organization takes its domains with it.
	write(t, s, func(tx store.Tx) error { return tx.DeleteDomain("dom1") })
	write(t, s, func(tx store.Tx) error {
		d := rival
		d.State = org.DomainVerified
		return tx.UpdateDomain(d)
	})
	write(t, s, func(tx store.Tx) error { return tx.DeleteOrganization("org2") })
	if _, err := readValErr(s, t, func(tx store.Reader) (org.Domain, error) { return tx.GetDomain("dom3") }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("domain of a deleted organization: %v", err)
	}
	equal(t, "ListDomains after deletes", readVal(t, s, func(tx store.Reader) ([]org.Domain, error) { return tx.ListDomains("org1") }),
		[]org.Domain{other})
}
