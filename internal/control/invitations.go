package control

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/mail"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Invitation operations: Aiven's, plus Gatehouse's public pair that lets a
// newcomer without an account read and accept an invitation by its code.
const (
	OpOrganizationUserInvite           Op = "OrganizationUserInvite"
	OpOrganizationUserInvitationsList  Op = "OrganizationUserInvitationsList"
	OpOrganizationUserInvitationDelete Op = "OrganizationUserInvitationDelete"
	OpOrganizationUserInvitationAccept Op = "OrganizationUserInvitationAccept"
	OpInvitationGet                    Op = "InvitationGet"
	OpInvitationAccept                 Op = "InvitationAccept"
)

func init() {
	addRequirements(map[Op]rule{
		OpOrganizationUserInvite:          anyOf("organization:users:write"),
		OpOrganizationUserInvitationsList: anyOf("organization:users:write"),
		// Cancelling is the inviter's side; accepting is the invitee's,
		// checked against the invitation's email.
		OpOrganizationUserInvitationDelete: anyOf("organization:users:write"),
		OpOrganizationUserInvitationAccept: {authenticated: true},
		// InvitationGet and InvitationAccept are public routes and have no
		// rule: the code itself (256 random bits) is the credential.
	})
}

// newCode returns a fresh one-time code (256 random bits, URL-safe) and the
// SHA-256 under which it is stored.
func newCode() (code, hash string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	code = base64.RawURLEncoding.EncodeToString(b)
	return code, codeHash(code)
}

// codeHash is the stored form of a one-time code. A fast hash is right: the
// code has 256 bits of entropy and is looked up by its hash.
func codeHash(code string) string {
	h := sha256.Sum256([]byte(code))
	return hex.EncodeToString(h[:])
}

// validCode reports whether s could be a code from newCode, so that
// garbage is refused before any lookup.
func validCode(s string) bool {
	if len(s) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

// invitationLink is the accept link mailed to an invitee.
func (p *Plane) invitationLink(code string) string {
	return strings.TrimRight(p.cfg.publicURL, "/") + "/v1/invitation/" + code
}

// Invite invites an email address to an organization and mails the invitee
// a link with the invitation's code. Inviting an address with a pending
// invitation replaces it (the old code stops working) and mails again;
// inviting a member is a conflict.
func (p *Plane) Invite(ctx context.Context, a *Actor, orgID, email string) error {
	email, err := org.ValidateEmail("user_email", strings.TrimSpace(email))
	if err != nil {
		return err
	}
	code, hash := newCode()
	var (
		o   org.Organization
		inv identity.Invitation
	)
	err = p.write(ctx, func(tx store.Tx) error {
		var err error
		if o, err = p.organization(tx, orgID); err != nil {
			return err
		}
		if err := p.authorize(tx, a, OpOrganizationUserInvite, orgRes(o.ID)); err != nil {
			return err
		}
		if u, err := tx.GetUserByEmail(email); err == nil {
			if u.IsApplication {
				return fail(ErrInvalid, "%s belongs to an application user, which cannot be invited", email)
			}
			if _, err := tx.GetMember(o.ID, u.ID); err == nil {
				return fail(ErrConflict, "User %s already exists in this organization", email)
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		now := p.now().UTC()
		if old, err := p.pendingInvitation(tx, o.ID, email); err == nil {
			old.State, old.AcceptLink, old.UpdateTime = identity.InvitationCancelled, "", now
			if err := tx.UpdateInvitation(old); err != nil {
				return err
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		inv = identity.Invitation{CodeHash: hash, OrganizationID: o.ID, Email: email, InvitedBy: a.User.ID,
			InvitedByEmail: a.User.Email, State: identity.InvitationPending, CreateTime: now,
			ExpiryTime: now.Add(p.cfg.invitationTTL), UpdateTime: now}
		if err := tx.CreateInvitation(inv); err != nil {
			return err
		}
		return p.event(tx, a, eventOf{org: o.ID, account: o.AccountID, action: "user_invite", desc: fmt.Sprintf("Invited %s to the organization", email)})
	})
	if err != nil {
		return err
	}
	// Mail after commit: an SMTP relay can be slow, and the write lock must
	// not wait for it.
	link := p.invitationLink(code)
	msg := mail.Message{
		To:      email,
		Subject: fmt.Sprintf("You are invited to join %s", o.Name),
		Text: fmt.Sprintf("%s invited you to join the organization %q.\n\n"+
			"Open this link to see the invitation and accept it:\n%s\n\n"+
			"To accept, POST to that link: a new account sends {\"real_name\": ..., \"password\": ...};\n"+
			"an existing account sends its password (and \"otp\" when two-factor authentication is on).\n"+
			"Invitation code: %s\n\nThe invitation expires at %s.\n",
			a.User.Email, o.Name, link, code, inv.ExpiryTime.Format("2006-01-02 15:04 MST")),
	}
	// The invitation is committed: mail it even if the caller hangs up.
	ctx = context.WithoutCancel(ctx)
	sendErr := p.cfg.mailer.Send(ctx, msg)
	if sendErr == nil {
		return nil
	}
	if errors.Is(sendErr, mail.ErrNotConfigured) {
		p.log.Info("no mail sent for an invitation: SMTP is not configured; the accept link is shown to admins in the invitation listing",
			"organization", o.ID, "email", email)
	} else {
		p.log.Error("mailing an invitation failed; the accept link is shown to admins in the invitation listing",
			"organization", o.ID, "email", email, "err", sendErr)
	}
	return p.mustWrite(ctx, func(tx store.Tx) error {
		inv.AcceptLink = link
		return tx.UpdateInvitation(inv)
	})
}

// pendingInvitation returns the pending invitation of email to orgID
// (expired or not). ErrNotFound when there is none.
func (p *Plane) pendingInvitation(tx store.Reader, orgID, email string) (identity.Invitation, error) {
	invs, err := tx.ListInvitations(orgID, identity.InvitationPending)
	if err != nil {
		return identity.Invitation{}, err
	}
	for _, inv := range invs {
		if inv.Email == email {
			return inv, nil
		}
	}
	return identity.Invitation{}, fmt.Errorf("invitation of %s: %w", email, store.ErrNotFound)
}

// ListInvitations returns an organization's pending, unexpired
// invitations, newest first. AcceptLink is set on those that could not be
// mailed, and only for the admin who sent them: the link is the invitee's
// secret, and another holder of organization:users:write reading it could
// accept as the invitee.
func (p *Plane) ListInvitations(ctx context.Context, a *Actor, orgID string) ([]identity.Invitation, error) {
	var out []identity.Invitation
	err := p.read(ctx, func(tx store.Reader) error {
		o, err := p.authorizedOrg(tx, a, OpOrganizationUserInvitationsList, orgID)
		if err != nil {
			return err
		}
		invs, err := tx.ListInvitations(o.ID, identity.InvitationPending)
		if err != nil {
			return err
		}
		now := p.now()
		for _, inv := range invs {
			if inv.Expired(now) {
				continue
			}
			if inv.InvitedBy != a.User.ID {
				inv.AcceptLink = ""
			}
			out = append(out, inv)
		}
		return nil
	})
	return out, err
}

// CancelInvitation cancels the pending invitation of email.
func (p *Plane) CancelInvitation(ctx context.Context, a *Actor, orgID, email string) error {
	email = org.CanonicalEmail(email)
	return p.write(ctx, func(tx store.Tx) error {
		o, err := p.authorizedOrg(tx, a, OpOrganizationUserInvitationDelete, orgID)
		if err != nil {
			return err
		}
		inv, err := p.pendingInvitation(tx, o.ID, email)
		if err != nil {
			return notFound(err, "Invitation not found")
		}
		inv.State, inv.AcceptLink, inv.UpdateTime = identity.InvitationCancelled, "", p.now().UTC()
		if err := tx.UpdateInvitation(inv); err != nil {
			return err
		}
		return p.event(tx, a, eventOf{org: o.ID, account: o.AccountID, action: "user_invitation_cancel", desc: fmt.Sprintf("Cancelled the invitation of %s", email)})
	})
}

// usable refuses an invitation that can no longer be accepted, saying why.
func (p *Plane) usable(inv identity.Invitation) error {
	switch {
	case inv.State == identity.InvitationAccepted:
		return fail(ErrGone, "This invitation has already been used")
	case inv.State == identity.InvitationCancelled:
		return fail(ErrGone, "This invitation was cancelled")
	case inv.Expired(p.now()):
		return fail(ErrGone, "This invitation expired at %s", inv.ExpiryTime.Format("2006-01-02 15:04:05 MST"))
	}
	return nil
}

// AcceptInvitation is Aiven's accept: the signed-in invitee joins with
// the account they used to sign in, which must have the invited email.
func (p *Plane) AcceptInvitation(ctx context.Context, a *Actor, orgID, email string) error {
	if err := p.authorizeCaller(a, OpOrganizationUserInvitationAccept); err != nil {
		return err
	}
	email = org.CanonicalEmail(email)
	if a.User.IsApplication {
		return fail(ErrForbidden, "Application users cannot accept invitations")
	}
	if email != a.User.Email {
		return fail(ErrForbidden, "This invitation is for another email address than the one you signed in with")
	}
	return p.write(ctx, func(tx store.Tx) error {
		o, err := p.organization(tx, orgID)
		if err != nil {
			return err
		}
		inv, err := p.pendingInvitation(tx, o.ID, email)
		if errors.Is(err, store.ErrNotFound) {
			return p.whyNoInvitation(tx, o.ID, email)
		}
		if err != nil {
			return err
		}
		if err := p.usable(inv); err != nil {
			return err
		}
		return p.join(tx, o, inv, a.User, a.ClientIP)
	})
}

// whyNoInvitation explains why email has no pending invitation to orgID.
func (p *Plane) whyNoInvitation(tx store.Reader, orgID, email string) error {
	invs, err := tx.ListInvitations(orgID, "")
	if err != nil {
		return err
	}
	for _, inv := range invs { // newest first
		if inv.Email == email {
			return p.usable(inv)
		}
	}
	return fail(ErrNotFound, "Invitation not found")
}

// join makes u a member as inv asked, marks inv used and logs it.
func (p *Plane) join(tx store.Tx, o org.Organization, inv identity.Invitation, u identity.User, clientIP string) error {
	now := p.now().UTC()
	err := tx.AddMember(identity.Membership{OrganizationID: o.ID, UserID: u.ID, JoinTime: now})
	if errors.Is(err, store.ErrConflict) {
		return fail(ErrConflict, "User %s already exists in this organization", u.Email)
	}
	if err != nil {
		return err
	}
	inv.State, inv.AcceptLink, inv.UpdateTime = identity.InvitationAccepted, "", now
	if err := tx.UpdateInvitation(inv); err != nil {
		return err
	}
	return p.event(tx, &Actor{User: u, ClientIP: clientIP}, eventOf{org: o.ID, account: o.AccountID, action: "user_invitation_accept", desc: fmt.Sprintf("%s accepted the invitation from %s", u.Email, inv.InvitedByEmail)})
}

// InvitationInfo is what the holder of an invitation code may see. The
// code may be an organization invitation's or a project invitation's: one
// public link serves both.
type InvitationInfo struct {
	OrganizationID   string
	OrganizationName string
	// Project and MemberType are set for a project invitation; the
	// organization is then the project's.
	Project        string
	MemberType     string
	Email          string
	InvitedByEmail string
	ExpiryTime     string
	HasAccount     bool // accept with the existing password, not a new one
	// Mailed: the code reached the invitee's mailbox (through the relay)
	// rather than being shown to the inviter to pass on.
	Mailed bool
}

// invitationByCode loads an invitation by code and its organization,
// refusing unusable ones.
func (p *Plane) invitationByCode(tx store.Reader, code string) (identity.Invitation, org.Organization, error) {
	if !validCode(code) {
		return identity.Invitation{}, org.Organization{}, fail(ErrNotFound, "Invitation not found")
	}
	inv, err := tx.GetInvitation(codeHash(code))
	if err != nil {
		return inv, org.Organization{}, notFound(err, "Invitation not found")
	}
	if err := p.usable(inv); err != nil {
		return inv, org.Organization{}, err
	}
	o, err := tx.GetOrganization(inv.OrganizationID)
	return inv, o, notFound(err, "Invitation not found")
}

// InvitationByCode describes a usable invitation, to an organization or
// to a project, to the holder of its code.
func (p *Plane) InvitationByCode(ctx context.Context, code string) (InvitationInfo, error) {
	var info InvitationInfo
	err := p.read(ctx, func(tx store.Reader) error {
		inv, o, err := p.invitationByCode(tx, code)
		switch {
		case err == nil:
			info = InvitationInfo{OrganizationID: o.ID, OrganizationName: o.Name, Email: inv.Email,
				InvitedByEmail: inv.InvitedByEmail, ExpiryTime: inv.ExpiryTime.Format("2006-01-02T15:04:05Z"),
				Mailed: inv.AcceptLink == ""}
		case errors.Is(err, ErrNotFound):
			pinv, err := p.projectInvitationByCode(tx, "", code)
			if err != nil {
				return err
			}
			pr, err := p.project(tx, pinv.Project)
			if err != nil {
				return err
			}
			if o, err = tx.GetOrganization(pr.OrganizationID); err != nil {
				return err
			}
			info = InvitationInfo{OrganizationID: o.ID, OrganizationName: o.Name, Project: pinv.Project,
				MemberType: pinv.MemberType, Email: pinv.Email, InvitedByEmail: pinv.InviterEmail,
				ExpiryTime: pinv.ExpiryTime.UTC().Format("2006-01-02T15:04:05Z"), Mailed: pinv.Mailed}
		default:
			return err
		}
		_, err = tx.GetUserByEmail(info.Email)
		info.HasAccount = err == nil
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
	return info, err
}

// AcceptByCode accepts an invitation, to an organization or to a project,
// by its code, without a session: a newcomer creates their account with
// realName and password; a person with an account proves it with their
// password (and otp when they use two-factor authentication). Either way
// the person joins and is signed in.
func (p *Plane) AcceptByCode(ctx context.Context, code, realName, password, otp, clientIP, userAgent string) (LoginResult, error) {
	info, err := p.InvitationByCode(ctx, code)
	if err != nil {
		return LoginResult{}, err
	}
	// Each joins inside the write, looking the invitation up again: it
	// may have been used, cancelled or replaced since.
	join := func(tx store.Tx, u identity.User) error {
		inv, o, err := p.invitationByCode(tx, code)
		if err != nil {
			return err
		}
		if inv.Email != u.Email {
			return fail(ErrForbidden, "This invitation is for another email address")
		}
		return p.join(tx, o, inv, u, clientIP)
	}
	if info.Project != "" {
		join = func(tx store.Tx, u identity.User) error {
			inv, err := p.projectInvitationByCode(tx, info.Project, code)
			if err != nil {
				return err
			}
			if inv.Email != u.Email {
				return fail(ErrForbidden, "This invitation is for another email address")
			}
			return p.joinProject(tx, &Actor{User: u, ClientIP: clientIP}, inv)
		}
	}
	// A link shown to the inviter proves nothing about the mailbox: it
	// creates no account on another organization's verified domain.
	signup := func(tx store.Reader) error {
		if info.Mailed {
			return nil
		}
		return p.refuseUnmailedSignup(tx, info.Email, info.OrganizationID)
	}
	return p.acceptAsPerson(ctx, info.Email, info.HasAccount, realName, password, otp, clientIP, userAgent, signup, join)
}

// refuseUnmailedSignup refuses to create an account for email through an
// invitation of inviterOrgID that was not emailed (the inviter was shown
// the link) when email is on a domain another organization verified:
// otherwise anyone could invite someone@victim.example to a project of
// their own, accept it themselves and hold an account the victim's
// organization manages.
func (p *Plane) refuseUnmailedSignup(tx store.Reader, email, inviterOrgID string) error {
	name := org.EmailDomain(email)
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
	if d.OrganizationID == inviterOrgID {
		return nil
	}
	return fail(ErrForbidden, "An account for %s cannot be created with an invitation link that was not emailed: %s is a verified domain of another organization, "+
		"so the invitation must be emailed to the address (configure a mail relay), or that organization must invite it", email, d.Name)
}

// acceptAsPerson is the account side of accepting any invitation without
// a session. A person who has an account for email proves it as a login
// does (password, otp, throttling); a newcomer gets one with realName and
// password, under the password rules and managed from the start when the
// email is on a verified domain. join then makes the person a member; the
// account, the membership and the new session are one transaction.
//
// A newcomer's account is made only if signup accepts it, checked before
// the password is hashed and again in the transaction.
func (p *Plane) acceptAsPerson(ctx context.Context, email string, hasAccount bool, realName, password, otp, clientIP, userAgent string,
	signup func(tx store.Reader) error, join func(tx store.Tx, u identity.User) error) (LoginResult, error) {
	var (
		u         identity.User
		twoFactor bool
		err       error
	)
	if hasAccount {
		if u, twoFactor, err = p.checkCredentials(ctx, email, password, otp, clientIP); err != nil {
			return LoginResult{}, err
		}
	} else {
		if err := org.ValidateName("real_name", realName); err != nil {
			return LoginResult{}, err
		}
		if err := identity.CheckPasswordPolicy(password); err != nil {
			return LoginResult{}, err
		}
		if err := p.read(ctx, signup); err != nil {
			return LoginResult{}, err
		}
		hash, err := p.hashPassword(ctx, password)
		if err != nil {
			return LoginResult{}, err
		}
		now := p.now().UTC()
		u = identity.User{ID: org.NewID(org.PrefixUser), Email: email, RealName: realName, PasswordHash: hash,
			State: identity.StateActive, CreateTime: now, UpdateTime: now, PasswordUpdated: &now}
	}
	var secret string
	err = p.write(ctx, func(tx store.Tx) error {
		if !hasAccount {
			if err := signup(tx); err != nil {
				return err
			}
			if err := p.markManaged(tx, &u); err != nil {
				return err
			}
			if err := tx.CreateUser(u); err != nil {
				if errors.Is(err, store.ErrConflict) {
					return fail(ErrConflict, "An account for %s already exists; accept with its password", u.Email)
				}
				return err
			}
			if err := p.record(tx, userChange(u.ID, true)); err != nil {
				return err
			}
		}
		if err := join(tx, u); err != nil {
			return err
		}
		var err error
		secret, err = p.newSession(tx, u, twoFactor, clientIP, userAgent)
		return err
	})
	if err != nil {
		return LoginResult{}, err
	}
	return LoginResult{Token: secret, User: u}, nil
}
