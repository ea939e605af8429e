package control

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

// Gatehouse's own public sign-in operations: home realm discovery and the
// command line's code exchange.
const (
	OpSSODiscover      Op = "SSODiscover"
	OpSSOTokenExchange Op = "SSOTokenExchange"
)

// Kinds of SSO tickets (identity.SSOTicket).
const (
	TicketOIDCState     = "oidc-state"
	TicketSAMLRequest   = "saml-request"
	TicketSAMLAssertion = "saml-assertion"
	TicketCLICode       = "cli-code"
)

// Lifetimes of sign-ins in progress.
const (
	// SSORequestTTL bounds how long a person may take at the identity
	// provider between leaving Gatehouse and coming back.
	SSORequestTTL = 10 * time.Minute
	// cliCodeTTL bounds how long the command line has to exchange the
	// code its loopback listener received.
	cliCodeTTL = time.Minute
	// maxGroupsClaim bounds the groups one answer may name.
	maxGroupsClaim = 1000
)

// SSOProfile is what an identity provider said about the person, after
// the protocol's own checks (signature, audience, expiry, nonce...).
type SSOProfile struct {
	MethodID string
	// Subject is the provider's stable identifier of the person.
	Subject  string
	Email    string
	RealName string
	// EmailVerified is false when an OIDC provider says the email is not
	// verified; SAML providers assert addresses they manage.
	EmailVerified bool
	// Groups are the group names the provider lists, when GroupsGiven.
	Groups      []string
	GroupsGiven bool
}

// SignInOptions says where a sign-in comes from and what it ends with: a
// session (a browser) or a one-time code (the command line, which sent
// the SHA-256 challenge of a verifier it keeps).
type SignInOptions struct {
	ClientIP, UserAgent string
	CLIChallenge        string
}

// SSOResult is a completed sign-in: the session token for a browser, or
// the one-time code for the command line.
type SSOResult struct {
	Token   string
	Expires time.Time
	CLICode string
	User    identity.User
	Created bool
}

// hashID is the stored ID of a ticket looked up by a secret.
func hashID(secret string) string { return codeHash(secret) }

// NewSSOSecret returns a fresh random value for a sign-in's state, nonce
// or request ID (256 bits, URL-safe).
func NewSSOSecret() string {
	code, _ := newCode()
	return code
}

// SSOMethod returns a method people may sign in through now: it exists,
// belongs to accountID (the organization's root account or the
// organization), is enabled and fully configured. Anyone may ask.
func (p *Plane) SSOMethod(ctx context.Context, accountID, methodID string) (identity.AuthMethod, error) {
	return p.ssoMethod(ctx, accountID, methodID, true)
}

// SSOMethodMetadata returns a method whatever its state, for its service
// provider metadata, which the identity provider needs before the method
// is configured. Anyone may ask: the metadata is public.
func (p *Plane) SSOMethodMetadata(ctx context.Context, accountID, methodID string) (identity.AuthMethod, error) {
	return p.ssoMethod(ctx, accountID, methodID, false)
}

func (p *Plane) ssoMethod(ctx context.Context, accountID, methodID string, usable bool) (identity.AuthMethod, error) {
	var m identity.AuthMethod
	err := p.read(ctx, func(tx store.Reader) error {
		if err := org.ValidateID("authentication_method_id", identity.PrefixAuthMethod, methodID); err != nil {
			return err
		}
		var err error
		m, err = tx.GetAuthMethod(methodID)
		if err != nil {
			return notFound(err, "Authentication method not found")
		}
		if accountID != m.AccountID && accountID != m.OrganizationID {
			return fail(ErrNotFound, "Authentication method not found")
		}
		if !usable {
			return nil
		}
		switch {
		case !m.Enabled:
			return fail(ErrForbidden, "Sign-in through %q is disabled", m.Name)
		case m.State != identity.AuthMethodActive:
			return fail(ErrForbidden, "Sign-in through %q is not configured yet", m.Name)
		}
		return nil
	})
	return m, err
}

// SSOClientSecret opens an OIDC method's client secret.
func (p *Plane) SSOClientSecret(m identity.AuthMethod) (string, error) {
	if m.OIDCClientSecret == "" {
		return "", nil
	}
	s, err := p.unseal(m.OIDCClientSecret, "oidc-client-secret:"+m.ID)
	if err != nil {
		return "", fail(ErrUnavailable, "The client secret of %q cannot be opened with the configured keys", m.Name)
	}
	return s, nil
}

// SSOServiceKey opens a SAML method's service provider key (PEM).
func (p *Plane) SSOServiceKey(m identity.AuthMethod) (string, error) {
	s, err := p.unseal(m.SPKey, "sp-key:"+m.ID)
	if err != nil {
		return "", fail(ErrUnavailable, "The service provider key of %q cannot be opened with the configured keys", m.Name)
	}
	return s, nil
}

// PutSSOTicket stores data (JSON-encoded) under kind and the hash of
// secret until ttl passes.
func (p *Plane) PutSSOTicket(ctx context.Context, kind, secret string, data any, ttl time.Duration) error {
	b, err := json.Marshal(data)
	if err != nil {
		return err
	}
	now := p.now().UTC()
	return p.mustWrite(ctx, func(tx store.Tx) error {
		// Every new sign-in sweeps the finished ones (an indexed range
		// delete), so the table holds only what may still be used.
		if _, err := tx.DeleteExpiredSSOTickets(now); err != nil {
			return err
		}
		return tx.PutSSOTicket(identity.SSOTicket{ID: hashID(secret), Kind: kind, Data: string(b), ExpireTime: now.Add(ttl)}, now)
	})
}

// TakeSSOTicket removes the ticket of kind stored under secret and
// decodes its data into dst; ErrGone when there is none (never stored,
// expired or already taken).
func (p *Plane) TakeSSOTicket(ctx context.Context, kind, secret string, dst any) error {
	var t identity.SSOTicket
	err := p.mustWrite(ctx, func(tx store.Tx) error {
		var err error
		t, err = tx.TakeSSOTicket(kind, hashID(secret), p.now().UTC())
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return fail(ErrGone, "This sign-in is unknown, expired or already used; start again")
	}
	if err != nil {
		return err
	}
	return json.Unmarshal([]byte(t.Data), dst)
}

// ConsumeAssertion records a SAML assertion ID of a method as used until
// it expires; a second use is refused, on every server sharing the store.
func (p *Plane) ConsumeAssertion(ctx context.Context, methodID, assertionID string, until time.Time) error {
	now := p.now().UTC()
	if !until.After(now) {
		until = now.Add(time.Minute)
	}
	err := p.mustWrite(ctx, func(tx store.Tx) error {
		return tx.PutSSOTicket(identity.SSOTicket{ID: hashID(methodID + "\x00" + assertionID), Kind: TicketSAMLAssertion, Data: "{}", ExpireTime: until}, now)
	})
	if errors.Is(err, store.ErrConflict) {
		return fail(ErrForbidden, "This SAML assertion was already used")
	}
	return err
}

// SSOAuthMethod is how a session made through m is recorded on its
// token: the protocol, the method's organization and the method, so that
// every organization's policy can decide on it without a lookup.
func SSOAuthMethod(m identity.AuthMethod) string { return m.Type + ":" + m.OrganizationID + ":" + m.ID }

// parseSSOAuthMethod splits what SSOAuthMethod recorded; ok is false for
// other sign-in methods (password).
func parseSSOAuthMethod(s string) (typ, orgID, methodID string, ok bool) {
	typ, rest, ok := strings.Cut(s, ":")
	if !ok {
		return "", "", "", false
	}
	orgID, methodID, ok = strings.Cut(rest, ":")
	return typ, orgID, methodID, ok
}

// SSOSignIn signs a person in with what m's identity provider said: the
// person is found by their subject at m (or, the first time, by an email
// on a domain m's organization verified), created when new (a managed
// user of the organization), made a member of the organization, added to
// the auto-join group on sign-up, and their groups are synchronised when
// m asks. The result is an ordinary session token, or the command line's
// one-time code.
func (p *Plane) SSOSignIn(ctx context.Context, prof SSOProfile, opt SignInOptions) (SSOResult, error) {
	prof.Email = org.CanonicalEmail(prof.Email)
	prof.Subject = strings.TrimSpace(prof.Subject)
	switch {
	case prof.Subject == "" || len(prof.Subject) > 512:
		return SSOResult{}, fail(ErrForbidden, "The identity provider sent no usable subject (user identifier)")
	case prof.Email == "" || !validEmail(prof.Email):
		return SSOResult{}, fail(ErrForbidden, "The identity provider sent no valid email address")
	case !prof.EmailVerified:
		return SSOResult{}, fail(ErrForbidden, "The identity provider says the email address %s is not verified", prof.Email)
	case len(prof.Groups) > maxGroupsClaim:
		return SSOResult{}, fail(ErrForbidden, "The identity provider lists more than %d groups", maxGroupsClaim)
	}
	var res SSOResult
	err := p.write(ctx, func(tx store.Tx) error {
		res = SSOResult{}
		m, err := tx.GetAuthMethod(prof.MethodID)
		if err != nil {
			return notFound(err, "Authentication method not found")
		}
		if !m.Enabled || m.State != identity.AuthMethodActive {
			return fail(ErrForbidden, "Sign-in through %q is not available", m.Name)
		}
		o, err := tx.GetOrganization(m.OrganizationID)
		if err != nil {
			return notFound(err, "Organization not found")
		}
		pol, err := p.policyFor(tx, o.ID)
		if err != nil {
			return err
		}
		if why := ssoRefusal(pol.AuthPolicy, m.Type); why != "" {
			return fail(ErrForbidden, "Refused by the authentication policy of organization %s: %s", o.ID, why)
		}
		u, created, linked, err := p.ssoUser(tx, m, o, prof)
		if err != nil {
			return err
		}
		actor := &Actor{User: u, ClientIP: opt.ClientIP}
		now := p.now().UTC()
		if _, err := tx.GetMember(o.ID, u.ID); errors.Is(err, store.ErrNotFound) {
			if err := tx.AddMember(identity.Membership{OrganizationID: o.ID, UserID: u.ID, JoinTime: now}); err != nil {
				return err
			}
			if err := p.event(tx, actor, eventOf{org: o.ID, account: o.AccountID, action: "user_join",
				desc: fmt.Sprintf("%s joined through %s sign-in %q", u.Email, strings.ToUpper(m.Type), m.Name)}); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		if err := p.syncGroups(tx, actor, m, o, u, prof, linked); err != nil {
			return err
		}
		desc := fmt.Sprintf("Signed in through %s method %q (%s)", strings.ToUpper(m.Type), m.Name, m.ID)
		if created {
			desc = fmt.Sprintf("Signed up through %s method %q (%s)", strings.ToUpper(m.Type), m.Name, m.ID)
		}
		if err := p.eventForUserOrgs(tx, u, opt.ClientIP, "user_login", desc); err != nil {
			return err
		}
		res.User, res.Created = u, created
		if opt.CLIChallenge != "" {
			code, _ := newCode()
			b, _ := json.Marshal(cliTicket{UserID: u.ID, MethodID: m.ID, Challenge: opt.CLIChallenge})
			res.CLICode = code
			return tx.PutSSOTicket(identity.SSOTicket{ID: hashID(code), Kind: TicketCLICode, Data: string(b), ExpireTime: now.Add(cliCodeTTL)}, now)
		}
		secret, t := p.ssoSession(u, m, opt.ClientIP, opt.UserAgent)
		res.Token = secret
		if t.ExpiryTime != nil {
			res.Expires = *t.ExpiryTime
		}
		return tx.CreateToken(t)
	})
	return res, err
}

// cliTicket is what a command-line sign-in leaves for the exchange.
type cliTicket struct {
	UserID    string `json:"user_id"`
	MethodID  string `json:"method_id"`
	Challenge string `json:"challenge"`
}

// ExchangeSSOCode hands the command line its session for the one-time
// code its loopback listener received, when verifier is the one whose
// SHA-256 (base64url, as PKCE's S256) it sent when it started.
func (p *Plane) ExchangeSSOCode(ctx context.Context, code, verifier, clientIP, userAgent string) (LoginResult, error) {
	if code == "" || verifier == "" || len(code) > 256 || len(verifier) > 256 {
		return LoginResult{}, fail(ErrInvalid, "code and code_verifier are required")
	}
	var ct cliTicket
	if err := p.TakeSSOTicket(ctx, TicketCLICode, code, &ct); err != nil {
		return LoginResult{}, err
	}
	sum := sha256.Sum256([]byte(verifier))
	if subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(ct.Challenge)) != 1 {
		return LoginResult{}, fail(ErrForbidden, "code_verifier does not match the sign-in's challenge")
	}
	var res LoginResult
	err := p.write(ctx, func(tx store.Tx) error {
		u, err := tx.GetUser(ct.UserID)
		if err != nil || !u.Active() {
			return fail(ErrForbidden, "The account is no longer active")
		}
		m, err := tx.GetAuthMethod(ct.MethodID)
		if err != nil {
			return fail(ErrForbidden, "The authentication method was removed")
		}
		secret, t := p.ssoSession(u, m, clientIP, userAgent)
		res = LoginResult{Token: secret, User: u}
		return tx.CreateToken(t)
	})
	return res, err
}

// ssoSession makes a session token recording the method it came through,
// with the method's lifetime when it sets one.
func (p *Plane) ssoSession(u identity.User, m identity.AuthMethod, clientIP, userAgent string) (string, token.Token) {
	secret, t := p.sessionToken(u, false, clientIP, userAgent)
	t.AuthMethod = SSOAuthMethod(m)
	t.Description = "login session (" + m.Type + ": " + m.Name + ")"
	if m.AuthTokenMaxAgeSeconds != nil {
		age := *m.AuthTokenMaxAgeSeconds
		exp := t.CreateTime.Add(time.Duration(age) * time.Second)
		t.MaxAgeSeconds, t.ExpiryTime, t.ExtendWhenUsed = &age, &exp, m.AuthTokenExtendWhenUsed
	}
	return secret, t
}

// ssoUser finds or creates the person prof describes. linked reports
// that the subject was linked now (a first sign-in through m).
func (p *Plane) ssoUser(tx store.Tx, m identity.AuthMethod, o org.Organization, prof SSOProfile) (u identity.User, created, linked bool, err error) {
	now := p.now().UTC()
	link, err := tx.GetSSOIdentity(m.ID, prof.Subject)
	switch {
	case err == nil:
		u, err = tx.GetUser(link.UserID)
		if err != nil {
			return u, false, false, err
		}
		if !u.Active() {
			return u, false, false, fail(ErrForbidden, "The account %s is deactivated", u.Email)
		}
		return u, false, false, nil
	case !errors.Is(err, store.ErrNotFound):
		return u, false, false, err
	}
	// A first sign-in: the email must be on a domain the organization
	// proved it controls, so that an identity provider cannot claim (or
	// take over) an address of someone else.
	name := org.EmailDomain(prof.Email)
	d, err := tx.GetVerifiedDomain(name)
	if errors.Is(err, store.ErrNotFound) || err == nil && d.OrganizationID != o.ID {
		return u, false, false, fail(ErrForbidden, "%s is not on a domain organization %s has verified: verify the domain before its people sign in through %q", prof.Email, o.Name, m.Name)
	}
	if err != nil {
		return u, false, false, err
	}
	u, err = tx.GetUserByEmail(prof.Email)
	switch {
	case err == nil:
		if u.IsApplication || !u.Active() {
			return u, false, false, fail(ErrForbidden, "The account %s cannot sign in", u.Email)
		}
	case errors.Is(err, store.ErrNotFound):
		realName := strings.TrimSpace(prof.RealName)
		if org.ValidateName("real_name", realName) != nil {
			realName = prof.Email
		}
		u = identity.User{ID: org.NewID(org.PrefixUser), Email: prof.Email, RealName: realName, State: identity.StateActive,
			CreateTime: now, UpdateTime: now}
		if err := p.markManaged(tx, &u); err != nil {
			return u, false, false, err
		}
		if err := tx.CreateUser(u); err != nil {
			return u, false, false, err
		}
		if err := p.record(tx, userChange(u.ID, true)); err != nil {
			return u, false, false, err
		}
		created = true
	default:
		return u, false, false, err
	}
	if err := tx.CreateSSOIdentity(identity.SSOIdentity{MethodID: m.ID, Subject: prof.Subject, UserID: u.ID, CreateTime: now}); err != nil {
		return u, false, false, err
	}
	return u, created, true, nil
}

// syncGroups adds a person signing up to the method's auto-join group and,
// when the method synchronises groups, makes their memberships of the
// organization's groups match the names the provider listed (the
// auto-join group is kept).
func (p *Plane) syncGroups(tx store.Tx, a *Actor, m identity.AuthMethod, o org.Organization, u identity.User, prof SSOProfile, signUp bool) error {
	now := p.now().UTC()
	var changes []authz.Change
	var added, removed []string
	current, err := tx.ListUserGroups(o.ID, u.ID)
	if err != nil {
		return err
	}
	isMember := func(id string) bool {
		return slices.ContainsFunc(current, func(g identity.Group) bool { return g.ID == id })
	}
	add := func(g identity.Group) error {
		if isMember(g.ID) {
			return nil
		}
		if err := tx.AddGroupMember(identity.GroupMember{GroupID: g.ID, UserID: u.ID, JoinTime: now}); err != nil {
			return err
		}
		current = append(current, g)
		changes, added = append(changes, authz.AddMember(g.ID, u.ID)), append(added, g.Name)
		return nil
	}
	if signUp && m.AutoJoinGroupID != "" {
		if g, err := tx.GetGroup(m.AutoJoinGroupID); err == nil && g.OrganizationID == o.ID {
			if err := add(g); err != nil {
				return err
			}
		}
	}
	if m.SAMLJoinGroups && prof.GroupsGiven {
		want := map[string]bool{}
		for _, n := range prof.Groups {
			want[strings.TrimSpace(n)] = true
		}
		groups, err := tx.ListGroups(o.ID)
		if err != nil {
			return err
		}
		for _, g := range groups {
			switch {
			case want[g.Name]:
				if err := add(g); err != nil {
					return err
				}
			case isMember(g.ID) && g.ID != m.AutoJoinGroupID:
				if err := tx.RemoveGroupMember(g.ID, u.ID); err != nil {
					return err
				}
				changes, removed = append(changes, authz.RemoveMember(g.ID, u.ID)), append(removed, g.Name)
			}
		}
	}
	if len(changes) == 0 {
		return nil
	}
	if err := p.record(tx, changes...); err != nil {
		return err
	}
	return p.event(tx, a, eventOf{org: o.ID, account: o.AccountID, action: "user_group_members_update",
		desc: fmt.Sprintf("Groups of %s from %s sign-in %q: added [%s], removed [%s]", u.Email, strings.ToUpper(m.Type), m.Name,
			strings.Join(added, ", "), strings.Join(removed, ", "))})
}

// ssoRefusal says why pol refuses sessions made through a method of type
// typ of its own organization, or "".
func ssoRefusal(pol identity.AuthPolicy, typ string) string {
	switch {
	case typ == identity.AuthMethodSAML && !pol.SAMLEnabled:
		return "the organization does not allow SAML sign-in"
	case typ == identity.AuthMethodOIDC && !pol.OAuthEnabled:
		return "the organization does not allow OpenID Connect sign-in"
	}
	return ""
}

func validEmail(s string) bool {
	_, err := org.ValidateEmail("email", s)
	return err == nil
}

// SSODiscovery is where a person signs in: home realm discovery's answer.
type SSODiscovery struct {
	Found           bool
	MethodID        string
	MethodName      string
	MethodType      string
	LoginURL        string
	PasswordAllowed bool
}

// DiscoverSSO answers which identity provider a person signs in
// through: for an email, the enabled method its domain is linked to; for
// an organization (the command line's --organization-id), its first
// enabled method. Anyone may ask; the answer says only what the sign-in
// page shows.
func (p *Plane) DiscoverSSO(ctx context.Context, email, orgID string) (SSODiscovery, error) {
	if orgID != "" {
		if err := org.ValidateID("organization_id", org.PrefixOrganization, orgID); err != nil {
			return SSODiscovery{}, err
		}
	} else if email = org.CanonicalEmail(email); email == "" || !validEmail(email) {
		return SSODiscovery{}, fail(ErrInvalid, "email (or organization_id) is required: a valid email address")
	}
	var out SSODiscovery
	err := p.read(ctx, func(tx store.Reader) error {
		out = SSODiscovery{PasswordAllowed: true}
		m, pol, ok, err := p.linkedMethod(tx, email)
		if orgID != "" {
			m, pol, ok, err = p.orgMethod(tx, orgID)
		}
		if err != nil || !ok {
			return err
		}
		out = SSODiscovery{Found: true, MethodID: m.ID, MethodName: m.Name, MethodType: m.Type,
			LoginURL: p.SSOEndpoints(m).Login, PasswordAllowed: pol.PasswordAuthEnabled}
		return nil
	})
	return out, err
}

// orgMethod finds an organization's first enabled, configured method.
func (p *Plane) orgMethod(tx store.Reader, orgID string) (identity.AuthMethod, identity.AuthPolicy, bool, error) {
	ms, err := tx.ListAuthMethods(orgID)
	if err != nil {
		return identity.AuthMethod{}, identity.AuthPolicy{}, false, err
	}
	for _, m := range ms {
		if m.Enabled && m.State == identity.AuthMethodActive {
			pol, err := p.policyFor(tx, orgID)
			if err != nil {
				return m, identity.AuthPolicy{}, false, err
			}
			return m, pol.AuthPolicy, true, nil
		}
	}
	return identity.AuthMethod{}, identity.AuthPolicy{}, false, nil
}

// linkedMethod finds the enabled, configured method email's verified
// domain is linked to, with its organization's policy.
func (p *Plane) linkedMethod(tx store.Reader, email string) (identity.AuthMethod, identity.AuthPolicy, bool, error) {
	name := org.EmailDomain(email)
	if name == "" {
		return identity.AuthMethod{}, identity.AuthPolicy{}, false, nil
	}
	d, err := tx.GetVerifiedDomain(name)
	if errors.Is(err, store.ErrNotFound) {
		return identity.AuthMethod{}, identity.AuthPolicy{}, false, nil
	}
	if err != nil {
		return identity.AuthMethod{}, identity.AuthPolicy{}, false, err
	}
	m, err := tx.GetAuthMethodByDomain(d.ID)
	if errors.Is(err, store.ErrNotFound) {
		return identity.AuthMethod{}, identity.AuthPolicy{}, false, nil
	}
	if err != nil {
		return identity.AuthMethod{}, identity.AuthPolicy{}, false, err
	}
	if !m.Enabled || m.State != identity.AuthMethodActive {
		return identity.AuthMethod{}, identity.AuthPolicy{}, false, nil
	}
	pol, err := p.policyFor(tx, m.OrganizationID)
	if err != nil {
		return identity.AuthMethod{}, identity.AuthPolicy{}, false, err
	}
	return m, pol.AuthPolicy, true, nil
}
