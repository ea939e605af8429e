package cli

import (
	"context"
	"net/http"

	"github.com/spf13/cobra"
)

// idpSCIMTokenRotate replaces an identity provider's SCIM token: the old
// one stops at once; the new one is shown only in this answer.
func idpSCIMTokenRotate(a *app) *cobra.Command {
	var org, ref string
	cmd := &cobra.Command{
		Use:     "idp-scim-token-rotate",
		Short:   "Replace an identity provider's SCIM token (the old one stops working at once)",
		Example: "  gatehouse organization idp-scim-token-rotate --idp Okta",
		Args:    cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			id, mid, _, err := a.resolveIdP(ctx, c, org, ref)
			if err != nil {
				return err
			}
			var out struct {
				Token string `json:"scim_token"`
				URL   string `json:"scim_url"`
			}
			if err := c.into(ctx, "AccountAuthenticationMethodSCIMTokenRotate", http.MethodPost, idpPath(id, mid)+"/scim-token", nil, &out); err != nil {
				return err
			}
			if a.json || a.format != "" {
				return a.print(map[string]any{"scim_url": out.URL, "scim_token": out.Token}, "scim_url", "scim_token")
			}
			a.say("Enter these at the identity provider (the token is shown only now):")
			a.say("  %-16s %s", "SCIM base URL:", out.URL)
			a.say("  %-16s %s", "SCIM token:", out.Token)
			return nil
		}),
	}
	orgFlag(cmd, &org)
	idpFlag(cmd, &ref)
	return cmd
}
