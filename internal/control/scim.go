package control

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

// SCIM 2.0 provisioning: an authentication method with scim_enabled has a
// bearer token (only its SHA-256 is stored) with which the organization's
// identity provider creates, updates, deactivates and removes its people
// and groups. Requests carrying the token are authorized by the token
// alone: it is the organization admin's delegation to the provider, scoped
// to that organization's users and groups, and every change it makes is an
// event whose actor is the method's token.

// OpAccountAuthenticationMethodSCIMTokenRotate replaces a method's SCIM
// token (Gatehouse's own operation).
const OpAccountAuthenticationMethodSCIMTokenRotate Op = "AccountAuthenticationMethodSCIMTokenRotate"

func init() {
	addRequirements(map[Op]rule{
		OpAccountAuthenticationMethodSCIMTokenRotate: anyOf("role:organization:admin"),
	})
}

// ErrPrecondition: the request named a version (If-Match) the resource
// no longer has.
var ErrPrecondition = errors.New("precondition failed")

const (
	// scimTokenPrefix lets secret scanners recognise a leaked SCIM token.
	scimTokenPrefix = "gthscim_"
	maxSCIMText     = 256
	maxSCIMMembers  = 10000
	msgBadSCIMToken = "Invalid or missing SCIM bearer token"
)

// SCIMURL is the SCIM base URL of m (empty unless SCIM is enabled): what
// an administrator enters at the identity provider with the token.
func (p *Plane) SCIMURL(m identity.AuthMethod) string {
	if !m.SCIMEnabled {
		return ""
	}
	return strings.TrimRight(p.cfg.publicURL, "/") + "/scim/v2/" + url.PathEscape(m.ID)
}

func newSCIMToken() (secret string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return scimTokenPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// setSCIMToken gives m a new SCIM token, storing its hash; the secret is
// in m.SCIMToken for the answer of this call only.
func (p *Plane) setSCIMToken(tx store.Tx, m *identity.AuthMethod) error {
	secret, err := newSCIMToken()
	if err != nil {
		return err
	}
	if err := tx.SetSCIMTokenHash(m.ID, token.Hash(secret), p.now().UTC()); err != nil {
		return err
	}
	m.SCIMToken = secret
	return nil
}

// syncSCIM follows a change of m's scim_enabled inside the transaction that
// stores m: enabling creates a token, disabling deletes it, so a disabled
// method's token never works again even if SCIM is re-enabled later.
func (p *Plane) syncSCIM(tx store.Tx, wasEnabled bool, m *identity.AuthMethod) error {
	m.SCIMURL = p.SCIMURL(*m)
	switch {
	case m.SCIMEnabled && !wasEnabled:
		return p.setSCIMToken(tx, m)
	case !m.SCIMEnabled && wasEnabled:
		return tx.DeleteSCIMTokenHash(m.ID)
	}
	return nil
}

// RotateSCIMToken replaces a method's SCIM token: the old one stops
// working with the commit, on every server (each request reads the hash).
func (p *Plane) RotateSCIMToken(ctx context.Context, a *Actor, accountID, id string) (identity.AuthMethod, error) {
	var m identity.AuthMethod
	err := p.write(ctx, func(tx store.Tx) error {
		o, err := p.authMethodOrg(tx, a, OpAccountAuthenticationMethodSCIMTokenRotate, accountID)
		if err != nil {
			return err
		}
		if m, err = p.authMethod(tx, o.ID, id); err != nil {
			return err
		}
		if !m.SCIMEnabled {
			return fail(ErrConflict, "SCIM is not enabled on authentication method %q; enable it with scim_enabled, which answers a token", m.Name)
		}
		if err := p.setSCIMToken(tx, &m); err != nil {
			return err
		}
		m.SCIMURL = p.SCIMURL(m)
		return p.event(tx, a, eventOf{org: o.ID, account: o.AccountID, action: "authentication_method_scim_token_rotate",
			desc: fmt.Sprintf("Rotated the SCIM token of authentication method %q (%s); the previous token stopped working", m.Name, m.ID)})
	})
	return m, err
}

// SCIMClient is the caller of a SCIM request: an authentication method,
// proven by its token.
type SCIMClient struct {
	MethodID       string
	OrganizationID string
	actor          *Actor
}

// AuthenticateSCIM checks a SCIM bearer token for a method. Every refusal
// is the same 401, whether the method is missing, has SCIM disabled or the
// token is wrong, so the answer tells a prober nothing.
func (p *Plane) AuthenticateSCIM(ctx context.Context, methodID, secret, clientIP string) (*SCIMClient, error) {
	got := token.Hash(secret)
	if secret == "" || org.ValidateID("method_id", identity.PrefixAuthMethod, methodID) != nil {
		return nil, fail(ErrUnauthenticated, msgBadSCIMToken)
	}
	var c *SCIMClient
	err := p.read(ctx, func(tx store.Reader) error {
		m, err := tx.GetAuthMethod(methodID)
		if errors.Is(err, store.ErrNotFound) || err == nil && !m.SCIMEnabled {
			return fail(ErrUnauthenticated, msgBadSCIMToken)
		}
		if err != nil {
			return err
		}
		want, err := tx.GetSCIMTokenHash(m.ID)
		if errors.Is(err, store.ErrNotFound) {
			return fail(ErrUnauthenticated, msgBadSCIMToken)
		}
		if err != nil {
			return err
		}
		if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			return fail(ErrUnauthenticated, msgBadSCIMToken)
		}
		c = &SCIMClient{MethodID: m.ID, OrganizationID: m.OrganizationID, actor: &Actor{
			User:     identity.User{ID: m.ID, Email: fmt.Sprintf("SCIM token of authentication method %q (%s)", m.Name, m.ID)},
			ClientIP: clientIP,
		}}
		return nil
	})
	return c, err
}

// SCIMVersion is the weak ETag (meta.version) of a resource last changed
// at t.
func SCIMVersion(t time.Time) string { return fmt.Sprintf(`W/"%d"`, t.UnixMicro()) }

func checkVersion(ifMatch string, t time.Time) error {
	if ifMatch == "" || ifMatch == "*" {
		return nil
	}
	for v := range strings.SplitSeq(ifMatch, ",") {
		v = strings.TrimSpace(v)
		if v == SCIMVersion(t) || "W/"+v == SCIMVersion(t) {
			return nil
		}
	}
	return fail(ErrPrecondition, "The resource changed: its version is now %s, not %s", SCIMVersion(t), ifMatch)
}

// nextVersion is a new UpdateTime for a resource: now, or just after its
// current one, so two changes within a clock tick still change the ETag.
func (p *Plane) nextVersion(old time.Time) time.Time {
	now := p.now().UTC().Truncate(time.Microsecond)
	if !now.After(old) {
		now = old.Add(time.Microsecond)
	}
	return now
}

// SCIMFilter selects resources by one attribute ("" selects all):
// userName (case-insensitive) or externalId for users, displayName
// (case-insensitive) or externalId for groups.
type SCIMFilter struct {
	Attr, Value string
}

// SCIMUser is a provisioned person.
type SCIMUser struct {
	identity.SCIMUser
	User identity.User
}

// SCIMUserInput holds a user's attributes as SCIM sends them; nil leaves
// one as it is (patch) or unset (create).
type SCIMUserInput struct {
	UserName    *string
	ExternalID  *string
	GivenName   *string
	FamilyName  *string
	DisplayName *string
	// Email is the primary (or work) email; the account's email comes
	// from it, or from userName when none is given.
	Email  *string
	Active *bool
}

func checkSCIMText(field string, v *string) error {
	if v == nil {
		return nil
	}
	if !utf8.ValidString(*v) || utf8.RuneCountInString(*v) > maxSCIMText || strings.ContainsAny(*v, "\x00\n\r") {
		return fail(ErrInvalid, "%s must be at most %d characters of text on one line", field, maxSCIMText)
	}
	return nil
}

func (in SCIMUserInput) validate() error {
	for _, f := range []struct {
		name string
		v    *string
	}{{"userName", in.UserName}, {"externalId", in.ExternalID}, {"name.givenName", in.GivenName},
		{"name.familyName", in.FamilyName}, {"displayName", in.DisplayName}, {"emails", in.Email}} {
		if err := checkSCIMText(f.name, f.v); err != nil {
			return err
		}
	}
	if in.UserName != nil && strings.TrimSpace(*in.UserName) == "" {
		return fail(ErrInvalid, "userName must not be empty")
	}
	return nil
}

// realName is the person's name from the input, or "" when it has none.
func (in SCIMUserInput) realName(rec identity.SCIMUser) string {
	if in.DisplayName != nil && strings.TrimSpace(*in.DisplayName) != "" {
		return strings.TrimSpace(*in.DisplayName)
	}
	return strings.TrimSpace(rec.GivenName + " " + rec.FamilyName)
}

// scimEmail is the account email the input names: its email, else its
// userName when that is an address.
func (in SCIMUserInput) scimEmail() (string, error) {
	if in.Email != nil && *in.Email != "" {
		return org.ValidateEmail("emails", *in.Email)
	}
	if in.UserName == nil {
		return "", fail(ErrInvalid, "userName is required")
	}
	e, err := org.ValidateEmail("userName", *in.UserName)
	if err != nil {
		return "", fail(ErrInvalid, "userName %q is not an email address and no primary email was given: Gatehouse accounts are identified by email", *in.UserName)
	}
	return e, nil
}

// scimOrg loads the client's organization.
func (p *Plane) scimOrg(tx store.Reader, c *SCIMClient) (org.Organization, error) {
	return p.organization(tx, c.OrganizationID)
}

// scimUser loads a user the client's method provisioned, or answers 404.
func (p *Plane) scimUser(tx store.Reader, c *SCIMClient, userID string) (SCIMUser, error) {
	if org.ValidateID("id", org.PrefixUser, userID) != nil {
		return SCIMUser{}, fail(ErrNotFound, "User %s not found", userID)
	}
	rec, err := tx.GetSCIMUser(c.MethodID, userID)
	if err != nil {
		return SCIMUser{}, notFound(err, fmt.Sprintf("User %s not found", userID))
	}
	u, err := tx.GetUser(userID)
	if err != nil {
		return SCIMUser{}, notFound(err, fmt.Sprintf("User %s not found", userID))
	}
	return SCIMUser{SCIMUser: rec, User: u}, nil
}

// scimUnique refuses a userName or externalId another user of the method
// already has (SCIM's uniqueness error).
func scimUnique(tx store.Reader, c *SCIMClient, self string, rec identity.SCIMUser) error {
	all, err := tx.ListSCIMUsers(c.MethodID)
	if err != nil {
		return err
	}
	for _, o := range all {
		if o.UserID == self {
			continue
		}
		if strings.EqualFold(o.UserName, rec.UserName) {
			return fail(ErrExists, "A user with userName %q already exists", rec.UserName)
		}
		if rec.ExternalID != "" && o.ExternalID == rec.ExternalID {
			return fail(ErrExists, "A user with externalId %q already exists", rec.ExternalID)
		}
	}
	return nil
}

// SCIMPage selects a page of a SCIM list: Count resources from the
// 1-based StartIndex, as SCIM's query parameters say.
type SCIMPage struct {
	StartIndex int
	Count      int
}

// window is the part [lo, hi) of n matches the page covers.
func (pg SCIMPage) window(n int) (lo, hi int) {
	lo = min(max(pg.StartIndex, 1)-1, n)
	return lo, min(lo+max(pg.Count, 0), n)
}

// SCIMListUsers lists one page of the users the client's method
// provisioned, and how many match f in all. The method's provisioning
// records are filtered first; users are read only for the page.
func (p *Plane) SCIMListUsers(ctx context.Context, c *SCIMClient, f SCIMFilter, pg SCIMPage) ([]SCIMUser, int, error) {
	var (
		out   []SCIMUser
		total int
	)
	err := p.read(ctx, func(tx store.Reader) error {
		out = nil
		recs, err := tx.ListSCIMUsers(c.MethodID)
		if err != nil {
			return err
		}
		var match []identity.SCIMUser
		for _, r := range recs {
			switch f.Attr {
			case "userName":
				if !strings.EqualFold(r.UserName, f.Value) {
					continue
				}
			case "externalId":
				if r.ExternalID != f.Value {
					continue
				}
			case "":
			default:
				return fail(ErrInvalid, "Filtering users by %s is not supported", f.Attr)
			}
			match = append(match, r)
		}
		total = len(match)
		lo, hi := pg.window(total)
		for _, r := range match[lo:hi] {
			u, err := tx.GetUser(r.UserID)
			if err != nil {
				return err
			}
			out = append(out, SCIMUser{SCIMUser: r, User: u})
		}
		return nil
	})
	return out, total, err
}

// SCIMGetUser returns one provisioned user.
func (p *Plane) SCIMGetUser(ctx context.Context, c *SCIMClient, userID string) (SCIMUser, error) {
	var out SCIMUser
	err := p.read(ctx, func(tx store.Reader) (err error) {
		out, err = p.scimUser(tx, c, userID)
		return err
	})
	return out, err
}

// SCIMCreateUser provisions a person: a new account (managed by the
// organization when its email is on one of the organization's verified
// domains), or the existing account the organization manages, made a
// member of the organization. An existing account the organization does
// not manage is refused: provisioning must not take over someone else's
// account.
func (p *Plane) SCIMCreateUser(ctx context.Context, c *SCIMClient, in SCIMUserInput) (SCIMUser, error) {
	if err := in.validate(); err != nil {
		return SCIMUser{}, err
	}
	email, err := in.scimEmail()
	if err != nil {
		return SCIMUser{}, err
	}
	var out SCIMUser
	var ended []string
	err = p.write(ctx, func(tx store.Tx) error {
		ended = nil
		o, err := p.scimOrg(tx, c)
		if err != nil {
			return err
		}
		now := p.now().UTC().Truncate(time.Microsecond)
		rec := identity.SCIMUser{MethodID: c.MethodID, OrganizationID: o.ID, UserName: *in.UserName, Active: true, CreateTime: now, UpdateTime: now}
		applySCIMUserInput(&rec, in)
		if err := scimUnique(tx, c, "", rec); err != nil {
			return err
		}
		u, err := tx.GetUserByEmail(email)
		switch {
		case errors.Is(err, store.ErrNotFound):
			u = identity.User{ID: org.NewID(org.PrefixUser), Email: email, RealName: in.realName(rec), State: identity.StateActive,
				CreateTime: now, UpdateTime: now}
			if u.RealName == "" {
				u.RealName = email
			}
			if err := p.markManaged(tx, &u); err != nil {
				return err
			}
			if err := tx.CreateUser(u); err != nil {
				return err
			}
			if err := p.record(tx, userChange(u.ID, true)); err != nil {
				return err
			}
		case err != nil:
			return err
		case u.IsApplication:
			return fail(ErrExists, "%s is an application user and cannot be provisioned", email)
		case u.ManagingOrgID != o.ID:
			return fail(ErrExists, "An account for %s already exists and is not managed by this organization (its email is not on a domain the organization has verified); invite the person instead", email)
		default:
			if _, err := tx.GetSCIMUser(c.MethodID, u.ID); err == nil {
				return fail(ErrExists, "A user with email %s already exists", email)
			}
		}
		rec.UserID = u.ID
		if ended, err = p.scimSetActive(tx, c, o, &u, rec.Active, now); err != nil {
			return err
		}
		if err := tx.PutSCIMUser(rec); err != nil {
			return err
		}
		out = SCIMUser{SCIMUser: rec, User: u}
		return p.event(tx, c.actor, eventOf{org: o.ID, account: o.AccountID, action: "scim_user_create",
			desc: fmt.Sprintf("Provisioned %s (%s) through SCIM, %s", u.Email, u.ID, activeWord(rec.Active))})
	})
	if err == nil {
		p.forgetUsers(ended)
	}
	return out, err
}

func activeWord(on bool) string {
	if on {
		return "active"
	}
	return "inactive"
}

// applySCIMUserInput writes the SCIM attributes of in over rec.
func applySCIMUserInput(rec *identity.SCIMUser, in SCIMUserInput) []string {
	var changed []string
	set := func(name string, dst *string, v *string) {
		if v != nil && *v != *dst {
			*dst = *v
			changed = append(changed, name)
		}
	}
	set("userName", &rec.UserName, in.UserName)
	set("externalId", &rec.ExternalID, in.ExternalID)
	set("name.givenName", &rec.GivenName, in.GivenName)
	set("name.familyName", &rec.FamilyName, in.FamilyName)
	if in.Active != nil && *in.Active != rec.Active {
		rec.Active = *in.Active
		changed = append(changed, "active")
	}
	return changed
}

// scimSetActive makes u's standing in o follow SCIM's active: a person the
// organization manages is a member, deactivated or reactivated (their
// sessions and tokens stop or work again); anyone else is a member while
// active and removed from the organization when not. It returns the users
// whose cached tokens must be dropped.
func (p *Plane) scimSetActive(tx store.Tx, c *SCIMClient, o org.Organization, u *identity.User, active bool, now time.Time) ([]string, error) {
	mem, err := tx.GetMember(o.ID, u.ID)
	isMember := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	managed := u.ManagingOrgID == o.ID
	if active || managed {
		if !isMember {
			if err := tx.AddMember(identity.Membership{OrganizationID: o.ID, UserID: u.ID, JoinTime: now}); err != nil {
				return nil, err
			}
		}
	} else if isMember {
		return nil, p.dropMember(tx, c.actor, o, Member{Membership: mem, User: *u}, "SCIM")
	}
	if !managed {
		return nil, nil
	}
	state := identity.StateActive
	if !active {
		state = identity.StateDeactivated
		if isMember && mem.IsSuperAdmin {
			if err := p.keepASuperAdmin(tx, o.ID, u.ID, "deactivate"); err != nil {
				return nil, err
			}
		}
	}
	if u.State == state {
		return nil, nil
	}
	u.State, u.UpdateTime = state, now
	if err := tx.UpdateUser(*u); err != nil {
		return nil, err
	}
	if err := p.record(tx, userChange(u.ID, active)); err != nil {
		return nil, err
	}
	action, desc := "user_activate", "Reactivated "+u.Email+" through SCIM"
	if !active {
		action, desc = "user_deactivate", "Deactivated "+u.Email+" through SCIM; their sessions and tokens stopped working"
	}
	if err := p.event(tx, c.actor, eventOf{org: o.ID, account: o.AccountID, action: action, desc: desc}); err != nil {
		return nil, err
	}
	return []string{u.ID}, nil
}

// SCIMUpdateUser changes a provisioned user (SCIM's PUT and PATCH).
func (p *Plane) SCIMUpdateUser(ctx context.Context, c *SCIMClient, userID string, in SCIMUserInput, ifMatch string) (SCIMUser, error) {
	if err := in.validate(); err != nil {
		return SCIMUser{}, err
	}
	var out SCIMUser
	var ended []string
	err := p.write(ctx, func(tx store.Tx) error {
		ended = nil
		o, err := p.scimOrg(tx, c)
		if err != nil {
			return err
		}
		su, err := p.scimUser(tx, c, userID)
		if err != nil {
			return err
		}
		if err := checkVersion(ifMatch, su.UpdateTime); err != nil {
			return err
		}
		rec := su.SCIMUser
		changed := applySCIMUserInput(&rec, in)
		if err := scimUnique(tx, c, userID, rec); err != nil {
			return err
		}
		u := su.User
		now := p.nextVersion(rec.UpdateTime)
		if in.Email != nil && *in.Email != "" {
			e, err := org.ValidateEmail("emails", *in.Email)
			if err != nil {
				return err
			}
			if e != u.Email {
				if err := p.scimChangeEmail(tx, o, &u, e, now); err != nil {
					return err
				}
				changed = append(changed, "email")
			}
		}
		if u.ManagingOrgID == o.ID {
			if name := in.realName(rec); name != "" && name != u.RealName && (in.DisplayName != nil || in.GivenName != nil || in.FamilyName != nil) {
				if err := org.ValidateName("displayName", name); err != nil {
					return err
				}
				u.RealName, u.UpdateTime = name, now
				if err := tx.UpdateUser(u); err != nil {
					return err
				}
				changed = append(changed, "real name")
			}
		}
		if in.Active != nil {
			if ended, err = p.scimSetActive(tx, c, o, &u, rec.Active, now); err != nil {
				return err
			}
		}
		out = SCIMUser{SCIMUser: rec, User: u}
		if len(changed) == 0 {
			return nil
		}
		rec.UpdateTime = now
		out.SCIMUser = rec
		if err := tx.PutSCIMUser(rec); err != nil {
			return err
		}
		return p.event(tx, c.actor, eventOf{org: o.ID, account: o.AccountID, action: "scim_user_update",
			desc: fmt.Sprintf("Updated %s of %s through SCIM", strings.Join(changed, ", "), u.Email)})
	})
	if err == nil {
		p.forgetUsers(ended)
	}
	return out, err
}

// scimChangeEmail moves a person's account to a new email, which is their
// sign-in identity: only between domains the organization has verified,
// so the provider can never hand an account to an address it does not
// control, and only to an email no other account has.
func (p *Plane) scimChangeEmail(tx store.Tx, o org.Organization, u *identity.User, email string, now time.Time) error {
	probe := identity.User{Email: email}
	if err := p.markManaged(tx, &probe); err != nil {
		return err
	}
	if u.ManagingOrgID != o.ID || probe.ManagingOrgID != o.ID {
		return fail(ErrInvalid, "The email of %s cannot change to %s through SCIM: both must be on domains this organization has verified", u.Email, email)
	}
	if _, err := tx.GetUserByEmail(email); err == nil {
		return fail(ErrExists, "Another account already has the email %s", email)
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	u.Email, u.UpdateTime = email, now
	return tx.UpdateUser(*u)
}

// SCIMDeleteUser deprovisions a person: a person the organization manages
// is deactivated (sessions and tokens stop) and removed from it; anyone
// else is removed from it. The account itself stays.
func (p *Plane) SCIMDeleteUser(ctx context.Context, c *SCIMClient, userID string) error {
	var ended []string
	err := p.write(ctx, func(tx store.Tx) error {
		ended = nil
		o, err := p.scimOrg(tx, c)
		if err != nil {
			return err
		}
		su, err := p.scimUser(tx, c, userID)
		if err != nil {
			return err
		}
		u := su.User
		now := p.now().UTC()
		if u.ManagingOrgID == o.ID {
			if ended, err = p.scimSetActive(tx, c, o, &u, false, now); err != nil {
				return err
			}
		}
		mem, err := tx.GetMember(o.ID, u.ID)
		switch {
		case err == nil:
			if err := p.dropMember(tx, c.actor, o, Member{Membership: mem, User: u}, "SCIM"); err != nil {
				return err
			}
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		if err := tx.DeleteSCIMUser(c.MethodID, u.ID); err != nil {
			return err
		}
		return p.event(tx, c.actor, eventOf{org: o.ID, account: o.AccountID, action: "scim_user_delete",
			desc: fmt.Sprintf("Deprovisioned %s (%s) through SCIM", u.Email, u.ID)})
	})
	if err == nil {
		p.forgetUsers(ended)
	}
	return err
}

// SCIMGroup is a provisioned group with its members.
type SCIMGroup struct {
	identity.SCIMGroup
	Group   identity.Group
	Members []identity.User
}

// SCIMGroupInput holds a group's attributes as SCIM sends them; nil
// leaves one as it is. Members replaces the members; Add and Remove
// change them (user IDs).
type SCIMGroupInput struct {
	DisplayName *string
	ExternalID  *string
	Members     *[]string
	Add, Remove []string
}

func (in SCIMGroupInput) validate() error {
	if err := checkSCIMText("externalId", in.ExternalID); err != nil {
		return err
	}
	if in.DisplayName != nil {
		if err := validateGroup(in.DisplayName, nil); err != nil {
			return fail(ErrInvalid, "displayName must be 1 to %d characters", maxGroupName)
		}
	}
	n := len(in.Add) + len(in.Remove)
	if in.Members != nil {
		n += len(*in.Members)
	}
	if n > maxSCIMMembers {
		return fail(ErrInvalid, "At most %d members per request", maxSCIMMembers)
	}
	return nil
}

func (p *Plane) scimGroup(tx store.Reader, c *SCIMClient, id string) (SCIMGroup, error) {
	if org.ValidateID("id", org.PrefixGroup, id) != nil {
		return SCIMGroup{}, fail(ErrNotFound, "Group %s not found", id)
	}
	rec, err := tx.GetSCIMGroup(id)
	if err != nil || rec.MethodID != c.MethodID {
		return SCIMGroup{}, notFound(store.ErrNotFound, fmt.Sprintf("Group %s not found", id))
	}
	return p.loadSCIMGroup(tx, rec)
}

func (p *Plane) loadSCIMGroup(tx store.Reader, rec identity.SCIMGroup) (SCIMGroup, error) {
	g, err := tx.GetGroup(rec.GroupID)
	if err != nil {
		return SCIMGroup{}, err
	}
	ms, err := tx.ListGroupMembers(g.ID)
	if err != nil {
		return SCIMGroup{}, err
	}
	out := SCIMGroup{SCIMGroup: rec, Group: g}
	for _, m := range ms {
		u, err := tx.GetUser(m.UserID)
		if err != nil {
			return SCIMGroup{}, err
		}
		out.Members = append(out.Members, u)
	}
	return out, nil
}

// SCIMListGroups lists one page of the groups the client's method
// provisioned, and how many match f in all. Names come from one listing
// of the organization's groups; members are read only for the page.
func (p *Plane) SCIMListGroups(ctx context.Context, c *SCIMClient, f SCIMFilter, pg SCIMPage) ([]SCIMGroup, int, error) {
	var (
		out   []SCIMGroup
		total int
	)
	err := p.read(ctx, func(tx store.Reader) error {
		out = nil
		recs, err := tx.ListSCIMGroups(c.MethodID)
		if err != nil {
			return err
		}
		names := map[string]string{}
		if f.Attr == "displayName" {
			gs, err := tx.ListGroups(c.OrganizationID)
			if err != nil {
				return err
			}
			for _, g := range gs {
				names[g.ID] = g.Name
			}
		}
		var match []identity.SCIMGroup
		for _, r := range recs {
			switch f.Attr {
			case "displayName":
				if !strings.EqualFold(names[r.GroupID], f.Value) {
					continue
				}
			case "externalId":
				if r.ExternalID != f.Value {
					continue
				}
			case "":
			default:
				return fail(ErrInvalid, "Filtering groups by %s is not supported", f.Attr)
			}
			match = append(match, r)
		}
		total = len(match)
		lo, hi := pg.window(total)
		for _, r := range match[lo:hi] {
			g, err := p.loadSCIMGroup(tx, r)
			if err != nil {
				return err
			}
			out = append(out, g)
		}
		return nil
	})
	return out, total, err
}

// SCIMGetGroup returns one provisioned group.
func (p *Plane) SCIMGetGroup(ctx context.Context, c *SCIMClient, id string) (SCIMGroup, error) {
	var out SCIMGroup
	err := p.read(ctx, func(tx store.Reader) (err error) {
		out, err = p.scimGroup(tx, c, id)
		return err
	})
	return out, err
}

// SCIMCreateGroup provisions an organization group, marked managed by
// SCIM, with its members.
func (p *Plane) SCIMCreateGroup(ctx context.Context, c *SCIMClient, in SCIMGroupInput) (SCIMGroup, error) {
	if in.DisplayName == nil {
		return SCIMGroup{}, fail(ErrInvalid, "displayName is required")
	}
	if err := in.validate(); err != nil {
		return SCIMGroup{}, err
	}
	var out SCIMGroup
	err := p.write(ctx, func(tx store.Tx) error {
		o, err := p.scimOrg(tx, c)
		if err != nil {
			return err
		}
		now := p.now().UTC().Truncate(time.Microsecond)
		g := identity.Group{ID: org.NewID(org.PrefixGroup), OrganizationID: o.ID, Name: *in.DisplayName, ManagedBySCIM: true,
			Description: "Provisioned through SCIM", CreateTime: now, UpdateTime: now}
		if err := tx.CreateGroup(g); err != nil {
			return conflict(err, fmt.Sprintf("A group named %q already exists", g.Name))
		}
		rec := identity.SCIMGroup{MethodID: c.MethodID, OrganizationID: o.ID, GroupID: g.ID, CreateTime: now, UpdateTime: now}
		if in.ExternalID != nil {
			rec.ExternalID = *in.ExternalID
		}
		if err := tx.PutSCIMGroup(rec); err != nil {
			return err
		}
		changes := []authz.Change{authz.UpsertGroup(g.ID, o.ID)}
		if in.Members != nil {
			add, err := p.scimMemberChanges(tx, o, g.ID, nil, *in.Members, now)
			if err != nil {
				return err
			}
			changes = append(changes, add...)
		}
		if err := p.record(tx, changes...); err != nil {
			return err
		}
		if out, err = p.loadSCIMGroup(tx, rec); err != nil {
			return err
		}
		return p.event(tx, c.actor, eventOf{org: o.ID, account: o.AccountID, action: "user_group_create",
			desc: fmt.Sprintf("Provisioned group %q (%s) through SCIM with %d member(s)", g.Name, g.ID, len(out.Members))})
	})
	return out, err
}

// scimMemberChanges adds the users in add (org members only) and removes
// those in remove from group id, returning the engine changes.
func (p *Plane) scimMemberChanges(tx store.Tx, o org.Organization, id string, remove, add []string, now time.Time) ([]authz.Change, error) {
	var changes []authz.Change
	for _, uid := range remove {
		if err := tx.RemoveGroupMember(id, uid); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		changes = append(changes, authz.RemoveMember(id, uid))
	}
	for _, uid := range add {
		if org.ValidateID("members.value", org.PrefixUser, uid) != nil {
			return nil, fail(ErrInvalid, "Member %q is not a user ID", uid)
		}
		if _, err := tx.GetMember(o.ID, uid); err != nil {
			return nil, notFound(err, fmt.Sprintf("User %s is not a member of the organization; provision the user first", uid))
		}
		if err := tx.AddGroupMember(identity.GroupMember{GroupID: id, UserID: uid, JoinTime: now}); err != nil {
			return nil, err
		}
		changes = append(changes, authz.AddMember(id, uid))
	}
	return changes, nil
}

// SCIMUpdateGroup changes a provisioned group (SCIM's PUT and PATCH):
// its name, externalId and members.
func (p *Plane) SCIMUpdateGroup(ctx context.Context, c *SCIMClient, id string, in SCIMGroupInput, ifMatch string) (SCIMGroup, error) {
	if err := in.validate(); err != nil {
		return SCIMGroup{}, err
	}
	var out SCIMGroup
	err := p.write(ctx, func(tx store.Tx) error {
		o, err := p.scimOrg(tx, c)
		if err != nil {
			return err
		}
		sg, err := p.scimGroup(tx, c, id)
		if err != nil {
			return err
		}
		if err := checkVersion(ifMatch, sg.UpdateTime); err != nil {
			return err
		}
		now := p.nextVersion(sg.UpdateTime)
		var changed []string
		g := sg.Group
		if in.DisplayName != nil && *in.DisplayName != g.Name {
			g.Name, g.UpdateTime = *in.DisplayName, now
			if err := tx.UpdateGroup(g); err != nil {
				return conflict(err, fmt.Sprintf("A group named %q already exists", g.Name))
			}
			changed = append(changed, "displayName")
		}
		rec := sg.SCIMGroup
		if in.ExternalID != nil && *in.ExternalID != rec.ExternalID {
			rec.ExternalID = *in.ExternalID
			changed = append(changed, "externalId")
		}
		current := make([]string, 0, len(sg.Members))
		for _, u := range sg.Members {
			current = append(current, u.ID)
		}
		var add, remove []string
		if in.Members != nil {
			for _, uid := range *in.Members {
				if !slices.Contains(current, uid) && !slices.Contains(add, uid) {
					add = append(add, uid)
				}
			}
			for _, uid := range current {
				if !slices.Contains(*in.Members, uid) {
					remove = append(remove, uid)
				}
			}
		}
		for _, uid := range in.Remove {
			if slices.Contains(current, uid) && !slices.Contains(remove, uid) {
				remove = append(remove, uid)
			}
		}
		for _, uid := range in.Add {
			if (!slices.Contains(current, uid) || slices.Contains(remove, uid)) && !slices.Contains(add, uid) {
				add = append(add, uid)
			}
		}
		changes, err := p.scimMemberChanges(tx, o, g.ID, remove, add, now)
		if err != nil {
			return err
		}
		if len(changes) > 0 {
			changed = append(changed, fmt.Sprintf("members (+%d, -%d)", len(add), len(remove)))
		}
		if len(changed) == 0 {
			out = sg
			return nil
		}
		rec.UpdateTime = now
		if err := tx.PutSCIMGroup(rec); err != nil {
			return err
		}
		if err := p.record(tx, changes...); err != nil {
			return err
		}
		if out, err = p.loadSCIMGroup(tx, rec); err != nil {
			return err
		}
		return p.event(tx, c.actor, eventOf{org: o.ID, account: o.AccountID, action: "user_group_update",
			desc: fmt.Sprintf("Updated %s of group %q (%s) through SCIM", strings.Join(changed, ", "), g.Name, g.ID)})
	})
	return out, err
}

// SCIMDeleteGroup deletes a provisioned group, its memberships and grants.
func (p *Plane) SCIMDeleteGroup(ctx context.Context, c *SCIMClient, id string) error {
	return p.write(ctx, func(tx store.Tx) error {
		o, err := p.scimOrg(tx, c)
		if err != nil {
			return err
		}
		sg, err := p.scimGroup(tx, c, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteGroup(sg.GroupID); err != nil {
			return err
		}
		if err := p.record(tx, authz.DeleteGroup(sg.GroupID)); err != nil {
			return err
		}
		return p.event(tx, c.actor, eventOf{org: o.ID, account: o.AccountID, action: "user_group_delete",
			desc: fmt.Sprintf("Deleted group %q (%s) through SCIM", sg.Group.Name, sg.GroupID)})
	})
}

// guardSCIMManaged refuses a hand edit of a user or group the
// organization's identity provider manages through SCIM, unless the actor
// is a super admin: the provider would overwrite the edit, or the edit
// would silently break what the provider believes.
func (p *Plane) guardSCIMManaged(a *Actor, o org.Organization, managed bool, what string) error {
	if !managed || p.engine.IsSuperAdmin(o.ID, a.User.ID) {
		return nil
	}
	return fail(ErrForbidden, "%s is managed by the organization's identity provider through SCIM: change it there (only a super admin can change it here)", what)
}
