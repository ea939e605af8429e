package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aiven/go-client-codegen/handler/organization"
	"github.com/spf13/cobra"
)

func init() { nouns = append(nouns, newPermissions) }

var permissionColumns = []string{"principal_type", "principal_id", "permissions", "update_time"}

// principalFlags name who a grant is for: exactly one of them.
type principalFlags struct {
	userID, email, appUserID, groupID string
}

func (p *principalFlags) add(cmd *cobra.Command, emailFlag string) {
	f := cmd.Flags()
	f.StringVar(&p.userID, "user-id", "", "user ID of a member")
	f.StringVar(&p.email, emailFlag, "", "email of a member, instead of its user ID")
	f.StringVar(&p.appUserID, "application-user-id", "", "application user ID")
	f.StringVar(&p.groupID, "group-id", "", "group ID")
	names := []string{"user-id", emailFlag, "application-user-id", "group-id"}
	cmd.MarkFlagsOneRequired(names...)
	cmd.MarkFlagsMutuallyExclusive(names...)
}

// resolve returns the principal type and ID, looking emails up among the
// organization's members.
func (p *principalFlags) resolve(ctx context.Context, c *api, org string) (organization.PrincipalType, string, error) {
	switch {
	case p.groupID != "":
		return organization.PrincipalTypeUserGroup, p.groupID, nil
	case p.appUserID != "":
		return organization.PrincipalTypeUser, p.appUserID, nil
	case p.userID != "":
		return organization.PrincipalTypeUser, p.userID, nil
	}
	id, err := userIDByEmail(ctx, c, org, p.email)
	return organization.PrincipalTypeUser, id, err
}

func (p *principalFlags) String() string {
	switch {
	case p.groupID != "":
		return "group " + p.groupID
	case p.appUserID != "":
		return "application user " + p.appUserID
	case p.userID != "":
		return "user " + p.userID
	}
	return p.email
}

// orgPermissionCmd is "organization user-permission-grant" or "-revoke":
// roles or permissions on the organization, a unit or a project.
func orgPermissionCmd(a *app, grant bool) *cobra.Command {
	var org, rtype, rid string
	var roles []string
	var who principalFlags
	verb, op := "grant", organization.OperationTypeGrant
	if !grant {
		verb, op = "revoke", organization.OperationTypeRevoke
	}
	cmd := &cobra.Command{
		Use:   "user-permission-" + verb,
		Short: map[bool]string{true: "Grant roles or permissions to", false: "Revoke roles or permissions from"}[grant] + " a user, application user or group",
		Long: `Roles or permissions of a user, application user or group, on the
organization (default), a unit (--resource-type organization_unit
--resource-id <UNIT_ID>) or a project (--resource-type project --resource-id
<PROJECT>). Roles and permissions: role:organization:admin, admin, operator,
developer, read_only, organization:users:write, project:services:read, ...`,
		Example: `  gatehouse organization user-permission-grant --organization-id <ORG_ID> \
    --user-email jane@example.com --role role:organization:admin`,
		Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			id, err := a.orgID(ctx, c, org)
			if err != nil {
				return err
			}
			if rid == "" {
				if rtype != string(organization.ResourceTypeOrganization) {
					return fmt.Errorf("--resource-id is required with --resource-type %s", rtype)
				}
				rid = id
			}
			return a.changePermissions(ctx, c, id, organization.ResourceType(rtype), rid, op, &who, roles)
		}),
	}
	orgFlag(cmd, &org)
	who.add(cmd, "user-email")
	f := cmd.Flags()
	f.StringSliceVar(&roles, "role", nil, "role or permission (repeat or separate with commas)")
	f.StringVar(&rtype, "resource-type", "organization", "organization, organization_unit or project")
	f.StringVar(&rid, "resource-id", "", "unit ID or project name (default: the organization)")
	_ = cmd.MarkFlagRequired("role")
	return cmd
}

// changePermissions grants or revokes roles of one principal on one resource.
func (a *app) changePermissions(ctx context.Context, c *api, org string, rtype organization.ResourceType, rid string,
	op organization.OperationType, who *principalFlags, roles []string) error {
	ptype, pid, err := who.resolve(ctx, c, org)
	if err != nil {
		return err
	}
	in := &organization.PermissionsUpdateIn{Operation: op, Permissions: []organization.PermissionIn{
		{PrincipalType: ptype, PrincipalId: pid, Permissions: roles},
	}}
	if err := c.PermissionsUpdate(ctx, org, rtype, rid, in); err != nil {
		return err
	}
	if op == organization.OperationTypeGrant {
		a.say("Granted %s to %s on %s %s.", strings.Join(roles, ", "), who, rtype, rid)
	} else {
		a.say("Revoked %s from %s on %s %s.", strings.Join(roles, ", "), who, rtype, rid)
	}
	return nil
}

func newPermissions(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "permissions", Short: "Grants on an organization, unit or project"}
	var org, rtype, rid, principalID, principalType string
	list := &cobra.Command{
		Use:   "list",
		Short: "List the grants on a resource",
		Example: `  gatehouse permissions list --resource-type project --resource-id backend-prod
  gatehouse permissions list --resource-type organization --principal-type user_group`,
		Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			id, err := a.orgID(ctx, c, org)
			if err != nil {
				return err
			}
			ps, err := c.PermissionsGet(ctx, id, organization.ResourceType(rtype), firstOf(rid, id))
			if err != nil {
				return err
			}
			// Principal filters run here, as in Aiven's CLI.
			ps = slices.DeleteFunc(ps, func(p organization.PermissionOut) bool {
				return (principalID != "" && p.PrincipalId != principalID) || (principalType != "" && string(p.PrincipalType) != principalType)
			})
			return a.print(ps, permissionColumns...)
		}),
	}
	resourceFlags := func(cmd *cobra.Command) {
		orgFlag(cmd, &org)
		f := cmd.Flags()
		f.StringVar(&rtype, "resource-type", "organization", "organization, organization_unit or project")
		f.StringVar(&rid, "resource-id", "", "unit ID or project name (default: the organization)")
		f.StringVar(&principalID, "principal-id", "", "user or group ID")
		f.StringVar(&principalType, "principal-type", "", "user or user_group")
	}
	resourceFlags(list)

	var perms []string
	var force bool
	set := &cobra.Command{
		Use:   "set",
		Short: "Replace one principal's roles and permissions on a resource",
		Long: `Replace one principal's roles and permissions on a resource with the
given list (none removes them all). Shows the change and asks first.`,
		Example: `  gatehouse permissions set --resource-type project --resource-id backend-prod \
    --principal-type user_group --principal-id <GROUP_ID> --permission operator --permission service:logs:read`,
		Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			if principalID == "" || principalType == "" {
				return fmt.Errorf("--principal-id and --principal-type are required")
			}
			id, err := a.orgID(ctx, c, org)
			if err != nil {
				return err
			}
			rid := firstOf(rid, id)
			ps, err := c.PermissionsGet(ctx, id, organization.ResourceType(rtype), rid)
			if err != nil {
				return err
			}
			var old []string
			for _, p := range ps {
				if p.PrincipalId == principalID && string(p.PrincipalType) == principalType {
					old = p.Permissions
				}
			}
			var diff []string
			for _, p := range old {
				if !slices.Contains(perms, p) {
					diff = append(diff, "- "+p)
				}
			}
			for _, p := range perms {
				if !slices.Contains(old, p) {
					diff = append(diff, "+ "+p)
				}
			}
			if len(diff) == 0 {
				a.say("No change.")
				return nil
			}
			fmt.Fprintf(a.stderr, "Permissions of %s %s on %s %s:\n  %s\n", principalType, principalID, rtype, rid, strings.Join(diff, "\n  "))
			if err := a.confirm(force, "Apply?"); err != nil {
				return err
			}
			in := &organization.PermissionsUpdateIn{Operation: organization.OperationTypeSet, Permissions: []organization.PermissionIn{
				{PrincipalType: organization.PrincipalType(principalType), PrincipalId: principalID, Permissions: append([]string{}, perms...)},
			}}
			if err := c.PermissionsUpdate(ctx, id, organization.ResourceType(rtype), rid, in); err != nil {
				return err
			}
			a.say("Permissions updated.")
			return nil
		}),
	}
	resourceFlags(set)
	set.Flags().StringSliceVar(&perms, "permission", nil, "role or permission to hold (repeat or separate with commas)")
	forceFlag(set, &force)
	cmd.AddCommand(list, set, permissionsReplace(a))
	return cmd
}
