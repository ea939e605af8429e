package control

import (
	"context"
	"fmt"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// BootstrapResult says what Bootstrap did.
type BootstrapResult struct {
	Created           bool
	Email             string
	GeneratedPassword string // set only when a password was generated
	Organization      org.Organization
}

// Bootstrap creates the first user and the first organization, with that
// user as its super admin, when the store has no users at all. It does
// nothing on later starts, so secrets are never printed twice. When
// password is empty, a strong one is generated and returned once.
func (p *Plane) Bootstrap(ctx context.Context, email, password, orgName string) (BootstrapResult, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		email = "admin@localhost"
	}
	email, err := org.ValidateEmail("GATEHOUSE_ADMIN_EMAIL", email)
	if err != nil {
		return BootstrapResult{}, err
	}
	res := BootstrapResult{Email: email}
	if password == "" {
		password = identity.GeneratePassword(24)
		res.GeneratedPassword = password
	} else if err := identity.CheckPasswordPolicy(password); err != nil {
		return BootstrapResult{}, fmt.Errorf("GATEHOUSE_ADMIN_PASSWORD: %w", err)
	}
	if orgName == "" {
		orgName = "Gatehouse"
	}
	hash, err := p.passwords.Hash(password)
	if err != nil {
		return BootstrapResult{}, err
	}
	err = p.write(ctx, func(tx store.Tx) error {
		n, err := tx.CountUsers()
		if err != nil || n > 0 {
			return err
		}
		now := p.now().UTC()
		u := identity.User{ID: org.NewID(org.PrefixUser), Email: email, RealName: "Administrator", PasswordHash: hash,
			State: identity.StateActive, CreateTime: now, UpdateTime: now, PasswordUpdated: &now}
		if err := p.markManaged(tx, &u); err != nil {
			return err
		}
		if err := tx.CreateUser(u); err != nil {
			return err
		}
		if err := p.record(tx, userChange(u.ID, true)); err != nil {
			return err
		}
		if res.Organization, err = p.createOrganization(tx, u, orgName, "business", ""); err != nil {
			return err
		}
		res.Created = true
		return nil
	})
	if !res.Created {
		res.GeneratedPassword = ""
	}
	return res, err
}
