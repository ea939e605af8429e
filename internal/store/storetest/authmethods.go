package storetest

import (
	"errors"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

func newAuthMethod(orgID, id string, domains ...string) identity.AuthMethod {
	return identity.AuthMethod{ID: id, OrganizationID: orgID, AccountID: "a-" + orgID, Name: "IdP " + id,
		Type: identity.AuthMethodSAML, Enabled: true, State: identity.AuthMethodPending, LinkedDomainIDs: domains,
		SAMLAssertionSigned: true, CreateTime: at(0), UpdateTime: at(0)}
}

func testAuthMethods(t *testing.T, open Opener) {
	s := open(t)
	write(t, s, func(tx store.Tx) error {
		for _, id := range []string{"org1", "org2"} {
			if err := seedOrg(tx, id); err != nil {
				return err
			}
		}
		for _, d := range []struct{ org, id, name string }{
			{"org1", "dom1", "example.com"}, {"org1", "dom2", "example.org"}, {"org1", "dom3", "example.net"}, {"org2", "dom4", "example.edu"},
		} {
			if err := tx.CreateDomain(newDomain(d.org, d.id, d.name)); err != nil {
				return err
			}
		}
		return nil
	})
	max := int64(3600)
	saml := newAuthMethod("org1", "am1", "dom1", "dom2")
	saml.SAMLEntityID, saml.SAMLIdPURL, saml.SAMLCertificate = "https://idp.example.com/entity", "https://idp.example.com/sso", "-----BEGIN CERTIFICATE-----"
	saml.SAMLSignatureAlgorithm, saml.SAMLDigestAlgorithm, saml.SAMLVariant = "rsa-sha256", "sha256", "adfs"
	saml.SAMLAuthnRequestsSigned, saml.SAMLIdPLoginAllowed, saml.SAMLJoinGroups, saml.SAMLRequestedAuthnContextEnabled = true, true, true, true
	saml.SPKey, saml.SPCertificate = "sealed-key", "sp-cert"
	saml.Mapping = identity.FieldMapping{Email: "mail", FirstName: "given", LastName: "sn", RealName: "cn", Identity: "uid", Groups: "memberOf"}
	saml.AutoJoinGroupID, saml.SCIMEnabled, saml.SCIMURL = "ug1", true, "https://gatehouse.example.com/scim/v2/am1"
	saml.AuthTokenMaxAgeSeconds, saml.AuthTokenExtendWhenUsed = &max, true
	oidc := newAuthMethod("org1", "am2")
	oidc.Type, oidc.State, oidc.CreateTime, oidc.UpdateTime = identity.AuthMethodOIDC, identity.AuthMethodActive, at(1), at(1)
	oidc.OIDCIssuer, oidc.OIDCClientID, oidc.OIDCClientSecret, oidc.OIDCScopes = "https://login.example.com", "client", "sealed-secret", []string{"openid", "email"}
	write(t, s, func(tx store.Tx) error {
		// Created out of order: listings follow creation time.
		if err := tx.CreateAuthMethod(oidc); err != nil {
			return err
		}
		return tx.CreateAuthMethod(saml)
	})
	getM := func(id string) func(store.Reader) (identity.AuthMethod, error) {
		return func(tx store.Reader) (identity.AuthMethod, error) { return tx.GetAuthMethod(id) }
	}
	equal(t, "GetAuthMethod saml", readVal(t, s, getM("am1")), saml)
	equal(t, "GetAuthMethod oidc", readVal(t, s, getM("am2")), oidc)
	equal(t, "ListAuthMethods", readVal(t, s, func(tx store.Reader) ([]identity.AuthMethod, error) { return tx.ListAuthMethods("org1") }),
		[]identity.AuthMethod{saml, oidc})
	equal(t, "ListAuthMethods other", readVal(t, s, func(tx store.Reader) ([]identity.AuthMethod, error) { return tx.ListAuthMethods("org2") }),
		[]identity.AuthMethod(nil))
	equal(t, "GetAuthMethodByDomain", readVal(t, s, func(tx store.Reader) (identity.AuthMethod, error) { return tx.GetAuthMethodByDomain("dom2") }), saml)

	// An update replaces the settings and the links.
	updated := saml
	updated.Name, updated.Enabled, updated.State, updated.UpdateTime = "Renamed", false, identity.AuthMethodActive, at(9)
	updated.LinkedDomainIDs = []string{"dom3"}
	updated.Mapping = identity.FieldMapping{Email: "email"}
	updated.AuthTokenMaxAgeSeconds = nil
	write(t, s, func(tx store.Tx) error { return tx.UpdateAuthMethod(updated) })
	equal(t, "GetAuthMethod after update", readVal(t, s, getM("am1")), updated)
	equal(t, "domain unlinked by update", readVal(t, s, func(tx store.Reader) (bool, error) {
		_, err := tx.GetAuthMethodByDomain("dom1")
		return errors.Is(err, store.ErrNotFound), nil
	}), true)

	runErrCases(t, s, []errCase{
		{"CreateDuplicateID", func(tx store.Tx) error { return tx.CreateAuthMethod(newAuthMethod("org1", "am1")) }, store.ErrConflict},
		{"CreateMissingOrg", func(tx store.Tx) error { return tx.CreateAuthMethod(newAuthMethod("nope", "am9")) }, store.ErrNotFound},
		{"CreateMissingDomain", func(tx store.Tx) error { return tx.CreateAuthMethod(newAuthMethod("org1", "am9", "nope")) }, store.ErrNotFound},
		{"CreateDomainTaken", func(tx store.Tx) error { return tx.CreateAuthMethod(newAuthMethod("org1", "am9", "dom3")) }, store.ErrConflict},
		{"UpdateDomainTaken", func(tx store.Tx) error {
			m := oidc
			m.LinkedDomainIDs = []string{"dom3"}
			return tx.UpdateAuthMethod(m)
		}, store.ErrConflict},
		{"UpdateMissing", func(tx store.Tx) error { return tx.UpdateAuthMethod(newAuthMethod("org1", "nope")) }, store.ErrNotFound},
		{"GetMissing", func(tx store.Tx) error { _, err := tx.GetAuthMethod("nope"); return err }, store.ErrNotFound},
		{"ByDomainUnlinked", func(tx store.Tx) error { _, err := tx.GetAuthMethodByDomain("dom4"); return err }, store.ErrNotFound},
		{"DeleteMissing", func(tx store.Tx) error { return tx.DeleteAuthMethod("nope") }, store.ErrNotFound},
	})
	// A refused create left nothing behind.
	if _, err := readValErr(s, t, getM("am9")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("refused create left a method: %v", err)
	}

	// Deleting a domain unlinks it; deleting the method frees its domains;
	// deleting the organization takes its methods.
	write(t, s, func(tx store.Tx) error { return tx.DeleteDomain("dom3") })
	equal(t, "links after domain delete", readVal(t, s, getM("am1")).LinkedDomainIDs, []string(nil))
	linked := newAuthMethod("org1", "am3", "dom1")
	write(t, s, func(tx store.Tx) error { return tx.CreateAuthMethod(linked) })
	write(t, s, func(tx store.Tx) error { return tx.DeleteAuthMethod("am3") })
	write(t, s, func(tx store.Tx) error { return tx.CreateAuthMethod(newAuthMethod("org1", "am4", "dom1")) })
	write(t, s, func(tx store.Tx) error { return tx.DeleteOrganization("org1") })
	if _, err := readValErr(s, t, getM("am4")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("method of a deleted organization: %v", err)
	}
}
