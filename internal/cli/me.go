package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/spf13/cobra"
)

// The "user" commands on one's own account beyond login: profile,
// password, two-factor authentication and tokens.

func meCommands(a *app) []*cobra.Command {
	return []*cobra.Command{meUpdate(a), personalTokenUpdate(a), meExpireTokens(a), mePasswordChange(a),
		meTwoFactorEnable(a), meTwoFactorConfirm(a), meTwoFactorDisable(a), mePasswordResetRequest(a), mePasswordReset(a)}
}

var meColumns = []string{"user", "user_id", "real_name", "state", "create_time"}

func meUpdate(a *app) *cobra.Command {
	var realName, jobTitle, department, city, country string
	cmd := &cobra.Command{
		Use: "update", Short: "Change your name or other profile details (only the flags given change)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			in := map[string]string{}
			for flag, v := range map[string]string{"real-name": realName, "job-title": jobTitle, "department": department, "city": city, "country": country} {
				if cmd.Flags().Changed(flag) {
					in[strings.ReplaceAll(flag, "-", "_")] = v
				}
			}
			if len(in) == 0 {
				return fmt.Errorf("nothing to change: give --real-name, --job-title, --department, --city or --country")
			}
			return a.with(func(ctx context.Context, c *api) error {
				raw, err := c.do(ctx, "UserUpdate", http.MethodPatch, "/v1/me", in)
				if err != nil {
					return err
				}
				return a.print(field(raw, "user"), meColumns...)
			})(cmd, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&realName, "real-name", "", "full name")
	f.StringVar(&jobTitle, "job-title", "", "job title")
	f.StringVar(&department, "department", "", "department")
	f.StringVar(&city, "city", "", "city")
	f.StringVar(&country, "country", "", "country")
	return cmd
}

func personalTokenUpdate(a *app) *cobra.Command {
	var prefix, desc string
	cmd := &cobra.Command{
		Use: "access-token-update", Short: "Change the description of one of your tokens", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			raw, err := c.do(ctx, "AccessTokenUpdate", http.MethodPut, "/v1/access_token/"+url.PathEscape(strings.TrimSpace(prefix)), map[string]string{"description": desc})
			if err != nil {
				return err
			}
			return a.print(raw, "token_prefix", "description", "expiry_time", "last_used_time")
		}),
	}
	cmd.Flags().StringVar(&prefix, "token-prefix", "", "the token's prefix")
	cmd.Flags().StringVar(&desc, "description", "", "new description")
	_ = cmd.MarkFlagRequired("token-prefix")
	_ = cmd.MarkFlagRequired("description")
	return cmd
}

func meExpireTokens(a *app) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use: "expire-tokens", Short: "Revoke all your tokens and sessions, this one included", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			if err := a.confirm(force, "Revoke every token and session of yours, including the one in use?"); err != nil {
				return err
			}
			if _, err := c.do(ctx, "UserExpireTokens", http.MethodPost, "/v1/me/expire_tokens", nil); err != nil {
				return err
			}
			if _, src, _ := a.tokenSource(); src == tokenSaved {
				if err := a.removeCredentials(); err != nil {
					return fmt.Errorf("revoked all your tokens, but removing the saved one failed: %w", err)
				}
			}
			a.say("Revoked all your tokens; log in again to continue.")
			return nil
		}),
	}
	forceFlag(cmd, &force)
	return cmd
}

// tokenSource tells where the token of this run comes from.
func (a *app) tokenSource() (url string, src tokenSource, err error) {
	url, _, src, err = a.target()
	return url, src, err
}

// keepSession handles the new session token the server answers a password
// change or two-factor confirmation with (the others ended): it replaces a
// saved login, and is otherwise printed once.
func (a *app) keepSession(raw json.RawMessage) error {
	var out struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || out.Token == "" {
		return nil
	}
	url, src, err := a.tokenSource()
	if err != nil {
		return err
	}
	if src == tokenSaved {
		saved, _, err := a.loadCredentials()
		if err != nil {
			return err
		}
		saved.Token = out.Token
		if _, err := a.saveCredentials(saved); err != nil {
			return fmt.Errorf("saving the new session: %w", err)
		}
		a.say("Your other sessions ended; this login continues with a new session token (saved).")
		return nil
	}
	if !a.json && a.format == "" {
		fmt.Fprintf(a.stderr, "Your other sessions ended. A new session token for %s follows.\n%s", url, tokenNotice)
	}
	return a.print(raw, "token")
}

func mePasswordChange(a *app) *cobra.Command {
	var revokeTokens bool
	cmd := &cobra.Command{
		Use: "password-change", Short: "Change your password (asked for without echo); your other sessions end", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			old, err := a.readSecret("Current password: ")
			if err != nil {
				return err
			}
			pw, err := a.newPassword()
			if err != nil {
				return err
			}
			raw, err := c.do(ctx, "UserPasswordChange", http.MethodPut, "/v1/me/password",
				map[string]any{"password": old, "new_password": pw, "revoke_tokens": revokeTokens})
			if err != nil {
				return err
			}
			a.say("Password changed.")
			return a.keepSession(raw)
		}),
	}
	cmd.Flags().BoolVar(&revokeTokens, "revoke-tokens", false, "also revoke all your personal tokens")
	return cmd
}

// newPassword asks for a new password twice.
func (a *app) newPassword() (string, error) {
	pw, err := a.readSecret("New password: ")
	if err != nil {
		return "", err
	}
	again, err := a.readSecret("New password again: ")
	if err != nil {
		return "", err
	}
	if pw != again {
		return "", fmt.Errorf("the passwords differ: %w", errAborted)
	}
	return pw, nil
}

func meTwoFactorEnable(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "two-factor-enable",
		Short: "Start two-factor authentication: prints the otpauth:// URI for your authenticator app",
		Long: `Start two-factor authentication with a one-time password app. Asks for your
password and prints the otpauth:// URI (and QR code data) to add to the app;
then run "gatehouse user two-factor-confirm --uri <URI> --otp <CODE>" with a
code from the app to turn it on.`,
		Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			pw, err := a.readSecret("Password: ")
			if err != nil {
				return err
			}
			raw, err := c.do(ctx, "TwoFactorAuthConfigure", http.MethodPut, "/v1/me/2fa", map[string]string{"method": "otp", "password": pw})
			if err != nil {
				return err
			}
			if err := a.print(raw, "method", "uri"); err != nil {
				return err
			}
			a.say("\nAdd the URI to your authenticator app, then run \"gatehouse user two-factor-confirm --uri <URI> --otp <CODE>\".")
			return nil
		}),
	}
}

func meTwoFactorConfirm(a *app) *cobra.Command {
	var uri, otp string
	cmd := &cobra.Command{
		Use: "two-factor-confirm", Short: "Turn two-factor authentication on with a code from your app; your other sessions end", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			pw, err := a.readSecret("Password: ")
			if err != nil {
				return err
			}
			raw, err := c.do(ctx, "TwoFactorAuthConfigureOTP", http.MethodPut, "/v1/me/2fa/otp", map[string]string{"otp": strings.TrimSpace(otp), "password": pw, "uri": uri})
			if err != nil {
				return err
			}
			a.say("Two-factor authentication is on: logins now ask for a code.")
			return a.keepSession(raw)
		}),
	}
	cmd.Flags().StringVar(&uri, "uri", "", "the otpauth:// URI two-factor-enable printed")
	cmd.Flags().StringVar(&otp, "otp", "", "the current code from your authenticator app")
	_ = cmd.MarkFlagRequired("uri")
	_ = cmd.MarkFlagRequired("otp")
	return cmd
}

func meTwoFactorDisable(a *app) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use: "two-factor-disable", Short: "Turn two-factor authentication off (asks for your password)", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			if err := a.confirm(force, "Turn two-factor authentication off? Logins then need only your password."); err != nil {
				return err
			}
			pw, err := a.readSecret("Password: ")
			if err != nil {
				return err
			}
			if _, err := c.do(ctx, "TwoFactorAuthConfigure", http.MethodPut, "/v1/me/2fa", map[string]string{"method": "", "password": pw}); err != nil {
				return err
			}
			a.say("Two-factor authentication is off.")
			return nil
		}),
	}
	forceFlag(cmd, &force)
	return cmd
}

// The password reset commands need no login: they are for people who
// cannot log in.

func mePasswordResetRequest(a *app) *cobra.Command {
	var email string
	cmd := &cobra.Command{
		Use: "password-reset-request", Short: "Forgot your password: have a reset code emailed to you (no login needed)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := newAPIClient(a.loginURL(), "password-reset")
			if err != nil {
				return err
			}
			if _, err := c.do(cmd.Context(), "UserPasswordResetRequest", http.MethodPost, "/v1/user/password_reset_request", map[string]string{"email": strings.TrimSpace(email)}); err != nil {
				return err
			}
			a.say("If %s has an account, a reset code is on its way; then run \"gatehouse user password-reset --code <CODE>\".", email)
			return nil
		},
	}
	cmd.Flags().StringVar(&email, "email", "", "your account's email")
	_ = cmd.MarkFlagRequired("email")
	return cmd
}

func mePasswordReset(a *app) *cobra.Command {
	var (
		code         string
		revokeTokens bool
	)
	cmd := &cobra.Command{
		Use: "password-reset", Short: "Choose a new password with the code from the reset email (no login needed)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// The email's link works as well as the bare code.
			code = strings.TrimSpace(code)
			if i := strings.LastIndex(code, "/"); i >= 0 {
				code = code[i+1:]
			}
			pw, err := a.newPassword()
			if err != nil {
				return err
			}
			c, err := newAPIClient(a.loginURL(), "password-reset")
			if err != nil {
				return err
			}
			if _, err := c.do(cmd.Context(), "UserPasswordReset", http.MethodPost, "/v1/user/password_reset/"+url.PathEscape(code),
				map[string]any{"new_password": pw, "revoke_tokens": revokeTokens}); err != nil {
				return err
			}
			a.say("Password changed; log in with \"gatehouse login\".")
			return nil
		},
	}
	cmd.Flags().StringVar(&code, "code", "", "the code (or link) from the reset email")
	cmd.Flags().BoolVar(&revokeTokens, "revoke-tokens", false, "also revoke all your personal tokens")
	_ = cmd.MarkFlagRequired("code")
	return cmd
}
