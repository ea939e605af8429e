package cli

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/aiven/go-client-codegen/handler/domain"
	"github.com/spf13/cobra"

	"github.com/gatehouse-dev/gatehouse/internal/ownership"
)

var domainColumns = []string{"domain_id", "domain_name", "state", "verification_type", "challenge_token", "create_time"}

// domainCommands are the "organization domain-*" commands; a domain is
// named by --domain, its ID looked up.
func domainCommands(a *app) []*cobra.Command {
	return []*cobra.Command{domainAdd(a), domainList(a), domainGet(a), domainUpdate(a), domainVerify(a), domainRemove(a)}
}

// findDomain returns the organization's domain named name.
func findDomain(ctx context.Context, c *api, org, name string) (domain.DomainOut, error) {
	ds, err := c.OrganizationDomainsList(ctx, org)
	if err != nil {
		return domain.DomainOut{}, err
	}
	name = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(name)), ".")
	for _, d := range ds {
		if strings.EqualFold(d.DomainName, name) {
			return d, nil
		}
	}
	return domain.DomainOut{}, fmt.Errorf("organization %s has no domain %s: add it with \"gatehouse organization domain-add\"", org, name)
}

// challengeHint tells what to publish for a DNS-verified domain.
func (a *app) challengeHint(name, state, token string) {
	if state == "verified" || a.json || a.format != "" {
		return
	}
	fmt.Fprintf(a.stdout, "\nPublish this DNS TXT record, then run \"gatehouse organization domain-verify --domain %s\":\n"+
		"  name:  %s.%s   (unless the server is configured with another record name)\n"+
		"  value: token=%s,expiry=never\n", name, ownership.DefaultRecord, name, token)
}

func domainAdd(a *app) *cobra.Command {
	var org, name, vtype string
	cmd := &cobra.Command{
		Use:     "domain-add",
		Short:   "Add a domain to verify; prints the DNS record to publish",
		Example: "  gatehouse organization domain-add --organization-id <ORG_ID> --domain company.com",
		Args:    cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			id, err := a.orgID(ctx, c, org)
			if err != nil {
				return err
			}
			d, err := c.OrganizationDomainAdd(ctx, id, &domain.OrganizationDomainAddIn{DomainName: name, VerificationType: domain.VerificationType(vtype)})
			if err != nil {
				return err
			}
			if err := a.print(d, domainColumns...); err != nil {
				return err
			}
			a.challengeHint(d.DomainName, string(d.State), d.ChallengeToken)
			return nil
		}),
	}
	orgFlag(cmd, &org)
	cmd.Flags().StringVar(&name, "domain", "", "domain name, e.g. company.com")
	cmd.Flags().StringVar(&vtype, "verification-type", "dns", "dns or http")
	_ = cmd.MarkFlagRequired("domain")
	return cmd
}

func domainList(a *app) *cobra.Command {
	var org string
	cmd := &cobra.Command{
		Use: "domain-list", Short: "List the organization's domains", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			id, err := a.orgID(ctx, c, org)
			if err != nil {
				return err
			}
			ds, err := c.OrganizationDomainsList(ctx, id)
			if err != nil {
				return err
			}
			return a.print(ds, domainColumns...)
		}),
	}
	orgFlag(cmd, &org)
	return cmd
}

func domainGet(a *app) *cobra.Command {
	var org, name string
	cmd := &cobra.Command{
		Use:     "domain-get",
		Short:   "Show a domain and the DNS verification record to publish",
		Example: "  gatehouse organization domain-get --organization-id <ORG_ID> --domain company.com",
		Args:    cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			id, err := a.orgID(ctx, c, org)
			if err != nil {
				return err
			}
			found, err := findDomain(ctx, c, id, name)
			if err != nil {
				return err
			}
			// The listing finds the ID; the domain itself is asked for
			// so that its state is the latest.
			var d domain.DomainOut
			if err := c.into(ctx, "OrganizationDomainGet", http.MethodGet, domainPath(id, found.DomainId), nil, &d); err != nil {
				return err
			}
			if err := a.print(d, domainColumns...); err != nil {
				return err
			}
			a.challengeHint(d.DomainName, string(d.State), d.ChallengeToken)
			return nil
		}),
	}
	orgFlag(cmd, &org)
	cmd.Flags().StringVar(&name, "domain", "", "domain name")
	_ = cmd.MarkFlagRequired("domain")
	return cmd
}

func domainPath(org, id string) string {
	return "/v1/organization/" + url.PathEscape(org) + "/domains/" + url.PathEscape(id)
}

func domainUpdate(a *app) *cobra.Command {
	var org, name, vtype string
	cmd := &cobra.Command{
		Use:     "domain-update",
		Short:   "Change how a domain is verified (dns or http)",
		Example: "  gatehouse organization domain-update --domain company.com --verification-type http",
		Args:    cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			id, err := a.orgID(ctx, c, org)
			if err != nil {
				return err
			}
			d, err := findDomain(ctx, c, id, name)
			if err != nil {
				return err
			}
			out, err := c.OrganizationDomainUpdate(ctx, id, d.DomainId, &domain.OrganizationDomainUpdateIn{VerificationType: domain.VerificationType(vtype)})
			if err != nil {
				return err
			}
			return a.print(out, domainColumns...)
		}),
	}
	orgFlag(cmd, &org)
	cmd.Flags().StringVar(&name, "domain", "", "domain name")
	cmd.Flags().StringVar(&vtype, "verification-type", "", "dns or http")
	_ = cmd.MarkFlagRequired("domain")
	_ = cmd.MarkFlagRequired("verification-type")
	return cmd
}

func domainVerify(a *app) *cobra.Command {
	var org, name string
	cmd := &cobra.Command{
		Use:     "domain-verify",
		Short:   "Verify a domain after publishing its DNS record",
		Example: "  gatehouse organization domain-verify --organization-id <ORG_ID> --domain company.com",
		Args:    cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			id, err := a.orgID(ctx, c, org)
			if err != nil {
				return err
			}
			d, err := findDomain(ctx, c, id, name)
			if err != nil {
				return err
			}
			v, err := c.OrganizationDomainVerify(ctx, id, d.DomainId)
			if err != nil {
				return err
			}
			return a.print(v, domainColumns...)
		}),
	}
	orgFlag(cmd, &org)
	cmd.Flags().StringVar(&name, "domain", "", "domain name")
	_ = cmd.MarkFlagRequired("domain")
	return cmd
}

func domainRemove(a *app) *cobra.Command {
	var org, name string
	var force bool
	cmd := &cobra.Command{
		Use: "domain-remove", Short: "Remove a domain; its users stop being managed", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			id, err := a.orgID(ctx, c, org)
			if err != nil {
				return err
			}
			d, err := findDomain(ctx, c, id, name)
			if err != nil {
				return err
			}
			if err := a.confirm(force, fmt.Sprintf("Remove domain %s? Its users stop being managed.", d.DomainName)); err != nil {
				return err
			}
			if err := c.OrganizationDomainsRemove(ctx, id, d.DomainId); err != nil {
				return err
			}
			a.say("Removed domain %s.", d.DomainName)
			return nil
		}),
	}
	orgFlag(cmd, &org)
	cmd.Flags().StringVar(&name, "domain", "", "domain name")
	forceFlag(cmd, &force)
	_ = cmd.MarkFlagRequired("domain")
	return cmd
}
