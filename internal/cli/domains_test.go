package cli

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/ownership/ownershiptest"
	"github.com/gatehouse-dev/gatehouse/internal/server"
)

// TestDomainCommands runs the seed's domain commands: domain-add prints the
// record to publish, domain-get shows it, domain-verify without the record
// fails with the server's reason, domain-remove removes.
func TestDomainCommands(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		resolver := ownershiptest.NewDNS(t)
		h := newHarness(t, db, func(c *server.Config) { c.DNSResolver = resolver.Addr() })
		h.needRoute(http.MethodGet, "/v1/organization/o/domains")
		h.login()
		c := h.api()
		ctx := t.Context()
		org := strings.TrimSpace(h.ok("organization", "list", "--format", "{{.organization_id}}"))

		out := h.ok("organization", "domain-add", "--organization-id", org, "--domain", "company.invalid")
		ds, err := c.OrganizationDomainsList(ctx, org)
		if err != nil || len(ds) != 1 || ds[0].DomainName != "company.invalid" {
			t.Fatalf("domains = %+v, %v", ds, err)
		}
		if !strings.Contains(out, "token="+ds[0].ChallengeToken) {
			t.Errorf("domain-add does not show the record:\n%s", out)
		}
		if out := h.ok("organization", "domain-get", "--domain", "company.invalid"); !strings.Contains(out, ds[0].ChallengeToken) || !strings.Contains(out, "unverified") {
			t.Errorf("domain-get:\n%s", out)
		}
		if msg := h.fails("organization", "domain-verify", "--domain", "company.invalid"); !strings.Contains(msg, "HTTP 4") || !strings.Contains(msg, "_gatehouse-challenge.company.invalid") {
			t.Errorf("verify without a record: %q", msg)
		}
		// Seed: publish the record, then domain-verify.
		resolver.SetTXT("_gatehouse-challenge.company.invalid", "token="+ds[0].ChallengeToken+",expiry=never")
		if out := h.ok("organization", "domain-verify", "--domain", "company.invalid"); !strings.Contains(out, "verified") {
			t.Errorf("domain-verify:\n%s", out)
		}
		if ds, err := c.OrganizationDomainsList(ctx, org); err != nil || ds[0].State != "verified" {
			t.Fatalf("after verify = %+v, %v", ds, err)
		}
		if msg := h.fails("organization", "domain-get", "--domain", "other.invalid"); !strings.Contains(msg, "no domain other.invalid") {
			t.Errorf("unknown domain: %q", msg)
		}
		h.ok("organization", "domain-remove", "--domain", "company.invalid", "--force")
		if ds, err := c.OrganizationDomainsList(ctx, org); err != nil || len(ds) != 0 {
			t.Fatalf("after remove = %+v, %v", ds, err)
		}
	})
}
