package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aiven/go-client-codegen/handler/domain"
	"github.com/aiven/go-client-codegen/handler/organization"
	"github.com/aiven/go-client-codegen/handler/user"

	"github.com/gatehouse-dev/gatehouse/internal/ownership/ownershiptest"
	"github.com/gatehouse-dev/gatehouse/internal/server"
	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

// TestDomainVerificationThroughAivenClient is the seed's three steps (add
// the domain, publish the DNS record, verify) against a DNS server on
// loopback, and then what verification changes for the users on it.
func TestDomainVerificationThroughAivenClient(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		dns := ownershiptest.NewDNS(t)
		srv := servertest.Start(t, db, func(c *server.Config) {
			c.DNSResolver = dns.Addr()
			c.ChallengeRecord = "_aiven-challenge"
		})
		ctx := t.Context()
		adminToken := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
		c := client(t, srv.URL, adminToken)
		orgs, err := c.UserOrganizationsList(ctx)
		if err != nil || len(orgs) != 1 {
			t.Fatalf("organizations = %v, %v", orgs, err)
		}
		orgID := orgs[0].OrganizationId

		// 1. Add the domain (an IDN, stored in punycode).
		added, err := c.OrganizationDomainAdd(ctx, orgID, &domain.OrganizationDomainAddIn{DomainName: "Example.COM"})
		if err != nil {
			t.Fatal(err)
		}
		if added.DomainName != "example.com" || added.State != domain.OrganizationDomainStateTypeUnverified ||
			added.VerificationType != domain.VerificationTypeDns || added.ChallengeToken == "" || added.OrganizationId != orgID {
			t.Fatalf("added = %+v", added)
		}
		_, err = c.OrganizationDomainAdd(ctx, orgID, &domain.OrganizationDomainAddIn{DomainName: "not a domain"})
		wantStatus(t, err, http.StatusBadRequest)
		idn, err := c.OrganizationDomainAdd(ctx, orgID, &domain.OrganizationDomainAddIn{DomainName: "bücher.example", VerificationType: domain.VerificationTypeHttp})
		if err != nil || idn.DomainName != "xn--bcher-kva.example" || idn.VerificationType != domain.VerificationTypeHttp {
			t.Fatalf("IDN = %+v, %v", idn, err)
		}

		// 2. Get the DNS record to publish: from the list (Aiven's
		// client), or one domain with the record spelled out.
		list, err := c.OrganizationDomainsList(ctx, orgID)
		if err != nil || len(list) != 2 || list[0].DomainName != "example.com" || list[0].ChallengeToken != added.ChallengeToken {
			t.Fatalf("list = %+v, %v", list, err)
		}
		var got struct {
			ChallengeToken     string `json:"challenge_token"`
			VerificationRecord struct {
				Name, Type, Value string
			} `json:"verification_record"`
		}
		getJSON(t, srv.URL+"/v1/organization/"+orgID+"/domains/"+added.DomainId, adminToken, &got)
		wantValue := "token=" + added.ChallengeToken + ",expiry=never"
		if got.VerificationRecord.Name != "_aiven-challenge.example.com" || got.VerificationRecord.Type != "TXT" ||
			got.VerificationRecord.Value != wantValue {
			t.Fatalf("record = %+v", got.VerificationRecord)
		}

		// Verifying before publishing fails, saying what was looked up.
		_, err = c.OrganizationDomainVerify(ctx, orgID, added.DomainId)
		wantStatus(t, err, http.StatusBadRequest)
		if msg := err.Error(); !strings.Contains(msg, "_aiven-challenge.example.com") || !strings.Contains(msg, "NXDOMAIN") {
			t.Fatalf("failure message = %q", msg)
		}

		// 3. Publish and verify.
		dns.SetTXT(got.VerificationRecord.Name, got.VerificationRecord.Value)
		verified, err := c.OrganizationDomainVerify(ctx, orgID, added.DomainId)
		if err != nil || verified.State != domain.OrganizationDomainStateTypeVerified {
			t.Fatalf("verify = %+v, %v", verified, err)
		}

		// The admin, on example.com, is now managed: no new organizations.
		_, err = c.UserOrganizationCreate(ctx, &organization.UserOrganizationCreateIn{OrganizationName: "Shadow", Tier: organization.TierTypeBusiness})
		wantStatus(t, err, http.StatusForbidden)
		if !strings.Contains(err.Error(), "Managed users cannot create organizations") {
			t.Fatalf("refusal = %v", err)
		}
		var managed struct {
			Users []struct {
				UserID   string `json:"user_id"`
				IsMember bool   `json:"is_member"`
				UserInfo struct {
					UserEmail              string `json:"user_email"`
					ManagingOrganizationID string `json:"managing_organization_id"`
				} `json:"user_info"`
			} `json:"users"`
		}
		getJSON(t, srv.URL+"/v1/organization/"+orgID+"/managed-users", adminToken, &managed)
		if len(managed.Users) != 1 || managed.Users[0].UserInfo.UserEmail != servertest.AdminEmail ||
			managed.Users[0].UserInfo.ManagingOrganizationID != orgID || !managed.Users[0].IsMember {
			t.Fatalf("managed users = %+v", managed)
		}
		adminID := managed.Users[0].UserID

		// The organization's admins list and revoke the managed user's tokens.
		second := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
		tokens, err := c.OrganizationUserTokensList(ctx, orgID, adminID)
		if err != nil || len(tokens) != 2 {
			t.Fatalf("tokens = %+v, %v", tokens, err)
		}
		if err := c.OrganizationUserRevokeToken(ctx, orgID, adminID, token.PrefixOf(second)); err != nil {
			t.Fatal(err)
		}
		_, err = client(t, srv.URL, second).UserOrganizationsList(ctx)
		wantStatus(t, err, http.StatusUnauthorized)
		wantStatus(t, c.OrganizationUserRevokeToken(ctx, orgID, adminID, token.PrefixOf(second)), http.StatusNotFound)

		// Password reset: without SMTP the answer carries the temporary
		// password (Aiven's client sees success: TestManagedResetEndsEverySessionAndToken).
		// A reset ends every session and token of the user, here the
		// admin's own.
		var reset struct {
			TemporaryPassword string `json:"temporary_password"`
		}
		postJSON(t, srv.URL+"/v1/organization/"+orgID+"/user/"+adminID+"/reset_password", adminToken, &reset)
		if reset.TemporaryPassword == "" {
			t.Fatal("no temporary password without SMTP")
		}
		_, err = c.UserOrganizationsList(ctx)
		wantStatus(t, err, http.StatusUnauthorized)
		_, err = client(t, srv.URL, "unused").UserAuth(ctx, &user.UserAuthIn{Email: servertest.AdminEmail, Password: servertest.AdminPassword})
		wantStatus(t, err, http.StatusUnauthorized)
		c = client(t, srv.URL, login(t, srv.URL, servertest.AdminEmail, reset.TemporaryPassword))

		// Removing the domain releases the admin.
		if err := c.OrganizationDomainsRemove(ctx, orgID, added.DomainId); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, c.OrganizationDomainsRemove(ctx, orgID, added.DomainId), http.StatusNotFound)
		if _, err := c.UserOrganizationCreate(ctx, &organization.UserOrganizationCreateIn{OrganizationName: "Allowed", Tier: organization.TierTypeBusiness}); err != nil {
			t.Fatalf("released admin cannot create an organization: %v", err)
		}
		if _, err := c.OrganizationUserTokensList(ctx, orgID, adminID); err == nil {
			t.Fatal("tokens of a user no longer managed were listed")
		} else {
			wantStatus(t, err, http.StatusForbidden)
		}

		// Changing the verification type; unknown types are refused.
		upd, err := c.OrganizationDomainUpdate(ctx, orgID, idn.DomainId, &domain.OrganizationDomainUpdateIn{VerificationType: domain.VerificationTypeDns})
		if err != nil || upd.VerificationType != domain.VerificationTypeDns {
			t.Fatalf("update = %+v, %v", upd, err)
		}
		_, err = c.OrganizationDomainUpdate(ctx, orgID, idn.DomainId, &domain.OrganizationDomainUpdateIn{VerificationType: "txt"})
		wantStatus(t, err, http.StatusBadRequest)
	})
}

func getJSON(t *testing.T, url, token string, out any) {
	t.Helper()
	doJSON(t, http.MethodGet, url, token, out)
}

func postJSON(t *testing.T, url, token string, out any) {
	t.Helper()
	doJSON(t, http.MethodPost, url, token, out)
}

func doJSON(t *testing.T, method, url, token string, out any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "aivenv1 "+token)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %s", method, url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}
