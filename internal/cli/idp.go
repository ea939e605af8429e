package cli

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

var idpColumns = []string{"authentication_method_id", "authentication_method_name", "authentication_method_type", "state", "authentication_method_enabled", "login_url"}

// idpCommands are the "organization idp-*" commands: the organization's
// identity providers (Aiven's authentication methods), SAML or OIDC.
func idpCommands(a *app) []*cobra.Command {
	return []*cobra.Command{idpCreate(a), idpList(a), idpGet(a), idpUpdate(a), idpDelete(a), idpSCIMTokenRotate(a)}
}

func idpPath(org, id string) string {
	p := "/v1/account/" + url.PathEscape(org) + "/authentication"
	if id != "" {
		p += "/" + url.PathEscape(id)
	}
	return p
}

// idpFlags are the settings idp-create and idp-update send; only flags
// given on the command line are sent, so an update changes just those.
type idpFlags struct {
	name, typ, entityID, idpURL, certFile, sigAlg, digestAlg      string
	issuer, clientID, secretFile, autoJoinGroup                   string
	scopes, domains                                               []string
	enabled, idpLogin, joinGroups, signedAssertions, signRequests bool
	scim                                                          bool
	mapEmail, mapFirst, mapLast, mapName, mapIdentity, mapGroups  string
}

func (f *idpFlags) register(cmd *cobra.Command, create bool) {
	fl := cmd.Flags()
	fl.StringVar(&f.name, "name", "", "name shown on the sign-in page")
	if create {
		fl.StringVar(&f.typ, "type", "", "saml or oidc")
	}
	fl.BoolVar(&f.enabled, "enabled", true, "whether people may sign in through it")
	fl.BoolVar(&f.scim, "scim", false, "SCIM provisioning: enabling shows the SCIM URL and token (once); --scim=false revokes the token")
	fl.StringVar(&f.autoJoinGroup, "auto-join-group-id", "", "user group people join when they first sign in (empty: none)")
	fl.StringSliceVar(&f.domains, "linked-domain", nil, "verified domain whose people sign in through this provider (repeatable; \"\" unlinks all)")
	fl.StringVar(&f.entityID, "saml-entity-id", "", "SAML: the identity provider's entity ID (issuer)")
	fl.StringVar(&f.idpURL, "saml-idp-url", "", "SAML: the identity provider's single sign-on URL")
	fl.StringVar(&f.certFile, "saml-certificate-file", "", "SAML: file holding the identity provider's signing certificate (PEM)")
	fl.StringVar(&f.sigAlg, "saml-signature-algorithm", "", "SAML: rsa-sha256 (default), rsa-sha384, rsa-sha512, rsa-sha1, dsa-sha1")
	fl.StringVar(&f.digestAlg, "saml-digest-algorithm", "", "SAML: sha256 (default), sha384, sha512, sha1")
	fl.BoolVar(&f.idpLogin, "saml-idp-login-allowed", false, "SAML: accept sign-ins started at the identity provider")
	fl.BoolVar(&f.joinGroups, "saml-join-groups", false, "synchronise group memberships from the groups attribute or claim at every sign-in")
	fl.BoolVar(&f.signedAssertions, "saml-assertion-signed", true, "SAML: require signed assertions")
	fl.BoolVar(&f.signRequests, "saml-authn-requests-signed", false, "SAML: sign authentication requests")
	fl.StringVar(&f.issuer, "oidc-issuer", "", "OIDC: the issuer URL (discovery at <issuer>/.well-known/openid-configuration)")
	fl.StringVar(&f.clientID, "oidc-client-id", "", "OIDC: the client ID registered at the provider")
	fl.StringVar(&f.secretFile, "oidc-client-secret-file", "", "OIDC: file holding the client secret (\"-\" reads standard input)")
	fl.StringSliceVar(&f.scopes, "oidc-scopes", nil, "OIDC: scopes to ask for (openid is always asked)")
	fl.StringVar(&f.mapEmail, "map-email", "", "attribute (SAML) or claim (OIDC) holding the email")
	fl.StringVar(&f.mapFirst, "map-first-name", "", "SAML attribute holding the first name")
	fl.StringVar(&f.mapLast, "map-last-name", "", "SAML attribute holding the last name")
	fl.StringVar(&f.mapName, "map-name", "", "attribute or claim holding the full name")
	fl.StringVar(&f.mapIdentity, "map-identity", "", "attribute or claim holding the immutable user identifier")
	fl.StringVar(&f.mapGroups, "map-groups", "", "attribute or claim holding the group names")
}

// body builds the request from the flags that were given; typ is the
// method's type (for the mapping's field names).
func (f *idpFlags) body(ctx context.Context, c *api, cmd *cobra.Command, stdin func() (string, error), org, typ string) (map[string]any, error) {
	fl := cmd.Flags()
	in := map[string]any{}
	set := func(flag, key string, v any) {
		if fl.Changed(flag) {
			in[key] = v
		}
	}
	set("name", "authentication_method_name", f.name)
	set("type", "authentication_method_type", f.typ)
	set("enabled", "authentication_method_enabled", f.enabled)
	set("scim", "scim_enabled", f.scim)
	set("auto-join-group-id", "auto_join_user_group_id", f.autoJoinGroup)
	set("saml-entity-id", "saml_entity_id", f.entityID)
	set("saml-idp-url", "saml_idp_url", f.idpURL)
	set("saml-signature-algorithm", "saml_signature_algorithm", f.sigAlg)
	set("saml-digest-algorithm", "saml_digest_algorithm", f.digestAlg)
	set("saml-idp-login-allowed", "saml_idp_login_allowed", f.idpLogin)
	set("saml-join-groups", "saml_join_groups", f.joinGroups)
	set("saml-assertion-signed", "saml_assertion_signed_enabled", f.signedAssertions)
	set("saml-authn-requests-signed", "saml_authn_requests_signed_enabled", f.signRequests)
	set("oidc-issuer", "oidc_issuer", f.issuer)
	set("oidc-client-id", "oidc_client_id", f.clientID)
	set("oidc-scopes", "oidc_scopes", f.scopes)
	if fl.Changed("saml-certificate-file") {
		b, err := os.ReadFile(f.certFile)
		if err != nil {
			return nil, fmt.Errorf("reading the certificate: %w", err)
		}
		in["saml_certificate"] = string(b)
	}
	if fl.Changed("oidc-client-secret-file") {
		secret, err := f.readSecret(stdin)
		if err != nil {
			return nil, err
		}
		in["oidc_client_secret"] = secret
	}
	if fl.Changed("linked-domain") {
		ids := []map[string]string{}
		for _, name := range f.domains {
			if strings.TrimSpace(name) == "" {
				continue
			}
			d, err := findDomain(ctx, c, org, name)
			if err != nil {
				return nil, err
			}
			ids = append(ids, map[string]string{"domain_id": d.DomainId})
		}
		in["linked_domains"] = ids
	}
	mapping := map[string]string{}
	names := map[string]string{"map-email": "email", "map-identity": "identity", "map-groups": "groups", "map-first-name": "first_name", "map-last-name": "last_name", "map-name": "real_name"}
	key := "saml_field_mapping"
	if typ == "oidc" {
		names["map-name"], key = "name", "oidc_claim_mapping"
	}
	vals := map[string]string{"map-email": f.mapEmail, "map-identity": f.mapIdentity, "map-groups": f.mapGroups, "map-first-name": f.mapFirst, "map-last-name": f.mapLast, "map-name": f.mapName}
	for flag, field := range names {
		if fl.Changed(flag) {
			mapping[field] = vals[flag]
		}
	}
	if len(mapping) > 0 {
		in[key] = mapping
	}
	return in, nil
}

// readSecret reads the client secret from its file, or from standard
// input for "-" (so it never appears in the process list).
func (f *idpFlags) readSecret(stdin func() (string, error)) (string, error) {
	if f.secretFile == "-" {
		s, err := stdin()
		if err != nil {
			return "", fmt.Errorf("reading the client secret: %w", err)
		}
		return strings.TrimRight(s, "\r\n"), nil
	}
	b, err := os.ReadFile(f.secretFile)
	if err != nil {
		return "", fmt.Errorf("reading the client secret: %w", err)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// findIdP returns the ID of the organization's method named or numbered
// ref.
func findIdP(ctx context.Context, c *api, org, ref string) (map[string]any, error) {
	var out struct {
		Methods []map[string]any `json:"authentication_methods"`
	}
	if err := c.into(ctx, "AccountAuthenticationMethodsList", http.MethodGet, idpPath(org, ""), nil, &out); err != nil {
		return nil, err
	}
	for _, m := range out.Methods {
		if m["authentication_method_id"] == ref || m["authentication_method_name"] == ref {
			return m, nil
		}
	}
	return nil, fmt.Errorf("organization %s has no identity provider %q: list them with \"gatehouse organization idp-list\"", org, ref)
}

// idpFlag registers the required --idp flag naming an identity provider.
func idpFlag(cmd *cobra.Command, ref *string) {
	cmd.Flags().StringVar(ref, "idp", "", "identity provider's name or ID")
	_ = cmd.MarkFlagRequired("idp")
}

// resolveIdP finds the organization (org, or the default one) and its
// identity provider ref: the organization's ID, the method's ID and the
// method as listed.
func (a *app) resolveIdP(ctx context.Context, c *api, org, ref string) (orgID, methodID string, m map[string]any, err error) {
	if orgID, err = a.orgID(ctx, c, org); err != nil {
		return "", "", nil, err
	}
	if m, err = findIdP(ctx, c, orgID, ref); err != nil {
		return "", "", nil, err
	}
	methodID, _ = m["authentication_method_id"].(string)
	return orgID, methodID, m, nil
}

// request is body with the client secret prompted for on standard input.
func (f *idpFlags) request(ctx context.Context, a *app, c *api, cmd *cobra.Command, org, typ string) (map[string]any, error) {
	return f.body(ctx, c, cmd, func() (string, error) { return a.readSecret("Client secret: ") }, org, typ)
}

func idpCreate(a *app) *cobra.Command {
	var org string
	var f idpFlags
	var cmd *cobra.Command
	cmd = &cobra.Command{
		Use:   "idp-create",
		Short: "Add an identity provider (SAML or OIDC) people of the organization sign in through",
		Example: "  gatehouse organization idp-create --name Okta --type saml --saml-entity-id http://www.okta.com/exk1 \\\n" +
			"      --saml-idp-url https://acme.okta.com/app/x/sso/saml --saml-certificate-file okta.pem --linked-domain acme.com\n" +
			"  gatehouse organization idp-create --name Keycloak --type oidc --oidc-issuer https://sso.acme.com/realms/acme \\\n" +
			"      --oidc-client-id gatehouse --oidc-client-secret-file secret.txt",
		Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			id, err := a.orgID(ctx, c, org)
			if err != nil {
				return err
			}
			in, err := f.request(ctx, a, c, cmd, id, f.typ)
			if err != nil {
				return err
			}
			var out struct {
				Method map[string]any `json:"authentication_method"`
			}
			if err := c.into(ctx, "AccountAuthenticationMethodCreate", http.MethodPost, idpPath(id, ""), in, &out); err != nil {
				return err
			}
			if err := a.print(out.Method, idpColumns...); err != nil {
				return err
			}
			a.idpHint(out.Method)
			return nil
		}),
	}
	orgFlag(cmd, &org)
	f.register(cmd, true)
	_ = cmd.MarkFlagRequired("name")
	_ = cmd.MarkFlagRequired("type")
	return cmd
}

// idpHint tells what to enter at the identity provider.
func (a *app) idpHint(m map[string]any) {
	if a.json || a.format != "" {
		return
	}
	show := func(label, key string) {
		if v, ok := m[key].(string); ok && v != "" {
			a.say("  %-28s %s", label, v)
		}
	}
	a.say("\nEnter these at the identity provider:")
	show("ACS (reply) URL:", "saml_acs_url")
	show("Entity ID / metadata URL:", "saml_metadata_url")
	show("Redirect URI:", "oidc_redirect_uri")
	show("Sign-in URL:", "login_url")
	show("SCIM base URL:", "scim_url")
	show("SCIM token (shown once):", "scim_token")
}

func idpList(a *app) *cobra.Command {
	var org string
	cmd := &cobra.Command{
		Use: "idp-list", Short: "List the organization's identity providers", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			id, err := a.orgID(ctx, c, org)
			if err != nil {
				return err
			}
			var out struct {
				Methods []map[string]any `json:"authentication_methods"`
			}
			if err := c.into(ctx, "AccountAuthenticationMethodsList", http.MethodGet, idpPath(id, ""), nil, &out); err != nil {
				return err
			}
			return a.print(out.Methods, idpColumns...)
		}),
	}
	orgFlag(cmd, &org)
	return cmd
}

func idpGet(a *app) *cobra.Command {
	var org, ref string
	cmd := &cobra.Command{
		Use: "idp-get", Short: "Show an identity provider and what to enter at the provider", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			id, mid, _, err := a.resolveIdP(ctx, c, org, ref)
			if err != nil {
				return err
			}
			var out struct {
				Method map[string]any `json:"authentication_method"`
			}
			if err := c.into(ctx, "AccountAuthenticationMethodGet", http.MethodGet, idpPath(id, mid), nil, &out); err != nil {
				return err
			}
			if err := a.print(out.Method, idpColumns...); err != nil {
				return err
			}
			a.idpHint(out.Method)
			return nil
		}),
	}
	orgFlag(cmd, &org)
	idpFlag(cmd, &ref)
	return cmd
}

func idpUpdate(a *app) *cobra.Command {
	var org, ref string
	var f idpFlags
	var cmd *cobra.Command
	cmd = &cobra.Command{
		Use:     "idp-update",
		Short:   "Change an identity provider's settings (only the flags given)",
		Example: "  gatehouse organization idp-update --idp Okta --saml-certificate-file new.pem --saml-join-groups",
		Args:    cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			id, mid, m, err := a.resolveIdP(ctx, c, org, ref)
			if err != nil {
				return err
			}
			typ, _ := m["authentication_method_type"].(string)
			in, err := f.request(ctx, a, c, cmd, id, typ)
			if err != nil {
				return err
			}
			if len(in) == 0 {
				return fmt.Errorf("nothing to change: give at least one setting flag")
			}
			var out struct {
				Method map[string]any `json:"authentication_method"`
			}
			if err := c.into(ctx, "AccountAuthenticationMethodUpdate", http.MethodPut, idpPath(id, mid), in, &out); err != nil {
				return err
			}
			if err := a.print(out.Method, idpColumns...); err != nil {
				return err
			}
			if tok, _ := out.Method["scim_token"].(string); tok != "" {
				a.idpHint(out.Method)
			}
			return nil
		}),
	}
	orgFlag(cmd, &org)
	idpFlag(cmd, &ref)
	f.register(cmd, false)
	return cmd
}

func idpDelete(a *app) *cobra.Command {
	var org, ref string
	var force bool
	cmd := &cobra.Command{
		Use: "idp-delete", Short: "Remove an identity provider; its people keep their accounts", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			id, mid, m, err := a.resolveIdP(ctx, c, org, ref)
			if err != nil {
				return err
			}
			name, _ := m["authentication_method_name"].(string)
			if err := a.confirm(force, fmt.Sprintf("Remove identity provider %s? People can no longer sign in through it.", name)); err != nil {
				return err
			}
			if _, err := c.do(ctx, "AccountAuthenticationMethodDelete", http.MethodDelete, idpPath(id, mid), nil); err != nil {
				return err
			}
			a.say("Removed identity provider %s.", name)
			return nil
		}),
	}
	orgFlag(cmd, &org)
	idpFlag(cmd, &ref)
	forceFlag(cmd, &force)
	return cmd
}
