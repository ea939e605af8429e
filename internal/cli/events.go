package cli

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/spf13/cobra"
)

func init() { nouns = append(nouns, newEvents) }

func newEvents(a *app) *cobra.Command {
	var org, unit, project string
	var limit int
	cmd := &cobra.Command{
		Use:   "events",
		Short: "Show the event log of an organization, a unit or a project, newest first",
		Example: `  gatehouse events --organization-id <ORG_ID> -n 20
  gatehouse events --project backend-prod`,
		Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			if limit < 1 {
				return fmt.Errorf("-n must be at least 1")
			}
			q := [2]string{"limit", strconv.Itoa(limit)}
			if p := firstOf(project, a.getenv("GATEHOUSE_PROJECT")); p != "" && unit == "" && org == "" {
				raw, err := c.do(ctx, "ProjectGetEventLogs", http.MethodGet, projectPath(p, "events"), nil, q)
				if err != nil {
					return err
				}
				return a.print(field(raw, "events"), "time", "actor", "event_type", "service_name", "event_desc")
			}
			acct := unit
			if acct == "" {
				id, err := a.orgID(ctx, c, org)
				if err != nil {
					return err
				}
				o, err := c.OrganizationGet(ctx, id)
				if err != nil {
					return err
				}
				acct = o.AccountId
			}
			raw, err := c.do(ctx, "AccountEventList", http.MethodGet, "/v1/account/"+url.PathEscape(acct)+"/events", nil, q)
			if err != nil {
				return err
			}
			return a.print(field(raw, "events"), "create_time", "actor", "action_type", "action_description")
		}),
	}
	orgFlag(cmd, &org)
	cmd.Flags().StringVar(&unit, "unit-id", "", "a unit's events instead")
	projectFlag(cmd, &project)
	cmd.Flags().IntVarP(&limit, "limit", "n", 100, "how many events")
	cmd.MarkFlagsMutuallyExclusive("organization-id", "unit-id", "project")
	return cmd
}
