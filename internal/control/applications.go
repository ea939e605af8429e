package control

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

// Application-user operation IDs (Aiven's applicationuser handler).
const (
	OpApplicationUserCreate            Op = "ApplicationUserCreate"
	OpApplicationUsersList             Op = "ApplicationUsersList"
	OpApplicationUserGet               Op = "ApplicationUserGet"
	OpApplicationUserUpdate            Op = "ApplicationUserUpdate"
	OpApplicationUserDelete            Op = "ApplicationUserDelete"
	OpApplicationUserAccessTokenCreate Op = "ApplicationUserAccessTokenCreate"
	OpApplicationUserAccessTokensList  Op = "ApplicationUserAccessTokensList"
	OpApplicationUserAccessTokenDelete Op = "ApplicationUserAccessTokenDelete"
)

const (
	permAppUsersWrite      = "organization:app_users:write"
	maxApplicationUserName = 256
	// The .invalid top-level domain is reserved (RFC 2606): mail to an
	// application user's identifier can never be delivered anywhere.
	applicationUserEmailDomain = "application-users.invalid"
	msgNoSuperAdminApps        = "Application users cannot be super admins"
)

func init() {
	// permissions.yaml: every application-user call needs
	// organization:app_users:write on the organization. Token creation is
	// further limited by guardApplicationToken.
	addRequirements(map[Op]rule{
		OpApplicationUserCreate:            anyOf(permAppUsersWrite),
		OpApplicationUsersList:             anyOf(permAppUsersWrite),
		OpApplicationUserGet:               anyOf(permAppUsersWrite),
		OpApplicationUserUpdate:            anyOf(permAppUsersWrite),
		OpApplicationUserDelete:            anyOf(permAppUsersWrite),
		OpApplicationUserAccessTokenCreate: anyOf(permAppUsersWrite),
		OpApplicationUserAccessTokensList:  anyOf(permAppUsersWrite),
		OpApplicationUserAccessTokenDelete: anyOf(permAppUsersWrite),
	})
}

func validateApplicationUserName(name string) error {
	if strings.TrimSpace(name) == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > maxApplicationUserName {
		return fail(ErrInvalid, "name must be 1 to %d characters", maxApplicationUserName)
	}
	if strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return fail(ErrInvalid, "name must not contain control characters")
	}
	return nil
}

// CreateApplicationUser creates a non-human user in an organization. It
// gets a generated email-like identifier under a reserved domain (mail is
// never delivered there), no password, and can never be a super admin.
func (p *Plane) CreateApplicationUser(ctx context.Context, a *Actor, orgID, name string, superAdmin *bool) (identity.User, error) {
	if err := validateApplicationUserName(name); err != nil {
		return identity.User{}, err
	}
	if superAdmin != nil && *superAdmin {
		return identity.User{}, fail(ErrInvalid, "%s", msgNoSuperAdminApps)
	}
	var u identity.User
	err := p.write(ctx, func(tx store.Tx) error {
		o, err := p.authorizedOrg(tx, a, OpApplicationUserCreate, orgID)
		if err != nil {
			return err
		}
		now := p.now().UTC()
		id := org.NewID(org.PrefixUser)
		u = identity.User{ID: id, Email: id + "@" + applicationUserEmailDomain, RealName: name, State: identity.StateActive,
			IsApplication: true, CreateTime: now, UpdateTime: now}
		if err := tx.CreateUser(u); err != nil {
			return err
		}
		if err := tx.AddMember(identity.Membership{OrganizationID: o.ID, UserID: u.ID, JoinTime: now}); err != nil {
			return err
		}
		if err := p.record(tx, userChange(u.ID, true)); err != nil {
			return err
		}
		return p.event(tx, a, eventOf{org: o.ID, account: o.AccountID, action: "application_user_create", desc: fmt.Sprintf("Created application user %q (%s)", name, u.ID)})
	})
	return u, err
}

// applicationUser loads an application user of orgID.
func (p *Plane) applicationUser(tx store.Reader, orgID, id string) (identity.User, error) {
	const msg = "Application user not found"
	if err := org.ValidateID("user_id", org.PrefixUser, id); err != nil {
		return identity.User{}, fail(ErrNotFound, msg)
	}
	u, err := tx.GetUser(id)
	if err != nil {
		return u, notFound(err, msg)
	}
	if !u.IsApplication {
		return u, fail(ErrNotFound, msg)
	}
	if _, err := tx.GetMember(orgID, id); err != nil {
		return u, notFound(err, msg)
	}
	return u, nil
}

// orgAndApplicationUser loads the organization, authorizes op on it, and
// loads the application user.
func (p *Plane) orgAndApplicationUser(tx store.Reader, a *Actor, op Op, orgID, userID string) (org.Organization, identity.User, error) {
	o, err := p.organization(tx, orgID)
	if err != nil {
		return o, identity.User{}, err
	}
	if err := p.authorize(tx, a, op, orgRes(o.ID)); err != nil {
		return o, identity.User{}, err
	}
	u, err := p.applicationUser(tx, o.ID, userID)
	return o, u, err
}

// ListApplicationUsers lists an organization's application users.
func (p *Plane) ListApplicationUsers(ctx context.Context, a *Actor, orgID string) ([]identity.User, error) {
	var out []identity.User
	err := p.read(ctx, func(tx store.Reader) error {
		o, err := p.authorizedOrg(tx, a, OpApplicationUsersList, orgID)
		if err != nil {
			return err
		}
		out, err = tx.ListApplicationUsers(o.ID)
		return err
	})
	return out, err
}

// GetApplicationUser returns one application user.
func (p *Plane) GetApplicationUser(ctx context.Context, a *Actor, orgID, userID string) (identity.User, error) {
	var u identity.User
	err := p.read(ctx, func(tx store.Reader) error {
		var err error
		_, u, err = p.orgAndApplicationUser(tx, a, OpApplicationUserGet, orgID, userID)
		return err
	})
	return u, err
}

// UpdateApplicationUser renames an application user.
func (p *Plane) UpdateApplicationUser(ctx context.Context, a *Actor, orgID, userID, name string, superAdmin *bool) (identity.User, error) {
	if err := validateApplicationUserName(name); err != nil {
		return identity.User{}, err
	}
	if superAdmin != nil && *superAdmin {
		return identity.User{}, fail(ErrInvalid, "%s", msgNoSuperAdminApps)
	}
	var u identity.User
	err := p.write(ctx, func(tx store.Tx) error {
		o, app, err := p.orgAndApplicationUser(tx, a, OpApplicationUserUpdate, orgID, userID)
		if err != nil {
			return err
		}
		old := app.RealName
		app.RealName, app.UpdateTime = name, p.now().UTC()
		if err := tx.UpdateUser(app); err != nil {
			return err
		}
		u = app
		return p.event(tx, a, eventOf{org: o.ID, account: o.AccountID, action: "application_user_update", desc: fmt.Sprintf("Renamed application user %s from %q to %q", app.ID, old, name)})
	})
	return u, err
}

// DeleteApplicationUser deletes an application user with its group
// memberships and grants; all its tokens stop working at once here and
// within a second on every other server.
func (p *Plane) DeleteApplicationUser(ctx context.Context, a *Actor, orgID, userID string) error {
	err := p.write(ctx, func(tx store.Tx) error {
		o, app, err := p.orgAndApplicationUser(tx, a, OpApplicationUserDelete, orgID, userID)
		if err != nil {
			return err
		}
		ts, err := tx.ListTokens(app.ID)
		if err != nil {
			return err
		}
		if err := p.revoke(tx, app, []string{o.ID}, "user deleted", ts...); err != nil {
			return err
		}
		if err := tx.DeleteUser(app.ID); err != nil {
			return err
		}
		if err := p.record(tx, authz.DeleteUser(app.ID)); err != nil {
			return err
		}
		return p.event(tx, a, eventOf{org: o.ID, account: o.AccountID, action: "application_user_delete", desc: fmt.Sprintf("Deleted application user %q (%s) and its %d token(s)", app.RealName, app.ID, len(ts))})
	})
	if err == nil {
		p.tokens.dropUser(userID)
	}
	return err
}

// guardApplicationToken is Aiven's escalation guard on application tokens,
// applied the way changePermissions guards grants: a token hands out
// everything its application user holds, so its creator must hold each of
// those permissions on the same resource. organization:app_users:write
// alone therefore covers only application users holding nothing; one that
// holds role:organization:admin needs an organization admin (or a super
// admin).
func (p *Plane) guardApplicationToken(tx store.Reader, a *Actor, o org.Organization, app identity.User) error {
	held, err := tx.ListPrincipalGrants(grant.PrincipalUser, app.ID)
	if err != nil {
		return err
	}
	groups, err := tx.ListUserGroups(o.ID, app.ID)
	if err != nil {
		return err
	}
	for _, g := range groups {
		gs, err := tx.ListPrincipalGrants(grant.PrincipalGroup, g.ID)
		if err != nil {
			return err
		}
		held = append(held, gs...)
	}
	for _, g := range held {
		res := grantResource(g)
		for _, s := range g.Access() {
			perm, err := authz.Parse(s)
			if err != nil || !p.engine.Check(a.User.ID, perm, res) {
				return fail(ErrForbidden, "Application user %q holds %s on %s %s, which you do not hold there: creating its tokens needs at least its permissions (%s alone covers only application users without permissions)",
					app.RealName, s, g.ResourceType, g.ResourceID, permAppUsersWrite)
			}
		}
	}
	return nil
}

// CreateApplicationToken creates a token for an application user. The
// secret is in the result only; the store keeps its hash.
func (p *Plane) CreateApplicationToken(ctx context.Context, a *Actor, orgID, userID string, in TokenInput) (IssuedToken, error) {
	if err := in.validate(); err != nil {
		return IssuedToken{}, err
	}
	if err := p.withinCaller(a.Token, in); err != nil {
		return IssuedToken{}, err
	}
	var out IssuedToken
	err := p.write(ctx, func(tx store.Tx) error {
		o, app, err := p.orgAndApplicationUser(tx, a, OpApplicationUserAccessTokenCreate, orgID, userID)
		if err != nil {
			return err
		}
		if !app.Active() {
			return fail(ErrInvalid, "Application user %q is deactivated", app.RealName)
		}
		if err := p.guardApplicationToken(tx, a, o, app); err != nil {
			return err
		}
		if out, err = p.issue(tx, token.KindApplication, app, in, token.Token{}); err != nil {
			return err
		}
		return p.event(tx, a, eventOf{org: o.ID, account: o.AccountID, action: "application_user_token_create", desc: fmt.Sprintf("Created token %s (%q) for application user %q (%s)%s", out.Token.Prefix, in.Description, app.RealName, app.ID, expiryNote(out.Token))})
	})
	return out, err
}

// ListApplicationTokens lists an application user's valid tokens.
func (p *Plane) ListApplicationTokens(ctx context.Context, a *Actor, orgID, userID string) ([]TokenInfo, error) {
	var ts []token.Token
	err := p.read(ctx, func(tx store.Reader) error {
		_, app, err := p.orgAndApplicationUser(tx, a, OpApplicationUserAccessTokensList, orgID, userID)
		if err != nil {
			return err
		}
		ts, err = tx.ListTokens(app.ID)
		return err
	})
	return p.infos(ts, a.Token.Hash), err
}

// RevokeApplicationToken revokes an application user's token by prefix.
func (p *Plane) RevokeApplicationToken(ctx context.Context, a *Actor, orgID, userID, prefix string) error {
	var t token.Token
	err := p.write(ctx, func(tx store.Tx) error {
		o, app, err := p.orgAndApplicationUser(tx, a, OpApplicationUserAccessTokenDelete, orgID, userID)
		if err != nil {
			return err
		}
		if t, err = ownToken(tx, app.ID, prefix); err != nil {
			return err
		}
		if err := p.revoke(tx, app, []string{o.ID}, "revoked", t); err != nil {
			return err
		}
		return p.event(tx, a, eventOf{org: o.ID, account: o.AccountID, action: "application_user_token_revoke", desc: fmt.Sprintf("Revoked token %s (%q) of application user %q (%s)", t.Prefix, t.Description, app.RealName, app.ID)})
	})
	if err == nil {
		p.tokens.drop(t.Hash)
	}
	return err
}
