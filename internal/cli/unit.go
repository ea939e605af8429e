package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/aiven/go-client-codegen/handler/account"
	"github.com/spf13/cobra"
)

func init() { nouns = append(nouns, newUnit) }

var unitColumns = []string{"account_id", "account_name", "parent_account_id", "organization_id", "create_time"}

// parentAccount maps a parent given as an organization ID to its root
// account; a unit ID is already an account.
func parentAccount(ctx context.Context, c *api, parent string) (string, error) {
	if !strings.HasPrefix(parent, "org") {
		return parent, nil
	}
	o, err := c.OrganizationGet(ctx, parent)
	if err != nil {
		return "", err
	}
	return o.AccountId, nil
}

func newUnit(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "unit", Short: "Organizational units: groups of projects inside an organization"}
	cmd.AddCommand(unitList(a), unitCreate(a), unitGet(a), unitUpdate(a), unitMove(a), unitDelete(a))
	return cmd
}

func unitList(a *app) *cobra.Command {
	var org string
	cmd := &cobra.Command{
		Use: "list", Short: "List units", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			id, err := a.orgID(ctx, c, org)
			if err != nil {
				return err
			}
			as, err := c.AccountList(ctx)
			if err != nil {
				return err
			}
			units := make([]account.AccountOut, 0, len(as))
			for _, u := range as {
				if u.OrganizationId == id && u.ParentAccountId != nil && *u.ParentAccountId != "" {
					units = append(units, u)
				}
			}
			return a.print(units, unitColumns...)
		}),
	}
	orgFlag(cmd, &org)
	return cmd
}

func unitCreate(a *app) *cobra.Command {
	var org, name, parent string
	cmd := &cobra.Command{
		Use:     "create",
		Short:   "Create a unit in an organization (or under another unit)",
		Example: `  gatehouse unit create --organization-id <ORG_ID> --name Production`,
		Args:    cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			if parent == "" {
				id, err := a.orgID(ctx, c, org)
				if err != nil {
					return err
				}
				parent = id
			}
			acct, err := parentAccount(ctx, c, parent)
			if err != nil {
				return err
			}
			u, err := c.AccountCreate(ctx, &account.AccountCreateIn{AccountName: name, ParentAccountId: &acct})
			if err != nil {
				return err
			}
			return a.print(u, unitColumns...)
		}),
	}
	orgFlag(cmd, &org)
	cmd.Flags().StringVar(&name, "name", "", "unit name")
	cmd.Flags().StringVar(&parent, "parent-id", "", "organization or unit ID to create it in (default: the organization)")
	_ = cmd.MarkFlagRequired("name")
	return cmd
}

func unitGet(a *app) *cobra.Command {
	var unit string
	cmd := &cobra.Command{
		Use: "get", Short: "Show a unit", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			u, err := c.AccountGet(ctx, unit)
			if err != nil {
				return err
			}
			return a.print(u, unitColumns...)
		}),
	}
	cmd.Flags().StringVar(&unit, "unit-id", "", "unit ID")
	_ = cmd.MarkFlagRequired("unit-id")
	return cmd
}

func unitUpdate(a *app) *cobra.Command {
	var unit, name string
	cmd := &cobra.Command{
		Use: "update", Short: "Rename a unit", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			u, err := c.AccountUpdate(ctx, unit, &account.AccountUpdateIn{AccountName: &name})
			if err != nil {
				return err
			}
			return a.print(u, unitColumns...)
		}),
	}
	cmd.Flags().StringVar(&unit, "unit-id", "", "unit ID")
	cmd.Flags().StringVar(&name, "name", "", "new name")
	_ = cmd.MarkFlagRequired("unit-id")
	_ = cmd.MarkFlagRequired("name")
	return cmd
}

func unitMove(a *app) *cobra.Command {
	var unit, parent string
	cmd := &cobra.Command{
		Use: "move", Short: "Move a unit under another unit or to the organization's top", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			acct, err := parentAccount(ctx, c, parent)
			if err != nil {
				return err
			}
			u, err := c.AccountMove(ctx, unit, &account.AccountMoveIn{ParentAccountId: acct})
			if err != nil {
				return err
			}
			return a.print(u, unitColumns...)
		}),
	}
	cmd.Flags().StringVar(&unit, "unit-id", "", "unit ID")
	cmd.Flags().StringVar(&parent, "parent-id", "", "new parent: organization or unit ID")
	_ = cmd.MarkFlagRequired("unit-id")
	_ = cmd.MarkFlagRequired("parent-id")
	return cmd
}

func unitDelete(a *app) *cobra.Command {
	var unit string
	var force bool
	cmd := &cobra.Command{
		Use: "delete", Short: "Delete an empty unit", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			if err := a.confirm(force, fmt.Sprintf("Delete unit %s?", unit)); err != nil {
				return err
			}
			if err := c.AccountDelete(ctx, unit); err != nil {
				return err
			}
			a.say("Deleted unit %s.", unit)
			return nil
		}),
	}
	cmd.Flags().StringVar(&unit, "unit-id", "", "unit ID")
	forceFlag(cmd, &force)
	_ = cmd.MarkFlagRequired("unit-id")
	return cmd
}
