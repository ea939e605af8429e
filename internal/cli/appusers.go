package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aiven/go-client-codegen/handler/applicationuser"
	"github.com/spf13/cobra"

	"github.com/gatehouse-dev/gatehouse/internal/cli/output"
)

var (
	appUserColumns = []string{"user_id", "name", "user_email", "is_super_admin", "create_time"}
	tokenColumns   = []string{"token_prefix", "description", "create_time", "expiry_time", "last_used_time", "last_ip", "ip_allowlist"}
)

// applicationUserCommands are the "organization application-user-*" commands.
func applicationUserCommands(a *app) []*cobra.Command {
	return []*cobra.Command{appUserCreate(a), appUserList(a), appUserGet(a), appUserUpdate(a), appUserDelete(a),
		appTokenCreate(a), appTokenList(a), appTokenRevoke(a)}
}

func appUsersPath(org string, rest ...string) string {
	p := "/v1/organization/" + url.PathEscape(org) + "/application-users"
	for _, r := range rest {
		p += "/" + url.PathEscape(r)
	}
	return p
}

func appUserCreate(a *app) *cobra.Command {
	var org, name, desc string
	cmd := &cobra.Command{
		Use:   "application-user-create",
		Short: "Create an application user (non-human, token access only)",
		Example: `  gatehouse organization application-user-create --organization-id <ORG_ID> \
    --name "Terraform Automation" --description "For managing infrastructure"`,
		Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			id, err := a.orgID(ctx, c, org)
			if err != nil {
				return err
			}
			// Raw: the generated input has no description.
			raw, err := c.do(ctx, "ApplicationUserCreate", http.MethodPost, appUsersPath(id), map[string]string{"name": name, "description": desc})
			if err != nil {
				return err
			}
			return a.print(raw, appUserColumns...)
		}),
	}
	orgFlag(cmd, &org)
	cmd.Flags().StringVar(&name, "name", "", "name, e.g. the tool it is for")
	cmd.Flags().StringVar(&desc, "description", "", "description")
	_ = cmd.MarkFlagRequired("name")
	return cmd
}

func appUserList(a *app) *cobra.Command {
	var org string
	cmd := &cobra.Command{
		Use: "application-user-list", Short: "List application users", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			id, err := a.orgID(ctx, c, org)
			if err != nil {
				return err
			}
			raw, err := c.do(ctx, "ApplicationUsersList", http.MethodGet, appUsersPath(id), nil)
			if err != nil {
				return err
			}
			return a.print(field(raw, "application_users"), appUserColumns...)
		}),
	}
	orgFlag(cmd, &org)
	return cmd
}

func appUserGet(a *app) *cobra.Command {
	var org, user string
	cmd := &cobra.Command{
		Use: "application-user-get", Short: "Show an application user", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			id, err := a.orgID(ctx, c, org)
			if err != nil {
				return err
			}
			raw, err := c.do(ctx, "ApplicationUserGet", http.MethodGet, appUsersPath(id, user), nil)
			if err != nil {
				return err
			}
			return a.print(raw, appUserColumns...)
		}),
	}
	orgFlag(cmd, &org)
	cmd.Flags().StringVar(&user, "user-id", "", "application user ID")
	_ = cmd.MarkFlagRequired("user-id")
	return cmd
}

func appUserUpdate(a *app) *cobra.Command {
	var org, user, name string
	cmd := &cobra.Command{
		Use: "application-user-update", Short: "Rename an application user", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			id, err := a.orgID(ctx, c, org)
			if err != nil {
				return err
			}
			u, err := c.ApplicationUserUpdate(ctx, id, user, &applicationuser.ApplicationUserUpdateIn{Name: name})
			if err != nil {
				return err
			}
			return a.print(u, appUserColumns...)
		}),
	}
	orgFlag(cmd, &org)
	cmd.Flags().StringVar(&user, "user-id", "", "application user ID")
	cmd.Flags().StringVar(&name, "name", "", "new name")
	_ = cmd.MarkFlagRequired("user-id")
	_ = cmd.MarkFlagRequired("name")
	return cmd
}

func appUserDelete(a *app) *cobra.Command {
	var org, user string
	var force bool
	cmd := &cobra.Command{
		Use: "application-user-delete", Short: "Delete an application user and every token it has", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			id, err := a.orgID(ctx, c, org)
			if err != nil {
				return err
			}
			if err := a.confirm(force, fmt.Sprintf("Delete application user %s? Every token it has stops working.", user)); err != nil {
				return err
			}
			if err := c.ApplicationUserDelete(ctx, id, user); err != nil {
				return err
			}
			a.say("Deleted application user %s.", user)
			return nil
		}),
	}
	orgFlag(cmd, &org)
	cmd.Flags().StringVar(&user, "user-id", "", "application user ID")
	forceFlag(cmd, &force)
	_ = cmd.MarkFlagRequired("user-id")
	return cmd
}

func appTokenCreate(a *app) *cobra.Command {
	var org, user, desc string
	var maxAge int
	var extend bool
	var cidrs, scopes []string
	cmd := &cobra.Command{
		Use:   "application-user-token-create",
		Short: "Create a token for an application user; it is shown once",
		Example: `  gatehouse organization application-user-token-create --organization-id <ORG_ID> \
    --user-id <APP_USER_ID> --description "Production Terraform" --max-age-seconds 7776000 \
    --cidr-blocks "203.0.113.0/24,198.51.100.0/24"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			in := &applicationuser.ApplicationUserAccessTokenCreateIn{Description: desc}
			if cmd.Flags().Changed("max-age-seconds") {
				in.MaxAgeSeconds = &maxAge
			}
			if extend {
				if in.MaxAgeSeconds == nil {
					return fmt.Errorf("--extend-when-used needs --max-age-seconds")
				}
				in.ExtendWhenUsed = &extend
			}
			if len(cidrs) > 0 {
				in.IPAllowlist = &cidrs
			}
			if len(scopes) > 0 {
				in.Scopes = &scopes
			}
			return a.with(func(ctx context.Context, c *api) error {
				id, err := a.orgID(ctx, c, org)
				if err != nil {
					return err
				}
				t, err := c.ApplicationUserAccessTokenCreate(ctx, id, user, in)
				if err != nil {
					return err
				}
				if !a.json && a.format == "" {
					fmt.Fprint(a.stderr, tokenNotice)
				}
				return a.print(t, "full_token", "token_prefix")
			})(cmd, args)
		},
	}
	orgFlag(cmd, &org)
	f := cmd.Flags()
	f.StringVar(&user, "user-id", "", "application user ID")
	f.StringVar(&desc, "description", "", "what the token is for (at most 1000 characters)")
	f.IntVar(&maxAge, "max-age-seconds", 0, "lifetime in seconds, 600 to 315360000 (default: never expires)")
	f.BoolVar(&extend, "extend-when-used", false, "count the lifetime from the last use")
	f.StringSliceVar(&cidrs, "cidr-blocks", nil, "IP addresses or CIDR ranges allowed to use the token (repeat or separate with commas)")
	f.StringSliceVar(&cidrs, "ip-allowlist", nil, "same as --cidr-blocks")
	f.StringSliceVar(&scopes, "scopes", nil, "scopes the token is restricted to")
	_ = cmd.MarkFlagRequired("user-id")
	return cmd
}

// tokenNotice is printed (on stderr, so the token alone can be piped)
// before a new token.
const tokenNotice = `+--------------------------------------------------------------+
| Store this token now: it is shown only once and cannot be    |
| retrieved later. Anyone holding it acts as this user.        |
+--------------------------------------------------------------+
`

func appTokenList(a *app) *cobra.Command {
	var org, user string
	var within time.Duration
	cmd := &cobra.Command{
		Use:   "application-user-token-list",
		Short: "List an application user's tokens; warns about tokens near expiry",
		Args:  cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			id, err := a.orgID(ctx, c, org)
			if err != nil {
				return err
			}
			raw, err := c.do(ctx, "ApplicationUserAccessTokensList", http.MethodGet, appUsersPath(id, user, "access-tokens"), nil)
			if err != nil {
				return err
			}
			tokens := field(raw, "tokens")
			a.warnExpiring(tokens, within, time.Now())
			return a.print(tokens, tokenColumns...)
		}),
	}
	orgFlag(cmd, &org)
	cmd.Flags().StringVar(&user, "user-id", "", "application user ID")
	cmd.Flags().DurationVar(&within, "warn-within", 14*24*time.Hour, "warn about tokens expiring within this time")
	_ = cmd.MarkFlagRequired("user-id")
	return cmd
}

// warnExpiring prints a line on stderr for each token that expires within
// the window, or has expired, so rotation is not missed.
func (a *app) warnExpiring(raw json.RawMessage, within time.Duration, now time.Time) {
	var ts []struct {
		Prefix string     `json:"token_prefix"`
		Desc   string     `json:"description"`
		Expiry *time.Time `json:"expiry_time"`
	}
	if json.Unmarshal(raw, &ts) != nil {
		return
	}
	for _, t := range ts {
		if t.Expiry == nil {
			continue
		}
		left := t.Expiry.Sub(now)
		name := t.Prefix
		if t.Desc != "" {
			name += " (" + t.Desc + ")"
		}
		name = output.Printable(name)
		switch {
		case left <= 0:
			fmt.Fprintf(a.stderr, "Warning: token %s expired at %s.\n", name, t.Expiry.UTC().Format(time.RFC3339))
		case left <= within:
			fmt.Fprintf(a.stderr, "Warning: token %s expires in %s (%s); create a new token and revoke this one.\n",
				name, humanDuration(left), t.Expiry.UTC().Format(time.RFC3339))
		}
	}
}

func humanDuration(d time.Duration) string {
	d = d.Round(time.Minute)
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", int(d.Round(time.Hour)/(24*time.Hour)))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%d hours", int(d.Round(time.Hour)/time.Hour))
	default:
		return fmt.Sprintf("%d minutes", max(1, int(d/time.Minute)))
	}
}

func appTokenRevoke(a *app) *cobra.Command {
	var org, user, prefix string
	var force bool
	cmd := &cobra.Command{
		Use:     "application-user-token-revoke",
		Short:   "Revoke an application user's token by its prefix",
		Example: "  gatehouse organization application-user-token-revoke --organization-id <ORG_ID> --user-id <APP_USER_ID> --token-id <TOKEN_PREFIX>",
		Args:    cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			id, err := a.orgID(ctx, c, org)
			if err != nil {
				return err
			}
			if err := a.confirm(force, fmt.Sprintf("Revoke token %s? Anything using it stops working.", prefix)); err != nil {
				return err
			}
			if err := c.ApplicationUserAccessTokenDelete(ctx, id, user, strings.TrimSpace(prefix)); err != nil {
				return err
			}
			a.say("Revoked token %s.", prefix)
			return nil
		}),
	}
	orgFlag(cmd, &org)
	cmd.Flags().StringVar(&user, "user-id", "", "application user ID")
	cmd.Flags().StringVar(&prefix, "token-id", "", "the token's prefix (its identifier in listings)")
	forceFlag(cmd, &force)
	_ = cmd.MarkFlagRequired("user-id")
	_ = cmd.MarkFlagRequired("token-id")
	return cmd
}
