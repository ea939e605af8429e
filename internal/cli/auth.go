package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	aiven "github.com/aiven/go-client-codegen"
	"github.com/aiven/go-client-codegen/handler/user"
	"github.com/spf13/cobra"
)

func newLogin(a *app) *cobra.Command {
	var email, otp, orgID string
	var sso bool
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Log in with email and password, or through your organization's identity provider (--sso); the session token is saved for later commands",
		Long: `Log in with email and password (asked for when not given), and a
two-factor code when the account needs one. The session token is saved in
the per-user credentials file (GATEHOUSE_CONFIG_DIR, default
<user config dir>/gatehouse/credentials.json, mode 0600) and used by later
commands. "gatehouse logout" revokes it.

With --sso, the browser signs in through the identity provider of the
organization (--organization-id) or of the email's domain (--email); the
URL is printed too, for a browser on another screen.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if sso {
				if orgID == "" && email == "" {
					return errors.New("--sso needs --organization-id or --email")
				}
				return a.ssoLogin(cmd.Context(), orgID, email)
			}
			url := a.loginURL()
			var err error
			if email == "" {
				if email, err = a.readLine("Email: "); err != nil {
					return err
				}
			}
			password, err := a.readSecret("Password: ")
			if err != nil {
				return err
			}
			// The client cannot be built without a token; the server
			// ignores the header on login.
			c, err := newAPIClient(url, "login")
			if err != nil {
				return err
			}
			out, err := authenticate(cmd.Context(), c, email, password, otp)
			if needsOTP(err) && otp == "" {
				if otp, err = a.readSecret("Two-factor authentication code: "); err != nil {
					return err
				}
				out, err = authenticate(cmd.Context(), c, email, password, otp)
			}
			if err != nil {
				return err
			}
			path, err := a.saveCredentials(credentials{URL: url, Token: out.Token, UserEmail: out.UserEmail})
			if err != nil {
				// Do not leave a live session nobody can log out of.
				if nc, cerr := newAPIClient(url, out.Token); cerr == nil {
					_ = revokeSession(cmd.Context(), nc)
				}
				return fmt.Errorf("saving the credentials: %w", err)
			}
			fmt.Fprintf(a.stdout, "Logged in to %s as %s; session saved in %s\n", url, out.UserEmail, path)
			return nil
		},
	}
	a.addClientFlags(cmd)
	cmd.Flags().StringVar(&email, "email", "", "account email (asked for when not given)")
	cmd.Flags().StringVar(&otp, "otp", "", "two-factor authentication code (asked for when the account needs one)")
	cmd.Flags().BoolVar(&sso, "sso", false, "sign in through the organization's identity provider in the browser")
	cmd.Flags().StringVar(&orgID, "organization-id", "", "with --sso: the organization whose identity provider to use")
	return cmd
}

func authenticate(ctx context.Context, c *api, email, password, otp string) (*user.UserAuthOut, error) {
	in := &user.UserAuthIn{Email: strings.TrimSpace(email), Password: password}
	if otp != "" {
		in.Otp = ptr(strings.TrimSpace(otp))
	}
	return c.UserAuth(ctx, in)
}

// needsOTP recognises the server asking for a two-factor code: Aiven
// answers 510, and any refusal whose message names the code counts too.
func needsOTP(err error) bool {
	var e aiven.Error
	if !errors.As(err, &e) {
		return false
	}
	if e.Status == http.StatusNotExtended {
		return true
	}
	msg := strings.ToLower(e.Message)
	return e.Status >= 400 && e.Status < 500 && (strings.Contains(msg, "otp") || strings.Contains(msg, "two-factor"))
}

func newLogout(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "logout",
		Short: "Revoke the saved session token and forget it",
		Long: `Revoke the session token saved by "gatehouse login" and delete the
credentials file. A token given with --auth-token or GATEHOUSE_AUTH_TOKEN is
never revoked: it usually belongs to automation.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if a.token != "" || a.getenv("GATEHOUSE_AUTH_TOKEN") != "" {
				fmt.Fprintln(a.stderr, "Note: the token given with --auth-token or GATEHOUSE_AUTH_TOKEN is not revoked.")
			}
			saved, ok, err := a.loadCredentials()
			if err != nil {
				return err
			}
			if !ok {
				fmt.Fprintln(a.stdout, "Not logged in: no saved session.")
				return nil
			}
			c, err := newAPIClient(saved.URL, saved.Token)
			if err != nil {
				return err
			}
			err = revokeSession(cmd.Context(), c)
			var e aiven.Error
			if err != nil && !(errors.As(err, &e) && e.Status == http.StatusUnauthorized) {
				return fmt.Errorf("revoking the saved session (it is kept, so you can retry): %s", describe(err))
			}
			if err := a.removeCredentials(); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Logged out %s from %s.\n", saved.UserEmail, saved.URL)
			return nil
		},
	}
	a.addClientFlags(cmd)
	return cmd
}

// revokeSession revokes the session token c holds at Aiven's path,
// falling back to the one early Gatehouse servers used.
func revokeSession(ctx context.Context, c *api) error {
	err := c.UserLogout(ctx)
	var e aiven.Error
	if errors.As(err, &e) && e.Status == http.StatusNotFound {
		_, err = c.do(ctx, "UserLogout", http.MethodPost, "/v1/userauth/logout", nil)
	}
	return err
}

func newUser(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "The logged-in user"}
	a.addClientFlags(cmd)
	cmd.AddCommand(personalTokenCreate(a), personalTokenList(a), personalTokenRevoke(a))
	cmd.AddCommand(meCommands(a)...)
	cmd.AddCommand(&cobra.Command{
		Use:   "info",
		Short: "Show who the token belongs to",
		Args:  cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			raw, err := c.do(ctx, "UserInfo", http.MethodGet, "/v1/me", nil)
			if err != nil {
				return err
			}
			return a.print(field(raw, "user"), "user", "user_id", "real_name", "state", "create_time")
		}),
	})
	return cmd
}

func personalTokenCreate(a *app) *cobra.Command {
	var desc string
	var maxAge int
	var extend bool
	var allow []string
	cmd := &cobra.Command{
		Use:   "access-token-create",
		Short: "Create a personal API token with your own access; it is shown once",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			in := &user.AccessTokenCreateIn{Description: desc}
			if cmd.Flags().Changed("max-age-seconds") {
				in.MaxAgeSeconds = ptr(float64(maxAge))
			}
			if extend {
				if in.MaxAgeSeconds == nil {
					return fmt.Errorf("--extend-when-used needs --max-age-seconds")
				}
				in.ExtendWhenUsed = &extend
			}
			if len(allow) > 0 {
				in.IPAllowlist = &allow
			}
			return a.with(func(ctx context.Context, c *api) error {
				t, err := c.AccessTokenCreate(ctx, in)
				if err != nil {
					return err
				}
				if !a.json && a.format == "" {
					fmt.Fprint(a.stderr, tokenNotice)
				}
				return a.print(t, "full_token", "token_prefix", "expiry_time")
			})(cmd, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&desc, "description", "", "what the token is for")
	f.IntVar(&maxAge, "max-age-seconds", 0, "lifetime in seconds (default: the server's)")
	f.BoolVar(&extend, "extend-when-used", false, "count the lifetime from the last use")
	f.StringSliceVar(&allow, "ip-allowlist", nil, "IP addresses or CIDR ranges allowed to use the token (repeat or separate with commas)")
	_ = cmd.MarkFlagRequired("description")
	return cmd
}

func personalTokenList(a *app) *cobra.Command {
	var within time.Duration
	cmd := &cobra.Command{
		Use: "access-token-list", Short: "List your tokens; warns about tokens near expiry", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			raw, err := c.do(ctx, "AccessTokenList", http.MethodGet, "/v1/access_token", nil)
			if err != nil {
				return err
			}
			tokens := field(raw, "tokens")
			a.warnExpiring(tokens, within, time.Now())
			return a.print(tokens, "token_prefix", "description", "created_manually", "currently_active", "expiry_time", "last_used_time", "last_ip")
		}),
	}
	cmd.Flags().DurationVar(&within, "warn-within", 14*24*time.Hour, "warn about tokens expiring within this time")
	return cmd
}

func personalTokenRevoke(a *app) *cobra.Command {
	var prefix string
	var force bool
	cmd := &cobra.Command{
		Use: "access-token-revoke", Short: "Revoke one of your tokens by its prefix", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			if err := a.confirm(force, fmt.Sprintf("Revoke token %s?", prefix)); err != nil {
				return err
			}
			if err := c.AccessTokenRevoke(ctx, prefix); err != nil {
				return err
			}
			a.say("Revoked token %s.", prefix)
			return nil
		}),
	}
	cmd.Flags().StringVar(&prefix, "token-prefix", "", "the token's prefix")
	forceFlag(cmd, &force)
	_ = cmd.MarkFlagRequired("token-prefix")
	return cmd
}
