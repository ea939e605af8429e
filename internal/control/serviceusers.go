package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/secret"
	"github.com/gatehouse-dev/gatehouse/internal/serviceuser"
	"github.com/gatehouse-dev/gatehouse/internal/serviceuser/backend"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Service-user operations: Aiven's, plus Gatehouse's own listing and
// re-sync.
const (
	OpServiceUserCreate            Op = "ServiceUserCreate"
	OpServiceUserGet               Op = "ServiceUserGet"
	OpServiceUserList              Op = "ServiceUserList"
	OpServiceUserCredentialsModify Op = "ServiceUserCredentialsModify"
	OpServiceUserCredentialsReset  Op = "ServiceUserCredentialsReset"
	OpServiceUserDelete            Op = "ServiceUserDelete"
	OpServiceUserSync              Op = "ServiceUserSync"
)

func init() {
	addRequirements(map[Op]rule{
		OpServiceUserCreate: anyOf("service:users:write"),
		OpServiceUserGet:    anyOf("service:configuration:write", "service:users:write"),
		// Seeing who the users are is service detail, like ServiceGet
		// (which lists them too); their passwords need more, see
		// secretReaders.
		OpServiceUserList:              anyOf("project:services:read"),
		OpServiceUserCredentialsModify: anyOf("service:users:write"),
		OpServiceUserCredentialsReset:  anyOf("service:users:write"),
		OpServiceUserDelete:            anyOf("service:users:write"),
		OpServiceUserSync:              anyOf("service:users:write"),
	})
}

// secretReaders may see service-user passwords.
var secretReaders = func() authz.Set {
	var s authz.Set
	return s.With(authz.MustParse("service:secrets:read")).With(authz.MustParse("service:users:write"))
}()

// userLimitKey is the user_config key that caps a service's users.
const userLimitKey = "service_user_limit"

// connectionKey is the user_config key (or body field) carrying a real
// server's admin connection. It is moved out of user_config before the
// service is stored: it is kept only sealed.
const connectionKey = "connection_uri"

// ServiceUser is a service user as callers see it.
type ServiceUser struct {
	Project        string
	Service        string
	Username       string
	Type           string
	Authentication string
	AccessControl  serviceuser.AccessControl
	// Password is set only when the caller may read passwords and
	// Gatehouse holds one (the primary user of a connected service has
	// none: it is the connection's own admin account).
	Password           *string
	PasswordUpdateTime time.Time
	CreateTime         time.Time
}

// ServiceUserInput is a new user.
type ServiceUserInput struct {
	Username       string
	Authentication string
	AccessControl  *serviceuser.AccessControl
}

// keyring returns the credential keyring, or the reason there is none.
func (p *Plane) keyring() (*secret.Keyring, error) {
	if p.cfg.keyringErr != nil {
		return nil, p.cfg.keyringErr
	}
	if p.cfg.keyring.Empty() {
		return nil, fail(ErrUnavailable, "Service-user credentials cannot be stored: no secret key is configured (GATEHOUSE_SECRET_KEY)")
	}
	return p.cfg.keyring, nil
}

func passwordAAD(id string) []byte   { return []byte("gatehouse service-user password " + id) }
func connectionAAD(id string) []byte { return []byte("gatehouse service connection " + id) }

// setPassword seals pw into u.
func (p *Plane) setPassword(u *store.ServiceUser, pw string, now time.Time) error {
	k, err := p.keyring()
	if err != nil {
		return err
	}
	s, err := k.Seal([]byte(pw), passwordAAD(u.ID))
	if err != nil {
		return err
	}
	u.PasswordKeyID, u.Password, u.PasswordUpdateTime = s.KeyID, s.Data, now
	return nil
}

// password opens u's password; ok is false when none is held.
func (p *Plane) password(u store.ServiceUser) (pw string, ok bool, err error) {
	if u.PasswordKeyID == "" {
		return "", false, nil
	}
	k, err := p.keyring()
	if err != nil {
		return "", false, err
	}
	b, err := k.Open(secret.Sealed{KeyID: u.PasswordKeyID, Data: u.Password}, passwordAAD(u.ID))
	if err != nil {
		return "", false, fmt.Errorf("password of service user %q of %s/%s: %w", u.Username, u.Project, u.Service, err)
	}
	return string(b), true, nil
}

// view turns a stored user into what the caller may see.
func (p *Plane) view(u store.ServiceUser, reveal bool) (ServiceUser, error) {
	out := ServiceUser{Project: u.Project, Service: u.Service, Username: u.Username, Type: u.Type,
		Authentication: u.Authentication, PasswordUpdateTime: u.PasswordUpdateTime, CreateTime: u.CreateTime}
	if len(u.AccessControl) > 0 {
		if err := json.Unmarshal(u.AccessControl, &out.AccessControl); err != nil {
			return out, fmt.Errorf("access control of service user %q: %w", u.Username, err)
		}
	}
	if reveal {
		pw, ok, err := p.password(u)
		if err != nil {
			return out, err
		}
		if ok {
			out.Password = &pw
		}
	}
	return out, nil
}

func (p *Plane) mayReadSecrets(a *Actor, project, service string) bool {
	return p.engine.CheckAny(a.User.ID, secretReaders, serviceRes(project, service))
}

// serviceFor loads a project and one of its services and authorizes op on
// the service.
func (p *Plane) serviceFor(tx store.Reader, a *Actor, op Op, project, service string) (org.Project, org.Service, error) {
	pr, err := p.project(tx, project)
	if err != nil {
		return pr, org.Service{}, err
	}
	s, err := tx.GetService(pr.Name, service)
	if errors.Is(err, store.ErrNotFound) {
		// Authorize on the project first: a caller without rights learns
		// nothing about which services exist.
		if err := p.authorize(tx, a, op, projectRes(pr.Name)); err != nil {
			return pr, s, err
		}
		return pr, s, notFound(err, fmt.Sprintf("Service %q not found in project %q", service, pr.Name))
	}
	if err != nil {
		return pr, s, err
	}
	return pr, s, p.authorize(tx, a, op, serviceRes(pr.Name, s.Name))
}

func (p *Plane) serviceUser(tx store.Reader, project, service, username string) (store.ServiceUser, error) {
	u, err := tx.GetServiceUser(project, service, username)
	if err != nil {
		return u, notFound(err, fmt.Sprintf("Service user %q not found in service %q", username, service))
	}
	return u, nil
}

// userLimit is the most users a service may have; 0 is no cap.
func (p *Plane) userLimit(s org.Service) int {
	if n, ok := limitOf(s.UserConfig); ok {
		return n
	}
	if s.Type == "kafka" {
		return p.cfg.kafkaUserLimit
	}
	return 0
}

func limitOf(uc map[string]any) (int, bool) {
	v, ok := uc[userLimitKey].(float64)
	if !ok || v < 1 || v != math.Trunc(v) {
		return 0, false
	}
	return int(v), true
}

// validateServiceUserConfig checks Gatehouse's own user_config keys.
func validateServiceUserConfig(uc map[string]any) error {
	v, ok := uc[userLimitKey]
	if !ok {
		return nil
	}
	f, isNum := v.(float64)
	if !isNum || f < 1 || f > 100000 || f != math.Trunc(f) {
		return fail(ErrInvalid, "user_config.%s must be a whole number from 1 to 100000", userLimitKey)
	}
	return nil
}

// backendUser is what a server needs to know of a user.
func backendUser(s org.Service, u ServiceUser, pw string) backend.User {
	bu := backend.User{Name: u.Username, Password: pw, Authentication: u.Authentication,
		Rules: u.AccessControl.Redis(s.Type)}
	if u.AccessControl.PGAllowReplication != nil {
		bu.Replication = *u.AccessControl.PGAllowReplication
	}
	return bu
}

// connection returns the admin connection URI of a service's real server;
// ok is false for a record-only service.
func (p *Plane) connection(tx store.Reader, s org.Service) (uri string, ok bool, err error) {
	c, err := tx.GetServiceConnection(s.Project, s.Name)
	if errors.Is(err, store.ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	k, err := p.keyring()
	if err != nil {
		return "", false, err
	}
	b, err := k.Open(secret.Sealed{KeyID: c.KeyID, Data: c.URI}, connectionAAD(c.ID))
	if err != nil {
		return "", false, fmt.Errorf("connection of service %q: %w", s.Name, err)
	}
	return string(b), true, nil
}

// openBackend connects to a service's server.
func (p *Plane) openBackend(ctx context.Context, s org.Service, uri string) (backend.Backend, error) {
	b, err := p.cfg.backends(ctx, uri)
	if err != nil {
		return nil, fail(ErrUpstream, "Cannot reach the server of service %s (%s): %s", s.Name, backend.Redact(uri), err)
	}
	return b, nil
}

// onServer runs fn against the service's server, turning its failure
// into an error that says why without any secret in it.
func (p *Plane) onServer(ctx context.Context, s org.Service, uri string, what string, secrets []string, fn func(backend.Backend) error) error {
	b, err := p.openBackend(ctx, s, uri)
	if err != nil {
		return err
	}
	defer b.Close()
	if err := fn(b); err != nil {
		msg := err.Error()
		for _, sec := range secrets {
			if sec != "" {
				msg = strings.ReplaceAll(msg, sec, "xxxxx")
			}
		}
		return fail(ErrUpstream, "The server of service %s refused to %s: %s", s.Name, what, msg)
	}
	return nil
}

// undoTimeout bounds undoing a server change after a failed commit.
const undoTimeout = 30 * time.Second

// writeThrough runs fn in a write transaction. fn changes the store first
// and the real server last, and returns how to undo the server change. If
// the commit then fails, undo runs: the store and the server change
// together or not at all.
func (p *Plane) writeThrough(ctx context.Context, fn func(tx store.Tx) (undo func(context.Context) error, err error)) error {
	var undo func(context.Context) error
	err := decide(ctx, p, p.store.Write, func(tx store.Tx) error {
		u, err := fn(tx)
		if err != nil {
			return err
		}
		undo = u
		return nil
	})
	if err != nil {
		if undo != nil {
			// The caller's context may be what failed the commit: undo
			// on a fresh deadline.
			uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), undoTimeout)
			defer cancel()
			if uerr := undo(uctx); uerr != nil {
				p.log.Error("undoing a server change after a failed commit failed; re-sync the service", "err", uerr)
			}
		}
		return err
	}
	return p.synced(ctx, 0)
}

// CreateServiceUser adds a user to a service, with a generated password,
// and creates it in the service's real server when it has one.
func (p *Plane) CreateServiceUser(ctx context.Context, a *Actor, project, service string, in ServiceUserInput) (ServiceUser, error) {
	var out ServiceUser
	err := p.writeThrough(ctx, func(tx store.Tx) (func(context.Context) error, error) {
		pr, s, err := p.serviceFor(tx, a, OpServiceUserCreate, project, service)
		if err != nil {
			return nil, err
		}
		if err := serviceuser.ValidateUsername(s.Type, in.Username); err != nil {
			return nil, err
		}
		auth, err := serviceuser.ValidateAuthentication(s.Type, in.Authentication)
		if err != nil {
			return nil, err
		}
		var ac serviceuser.AccessControl
		if in.AccessControl != nil {
			ac = *in.AccessControl
		}
		if err := ac.Validate(s.Type); err != nil {
			return nil, err
		}
		if _, err := tx.GetServiceUser(s.Project, s.Name, in.Username); err == nil {
			return nil, fail(ErrConflict, "Service user %q already exists in service %q", in.Username, s.Name)
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		if limit := p.userLimit(s); limit > 0 {
			n, err := tx.CountServiceUsers(s.Project, s.Name)
			if err != nil {
				return nil, err
			}
			if n >= limit {
				return nil, fail(ErrConflict, "Service %s already has %d users, the most it may have (user_config.%s)", s.Name, n, userLimitKey)
			}
		}
		now := p.now().UTC()
		u := store.ServiceUser{Project: s.Project, Service: s.Name, Username: in.Username, ID: org.NewID("su"),
			Type: serviceuser.TypeNormal, Authentication: auth, CreateTime: now}
		if u.AccessControl, err = json.Marshal(ac); err != nil {
			return nil, err
		}
		pw := secret.NewPassword()
		if err := p.setPassword(&u, pw, now); err != nil {
			return nil, err
		}
		if err := tx.CreateServiceUser(u); err != nil {
			return nil, conflict(err, fmt.Sprintf("Service user %q already exists", u.Username))
		}
		if out, err = p.view(u, true); err != nil {
			return nil, err
		}
		if err := p.event(tx, a, eventOf{org: pr.OrganizationID, account: pr.AccountID, project: pr.Name, service: s.Name, action: "service_user_create", desc: fmt.Sprintf("Created service user %q in service %q", u.Username, s.Name)}); err != nil {
			return nil, err
		}
		uri, connected, err := p.connection(tx, s)
		if err != nil || !connected {
			return nil, err
		}
		bu := backendUser(s, out, pw)
		if err := p.onServer(ctx, s, uri, "create user "+u.Username, []string{pw}, func(b backend.Backend) error {
			return b.CreateUser(ctx, bu)
		}); err != nil {
			return nil, err
		}
		return func(ctx context.Context) error {
			return p.onServer(ctx, s, uri, "drop user "+u.Username, nil, func(b backend.Backend) error { return b.DropUser(ctx, u.Username) })
		}, nil
	})
	if err != nil {
		return ServiceUser{}, err
	}
	// The creator holds service:users:write, so the password is theirs
	// to see; Aiven returns it here.
	return out, nil
}

// GetServiceUser returns one user; the password only to callers who may
// read secrets.
func (p *Plane) GetServiceUser(ctx context.Context, a *Actor, project, service, username string) (ServiceUser, error) {
	var out ServiceUser
	err := p.read(ctx, func(tx store.Reader) error {
		_, s, err := p.serviceFor(tx, a, OpServiceUserGet, project, service)
		if err != nil {
			return err
		}
		u, err := p.serviceUser(tx, s.Project, s.Name, username)
		if err != nil {
			return err
		}
		out, err = p.view(u, p.mayReadSecrets(a, s.Project, s.Name))
		return err
	})
	return out, err
}

// ListServiceUsers returns a service's users, ordered by name; passwords
// only to callers who may read secrets.
func (p *Plane) ListServiceUsers(ctx context.Context, a *Actor, project, service string) ([]ServiceUser, error) {
	var out []ServiceUser
	err := p.read(ctx, func(tx store.Reader) error {
		_, s, err := p.serviceFor(tx, a, OpServiceUserList, project, service)
		if err != nil {
			return err
		}
		out, err = p.usersOf(tx, a, s)
		return err
	})
	return out, err
}

// usersOf returns a service's users as the actor may see them.
func (p *Plane) usersOf(tx store.Reader, a *Actor, s org.Service) ([]ServiceUser, error) {
	users, err := tx.ListServiceUsers(s.Project, s.Name)
	if err != nil {
		return nil, err
	}
	reveal := p.mayReadSecrets(a, s.Project, s.Name)
	out := make([]ServiceUser, 0, len(users))
	for _, u := range users {
		v, err := p.view(u, reveal)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// DeleteServiceUser removes a user, and drops it from the real server.
// The primary user stays as long as the service.
func (p *Plane) DeleteServiceUser(ctx context.Context, a *Actor, project, service, username string) error {
	return p.writeThrough(ctx, func(tx store.Tx) (func(context.Context) error, error) {
		pr, s, err := p.serviceFor(tx, a, OpServiceUserDelete, project, service)
		if err != nil {
			return nil, err
		}
		u, err := p.serviceUser(tx, s.Project, s.Name, username)
		if err != nil {
			return nil, err
		}
		if u.Type == serviceuser.TypePrimary {
			return nil, fail(ErrInvalid, "The primary user %q of service %q cannot be deleted", u.Username, s.Name)
		}
		old, err := p.view(u, true)
		if err != nil {
			return nil, err
		}
		if err := tx.DeleteServiceUser(s.Project, s.Name, u.Username); err != nil {
			return nil, err
		}
		if err := p.event(tx, a, eventOf{org: pr.OrganizationID, account: pr.AccountID, project: pr.Name, service: s.Name, action: "service_user_delete", desc: fmt.Sprintf("Deleted service user %q from service %q", u.Username, s.Name)}); err != nil {
			return nil, err
		}
		uri, connected, err := p.connection(tx, s)
		if err != nil || !connected {
			return nil, err
		}
		if err := p.onServer(ctx, s, uri, "drop user "+u.Username, nil, func(b backend.Backend) error {
			return b.DropUser(ctx, u.Username)
		}); err != nil {
			return nil, err
		}
		return func(ctx context.Context) error {
			pw := ""
			if old.Password != nil {
				pw = *old.Password
			}
			return p.onServer(ctx, s, uri, "re-create user "+u.Username, []string{pw}, func(b backend.Backend) error {
				return b.CreateUser(ctx, backendUser(s, old, pw))
			})
		}, nil
	})
}

// CredentialsChange is a modification of a user: a new password
// (generated when NewPassword is nil), optionally a new MySQL
// authentication plugin, or new access control.
type CredentialsChange struct {
	Operation      string // "reset-credentials", "set-access-control", "acknowledge-renewal"
	NewPassword    *string
	Authentication *string
	AccessControl  *serviceuser.AccessControl
}

// Modify operations.
const (
	ChangeResetCredentials   = "reset-credentials"
	ChangeSetAccessControl   = "set-access-control"
	ChangeAcknowledgeRenewal = "acknowledge-renewal"
)

// ModifyServiceUser changes a user's password or access control, in
// Gatehouse and in the real server.
func (p *Plane) ModifyServiceUser(ctx context.Context, a *Actor, project, service, username string, ch CredentialsChange) (ServiceWithUsers, error) {
	op := OpServiceUserCredentialsModify
	switch ch.Operation {
	case ChangeResetCredentials, ChangeSetAccessControl, ChangeAcknowledgeRenewal:
	case "":
		return ServiceWithUsers{}, fail(ErrInvalid, "operation is required (one of %s, %s, %s)", ChangeResetCredentials, ChangeSetAccessControl, ChangeAcknowledgeRenewal)
	default:
		return ServiceWithUsers{}, fail(ErrInvalid, "operation %q is not one of %s, %s, %s", ch.Operation, ChangeResetCredentials, ChangeSetAccessControl, ChangeAcknowledgeRenewal)
	}
	if ch.Operation == ChangeSetAccessControl && ch.AccessControl == nil {
		return ServiceWithUsers{}, fail(ErrInvalid, "access_control is required for %s", ChangeSetAccessControl)
	}
	if ch.NewPassword != nil {
		if ch.Operation != ChangeResetCredentials {
			return ServiceWithUsers{}, fail(ErrInvalid, "new_password applies only to %s", ChangeResetCredentials)
		}
		if err := serviceuser.ValidatePassword(*ch.NewPassword); err != nil {
			return ServiceWithUsers{}, err
		}
	}
	return p.modify(ctx, a, op, project, service, username, ch)
}

// ServiceWithUsers is a service and its users, as Aiven answers a
// credentials change.
type ServiceWithUsers struct {
	Service org.Service
	Users   []ServiceUser
}

// ResetServiceUserCredentials gives a user a new generated password.
func (p *Plane) ResetServiceUserCredentials(ctx context.Context, a *Actor, project, service, username string) (ServiceWithUsers, error) {
	return p.modify(ctx, a, OpServiceUserCredentialsReset, project, service, username, CredentialsChange{Operation: ChangeResetCredentials})
}

// modify changes a user and answers with the service and its users as
// they are after the change (the caller is authorized by op, which
// project:services:read need not be part of).
func (p *Plane) modify(ctx context.Context, a *Actor, op Op, project, service, username string, ch CredentialsChange) (ServiceWithUsers, error) {
	var out ServiceWithUsers
	err := p.writeThrough(ctx, func(tx store.Tx) (func(context.Context) error, error) {
		pr, s, err := p.serviceFor(tx, a, op, project, service)
		if err != nil {
			return nil, err
		}
		u, err := p.serviceUser(tx, s.Project, s.Name, username)
		if err != nil {
			return nil, err
		}
		out.Service = s
		if ch.Operation == ChangeAcknowledgeRenewal {
			// Gatehouse issues no client certificates: nothing to renew.
			out.Users, err = p.usersOf(tx, a, s)
			return nil, err
		}
		uri, connected, err := p.connection(tx, s)
		if err != nil {
			return nil, err
		}
		if connected && u.Type == serviceuser.TypePrimary {
			return nil, fail(ErrInvalid, "The primary user of service %q is the admin account of its connection; change its password on the server and register the new connection", s.Name)
		}
		old, err := p.view(u, true)
		if err != nil {
			return nil, err
		}
		now := p.now().UTC()
		var (
			action, desc string
			newPW        string
		)
		switch ch.Operation {
		case ChangeResetCredentials:
			if ch.Authentication != nil {
				if u.Authentication, err = serviceuser.ValidateAuthentication(s.Type, *ch.Authentication); err != nil {
					return nil, err
				}
			}
			newPW = secret.NewPassword()
			if ch.NewPassword != nil {
				newPW = *ch.NewPassword
			}
			if err := p.setPassword(&u, newPW, now); err != nil {
				return nil, err
			}
			action, desc = "service_user_credentials_reset", fmt.Sprintf("Reset the credentials of service user %q of service %q", u.Username, s.Name)
		case ChangeSetAccessControl:
			if err := ch.AccessControl.Validate(s.Type); err != nil {
				return nil, err
			}
			if u.AccessControl, err = json.Marshal(*ch.AccessControl); err != nil {
				return nil, err
			}
			if old.Password != nil {
				newPW = *old.Password
			}
			action, desc = "service_user_access_control_set", fmt.Sprintf("Set the access control of service user %q of service %q", u.Username, s.Name)
		}
		if err := tx.UpdateServiceUser(u); err != nil {
			return nil, err
		}
		if err := p.event(tx, a, eventOf{org: pr.OrganizationID, account: pr.AccountID, project: pr.Name, service: s.Name, action: action, desc: desc}); err != nil {
			return nil, err
		}
		if out.Users, err = p.usersOf(tx, a, s); err != nil {
			return nil, err
		}
		if !connected {
			return nil, nil
		}
		cur, err := p.view(u, false)
		if err != nil {
			return nil, err
		}
		oldPW := ""
		if old.Password != nil {
			oldPW = *old.Password
		}
		if err := p.onServer(ctx, s, uri, "change user "+u.Username, []string{newPW, oldPW}, func(b backend.Backend) error {
			return b.UpdateUser(ctx, backendUser(s, cur, newPW))
		}); err != nil {
			return nil, err
		}
		return func(ctx context.Context) error {
			return p.onServer(ctx, s, uri, "restore user "+u.Username, []string{newPW, oldPW}, func(b backend.Backend) error {
				return b.UpdateUser(ctx, backendUser(s, old, oldPW))
			})
		}, nil
	})
	if err != nil {
		return ServiceWithUsers{}, err
	}
	return out, nil
}

// registerServiceUsers gives a new service its primary user and, when it
// comes with a connection, stores that sealed. It runs inside
// CreateService's transaction.
func (p *Plane) registerServiceUsers(tx store.Tx, s org.Service, conn string) error {
	now := p.now().UTC()
	u := store.ServiceUser{Project: s.Project, Service: s.Name, Username: serviceuser.PrimaryUsername, ID: org.NewID("su"),
		Type: serviceuser.TypePrimary, AccessControl: []byte("null"), CreateTime: now}
	if conn != "" {
		k, err := p.keyring()
		if err != nil {
			return err
		}
		c := store.ServiceConnection{Project: s.Project, Service: s.Name, ID: org.NewID("sc"), CreateTime: now}
		if c.Engine, err = backend.EngineOf(conn); err != nil {
			return err
		}
		sealed, err := k.Seal([]byte(conn), connectionAAD(c.ID))
		if err != nil {
			return err
		}
		c.KeyID, c.URI = sealed.KeyID, sealed.Data
		if err := tx.SetServiceConnection(c); err != nil {
			return err
		}
		// The connection's admin account is the primary user: Gatehouse
		// holds no password for it.
		u.PasswordUpdateTime = now
	} else if !p.cfg.keyring.Empty() {
		if err := p.setPassword(&u, secret.NewPassword(), now); err != nil {
			return err
		}
	} else {
		// Without a key no password can be kept; the primary user gets
		// one when its credentials are reset after a key is configured.
		p.log.Warn("no secret key configured: service registered without a primary-user password", "project", s.Project, "service", s.Name)
		u.PasswordUpdateTime = now
	}
	return tx.CreateServiceUser(u)
}

// checkConnection validates a connection URI for a service type and checks
// that the server answers, before anything is stored.
func (p *Plane) checkConnection(ctx context.Context, serviceType, uri string) error {
	engine, err := backend.EngineOf(uri)
	if err != nil {
		return fail(ErrInvalid, "connection_uri: %s", err)
	}
	if want := backend.EngineFor(serviceType); want != engine {
		if want == "" {
			return fail(ErrInvalid, "connection_uri: a %s service cannot have a connection (only PostgreSQL, MySQL and Redis/Valkey services)", serviceType)
		}
		return fail(ErrInvalid, "connection_uri: a %s service needs a %s connection URI", serviceType, want)
	}
	if _, err := p.keyring(); err != nil {
		return err
	}
	b, err := p.cfg.backends(ctx, uri)
	if err != nil {
		return fail(ErrUpstream, "connection_uri: cannot reach %s: %s", backend.Redact(uri), err)
	}
	return b.Close()
}

// takeConnection moves the connection URI out of a service's user_config
// (where Aiven's client can carry it) into in.ConnectionURI, so it is never
// stored in plain text.
func takeConnection(in *ServiceInput) error {
	v, ok := in.UserConfig[connectionKey]
	if !ok {
		return nil
	}
	uri, isString := v.(string)
	if !isString {
		return fail(ErrInvalid, "user_config.%s must be a string", connectionKey)
	}
	if in.ConnectionURI != "" && in.ConnectionURI != uri {
		return fail(ErrInvalid, "connection_uri is given twice with different values")
	}
	in.ConnectionURI = uri
	uc := make(map[string]any, len(in.UserConfig))
	for k, v := range in.UserConfig {
		if k != connectionKey {
			uc[k] = v
		}
	}
	in.UserConfig = uc
	return nil
}

// RewrapSecrets re-seals every stored credential that the primary key did
// not seal, and returns how many it changed. The server runs it at start,
// so after a key rotation (new key first in GATEHOUSE_SECRET_KEY) the old
// key can be dropped once it has run. A secret no configured key opens
// fails the whole run: nothing is lost.
func (p *Plane) RewrapSecrets(ctx context.Context) (int, error) {
	k, err := p.keyring()
	if err != nil {
		if errors.Is(err, ErrUnavailable) {
			return 0, nil
		}
		return 0, err
	}
	n := 0
	err = p.store.Write(ctx, func(tx store.Tx) error {
		n = 0
		users, err := tx.ListAllServiceUsers()
		if err != nil {
			return err
		}
		for _, u := range users {
			if u.PasswordKeyID == "" || u.PasswordKeyID == k.Primary() {
				continue
			}
			pw, _, err := p.password(u)
			if err != nil {
				return err
			}
			if err := p.setPassword(&u, pw, u.PasswordUpdateTime); err != nil {
				return err
			}
			if err := tx.UpdateServiceUser(u); err != nil {
				return err
			}
			n++
		}
		conns, err := tx.ListAllServiceConnections()
		if err != nil {
			return err
		}
		for _, c := range conns {
			if c.KeyID == k.Primary() {
				continue
			}
			b, err := k.Open(secret.Sealed{KeyID: c.KeyID, Data: c.URI}, connectionAAD(c.ID))
			if err != nil {
				return fmt.Errorf("connection of service %s/%s: %w", c.Project, c.Service, err)
			}
			s, err := k.Seal(b, connectionAAD(c.ID))
			if err != nil {
				return err
			}
			c.KeyID, c.URI = s.KeyID, s.Data
			if err := tx.SetServiceConnection(c); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// Sync states of a user.
const (
	SyncInSync  = "in_sync"
	SyncMissing = "missing"
	SyncDrifted = "drifted"
)

// SyncedUser is one user's standing in a re-sync.
type SyncedUser struct {
	Username string
	State    string // SyncInSync, SyncMissing or SyncDrifted
	Detail   string // what differs; never a secret
	Fixed    bool   // the server was changed to match Gatehouse
}

// SyncReport is the outcome of a re-sync.
type SyncReport struct {
	DryRun bool
	Users  []SyncedUser
	// Unmanaged are login users on the server that Gatehouse does not
	// hold. They are reported, never dropped: they may be the server
	// owner's own.
	Unmanaged []string
}

// SyncServiceUsers compares a connected service's users with its real
// server and, unless dryRun, makes the server match Gatehouse: missing
// users are created and drifted ones (password, replication, plugin) are
// re-keyed with the stored password and rules.
func (p *Plane) SyncServiceUsers(ctx context.Context, a *Actor, project, service string, dryRun bool) (SyncReport, error) {
	rep := SyncReport{DryRun: dryRun, Users: []SyncedUser{}, Unmanaged: []string{}}
	var (
		pr    org.Project
		s     org.Service
		uri   string
		users []ServiceUser
	)
	err := p.read(ctx, func(tx store.Reader) error {
		var err error
		if pr, s, err = p.serviceFor(tx, a, OpServiceUserSync, project, service); err != nil {
			return err
		}
		var connected bool
		if uri, connected, err = p.connection(tx, s); err != nil {
			return err
		}
		if !connected {
			return fail(ErrInvalid, "Service %q has no connection to a real server: there is nothing to re-sync", s.Name)
		}
		stored, err := tx.ListServiceUsers(s.Project, s.Name)
		if err != nil {
			return err
		}
		for _, u := range stored {
			if u.Type == serviceuser.TypePrimary {
				continue // the connection's own admin account
			}
			v, err := p.view(u, true)
			if err != nil {
				return err
			}
			users = append(users, v)
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	var secrets []string
	for _, u := range users {
		if u.Password != nil {
			secrets = append(secrets, *u.Password)
		}
	}
	fixed := 0
	err = p.onServer(ctx, s, uri, "re-sync its users", secrets, func(b backend.Backend) error {
		held := map[string]bool{serviceuser.PrimaryUsername: true}
		for _, u := range users {
			held[u.Username] = true
			pw := ""
			if u.Password != nil {
				pw = *u.Password
			}
			bu := backendUser(s, u, pw)
			st, err := b.Inspect(ctx, bu)
			if err != nil {
				return fmt.Errorf("inspecting %s: %w", u.Username, err)
			}
			su := SyncedUser{Username: u.Username, State: SyncInSync, Detail: st.Detail}
			switch {
			case !st.Exists:
				su.State = SyncMissing
			case !st.InSync:
				su.State = SyncDrifted
			}
			if su.State != SyncInSync && !dryRun {
				if su.State == SyncMissing {
					err = b.CreateUser(ctx, bu)
				} else {
					err = b.UpdateUser(ctx, bu)
				}
				if err != nil {
					return fmt.Errorf("fixing %s: %w", u.Username, err)
				}
				su.Fixed = true
				fixed++
			}
			rep.Users = append(rep.Users, su)
		}
		names, err := b.ListUsers(ctx)
		if err != nil {
			return fmt.Errorf("listing users: %w", err)
		}
		for _, n := range names {
			if !held[n] {
				rep.Unmanaged = append(rep.Unmanaged, n)
			}
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	if dryRun {
		return rep, nil
	}
	err = p.write(ctx, func(tx store.Tx) error {
		return p.event(tx, a, eventOf{org: pr.OrganizationID, account: pr.AccountID, project: pr.Name, service: s.Name, action: "service_user_sync", desc: fmt.Sprintf("Re-synced the users of service %q with its server: %d of %d fixed, %d unmanaged on the server", s.Name, fixed, len(users), len(rep.Unmanaged))})
	})
	return rep, err
}
