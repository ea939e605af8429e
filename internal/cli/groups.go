package cli

import (
	"context"
	"fmt"
	"net/http"

	"github.com/aiven/go-client-codegen/handler/usergroup"
	"github.com/spf13/cobra"
)

var groupColumns = []string{"user_group_id", "user_group_name", "description", "member_count", "create_time"}

// groupCommands are the "organization group-*" commands.
func groupCommands(a *app) []*cobra.Command {
	return []*cobra.Command{groupCreate(a), groupList(a), groupGet(a), groupUpdate(a), groupDelete(a),
		groupMembers(a, true), groupMembers(a, false), groupMemberList(a), userGroupList(a)}
}

func groupCreate(a *app) *cobra.Command {
	var org, name, desc string
	cmd := &cobra.Command{
		Use:   "group-create",
		Short: "Create a group of users",
		Example: `  gatehouse organization group-create --organization-id <ORG_ID> \
    --group-name "Backend Team" --description "Backend engineering team"`,
		Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			id, err := a.orgID(ctx, c, org)
			if err != nil {
				return err
			}
			g, err := c.UserGroupCreate(ctx, id, &usergroup.UserGroupCreateIn{UserGroupName: name, Description: desc})
			if err != nil {
				return err
			}
			return a.print(g, groupColumns...)
		}),
	}
	orgFlag(cmd, &org)
	cmd.Flags().StringVar(&name, "group-name", "", "group name (at most 128 characters)")
	cmd.Flags().StringVar(&desc, "description", "", "description")
	_ = cmd.MarkFlagRequired("group-name")
	return cmd
}

func groupList(a *app) *cobra.Command {
	var org string
	cmd := &cobra.Command{
		Use: "group-list", Short: "List groups", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			id, err := a.orgID(ctx, c, org)
			if err != nil {
				return err
			}
			gs, err := c.UserGroupsList(ctx, id)
			if err != nil {
				return err
			}
			return a.print(gs, groupColumns...)
		}),
	}
	orgFlag(cmd, &org)
	return cmd
}

func groupGet(a *app) *cobra.Command {
	var org, group string
	cmd := &cobra.Command{
		Use: "group-get", Short: "Show a group", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			id, err := a.orgID(ctx, c, org)
			if err != nil {
				return err
			}
			g, err := c.UserGroupGet(ctx, id, group)
			if err != nil {
				return err
			}
			return a.print(g, groupColumns...)
		}),
	}
	orgFlag(cmd, &org)
	cmd.Flags().StringVar(&group, "group-id", "", "group ID")
	_ = cmd.MarkFlagRequired("group-id")
	return cmd
}

func groupUpdate(a *app) *cobra.Command {
	var org, group, name, desc string
	cmd := &cobra.Command{
		Use: "group-update", Short: "Rename a group or change its description", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			in := &usergroup.UserGroupUpdateIn{}
			if cmd.Flags().Changed("group-name") {
				in.UserGroupName = &name
			}
			if cmd.Flags().Changed("description") {
				in.Description = &desc
			}
			return a.with(func(ctx context.Context, c *api) error {
				id, err := a.orgID(ctx, c, org)
				if err != nil {
					return err
				}
				g, err := c.UserGroupUpdate(ctx, id, group, in)
				if err != nil {
					return err
				}
				return a.print(g, groupColumns...)
			})(cmd, args)
		},
	}
	orgFlag(cmd, &org)
	cmd.Flags().StringVar(&group, "group-id", "", "group ID")
	cmd.Flags().StringVar(&name, "group-name", "", "new name")
	cmd.Flags().StringVar(&desc, "description", "", "new description")
	_ = cmd.MarkFlagRequired("group-id")
	cmd.MarkFlagsOneRequired("group-name", "description")
	return cmd
}

func groupDelete(a *app) *cobra.Command {
	var org, group string
	var force bool
	cmd := &cobra.Command{
		Use: "group-delete", Short: "Delete a group; its members lose what it granted", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			id, err := a.orgID(ctx, c, org)
			if err != nil {
				return err
			}
			if err := a.confirm(force, fmt.Sprintf("Delete group %s? Its members lose the access it grants.", group)); err != nil {
				return err
			}
			if err := c.UserGroupDelete(ctx, id, group); err != nil {
				return err
			}
			a.say("Deleted group %s.", group)
			return nil
		}),
	}
	orgFlag(cmd, &org)
	cmd.Flags().StringVar(&group, "group-id", "", "group ID")
	forceFlag(cmd, &force)
	_ = cmd.MarkFlagRequired("group-id")
	return cmd
}

// groupMembers is "group-member-add" or "group-member-remove".
func groupMembers(a *app, add bool) *cobra.Command {
	var org, group string
	var users []string
	var force bool
	use, op, short := "group-member-add", usergroup.OperationTypeAddMembers, "Add users or application users to a group"
	if !add {
		use, op, short = "group-member-remove", usergroup.OperationTypeRemoveMembers, "Remove users from a group"
	}
	cmd := &cobra.Command{
		Use:     use,
		Short:   short,
		Example: "  gatehouse organization " + use + " --organization-id <ORG_ID> --group-id <GROUP_ID> --user-id <USER_ID>",
		Args:    cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			id, err := a.orgID(ctx, c, org)
			if err != nil {
				return err
			}
			if !add {
				if err := a.confirm(force, fmt.Sprintf("Remove %d user(s) from group %s?", len(users), group)); err != nil {
					return err
				}
			}
			if err := c.UserGroupMembersUpdate(ctx, id, group, &usergroup.UserGroupMembersUpdateIn{Operation: op, MemberIds: users}); err != nil {
				return err
			}
			if add {
				a.say("Added %d member(s) to group %s.", len(users), group)
			} else {
				a.say("Removed %d member(s) from group %s.", len(users), group)
			}
			return nil
		}),
	}
	orgFlag(cmd, &org)
	cmd.Flags().StringVar(&group, "group-id", "", "group ID")
	cmd.Flags().StringSliceVar(&users, "user-id", nil, "user or application user ID (repeat or separate with commas)")
	if !add {
		forceFlag(cmd, &force)
	}
	_ = cmd.MarkFlagRequired("group-id")
	_ = cmd.MarkFlagRequired("user-id")
	return cmd
}

func groupMemberList(a *app) *cobra.Command {
	var org, group string
	cmd := &cobra.Command{
		Use: "group-member-list", Short: "List a group's members", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			id, err := a.orgID(ctx, c, org)
			if err != nil {
				return err
			}
			ms, err := c.UserGroupMemberList(ctx, id, group)
			if err != nil {
				return err
			}
			return a.print(ms, "user_id", "user_info.user_email", "user_info.real_name", "user_info.is_application_user", "last_activity_time")
		}),
	}
	orgFlag(cmd, &org)
	cmd.Flags().StringVar(&group, "group-id", "", "group ID")
	_ = cmd.MarkFlagRequired("group-id")
	return cmd
}

func userGroupList(a *app) *cobra.Command {
	var org, userID, email string
	cmd := &cobra.Command{
		Use: "user-group-list", Short: "List the groups a user or application user belongs to", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			id, err := a.orgID(ctx, c, org)
			if err != nil {
				return err
			}
			if userID, err = memberID(ctx, c, id, userID, email); err != nil {
				return err
			}
			raw, err := c.do(ctx, "UserUserGroupsList", http.MethodGet, orgUserPath(id, userID, "user-groups"), nil)
			if err != nil {
				return err
			}
			return a.print(field(raw, "user_groups"), groupColumns...)
		}),
	}
	orgFlag(cmd, &org)
	memberFlags(cmd, &userID, &email)
	return cmd
}
