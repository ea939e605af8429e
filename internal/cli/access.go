package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/spf13/cobra"
)

func init() { nouns = append(nouns, newAccess) }

// accessQuestion is "may this user do this on that resource".
type accessQuestion struct {
	org, userID, email, permission, rtype, rid string
}

func (q *accessQuestion) flags(cmd *cobra.Command) {
	orgFlag(cmd, &q.org)
	f := cmd.Flags()
	f.StringVar(&q.userID, "user-id", "", "user or application user ID")
	f.StringVar(&q.email, "user-email", "", "member's email, instead of --user-id")
	f.StringVar(&q.permission, "permission", "", "permission, e.g. project:services:write")
	f.StringVar(&q.rtype, "resource-type", "project", "organization, organization_unit, project or service")
	f.StringVar(&q.rid, "resource-id", "", "unit ID, project name, or project/service (default: the organization)")
	_ = cmd.MarkFlagRequired("permission")
	cmd.MarkFlagsOneRequired("user-id", "user-email")
	cmd.MarkFlagsMutuallyExclusive("user-id", "user-email")
}

// resolve returns the organization and the request body.
func (q *accessQuestion) resolve(ctx context.Context, a *app, c *api) (string, map[string]string, error) {
	org, err := a.orgID(ctx, c, q.org)
	if err != nil {
		return "", nil, err
	}
	user := q.userID
	if user == "" {
		if user, err = userIDByEmail(ctx, c, org, q.email); err != nil {
			return "", nil, err
		}
	}
	rid := q.rid
	if rid == "" {
		if q.rtype != "organization" {
			return "", nil, fmt.Errorf("--resource-id is required with --resource-type %s", q.rtype)
		}
		rid = org
	}
	return org, map[string]string{"principal_type": "user", "principal_id": user, "permission": q.permission,
		"resource_type": q.rtype, "resource_id": rid}, nil
}

func newAccess(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "access", Short: "Ask the decision engine who may do what"}
	var check, explain accessQuestion
	checkCmd := &cobra.Command{
		Use:   "check",
		Short: "Whether a user holds a permission on a resource",
		Example: `  gatehouse access check --user-email jane@example.com --permission project:services:write \
    --resource-type project --resource-id backend-prod`,
		Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			org, body, err := check.resolve(ctx, a, c)
			if err != nil {
				return err
			}
			raw, err := c.do(ctx, "AccessCheck", http.MethodPost, "/v1/organization/"+url.PathEscape(org)+"/access/check", body)
			if err != nil {
				return err
			}
			return a.print(raw, "allowed", "revision")
		}),
	}
	check.flags(checkCmd)
	explainCmd := &cobra.Command{
		Use:   "explain",
		Short: "Why a user holds a permission on a resource, or not: every grant on the way",
		Args:  cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			org, body, err := explain.resolve(ctx, a, c)
			if err != nil {
				return err
			}
			raw, err := c.do(ctx, "AccessExplain", http.MethodPost, "/v1/organization/"+url.PathEscape(org)+"/access/explain", body)
			if err != nil {
				return err
			}
			if a.json || a.format != "" {
				return a.print(raw)
			}
			var ex struct {
				Allowed     bool            `json:"allowed"`
				SuperAdmin  bool            `json:"super_admin"`
				Deactivated bool            `json:"deactivated"`
				UnknownUser bool            `json:"unknown_user"`
				Path        []string        `json:"path"`
				Grants      json.RawMessage `json:"grants"`
			}
			if err := json.Unmarshal(raw, &ex); err != nil {
				return err
			}
			verdict := "DENIED"
			if ex.Allowed {
				verdict = "ALLOWED"
			}
			fmt.Fprintf(a.stdout, "%s: %s on %s %s\n", verdict, body["permission"], body["resource_type"], body["resource_id"])
			switch {
			case ex.UnknownUser:
				fmt.Fprintln(a.stdout, "The user is not a member of the organization.")
			case ex.Deactivated:
				fmt.Fprintln(a.stdout, "The user is deactivated.")
			case ex.SuperAdmin:
				fmt.Fprintln(a.stdout, "The user is a super admin.")
			}
			if len(ex.Path) > 0 {
				fmt.Fprintf(a.stdout, "Checked from the top: %s\n", joinArrow(ex.Path))
			}
			fmt.Fprintln(a.stdout)
			return a.print(ex.Grants, "level", "via", "permissions", "gives")
		}),
	}
	explain.flags(explainCmd)
	cmd.AddCommand(checkCmd, explainCmd, accessResources(a), accessPrincipals(a))
	return cmd
}

func accessResources(a *app) *cobra.Command {
	var org, user, email, permission, rtype string
	cmd := &cobra.Command{
		Use:     "resources",
		Short:   "Which resources of a type a user holds a permission on",
		Example: "  gatehouse access resources --user-email jane@example.com --permission project:services:write --resource-type project",
		Args:    cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			id, err := a.orgID(ctx, c, org)
			if err != nil {
				return err
			}
			if user == "" && email != "" {
				if user, err = userIDByEmail(ctx, c, id, email); err != nil {
					return err
				}
			}
			q := [][2]string{{"permission", permission}, {"resource_type", rtype}}
			if user != "" {
				q = append(q, [2]string{"principal_id", user})
			}
			var all []string
			for after := ""; ; {
				var page struct {
					Resources []string `json:"resources"`
					Next      string   `json:"next"`
				}
				qq := q
				if after != "" {
					qq = append(qq, [2]string{"after", after})
				}
				if err := c.into(ctx, "AccessResources", http.MethodGet, "/v1/organization/"+url.PathEscape(id)+"/access/resources", nil, &page, qq...); err != nil {
					return err
				}
				all = append(all, page.Resources...)
				if page.Next == "" || page.Next == after {
					break
				}
				after = page.Next
			}
			rows := make([]map[string]string, 0, len(all))
			for _, r := range all {
				rows = append(rows, map[string]string{"resource_type": rtype, "resource_id": r})
			}
			return a.print(rows, "resource_type", "resource_id")
		}),
	}
	orgFlag(cmd, &org)
	f := cmd.Flags()
	f.StringVar(&user, "user-id", "", "user or application user ID (default: you)")
	f.StringVar(&email, "user-email", "", "member's email, instead of --user-id")
	f.StringVar(&permission, "permission", "", "permission, e.g. project:services:read")
	f.StringVar(&rtype, "resource-type", "project", "organization_unit, project or service")
	_ = cmd.MarkFlagRequired("permission")
	cmd.MarkFlagsMutuallyExclusive("user-id", "user-email")
	return cmd
}

func accessPrincipals(a *app) *cobra.Command {
	var org, permission, rtype, rid string
	cmd := &cobra.Command{
		Use:     "principals",
		Short:   "Which users and groups hold a permission on a resource",
		Example: "  gatehouse access principals --permission project:services:write --resource-type project --resource-id backend-prod",
		Args:    cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			id, err := a.orgID(ctx, c, org)
			if err != nil {
				return err
			}
			var out struct {
				Users  []string `json:"users"`
				Groups []string `json:"user_groups"`
			}
			q := [][2]string{{"permission", permission}, {"resource_type", rtype}, {"resource_id", firstOf(rid, id)}}
			raw, err := c.do(ctx, "AccessPrincipals", http.MethodGet, "/v1/organization/"+url.PathEscape(id)+"/access/principals", nil, q...)
			if err != nil {
				return err
			}
			if a.json || a.format != "" {
				return a.print(raw)
			}
			if err := json.Unmarshal(raw, &out); err != nil {
				return err
			}
			rows := make([]map[string]string, 0, len(out.Users)+len(out.Groups))
			for _, u := range out.Users {
				rows = append(rows, map[string]string{"principal_type": "user", "principal_id": u})
			}
			for _, g := range out.Groups {
				rows = append(rows, map[string]string{"principal_type": "user_group", "principal_id": g})
			}
			return a.print(rows, "principal_type", "principal_id")
		}),
	}
	orgFlag(cmd, &org)
	f := cmd.Flags()
	f.StringVar(&permission, "permission", "", "permission, e.g. project:services:write")
	f.StringVar(&rtype, "resource-type", "project", "organization, organization_unit, project or service")
	f.StringVar(&rid, "resource-id", "", "unit ID, project name, or project/service (default: the organization)")
	_ = cmd.MarkFlagRequired("permission")
	return cmd
}

func joinArrow(parts []string) string {
	out := ""
	for i, p := range parts {
		if i > 0 {
			out += " > "
		}
		out += p
	}
	return out
}
