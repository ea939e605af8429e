package control

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

const OpUserUpdate Op = "UserUpdate"

func init() { addRequirements(map[Op]rule{OpUserUpdate: {authenticated: true}}) }

// Me is what the signed-in person sees about themself (Aiven's UserInfo).
type Me struct {
	User      identity.User
	Profile   identity.Profile
	TwoFactor bool                // TOTP enrolment confirmed
	Projects  map[string][]string // project name -> classic roles held, strongest first
}

// Me describes the actor.
func (p *Plane) Me(ctx context.Context, a *Actor) (Me, error) {
	if err := p.authorizeCaller(a, OpUserInfo); err != nil {
		return Me{}, err
	}
	out := Me{Projects: map[string][]string{}}
	err := p.read(ctx, func(tx store.Reader) error {
		u, err := tx.GetUser(a.User.ID)
		if err != nil {
			return err
		}
		out.User = u
		if out.Profile, err = tx.GetProfile(u.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		tf, err := tx.GetTwoFactor(u.ID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		out.TwoFactor = err == nil && tf.Confirmed
		ms, err := tx.ListUserMemberships(u.ID)
		if err != nil {
			return err
		}
		for _, m := range ms {
			// As in ListProjects: an organization whose authentication
			// policy refuses how the actor signed in shows nothing.
			if err := p.enforcePolicy(tx, a, orgRes(m.OrganizationID)); err != nil {
				if errors.Is(err, ErrForbidden) {
					continue
				}
				return err
			}
			prs, err := tx.ListProjects(m.OrganizationID)
			if err != nil {
				return err
			}
			for _, pr := range prs {
				if roles := p.ProjectRoles(a, pr.Name); len(roles) > 0 {
					out.Projects[pr.Name] = roles
				}
			}
		}
		return nil
	})
	return out, err
}

// UpdateMe edits the actor's own profile. Managed users cannot: their
// managing organization's admins do it for them.
func (p *Plane) UpdateMe(ctx context.Context, a *Actor, in ProfileUpdate) (Me, error) {
	if err := p.authorizeCaller(a, OpUserUpdate); err != nil {
		return Me{}, err
	}
	if in.RealName != nil && *in.RealName == "" {
		in.RealName = nil // Aiven's client always sends real_name, empty when unset
	}
	if err := in.validate(); err != nil {
		return Me{}, err
	}
	if a.User.IsApplication {
		return Me{}, fail(ErrForbidden, "Application users have no profile to edit")
	}
	err := p.write(ctx, func(tx store.Tx) error {
		u, err := tx.GetUser(a.User.ID)
		if err != nil {
			return err
		}
		if u.ManagingOrgID != "" {
			return fail(ErrForbidden, "Your account is managed by organization %s: you cannot edit your own name or profile; ask one of its admins", u.ManagingOrgID)
		}
		prof, err := tx.GetProfile(u.ID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		changed := in.apply(&u, &prof)
		if len(changed) == 0 {
			return nil
		}
		if err := saveProfile(tx, u, prof, p.now().UTC()); err != nil {
			return err
		}
		return p.eventForUserOrgs(tx, u, a.ClientIP, "user_update", fmt.Sprintf("Updated own %s", strings.Join(changed, ", ")))
	})
	if err != nil {
		return Me{}, err
	}
	p.tokens.dropUser(a.User.ID) // cached copies carry the old name
	return p.Me(ctx, a)
}
