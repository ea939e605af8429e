package control

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/mail"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

// Managed users: a person whose email is on a domain an organization has
// verified is managed by that organization (User.ManagingOrgID), whether
// or not a member of it. The organization's admins may then list and
// revoke the user's tokens and reset the user's password; the user may not
// create organizations. Application users are never managed.
const (
	OpOrganizationUserTokensList    Op = "OrganizationUserTokensList"
	OpOrganizationUserRevokeToken   Op = "OrganizationUserRevokeToken"
	OpOrganizationUserPasswordReset Op = "OrganizationUserPasswordReset"
	OpOrganizationManagedUsersList  Op = "OrganizationManagedUsersList" // Gatehouse's own
)

func init() {
	addRequirements(map[Op]rule{
		OpOrganizationUserTokensList:    anyOf("organization:users:write"),
		OpOrganizationUserRevokeToken:   anyOf("organization:users:write"),
		OpOrganizationUserPasswordReset: anyOf("organization:users:write"),
		OpOrganizationManagedUsersList:  anyOf("organization:users:write"),
	})
}

// markManaged sets u.ManagingOrgID when u's email is on a domain some
// organization has verified. It writes nothing: every path that creates a
// person calls it on the user before tx.CreateUser (bootstrap, invitation
// acceptance, sign-up), so a later user on a verified domain is managed
// from its first moment.
func (p *Plane) markManaged(tx store.Reader, u *identity.User) error {
	if u.IsApplication {
		return nil
	}
	name := org.EmailDomain(u.Email)
	if name == "" {
		return nil
	}
	d, err := tx.GetVerifiedDomain(name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil
	case err != nil:
		return err
	}
	u.ManagingOrgID = d.OrganizationID
	return nil
}

// manageDomainUsers makes every person on the verified domain d managed by
// d's organization and returns the IDs of those that changed.
func (p *Plane) manageDomainUsers(tx store.Tx, d org.Domain) ([]string, error) {
	users, err := domainUsers(tx, d)
	if err != nil {
		return nil, err
	}
	var changed []string
	now := p.now().UTC()
	for _, u := range users {
		if u.IsApplication || u.ManagingOrgID == d.OrganizationID {
			continue
		}
		u.ManagingOrgID, u.UpdateTime = d.OrganizationID, now
		if err := tx.UpdateUser(u); err != nil {
			return nil, err
		}
		changed = append(changed, u.ID)
	}
	return changed, nil
}

// releaseDomainUsers ends the management of the people on domain d by its
// organization (the domain was removed or unverified).
func (p *Plane) releaseDomainUsers(tx store.Tx, d org.Domain) ([]string, error) {
	// Start from whom the organization manages, so every spelling of the
	// domain in an email is released.
	managed, err := tx.ListManagedUsers(d.OrganizationID)
	if err != nil {
		return nil, err
	}
	var users []identity.User
	for _, u := range managed {
		if org.EmailDomain(u.Email) == d.Name {
			users = append(users, u)
		}
	}
	return p.release(tx, users, d.OrganizationID)
}

// domainUsers returns the users whose email is on d, spelled in ASCII
// or, for an internationalized domain, in Unicode.
func domainUsers(tx store.Reader, d org.Domain) ([]identity.User, error) {
	var out []identity.User
	for _, name := range org.DomainSpellings(d.Name) {
		users, err := tx.ListUsersByEmailDomain(name)
		if err != nil {
			return nil, err
		}
		out = append(out, users...)
	}
	return out, nil
}

// releaseOrganization ends the management of every user orgID manages,
// before the organization is deleted.
func (p *Plane) releaseOrganization(tx store.Tx, orgID string) ([]string, error) {
	users, err := tx.ListManagedUsers(orgID)
	if err != nil {
		return nil, err
	}
	return p.release(tx, users, orgID)
}

func (p *Plane) release(tx store.Tx, users []identity.User, orgID string) ([]string, error) {
	var changed []string
	now := p.now().UTC()
	for _, u := range users {
		if u.ManagingOrgID != orgID {
			continue
		}
		u.ManagingOrgID, u.UpdateTime = "", now
		if err := tx.UpdateUser(u); err != nil {
			return nil, err
		}
		changed = append(changed, u.ID)
	}
	return changed, nil
}

// forgetUsers drops cached tokens of users whose management changed, so
// this server sees the change at once (others within the cache's TTL).
func (p *Plane) forgetUsers(ids []string) {
	for _, id := range ids {
		p.tokens.dropUser(id)
	}
}

// managedUser loads a user orgID manages, after checking the actor's
// right for op on the organization and that the actor holds at least the
// user's access (guardTarget; verb says what is refused). A user the
// organization does not manage is refused with a message that says so.
func (p *Plane) managedUser(tx store.Reader, a *Actor, op Op, verb, orgID, userID string) (org.Organization, identity.User, error) {
	o, err := p.organization(tx, orgID)
	if err != nil {
		return o, identity.User{}, err
	}
	if err := p.authorize(tx, a, op, orgRes(o.ID)); err != nil {
		return o, identity.User{}, err
	}
	if err := org.ValidateID("member_user_id", org.PrefixUser, userID); err != nil {
		return o, identity.User{}, err
	}
	u, err := tx.GetUser(userID)
	if err != nil {
		return o, u, notFound(err, "User not found")
	}
	if u.ManagingOrgID != o.ID {
		return o, u, fail(ErrForbidden, "User %s is not managed by organization %s: only users on its verified domains are", u.ID, o.ID)
	}
	return o, u, p.guardTarget(tx, a, o, u, verb)
}

// guardTarget refuses an action on person u taken by an actor with less
// access: a password reset, a token or a profile edit can hand the
// account over, so acting on someone must never give the actor more than
// it already holds. A super admin of any organization is acted on only by
// a super admin of o; anyone else only by an actor holding, on o and on
// every resource of o the target holds grants on (its own or its groups'),
// everything the target holds there, whether or not the target is
// active (a deactivated admin reactivated later must not be handed over).
// Acting on oneself is always allowed.
func (p *Plane) guardTarget(tx store.Reader, a *Actor, o org.Organization, u identity.User, verb string) error {
	if u.ID == a.User.ID {
		return nil
	}
	actorSuper := p.engine.IsSuperAdmin(o.ID, a.User.ID)
	if actorSuper {
		return nil
	}
	ms, err := tx.ListUserMemberships(u.ID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.IsSuperAdmin {
			return fail(ErrForbidden, "Only a super admin of organization %s can %s %s: that user is a super admin", o.ID, verb, u.Email)
		}
	}
	ix := p.engine.Index()
	grants := ix.GrantsOf(authz.PrincipalUser, u.ID)
	groups, err := tx.ListUserGroups(o.ID, u.ID)
	if err != nil {
		return err
	}
	for _, g := range groups {
		grants = append(grants, ix.GrantsOf(authz.PrincipalGroup, g.ID)...)
	}
	for _, g := range grants {
		if id, ok := ix.OrgOf(g.Resource); !ok || id != o.ID {
			continue
		}
		if more := g.Perms.Expand() &^ ix.Effective(a.User.ID, g.Resource); more != 0 {
			return fail(ErrForbidden, "You cannot %s %s: that user holds %s on %s %s, which you do not",
				verb, u.Email, strings.Join(more.Strings(), ", "), g.Resource.Kind, displayID(g.Resource))
		}
	}
	return nil
}

// ManagedUserTokens lists the tokens of a user the organization manages.
func (p *Plane) ManagedUserTokens(ctx context.Context, a *Actor, orgID, userID string) ([]token.Token, error) {
	var out []token.Token
	err := p.read(ctx, func(tx store.Reader) error {
		_, u, err := p.managedUser(tx, a, OpOrganizationUserTokensList, "list the tokens of", orgID, userID)
		if err != nil {
			return err
		}
		out, err = tx.ListTokens(u.ID)
		return err
	})
	return out, err
}

// RevokeManagedUserToken revokes one token of a user the organization
// manages, by its prefix.
func (p *Plane) RevokeManagedUserToken(ctx context.Context, a *Actor, orgID, userID, prefix string) error {
	if prefix == "" || len(prefix) > 64 {
		return fail(ErrInvalid, "token_prefix %q is not a valid token prefix", prefix)
	}
	var hash string
	err := p.write(ctx, func(tx store.Tx) error {
		o, u, err := p.managedUser(tx, a, OpOrganizationUserRevokeToken, "revoke tokens of", orgID, userID)
		if err != nil {
			return err
		}
		t, err := tx.GetTokenByPrefix(u.ID, prefix)
		if err != nil {
			return notFound(err, "Token not found")
		}
		if err := tx.DeleteToken(t.Hash); err != nil {
			return err
		}
		hash = t.Hash
		return p.event(tx, a, eventOf{org: o.ID, account: o.AccountID, action: "managed_user_token_revoke", desc: fmt.Sprintf("Revoked token %s of managed user %s", t.Prefix, u.Email)})
	})
	if hash != "" {
		p.tokens.drop(hash)
	}
	return err
}

// PasswordReset is what ResetManagedUserPassword did. When no SMTP relay
// is configured, TemporaryPassword holds the new password for the admin
// to hand over; otherwise it was emailed and is empty.
type PasswordReset struct {
	Emailed           bool
	TemporaryPassword string
}

// ResetManagedUserPassword replaces a managed user's password with a new
// random one and emails it to the user. Every session and personal token
// of the user ends with it: a reset is what an admin does when the account
// may be in someone else's hands, and a token left alive would outlast it.
func (p *Plane) ResetManagedUserPassword(ctx context.Context, a *Actor, orgID, userID string) (PasswordReset, error) {
	// Check the caller and the user before paying for a password hash
	// (32 MiB and tens of milliseconds): otherwise any signed-in caller
	// could make the server hash on demand with made-up IDs.
	if err := p.read(ctx, func(tx store.Reader) error {
		_, u, err := p.managedUser(tx, a, OpOrganizationUserPasswordReset, "reset the password of", orgID, userID)
		if err == nil && u.IsApplication {
			err = fail(ErrInvalid, "Application users have no password")
		}
		return err
	}); err != nil {
		return PasswordReset{}, err
	}
	pw := identity.GeneratePassword(20)
	hash, err := p.hashPassword(ctx, pw)
	if err != nil {
		return PasswordReset{}, err
	}
	var (
		u identity.User
		o org.Organization
	)
	err = p.write(ctx, func(tx store.Tx) error {
		var err error
		if o, u, err = p.managedUser(tx, a, OpOrganizationUserPasswordReset, "reset the password of", orgID, userID); err != nil {
			return err
		}
		if u.IsApplication {
			return fail(ErrInvalid, "Application users have no password")
		}
		if err := p.setUserPassword(tx, u, hash); err != nil {
			return err
		}
		n, err := p.revokeUserTokens(tx, u, "managed password reset")
		if err != nil {
			return err
		}
		return p.event(tx, a, eventOf{org: o.ID, account: o.AccountID, action: "managed_user_password_reset", desc: fmt.Sprintf("Reset the password of managed user %s; revoked their %d sessions and tokens", u.Email, n)})
	})
	if err != nil {
		return PasswordReset{}, err
	}
	p.tokens.dropUser(u.ID)
	msg := mail.Message{To: u.Email, Subject: "Your Gatehouse password was reset",
		Text: fmt.Sprintf("An administrator of organization %s reset your Gatehouse password.\n\nYour new password: %s\n\nSign in and change it.\n", o.Name, pw)}
	switch err := p.cfg.mailer.Send(ctx, msg); {
	case err == nil:
		return PasswordReset{Emailed: true}, nil
	case errors.Is(err, mail.ErrNotConfigured):
		return PasswordReset{TemporaryPassword: pw}, nil
	default:
		// The password was changed but could not be delivered: say so,
		// and hand it to the admin rather than lock the user out.
		p.log.Warn("emailing a password reset failed", "user", u.ID, "err", err)
		return PasswordReset{TemporaryPassword: pw}, nil
	}
}

// ManagedUser is a user of one of an organization's verified domains, and
// whether the user is also a member of the organization.
type ManagedUser struct {
	User     identity.User
	IsMember bool
}

// ListManagedUsers returns every user the organization manages, members
// or not: the organization sees all users of its domains.
func (p *Plane) ListManagedUsers(ctx context.Context, a *Actor, orgID string) ([]ManagedUser, error) {
	var out []ManagedUser
	err := p.read(ctx, func(tx store.Reader) error {
		o, err := p.authorizedOrg(tx, a, OpOrganizationManagedUsersList, orgID)
		if err != nil {
			return err
		}
		users, err := tx.ListManagedUsers(o.ID)
		if err != nil {
			return err
		}
		isMember, err := membersAmong(tx, o.ID, users)
		if err != nil {
			return err
		}
		for _, u := range users {
			out = append(out, ManagedUser{User: u, IsMember: isMember[u.ID]})
		}
		return nil
	})
	return out, err
}

// lookUpMembersBelow: for fewer users than this, membership is looked up
// user by user; for more, the organization's members are read at once.
// Either way the cost follows the users asked about, not the size of the
// organization (an organization of 100,000 members with one managed user
// costs one lookup).
const lookUpMembersBelow = 1000

// membersAmong tells which of users are members of orgID.
func membersAmong(tx store.Reader, orgID string, users []identity.User) (map[string]bool, error) {
	out := make(map[string]bool, len(users))
	if len(users) < lookUpMembersBelow {
		for _, u := range users {
			_, err := tx.GetMember(orgID, u.ID)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, err
			}
			out[u.ID] = err == nil
		}
		return out, nil
	}
	members, err := tx.ListMembers(orgID)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		out[m.UserID] = true
	}
	return out, nil
}
