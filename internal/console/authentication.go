package console

import (
	"net/http"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
)

// Admin → Authentication: the organization's authentication policy and
// IP allow-list. The lock-out guard is the use case's: a change that would
// shut out the person making it is refused in its words.

func init() {
	route("GET /orgs/{org}/authentication", inOrg, (*Console).authentication)
	route("POST /orgs/{org}/authentication", inOrg, (*Console).updateAuthentication)
	flashes["policy-saved"] = "Authentication policy saved"
}

// policySwitch is one on/off setting of the policy.
type policySwitch struct {
	Name  string
	Label string
	Hint  string
	On    bool
	set   func(*control.PolicyUpdate, *bool)
}

func policySwitches(p identity.AuthPolicy) []policySwitch {
	return []policySwitch{
		{"password_auth_enabled", "Password sign-in", "People sign in with email and password.", p.PasswordAuthEnabled, func(u *control.PolicyUpdate, v *bool) { u.PasswordAuthEnabled = v }},
		{"two_factor_required", "Require two-factor authentication", "Password sign-ins must also give a one-time code.", p.TwoFactorRequired, func(u *control.PolicyUpdate, v *bool) { u.TwoFactorRequired = v }},
		{"oauth_enabled", "OAuth sign-in", "Google, GitHub and other OAuth providers.", p.OAuthEnabled, func(u *control.PolicyUpdate, v *bool) { u.OAuthEnabled = v }},
		{"saml_enabled", "SAML sign-in", "Sign-in through the organization's identity providers.", p.SAMLEnabled, func(u *control.PolicyUpdate, v *bool) { u.SAMLEnabled = v }},
		{"saml_allow_external", "Allow external identity providers", "Identity providers of other organizations may sign members in.", p.SAMLAllowExternal, func(u *control.PolicyUpdate, v *bool) { u.SAMLAllowExternal = v }},
		{"personal_tokens_enabled", "Personal tokens", "Members may create personal API tokens.", p.PersonalTokensEnabled, func(u *control.PolicyUpdate, v *bool) { u.PersonalTokensEnabled = v }},
		{"personal_tokens_require_allowed_auth_method", "Personal tokens only from allowed sign-ins", "A token works only if it was created in a session whose sign-in method is allowed.", p.PersonalTokensRequireAllowedAuthMethod, func(u *control.PolicyUpdate, v *bool) { u.PersonalTokensRequireAllowedAuthMethod = v }},
		{"mcp_enabled", "MCP access", "AI assistants may act through the MCP server.", p.MCPEnabled, func(u *control.PolicyUpdate, v *bool) { u.MCPEnabled = v }},
		{"mcp_read_only", "MCP read-only", "MCP access may only read.", p.MCPReadOnly, func(u *control.PolicyUpdate, v *bool) { u.MCPReadOnly = v }},
	}
}

type authenticationData struct {
	Switches  []policySwitch
	Allowlist string
	Form      *Form
	Update    *Can
	ClientIP  string
}

func (c *Console) authentication(w http.ResponseWriter, r *Request) error {
	return c.authenticationPage(w, r, blankForm(), nil)
}

func (c *Console) authenticationPage(w http.ResponseWriter, r *Request, f *Form, typed map[string]bool) error {
	p, err := c.plane.GetAuthPolicy(r.Context(), r.Actor, r.Org.ID)
	if err != nil {
		return err
	}
	var q asker
	d := authenticationData{Form: f, Switches: policySwitches(p), Allowlist: strings.Join(p.IPAllowlist, "\n"),
		Update: q.ask(control.OpOrganizationAuthenticationConfigUpdate, orgResource(r.Org)), ClientIP: c.opts.ClientIP(r.Request)}
	if err := c.may(r, &q); err != nil {
		return err
	}
	if typed != nil {
		// A refused change shows what was typed, not what is stored.
		for i := range d.Switches {
			d.Switches[i].On = typed[d.Switches[i].Name]
		}
		d.Allowlist = f.Get("ip_allowlist")
	}
	return c.render(w, r, f.Status(), "authentication", d)
}

func (c *Console) updateAuthentication(w http.ResponseWriter, r *Request) error {
	f := newForm(r)
	var in control.PolicyUpdate
	typed := map[string]bool{}
	for _, s := range policySwitches(identity.AuthPolicy{}) {
		v := f.Get(s.Name) != ""
		typed[s.Name] = v
		s.set(&in, &v)
	}
	list := splitList(f.Get("ip_allowlist"))
	if list == nil {
		list = []string{}
	}
	in.IPAllowlist = &list
	if _, err := c.plane.UpdateAuthPolicy(r.Context(), r.Actor, r.Org.ID, in); err != nil {
		failField(c, r, f, err, map[string]string{"ip_allowlist": "ip_allowlist", "IP allow-list": "ip_allowlist"})
		return c.authenticationPage(w, r, f, typed)
	}
	return redirect(w, r, withFlash("/orgs/"+r.Org.ID+"/authentication", "policy-saved"))
}
