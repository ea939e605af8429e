package control

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/mail"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Project membership, Aiven's legacy way of giving people access to one
// project. A membership is nothing but the user's grant on the project, so
// it is checked, listed, explained and guarded like every other grant;
// invitations are the only state of their own.

// Operation IDs of project membership. Aiven's group paths are
// undocumented and have none: those three are Gatehouse's names.
const (
	OpProjectInvite            Op = "ProjectInvite"
	OpProjectInviteAccept      Op = "ProjectInviteAccept"
	OpProjectInviteDelete      Op = "ProjectInviteDelete"
	OpProjectUserList          Op = "ProjectUserList"
	OpProjectUserUpdate        Op = "ProjectUserUpdate"
	OpProjectUserRemove        Op = "ProjectUserRemove"
	OpProjectAccessList        Op = "ProjectAccessList"
	OpProjectGroupAccessSet    Op = "ProjectGroupAccessSet"
	OpProjectGroupAccessDelete Op = "ProjectGroupAccessDelete"
)

func init() {
	addRequirements(map[Op]rule{
		// Managing members is the project admin's (role:organization:admin
		// contains admin); the escalation guard then refuses handing out
		// what the caller lacks.
		OpProjectInvite:            anyOf("admin"),
		OpProjectInviteDelete:      anyOf("admin"),
		OpProjectUserUpdate:        anyOf("admin"),
		OpProjectUserRemove:        anyOf("admin"),
		OpProjectGroupAccessSet:    anyOf("admin"),
		OpProjectGroupAccessDelete: anyOf("admin"),
		// The code and the invitee's own login authorize accepting.
		OpProjectInviteAccept: {authenticated: true},
		// permissions.yaml: every classic role may list members.
		OpProjectUserList:   anyOf("developer", "operator", "read_only"),
		OpProjectAccessList: anyOf("project:permissions:read"),
	})
}

// DefaultMemberType is the role an invitation without member_type gives:
// the least one.
const DefaultMemberType = "read_only"

// memberTypeOrder is the order in which a grant's strings are reported as
// its single member_type: the strongest classic role first.
var memberTypeOrder = []string{"admin", "role:project:admin", "operator", "developer", "role:project:read", "read_only"}

// memberTypeOf is the member_type a grant is reported as: its strongest
// classic role, or else its first string.
func memberTypeOf(perms []string) string {
	for _, r := range memberTypeOrder {
		for _, s := range perms {
			if s == r {
				return r
			}
		}
	}
	if len(perms) == 0 {
		return ""
	}
	return normalize(perms)[0]
}

// validMemberType checks a member_type or role string, naming it when it
// is unknown.
func validMemberType(field, s string) error {
	if s == "" {
		return fail(ErrInvalid, "%s is required", field)
	}
	if _, err := authz.Parse(s); err != nil {
		return fail(ErrInvalid, "Unknown %s %q: use admin, operator, developer, read_only or another role or permission string", field, s)
	}
	return nil
}

// ProjectInviteResult says how an invitation reached the invitee. When it
// could not be mailed, Code and AcceptURL hold what the inviter must pass
// on: shown only here, once, since only the code's hash is stored.
type ProjectInviteResult struct {
	Email      string
	MemberType string
	ExpiryTime time.Time
	Mailed     bool
	Code       string
	AcceptURL  string
}

// InviteProjectMember invites an email address to a project with a member
// type and mails the invitee the code. Inviting the same address again
// replaces the earlier invitation (new code, new expiry).
func (p *Plane) InviteProjectMember(ctx context.Context, a *Actor, project, email, memberType string) (ProjectInviteResult, error) {
	email, err := org.ValidateEmail("user_email", email)
	if err != nil {
		return ProjectInviteResult{}, err
	}
	if memberType == "" {
		memberType = DefaultMemberType
	}
	if err := validMemberType("member_type", memberType); err != nil {
		return ProjectInviteResult{}, err
	}
	code, hash := newCode()
	var inv store.ProjectInvitation
	err = p.write(ctx, func(tx store.Tx) error {
		pr, err := p.project(tx, project)
		if err != nil {
			return err
		}
		res := projectRes(pr.Name)
		if err := p.authorize(tx, a, OpProjectInvite, res); err != nil {
			return err
		}
		if err := p.guardEscalation(a, []string{memberType}, res, grant.ResourceProject, pr.Name); err != nil {
			return err
		}
		if u, err := tx.GetUserByEmail(email); err == nil {
			if u.IsApplication {
				// Application users cannot sign in to accept; grant them a
				// role through the permissions API instead.
				return fail(ErrInvalid, "%s is an application user: grant it a project role with the permissions API instead of an invitation", email)
			}
			if _, ok, err := userGrant(tx, pr.Name, u.ID); err != nil {
				return err
			} else if ok {
				return fail(ErrConflict, "User %s is already a member of project %s", email, pr.Name)
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		now := p.now().UTC()
		inv = store.ProjectInvitation{Project: pr.Name, Email: email, MemberType: memberType,
			InviterUserID: a.User.ID, InviterEmail: a.User.Email, CodeHash: hash,
			CreateTime: now, ExpiryTime: now.Add(p.cfg.invitationTTL)}
		if err := tx.PutProjectInvitation(inv); err != nil {
			return err
		}
		return p.event(tx, a, eventOf{org: pr.OrganizationID, account: pr.AccountID, project: pr.Name, action: "project_user_invite", desc: fmt.Sprintf("Invited %s to project %q as %s", email, pr.Name, memberType)})
	})
	if err != nil {
		return ProjectInviteResult{}, err
	}
	out := ProjectInviteResult{Email: email, MemberType: memberType, ExpiryTime: inv.ExpiryTime,
		AcceptURL: p.invitationLink(code)}
	// Mailed after the commit, so the write lock is never held across an
	// SMTP conversation, and even if the caller hangs up: the invitation
	// exists. The code is never logged.
	err = p.cfg.mailer.Send(context.WithoutCancel(ctx), inviteMessage(inv, out.AcceptURL, code))
	switch {
	case err == nil:
		out.Mailed, out.AcceptURL = true, ""
		// Best effort: the listing tells admins which invitations they
		// must pass on themselves.
		if err := p.mustWrite(ctx, func(tx store.Tx) error {
			return tx.MarkProjectInvitationMailed(inv.Project, inv.Email, inv.CodeHash)
		}); err != nil && !errors.Is(err, store.ErrNotFound) {
			p.log.Warn("recording that a project invitation was mailed failed", "project", inv.Project, "email", email, "err", err)
		}
	case errors.Is(err, mail.ErrNotConfigured):
		p.log.Info("project invitation not mailed: no SMTP server configured; the accept link is returned to the inviter",
			"project", inv.Project, "email", email)
		out.Code = code
	default:
		p.log.Warn("mailing a project invitation failed; the accept link is returned to the inviter",
			"project", inv.Project, "email", email, "err", err)
		out.Code = code
	}
	return out, nil
}

func inviteMessage(inv store.ProjectInvitation, link, code string) mail.Message {
	return mail.Message{
		To:      inv.Email,
		Subject: fmt.Sprintf("Invitation to project %s", inv.Project),
		Text: fmt.Sprintf(`%s invited you to project %s as %s.

Open this link to see the invitation and accept it:
%s

To accept, POST to that link: a new account sends {"real_name": ..., "password": ...};
an existing account sends its password (and "otp" when two-factor authentication is on).
Signed in as %s, Aiven's clients accept with ProjectInviteAccept and the code.
Invitation code: %s

The invitation expires at %s.
`, inv.InviterEmail, inv.Project, inv.MemberType, link, inv.Email, code, inv.ExpiryTime.Format(time.RFC3339)),
	}
}

// AcceptProjectInvitation is Aiven's accept: the signed-in invitee, whose
// email must be the invited one, becomes a member of the project with the
// invitation's member type. It returns the invited email. Newcomers accept
// at the public link instead (AcceptByCode).
func (p *Plane) AcceptProjectInvitation(ctx context.Context, a *Actor, project, code string) (string, error) {
	var email string
	err := p.write(ctx, func(tx store.Tx) error {
		if err := p.authorize(tx, a, OpProjectInviteAccept, projectRes(project)); err != nil {
			return err
		}
		inv, err := p.projectInvitationByCode(tx, project, code)
		if err != nil {
			return err
		}
		if !strings.EqualFold(a.User.Email, inv.Email) {
			return fail(ErrForbidden, "This invitation is for another email address: sign in as the invited user to accept it")
		}
		email = inv.Email
		return p.joinProject(tx, a, inv)
	})
	return email, err
}

// projectInvitationByCode loads the pending project invitation with this
// code, of the given project unless project is empty. Like organization
// invitations, an unknown code is ErrNotFound while a used, cancelled,
// replaced or expired one is ErrGone saying which.
func (p *Plane) projectInvitationByCode(tx store.Reader, project, code string) (store.ProjectInvitation, error) {
	if !validCode(code) {
		return store.ProjectInvitation{}, fail(ErrNotFound, "Invitation not found")
	}
	h := codeHash(code)
	inv, err := tx.GetProjectInvitationByCode(h)
	if errors.Is(err, store.ErrNotFound) {
		ended, err := tx.GetEndedProjectInvitation(h)
		if errors.Is(err, store.ErrNotFound) || err == nil && project != "" && ended.Project != project {
			return inv, fail(ErrNotFound, "Invitation not found")
		}
		if err != nil {
			return inv, err
		}
		switch ended.State {
		case store.ProjectInvitationAccepted:
			return inv, fail(ErrGone, "This invitation has already been used")
		case store.ProjectInvitationReplaced:
			return inv, fail(ErrGone, "This invitation was replaced by a newer one: use the link in the latest invitation mail")
		default:
			return inv, fail(ErrGone, "This invitation was cancelled")
		}
	}
	if err != nil {
		return inv, err
	}
	if project != "" && inv.Project != project {
		return inv, fail(ErrNotFound, "Invitation not found")
	}
	if !p.now().Before(inv.ExpiryTime) {
		return inv, fail(ErrGone, "This invitation expired at %s; ask a project admin to invite you again", inv.ExpiryTime.UTC().Format("2006-01-02 15:04:05 MST"))
	}
	return inv, nil
}

// joinProject makes a's user a member of inv's project with its member
// type, and a member of the project's organization if they were not one,
// and ends inv as accepted. The user's email has been checked against inv.
func (p *Plane) joinProject(tx store.Tx, a *Actor, inv store.ProjectInvitation) error {
	pr, err := p.project(tx, inv.Project)
	if err != nil {
		return err
	}
	res := projectRes(pr.Name)
	// The inviter's rights are checked again: an invitation must not
	// outlive its sender's own access.
	perm, err := authz.Parse(inv.MemberType)
	if err != nil || !p.engine.Check(inv.InviterUserID, perm, res) {
		return fail(ErrForbidden, "This invitation is no longer valid: %s, who sent it, no longer holds %s on project %s", inv.InviterEmail, inv.MemberType, pr.Name)
	}
	now := p.now().UTC()
	joined := ""
	if _, err := tx.GetMember(pr.OrganizationID, a.User.ID); errors.Is(err, store.ErrNotFound) {
		if err := tx.AddMember(identity.Membership{OrganizationID: pr.OrganizationID, UserID: a.User.ID, JoinTime: now}); err != nil {
			return err
		}
		joined = fmt.Sprintf(", joining organization %s", pr.OrganizationID)
	} else if err != nil {
		return err
	}
	g, ok, err := userGrant(tx, pr.Name, a.User.ID)
	if err != nil {
		return err
	}
	if !ok {
		g = grant.Grant{OrganizationID: pr.OrganizationID, PrincipalType: grant.PrincipalUser, PrincipalID: a.User.ID,
			ResourceType: grant.ResourceProject, ResourceID: pr.Name, CreateTime: now}
	}
	g.Membership, g.UpdateTime = union(g.Membership, []string{inv.MemberType}), now
	if err := tx.SetGrant(g); err != nil {
		return err
	}
	if err := tx.EndProjectInvitation(inv.Project, inv.Email, store.ProjectInvitationAccepted, now); err != nil {
		return err
	}
	if err := p.record(tx, grantChange(g)); err != nil {
		return err
	}
	return p.event(tx, a, eventOf{org: pr.OrganizationID, account: pr.AccountID, project: pr.Name, action: "project_user_invite_accept", desc: fmt.Sprintf("%s accepted the invitation to project %q as %s (invited by %s)%s", inv.Email, pr.Name, inv.MemberType, inv.InviterEmail, joined)})
}

// CancelProjectInvitation deletes a pending invitation.
func (p *Plane) CancelProjectInvitation(ctx context.Context, a *Actor, project, email string) error {
	email = org.CanonicalEmail(email)
	return p.write(ctx, func(tx store.Tx) error {
		pr, err := p.authorizedProject(tx, a, OpProjectInviteDelete, project)
		if err != nil {
			return err
		}
		if err := tx.EndProjectInvitation(pr.Name, email, store.ProjectInvitationCancelled, p.now().UTC()); err != nil {
			return notFound(err, fmt.Sprintf("No invitation of %s to project %s", email, pr.Name))
		}
		return p.event(tx, a, eventOf{org: pr.OrganizationID, account: pr.AccountID, project: pr.Name, action: "project_user_invite_delete", desc: fmt.Sprintf("Cancelled the invitation of %s to project %q", email, pr.Name)})
	})
}

// userGrant returns a user's own grant on a project, if any.
func userGrant(tx store.Reader, project, userID string) (grant.Grant, bool, error) {
	return principalGrant(tx, project, grant.PrincipalUser, userID)
}

func principalGrant(tx store.Reader, project, typ, id string) (grant.Grant, bool, error) {
	gs, err := tx.ListPrincipalGrants(typ, id)
	if err != nil {
		return grant.Grant{}, false, err
	}
	for _, g := range gs {
		if g.ResourceType == grant.ResourceProject && g.ResourceID == project {
			return g, true, nil
		}
	}
	return grant.Grant{}, false, nil
}

// ProjectMember is a user with a grant of their own on a project.
type ProjectMember struct {
	User        identity.User
	Auth        []string // how the user signs in: "password", or none
	MemberType  string
	Permissions []string
	CreateTime  time.Time
}

// ProjectGroupUser is a user with access to a project through a group.
type ProjectGroupUser struct {
	User       identity.User
	GroupID    string
	MemberType string
}

// ProjectMembers is Aiven's project user listing.
type ProjectMembers struct {
	Users       []ProjectMember
	Invitations []store.ProjectInvitation // pending, unexpired
	GroupUsers  []ProjectGroupUser
}

// ListProjectMembers lists a project's members, its pending invitations and
// the members of the groups that hold a grant on it.
func (p *Plane) ListProjectMembers(ctx context.Context, a *Actor, project string) (ProjectMembers, error) {
	var out ProjectMembers
	err := p.read(ctx, func(tx store.Reader) error {
		pr, err := p.authorizedProject(tx, a, OpProjectUserList, project)
		if err != nil {
			return err
		}
		gs, err := tx.ListGrants(grant.ResourceProject, pr.Name)
		if err != nil {
			return err
		}
		for _, g := range gs {
			mt := memberTypeOf(g.Permissions)
			if g.PrincipalType == grant.PrincipalUser {
				// Users are the project's members; permissions given
				// through the permissions API are not memberships.
				if len(g.Membership) == 0 {
					continue
				}
				u, err := tx.GetUser(g.PrincipalID)
				if err != nil {
					return err
				}
				auth := []string{}
				if u.PasswordHash != "" {
					auth = append(auth, "password")
				}
				out.Users = append(out.Users, ProjectMember{User: u, Auth: auth, MemberType: memberTypeOf(g.Membership), Permissions: g.Membership, CreateTime: g.CreateTime})
				continue
			}
			ms, err := tx.ListGroupMembers(g.PrincipalID)
			if err != nil {
				return err
			}
			for _, m := range ms {
				u, err := tx.GetUser(m.UserID)
				if err != nil {
					return err
				}
				out.GroupUsers = append(out.GroupUsers, ProjectGroupUser{User: u, GroupID: g.PrincipalID, MemberType: mt})
			}
		}
		invs, err := tx.ListProjectInvitations(pr.Name)
		if err != nil {
			return err
		}
		now := p.now()
		for _, inv := range invs {
			if now.Before(inv.ExpiryTime) {
				out.Invitations = append(out.Invitations, inv)
			}
		}
		return nil
	})
	return out, err
}

// memberByEmail loads a project member's user and own grant: 404 when the
// email has no grant of its own on the project.
func (p *Plane) memberByEmail(tx store.Reader, project, email string) (identity.User, grant.Grant, error) {
	notMember := fail(ErrNotFound, "User %s is not a member of project %s", email, project)
	u, err := tx.GetUserByEmail(org.CanonicalEmail(email))
	if errors.Is(err, store.ErrNotFound) {
		return u, grant.Grant{}, notMember
	}
	if err != nil {
		return u, grant.Grant{}, err
	}
	g, ok, err := userGrant(tx, project, u.ID)
	if err != nil {
		return u, g, err
	}
	if !ok || len(g.Membership) == 0 {
		return u, g, notMember
	}
	return u, g, nil
}

// UpdateProjectMember changes a member's role: the member's grant on the
// project becomes exactly [memberType].
func (p *Plane) UpdateProjectMember(ctx context.Context, a *Actor, project, email, memberType string) error {
	if err := validMemberType("member_type", memberType); err != nil {
		return err
	}
	return p.write(ctx, func(tx store.Tx) error {
		pr, err := p.project(tx, project)
		if err != nil {
			return err
		}
		res := projectRes(pr.Name)
		if err := p.authorize(tx, a, OpProjectUserUpdate, res); err != nil {
			return err
		}
		u, g, err := p.memberByEmail(tx, pr.Name, email)
		if err != nil {
			return err
		}
		want := []string{memberType}
		if err := p.guardEscalation(a, minus(want, g.Membership), res, grant.ResourceProject, pr.Name); err != nil {
			return err
		}
		before := strings.Join(normalize(g.Membership), ", ")
		if before == memberType {
			return nil
		}
		g.Membership, g.UpdateTime = want, p.now().UTC()
		if err := tx.SetGrant(g); err != nil {
			return err
		}
		if err := p.record(tx, grantChange(g)); err != nil {
			return err
		}
		return p.event(tx, a, eventOf{org: pr.OrganizationID, account: pr.AccountID, project: pr.Name, action: "project_user_update", desc: fmt.Sprintf("Changed the role of %s on project %q from %s to %s", u.Email, pr.Name, before, memberType)})
	})
}

// RemoveProjectMember deletes a member's grant on the project: their
// access through it ends at once; grants elsewhere and through groups stay.
func (p *Plane) RemoveProjectMember(ctx context.Context, a *Actor, project, email string) error {
	return p.write(ctx, func(tx store.Tx) error {
		pr, err := p.authorizedProject(tx, a, OpProjectUserRemove, project)
		if err != nil {
			return err
		}
		u, g, err := p.memberByEmail(tx, pr.Name, email)
		if err != nil {
			return err
		}
		before := strings.Join(normalize(g.Membership), ", ")
		g.Membership = nil
		if err := tx.SetGrant(g); err != nil {
			return err
		}
		if err := p.record(tx, grantChange(g)); err != nil {
			return err
		}
		return p.event(tx, a, eventOf{org: pr.OrganizationID, account: pr.AccountID, project: pr.Name, action: "project_user_remove", desc: fmt.Sprintf("Removed %s (%s) from project %q", u.Email, before, pr.Name)})
	})
}

// ProjectGroupAccess is a group's grant on a project, as Aiven's
// resource_access_list reports it.
type ProjectGroupAccess struct {
	GroupID    string
	Role       string
	CreateTime time.Time
	UpdateTime time.Time
}

// ListProjectAccess lists the groups holding a grant on a project.
func (p *Plane) ListProjectAccess(ctx context.Context, a *Actor, project string) ([]ProjectGroupAccess, error) {
	var out []ProjectGroupAccess
	err := p.read(ctx, func(tx store.Reader) error {
		pr, err := p.authorizedProject(tx, a, OpProjectAccessList, project)
		if err != nil {
			return err
		}
		gs, err := tx.ListGrants(grant.ResourceProject, pr.Name)
		if err != nil {
			return err
		}
		for _, g := range gs {
			if g.PrincipalType == grant.PrincipalGroup {
				out = append(out, ProjectGroupAccess{GroupID: g.PrincipalID, Role: memberTypeOf(g.Permissions), CreateTime: g.CreateTime, UpdateTime: g.UpdateTime})
			}
		}
		return nil
	})
	return out, err
}

// SetProjectGroupAccess gives a group of the project's organization a role
// on the project (its grant there becomes exactly [role]).
func (p *Plane) SetProjectGroupAccess(ctx context.Context, a *Actor, project, groupID, role string) error {
	if err := validMemberType("role", role); err != nil {
		return err
	}
	return p.write(ctx, func(tx store.Tx) error {
		pr, err := p.project(tx, project)
		if err != nil {
			return err
		}
		res := projectRes(pr.Name)
		if err := p.authorize(tx, a, OpProjectGroupAccessSet, res); err != nil {
			return err
		}
		grp, err := p.group(tx, pr.OrganizationID, groupID)
		if err != nil {
			return err
		}
		g, ok, err := principalGrant(tx, pr.Name, grant.PrincipalGroup, grp.ID)
		if err != nil {
			return err
		}
		want := []string{role}
		if err := p.guardEscalation(a, minus(want, g.Permissions), res, grant.ResourceProject, pr.Name); err != nil {
			return err
		}
		before := strings.Join(normalize(g.Permissions), ", ")
		if before == role {
			return nil
		}
		now := p.now().UTC()
		if !ok {
			g = grant.Grant{OrganizationID: pr.OrganizationID, PrincipalType: grant.PrincipalGroup, PrincipalID: grp.ID,
				ResourceType: grant.ResourceProject, ResourceID: pr.Name, CreateTime: now}
			before = "none"
		}
		g.Permissions, g.UpdateTime = want, now
		if err := tx.SetGrant(g); err != nil {
			return err
		}
		if err := p.record(tx, grantChange(g)); err != nil {
			return err
		}
		return p.event(tx, a, eventOf{org: pr.OrganizationID, account: pr.AccountID, project: pr.Name, action: "project_group_access_update", desc: fmt.Sprintf("Set the role of group %q (%s) on project %q from %s to %s", grp.Name, grp.ID, pr.Name, before, role)})
	})
}

// DeleteProjectGroupAccess removes a group's grant on a project.
func (p *Plane) DeleteProjectGroupAccess(ctx context.Context, a *Actor, project, groupID string) error {
	return p.write(ctx, func(tx store.Tx) error {
		pr, err := p.authorizedProject(tx, a, OpProjectGroupAccessDelete, project)
		if err != nil {
			return err
		}
		grp, err := p.group(tx, pr.OrganizationID, groupID)
		if err != nil {
			return err
		}
		g, ok, err := principalGrant(tx, pr.Name, grant.PrincipalGroup, grp.ID)
		if err != nil {
			return err
		}
		if !ok {
			return fail(ErrNotFound, "Group %s has no access to project %s", grp.ID, pr.Name)
		}
		before := strings.Join(normalize(g.Permissions), ", ")
		g.Permissions = nil
		if err := tx.SetGrant(g); err != nil {
			return err
		}
		if err := p.record(tx, grantChange(g)); err != nil {
			return err
		}
		return p.event(tx, a, eventOf{org: pr.OrganizationID, account: pr.AccountID, project: pr.Name, action: "project_group_access_delete", desc: fmt.Sprintf("Removed the access of group %q (%s, %s) to project %q", grp.Name, grp.ID, before, pr.Name)})
	})
}
