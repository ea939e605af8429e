package control

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/mail"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Password operations (Aiven's user and organization user handlers).
const (
	OpUserPasswordChange       Op = "UserPasswordChange"
	OpUserPasswordResetRequest Op = "UserPasswordResetRequest"
	OpUserPasswordReset        Op = "UserPasswordReset"
)

func init() {
	addRequirements(map[Op]rule{
		OpUserPasswordChange: {authenticated: true},
		// Public: requesting says nothing about whether the email exists,
		// and the emailed code (256 random bits) is the credential.
	})
}

// passwordResetTTL is how long an emailed reset code works.
const passwordResetTTL = time.Hour

// ChangePassword replaces the actor's password after checking the current
// one. Every session of the person ends, including the one used; the new
// session token returned replaces it (Aiven's behaviour). With
// revokeTokens (Gatehouse's revoke_tokens) the person's personal tokens
// are revoked too, for a password that may have been known to someone.
func (p *Plane) ChangePassword(ctx context.Context, a *Actor, current, next string, revokeTokens bool) (string, error) {
	if err := p.authorizeCaller(a, OpUserPasswordChange); err != nil {
		return "", err
	}
	if err := identity.CheckPasswordPolicy(next); err != nil {
		return "", err
	}
	if err := p.checkOwnPassword(ctx, a, current); err != nil {
		return "", err
	}
	hash, err := p.hashPassword(ctx, next)
	if err != nil {
		return "", err
	}
	var secret string
	err = p.write(ctx, func(tx store.Tx) error {
		u, err := tx.GetUser(a.User.ID)
		if err != nil {
			return err
		}
		if err := p.setUserPassword(tx, u, hash); err != nil {
			return err
		}
		desc := "Changed password; other sessions ended"
		if revokeTokens {
			n, err := p.revokeUserTokens(tx, u, "password change")
			if err != nil {
				return err
			}
			desc = fmt.Sprintf("Changed password; sessions ended and %d personal tokens revoked", n)
		}
		if secret, err = p.sessionFrom(tx, a, u, a.Token.TwoFactor); err != nil {
			return err
		}
		return p.eventForUserOrgs(tx, u, a.ClientIP, "user_password_change", desc)
	})
	p.tokens.dropUser(a.User.ID)
	return secret, err
}

// setUserPassword stores a new password hash and ends the person's sessions
// and pending reset codes.
func (p *Plane) setUserPassword(tx store.Tx, u identity.User, hash string) error {
	now := p.now().UTC()
	u.PasswordHash, u.PasswordUpdated, u.UpdateTime = hash, &now, now
	if err := tx.UpdateUser(u); err != nil {
		return err
	}
	if _, err := tx.DeleteSessions(u.ID); err != nil {
		return err
	}
	return tx.DeletePasswordResets(u.ID)
}

// RequestPasswordReset mails a reset code to the person with email, if
// there is one. It answers the same whether or not the email is known.
func (p *Plane) RequestPasswordReset(ctx context.Context, email, clientIP string) error {
	email, err := org.ValidateEmail("email", strings.TrimSpace(email))
	if err != nil {
		return err
	}
	// Requests are limited per address and email, so the endpoint cannot
	// be used to flood a mailbox; in a limiter of their own, so anyone
	// knowing an email cannot lock its owner's login with them.
	if _, wait := p.resets.reserve(email, clientIP); wait > 0 {
		return tooMany(wait, "too many requests; try again in %d seconds", seconds(wait))
	}
	var u identity.User
	err = p.read(ctx, func(tx store.Reader) error {
		var err error
		u, err = tx.GetUserByEmail(email)
		return err
	})
	if errors.Is(err, store.ErrNotFound) || (err == nil && (u.IsApplication || !u.Active())) {
		return nil
	}
	if err != nil {
		return err
	}
	return p.sendPasswordReset(ctx, u, clientIP)
}

// sendPasswordReset stores a fresh reset code for u and mails it.
func (p *Plane) sendPasswordReset(ctx context.Context, u identity.User, clientIP string) error {
	code, hash := newCode()
	now := p.now().UTC()
	err := p.store.Write(ctx, func(tx store.Tx) error {
		if err := tx.CreatePasswordReset(identity.PasswordReset{CodeHash: hash, UserID: u.ID, CreateTime: now, ExpiryTime: now.Add(passwordResetTTL)}); err != nil {
			return err
		}
		return p.eventForUserOrgs(tx, u, clientIP, "user_password_reset_request", "Requested a password reset")
	})
	if err != nil {
		return err
	}
	base := strings.TrimRight(p.cfg.publicURL, "/")
	page, link := base+"/password-reset/"+code, base+"/v1/user/password_reset/"+code
	err = p.cfg.mailer.Send(context.WithoutCancel(ctx), mail.Message{
		To:      u.Email,
		Subject: "Reset your Gatehouse password",
		Text: fmt.Sprintf("Someone asked to reset the password of %s.\n\n"+
			"To choose a new password, open this page:\n%s\n\n"+
			"or, from a program, POST {\"new_password\": ...} to:\n%s\n\n"+
			"Reset code: %s\n\nThe code works once, for one hour. If you did not ask for this, ignore this message.\n",
			u.Email, page, link, code),
	})
	if errors.Is(err, mail.ErrNotConfigured) {
		p.log.Warn("password reset requested but SMTP is not configured; no mail sent", "user", u.ID)
		return nil
	}
	if err != nil {
		p.log.Error("mailing a password reset failed", "user", u.ID, "err", err)
	}
	return nil
}

// ResetPassword sets a new password with an emailed reset code. Every
// session of the person ends, and with revokeTokens every personal token.
func (p *Plane) ResetPassword(ctx context.Context, code, next, clientIP string, revokeTokens bool) error {
	if err := identity.CheckPasswordPolicy(next); err != nil {
		return err
	}
	if !validCode(code) {
		return fail(ErrNotFound, "Password reset code not found")
	}
	hash, err := p.hashPassword(ctx, next)
	if err != nil {
		return err
	}
	var userID string
	err = p.write(ctx, func(tx store.Tx) error {
		r, err := tx.GetPasswordReset(codeHash(code))
		if err != nil {
			return notFound(err, "Password reset code not found or already used")
		}
		if !p.now().Before(r.ExpiryTime) {
			return fail(ErrGone, "This password reset code expired; request a new one")
		}
		u, err := tx.GetUser(r.UserID)
		if err != nil {
			return err
		}
		if err := p.setUserPassword(tx, u, hash); err != nil {
			return err
		}
		userID = u.ID
		desc := "Reset password with an emailed code; sessions ended"
		if revokeTokens {
			n, err := p.revokeUserTokens(tx, u, "password reset")
			if err != nil {
				return err
			}
			desc = fmt.Sprintf("Reset password with an emailed code; sessions ended and %d personal tokens revoked", n)
		}
		return p.eventForUserOrgs(tx, u, clientIP, "user_password_reset", desc)
	})
	if userID != "" {
		p.tokens.dropUser(userID)
	}
	return err
}
