package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gatehouse-dev/gatehouse/internal/cli/output"
)

// Managed users are the people whose email is in one of the
// organization's verified domains: its admins may list them, reset their
// passwords and revoke their tokens, as with Aiven.

var (
	managedUserColumns  = []string{"user_id", "user_info.user_email", "user_info.real_name", "user_info.state", "is_member", "last_activity_time"}
	managedTokenColumns = []string{"token_prefix", "description", "create_time", "expiry_time", "last_used_time", "last_ip", "ip_allowlist"}
)

// managedUserCommands are the organization commands on managed users.
func managedUserCommands(a *app) []*cobra.Command {
	return []*cobra.Command{managedUserList(a), managedUserPasswordReset(a), managedUserTokenList(a), managedUserTokenRevoke(a)}
}

func orgUserPath(org, user string, rest ...string) string {
	p := "/v1/organization/" + url.PathEscape(org) + "/user/" + url.PathEscape(user)
	for _, r := range rest {
		p += "/" + url.PathEscape(r)
	}
	return p
}

// memberFlags adds --user-id and --email (its alternative) to cmd.
func memberFlags(cmd *cobra.Command, userID, email *string) {
	cmd.Flags().StringVar(userID, "user-id", "", "user ID")
	cmd.Flags().StringVar(email, "email", "", "member's email, instead of --user-id")
	cmd.MarkFlagsOneRequired("user-id", "email")
	cmd.MarkFlagsMutuallyExclusive("user-id", "email")
}

// memberID resolves --user-id or --email to a user ID.
func memberID(ctx context.Context, c *api, org, userID, email string) (string, error) {
	if userID != "" {
		return userID, nil
	}
	return userIDByEmail(ctx, c, org, email)
}

func managedUserList(a *app) *cobra.Command {
	var org string
	cmd := &cobra.Command{
		Use: "managed-user-list", Short: "List the users whose email is in the organization's verified domains", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			id, err := a.orgID(ctx, c, org)
			if err != nil {
				return err
			}
			raw, err := c.do(ctx, "OrganizationManagedUsersList", http.MethodGet, "/v1/organization/"+url.PathEscape(id)+"/managed-users", nil)
			if err != nil {
				return err
			}
			return a.print(field(raw, "users"), managedUserColumns...)
		}),
	}
	orgFlag(cmd, &org)
	return cmd
}

func managedUserPasswordReset(a *app) *cobra.Command {
	var org, userID, email string
	var force bool
	cmd := &cobra.Command{
		Use:   "user-password-reset",
		Short: "Reset a managed user's password: it is emailed to them, or printed once when the server cannot send mail",
		Args:  cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			id, err := a.orgID(ctx, c, org)
			if err != nil {
				return err
			}
			if userID, err = memberID(ctx, c, id, userID, email); err != nil {
				return err
			}
			if err := a.confirm(force, fmt.Sprintf("Reset the password of %s? Their current password stops working.", firstOf(email, userID))); err != nil {
				return err
			}
			raw, err := c.do(ctx, "OrganizationUserPasswordReset", http.MethodPost, orgUserPath(id, userID, "reset_password"), nil)
			if err != nil {
				return err
			}
			var out struct {
				Message           string `json:"message"`
				TemporaryPassword string `json:"temporary_password"`
			}
			if err := json.Unmarshal(raw, &out); err != nil {
				return fmt.Errorf("OrganizationUserPasswordReset: decoding the answer: %w", err)
			}
			if out.TemporaryPassword == "" {
				a.say("Reset the password of %s; the new one was emailed to them.", firstOf(email, userID))
				return nil
			}
			// Like a new token: shown once, the notice on stderr so that
			// --format '{{.temporary_password}}' pipes the password alone.
			if !a.json && a.format == "" {
				fmt.Fprintln(a.stderr, output.Printable(out.Message)+"; it is shown only once.")
			}
			return a.print(raw, "temporary_password")
		}),
	}
	orgFlag(cmd, &org)
	memberFlags(cmd, &userID, &email)
	forceFlag(cmd, &force)
	return cmd
}

func managedUserTokenList(a *app) *cobra.Command {
	var org, userID, email string
	cmd := &cobra.Command{
		Use: "user-access-token-list", Short: "List a managed user's personal tokens and sessions", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			id, err := a.orgID(ctx, c, org)
			if err != nil {
				return err
			}
			if userID, err = memberID(ctx, c, id, userID, email); err != nil {
				return err
			}
			raw, err := c.do(ctx, "OrganizationUserTokensList", http.MethodGet, orgUserPath(id, userID, "access-tokens"), nil)
			if err != nil {
				return err
			}
			return a.print(field(raw, "tokens"), managedTokenColumns...)
		}),
	}
	orgFlag(cmd, &org)
	memberFlags(cmd, &userID, &email)
	return cmd
}

func managedUserTokenRevoke(a *app) *cobra.Command {
	var org, userID, email, prefix string
	var force bool
	cmd := &cobra.Command{
		Use: "user-access-token-revoke", Short: "Revoke a managed user's token or session by its prefix", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			id, err := a.orgID(ctx, c, org)
			if err != nil {
				return err
			}
			if userID, err = memberID(ctx, c, id, userID, email); err != nil {
				return err
			}
			prefix = strings.TrimSpace(prefix)
			if err := a.confirm(force, fmt.Sprintf("Revoke token %s of %s?", prefix, firstOf(email, userID))); err != nil {
				return err
			}
			if _, err := c.do(ctx, "OrganizationUserRevokeToken", http.MethodDelete, orgUserPath(id, userID, "access-token", prefix), nil); err != nil {
				return err
			}
			a.say("Revoked token %s of %s.", prefix, firstOf(email, userID))
			return nil
		}),
	}
	orgFlag(cmd, &org)
	memberFlags(cmd, &userID, &email)
	cmd.Flags().StringVar(&prefix, "token-prefix", "", "the token's prefix, as user-access-token-list shows it")
	forceFlag(cmd, &force)
	_ = cmd.MarkFlagRequired("token-prefix")
	return cmd
}
