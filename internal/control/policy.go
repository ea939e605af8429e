package control

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

// Authentication policy operations (Aiven's organization handler).
const (
	OpOrganizationAuthenticationConfigGet    Op = "OrganizationAuthenticationConfigGet"
	OpOrganizationAuthenticationConfigUpdate Op = "OrganizationAuthenticationConfigUpdate"
)

func init() {
	addRequirements(map[Op]rule{
		// The allow-list describes the organization's networks: admins only.
		OpOrganizationAuthenticationConfigGet:    anyOf("role:organization:admin"),
		OpOrganizationAuthenticationConfigUpdate: anyOf("role:organization:admin"),
	})
}

// maxAllowlist bounds an organization's IP allow-list.
const maxAllowlist = 100

// PolicyUpdate holds optional changes to an authentication policy.
type PolicyUpdate struct {
	PasswordAuthEnabled                    *bool
	TwoFactorRequired                      *bool
	OAuthEnabled                           *bool
	SAMLEnabled                            *bool
	SAMLAllowExternal                      *bool
	PersonalTokensEnabled                  *bool
	PersonalTokensRequireAllowedAuthMethod *bool
	MCPEnabled                             *bool
	MCPReadOnly                            *bool
	IPAllowlist                            *[]string
}

// ParseAllowlist checks and canonicalises CIDRs and single addresses
// (IPv4 or IPv6); a single address becomes a /32 or /128.
func ParseAllowlist(entries []string) ([]string, error) {
	if len(entries) > maxAllowlist {
		return nil, fail(ErrInvalid, "ip_allowlist may hold at most %d entries", maxAllowlist)
	}
	out := make([]string, 0, len(entries))
	for _, e := range entries {
		pfx, err := parsePrefix(strings.TrimSpace(e))
		if err != nil {
			return nil, fail(ErrInvalid, "ip_allowlist entry %q is not an IP address or CIDR such as 203.0.113.0/24 or 2001:db8::/32", e)
		}
		out = append(out, pfx.String())
	}
	return out, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return p, err
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			return netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96).Masked(), nil
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// policy is an authentication policy with its allow-list parsed once, as
// it is checked on every request. Matching is the tokens' own
// (token.Allowlist), so an organization's list and a token's list treat
// IPv4-mapped and IPv6 addresses alike.
type policy struct {
	identity.AuthPolicy
	allow token.Allowlist
	// denyAll: stored entries that no longer parse (never written by
	// ParseAllowlist) fail closed instead of opening the list.
	denyAll bool
}

func compilePolicy(pol identity.AuthPolicy) policy {
	c := policy{AuthPolicy: pol}
	allow, err := token.ParseAllowlist(pol.IPAllowlist)
	if err != nil {
		c.denyAll = true
	}
	c.allow = allow
	return c
}

// inAllowlist reports whether ip is in the allow-list; an empty list
// allows all.
func (c policy) inAllowlist(ip string) bool {
	if c.denyAll {
		return false
	}
	if c.allow.Empty() {
		return true
	}
	a, err := netip.ParseAddr(ip)
	return err == nil && c.allow.Allows(a)
}

// refusal says which rule of the policy refuses the actor, or "" when none
// does. Application users answer only to their own tokens' allow-lists.
func (c policy) refusal(a *Actor) string {
	pol := c.AuthPolicy
	if a.User.IsApplication {
		return ""
	}
	if !c.inAllowlist(a.ClientIP) {
		return fmt.Sprintf("the organization's IP allow-list does not include your address %s", a.ClientIP)
	}
	t := a.Token
	if t.AuthMethod == "" && t.Kind != token.KindPersonal {
		// Sessions from before sign-in methods were recorded came from
		// password logins, the only way to get one.
		t.AuthMethod = token.AuthMethodPassword
	}
	// methodAllowed: the way the session (or the session that made a
	// personal token) signed in is one the organization accepts.
	methodAllowed := func() string {
		if typ, orgID, _, ok := parseSSOAuthMethod(t.AuthMethod); ok {
			if why := ssoRefusal(pol, typ); why != "" {
				return why
			}
			if orgID != pol.OrganizationID && !pol.SAMLAllowExternal {
				return "the organization does not accept sign-ins through other organizations' identity providers"
			}
			return ""
		}
		switch {
		case t.AuthMethod == token.AuthMethodPassword && !pol.PasswordAuthEnabled:
			return "the organization does not allow password authentication"
		case t.AuthMethod == token.AuthMethodPassword && pol.TwoFactorRequired && !t.TwoFactor:
			return "the organization requires two-factor authentication; sign in again with your one-time password"
		}
		return ""
	}
	switch t.Kind {
	case token.KindPersonal:
		if !pol.PersonalTokensEnabled {
			return "the organization does not allow personal tokens"
		}
		if pol.PersonalTokensRequireAllowedAuthMethod {
			if t.AuthMethod == "" {
				return "the organization accepts only personal tokens created from an allowed sign-in method, and this token's is unknown"
			}
			if why := methodAllowed(); why != "" {
				return "personal token created from a disallowed sign-in method: " + why
			}
		}
		return ""
	default:
		return methodAllowed()
	}
}

// policyFor returns an organization's policy, from a one-second cache:
// the policy is read on every request against the organization, and a
// change on another server takes effect within the same second that token
// revocations do.
func (p *Plane) policyFor(tx store.Reader, orgID string) (policy, error) {
	now := p.now()
	if pol, ok := p.policies.get(orgID, now); ok {
		return pol, nil
	}
	pol, err := tx.GetAuthPolicy(orgID)
	if errors.Is(err, store.ErrNotFound) {
		pol, err = identity.DefaultAuthPolicy(orgID), nil
	}
	if err != nil {
		return policy{}, err
	}
	c := compilePolicy(pol)
	p.policies.put(orgID, c, now)
	return c, nil
}

// enforcePolicy refuses the actor when the policy of the organization res
// belongs to refuses them.
func (p *Plane) enforcePolicy(tx store.Reader, a *Actor, res authz.Resource) error {
	if a.User.IsApplication {
		return nil
	}
	orgID, ok := p.engine.OrgOf(res)
	if !ok {
		return nil // unknown resource: the operation answers 404 itself
	}
	pol, err := p.policyFor(tx, orgID)
	if err != nil {
		return err
	}
	if why := pol.refusal(a); why != "" {
		return fail(ErrForbidden, "Refused by the authentication policy of organization %s: %s", orgID, why)
	}
	return nil
}

// GetAuthPolicy returns an organization's authentication policy.
func (p *Plane) GetAuthPolicy(ctx context.Context, a *Actor, orgID string) (identity.AuthPolicy, error) {
	var pol identity.AuthPolicy
	err := p.read(ctx, func(tx store.Reader) error {
		o, err := p.authorizedOrg(tx, a, OpOrganizationAuthenticationConfigGet, orgID)
		if err != nil {
			return err
		}
		pol, err = tx.GetAuthPolicy(o.ID)
		if errors.Is(err, store.ErrNotFound) {
			pol, err = identity.DefaultAuthPolicy(o.ID), nil
		}
		return err
	})
	return pol, err
}

// UpdateAuthPolicy changes an organization's authentication policy. A
// change that would refuse the actor making it (their address, how they
// signed in) is refused, so an admin cannot lock themself out.
func (p *Plane) UpdateAuthPolicy(ctx context.Context, a *Actor, orgID string, in PolicyUpdate) (identity.AuthPolicy, error) {
	var allow []string
	if in.IPAllowlist != nil {
		var err error
		if allow, err = ParseAllowlist(*in.IPAllowlist); err != nil {
			return identity.AuthPolicy{}, err
		}
	}
	var pol identity.AuthPolicy
	err := p.write(ctx, func(tx store.Tx) error {
		o, err := p.authorizedOrg(tx, a, OpOrganizationAuthenticationConfigUpdate, orgID)
		if err != nil {
			return err
		}
		pol, err = tx.GetAuthPolicy(o.ID)
		if errors.Is(err, store.ErrNotFound) {
			pol, err = identity.DefaultAuthPolicy(o.ID), nil
		}
		if err != nil {
			return err
		}
		var changed []string
		set := func(name string, dst *bool, v *bool) {
			if v != nil && *v != *dst {
				*dst = *v
				changed = append(changed, fmt.Sprintf("%s=%t", name, *v))
			}
		}
		set("password_auth_enabled", &pol.PasswordAuthEnabled, in.PasswordAuthEnabled)
		set("two_factor_required", &pol.TwoFactorRequired, in.TwoFactorRequired)
		set("oauth_enabled", &pol.OAuthEnabled, in.OAuthEnabled)
		set("saml_enabled", &pol.SAMLEnabled, in.SAMLEnabled)
		set("saml_allow_external", &pol.SAMLAllowExternal, in.SAMLAllowExternal)
		set("personal_tokens_enabled", &pol.PersonalTokensEnabled, in.PersonalTokensEnabled)
		set("personal_tokens_require_allowed_auth_method", &pol.PersonalTokensRequireAllowedAuthMethod, in.PersonalTokensRequireAllowedAuthMethod)
		set("mcp_enabled", &pol.MCPEnabled, in.MCPEnabled)
		set("mcp_read_only", &pol.MCPReadOnly, in.MCPReadOnly)
		if in.IPAllowlist != nil && strings.Join(allow, ",") != strings.Join(pol.IPAllowlist, ",") {
			pol.IPAllowlist = allow
			changed = append(changed, "ip_allowlist=["+strings.Join(allow, ", ")+"]")
		}
		if len(changed) == 0 {
			return nil
		}
		if why := compilePolicy(pol).refusal(a); why != "" {
			return fail(ErrInvalid, "This change would lock you out of the organization: %s", why)
		}
		pol.UpdateTime = p.now().UTC()
		if err := tx.SetAuthPolicy(pol); err != nil {
			return err
		}
		return p.event(tx, a, eventOf{org: o.ID, account: o.AccountID, action: "organization_auth_policy_update", desc: "Authentication policy: " + strings.Join(changed, ", ")})
	})
	if err == nil {
		p.policies.drop(orgID)
	}
	return pol, err
}

// policyCache holds organizations' policies for a second.
type policyCache struct {
	mu sync.RWMutex
	m  map[string]cachedPolicy
}

type cachedPolicy struct {
	pol     policy
	fetched time.Time
}

const policyCacheMax = 10_000

func newPolicyCache() *policyCache { return &policyCache{m: map[string]cachedPolicy{}} }

func (c *policyCache) get(orgID string, now time.Time) (policy, bool) {
	c.mu.RLock()
	e, ok := c.m[orgID]
	c.mu.RUnlock()
	if !ok || now.Sub(e.fetched) > tokenCacheTTL || now.Before(e.fetched) {
		return policy{}, false
	}
	return e.pol, true
}

func (c *policyCache) put(orgID string, pol policy, now time.Time) {
	c.mu.Lock()
	if len(c.m) >= policyCacheMax {
		clear(c.m)
	}
	c.m[orgID] = cachedPolicy{pol: pol, fetched: now}
	c.mu.Unlock()
}

func (c *policyCache) drop(orgID string) {
	c.mu.Lock()
	delete(c.m, orgID)
	c.mu.Unlock()
}
