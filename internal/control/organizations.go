package control

import (
	"context"
	"fmt"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/audit"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Organization tiers Aiven accepts.
var tiers = []string{"business", "personal"}

func validateTier(t string) (string, error) {
	if t == "" {
		return "business", nil
	}
	for _, x := range tiers {
		if x == t {
			return t, nil
		}
	}
	return "", fail(ErrInvalid, "tier must be one of %s", strings.Join(tiers, ", "))
}

// CreateOrganization creates an organization with its root account; the
// creator becomes its super admin.
func (p *Plane) CreateOrganization(ctx context.Context, a *Actor, name, tier string) (org.Organization, error) {
	if err := p.authorizeCaller(a, OpUserOrganizationCreate); err != nil {
		return org.Organization{}, err
	}
	if err := org.ValidateName("organization_name", name); err != nil {
		return org.Organization{}, err
	}
	tier, err := validateTier(tier)
	if err != nil {
		return org.Organization{}, err
	}
	if a.User.IsApplication {
		return org.Organization{}, fail(ErrForbidden, "application users cannot create organizations")
	}
	var o org.Organization
	err = p.write(ctx, func(tx store.Tx) error {
		// Read the user again: a domain verified a moment ago makes the
		// user managed before any cached copy says so.
		u, err := tx.GetUser(a.User.ID)
		if err != nil {
			return err
		}
		if u.ManagingOrgID != "" {
			return fail(ErrForbidden, "Managed users cannot create organizations: your account is managed by organization %s, ask its admins", u.ManagingOrgID)
		}
		o, err = p.createOrganization(tx, u, name, tier, a.ClientIP)
		return err
	})
	return o, err
}

func (p *Plane) createOrganization(tx store.Tx, owner identity.User, name, tier, clientIP string) (org.Organization, error) {
	now := p.now().UTC()
	o := org.Organization{ID: org.NewID(org.PrefixOrganization), Name: name, Tier: tier, AccountID: org.NewID(org.PrefixUnit), CreateTime: now, UpdateTime: now}
	if err := tx.CreateOrganization(o); err != nil {
		return o, err
	}
	root := org.Unit{ID: o.AccountID, OrganizationID: o.ID, Name: name, CreateTime: now, UpdateTime: now}
	if err := tx.CreateUnit(root); err != nil {
		return o, err
	}
	if err := tx.AddMember(identity.Membership{OrganizationID: o.ID, UserID: owner.ID, IsSuperAdmin: true, JoinTime: now}); err != nil {
		return o, err
	}
	if err := p.record(tx, nodeChange(orgRes(o.ID), noParent), superAdminChange(o.ID, owner.ID, true)); err != nil {
		return o, err
	}
	_, err := tx.AppendEvent(audit.Event{OrganizationID: o.ID, AccountID: o.AccountID, ActorUserID: owner.ID, ActorEmail: owner.Email,
		ActionType: "organization_create", Description: fmt.Sprintf("Created organization %q", name), ClientIP: clientIP, CreateTime: now})
	return o, err
}

// ListOrganizations returns the organizations the actor belongs to.
func (p *Plane) ListOrganizations(ctx context.Context, a *Actor) ([]org.Organization, error) {
	if err := p.authorizeCaller(a, OpUserOrganizationsList); err != nil {
		return nil, err
	}
	var out []org.Organization
	err := p.read(ctx, func(tx store.Reader) error {
		ms, err := tx.ListUserMemberships(a.User.ID)
		if err != nil {
			return err
		}
		for _, m := range ms {
			o, err := tx.GetOrganization(m.OrganizationID)
			if err != nil {
				return err
			}
			out = append(out, o)
		}
		return nil
	})
	return out, err
}

// GetOrganization returns an organization the actor belongs to.
func (p *Plane) GetOrganization(ctx context.Context, a *Actor, id string) (org.Organization, error) {
	var o org.Organization
	err := p.read(ctx, func(tx store.Reader) error {
		var err error
		if o, err = p.organization(tx, id); err != nil {
			return err
		}
		return p.authorize(tx, a, OpOrganizationGet, orgRes(o.ID))
	})
	return o, err
}

// organization loads an organization, or answers 404 in Aiven's words.
func (p *Plane) organization(tx store.Reader, id string) (org.Organization, error) {
	if err := org.ValidateID("organization_id", org.PrefixOrganization, id); err != nil {
		return org.Organization{}, err
	}
	o, err := tx.GetOrganization(id)
	if err != nil {
		return o, notFound(err, "Organization not found")
	}
	return o, nil
}

// authorizedOrg is organization followed by the authorization of op on
// it: the opening of most organization-level use cases.
func (p *Plane) authorizedOrg(tx store.Reader, a *Actor, op Op, id string) (org.Organization, error) {
	o, err := p.organization(tx, id)
	if err != nil {
		return o, err
	}
	return o, p.authorize(tx, a, op, orgRes(o.ID))
}

// UpdateOrganization renames an organization or changes its tier (super
// admins only).
func (p *Plane) UpdateOrganization(ctx context.Context, a *Actor, id string, name *string, tier string) (org.Organization, error) {
	if name != nil {
		if err := org.ValidateName("name", *name); err != nil {
			return org.Organization{}, err
		}
	}
	if tier != "" {
		if _, err := validateTier(tier); err != nil {
			return org.Organization{}, err
		}
	}
	var o org.Organization
	err := p.write(ctx, func(tx store.Tx) error {
		var err error
		if o, err = p.organization(tx, id); err != nil {
			return err
		}
		if err := p.authorize(tx, a, OpOrganizationUpdate, orgRes(o.ID)); err != nil {
			return err
		}
		var changes []string
		if name != nil && *name != o.Name {
			changes = append(changes, fmt.Sprintf("renamed from %q to %q", o.Name, *name))
			o.Name = *name
		}
		if tier != "" && tier != o.Tier {
			changes = append(changes, fmt.Sprintf("tier %s to %s", o.Tier, tier))
			o.Tier = tier
		}
		if len(changes) == 0 {
			return nil
		}
		o.UpdateTime = p.now().UTC()
		if err := tx.UpdateOrganization(o); err != nil {
			return err
		}
		return p.event(tx, a, eventOf{org: o.ID, account: o.AccountID, action: "organization_update", desc: "Organization " + strings.Join(changes, ", ")})
	})
	return o, err
}

// DeleteOrganization deletes an empty organization, or everything in it when
// recursive is set (super admins only).
func (p *Plane) DeleteOrganization(ctx context.Context, a *Actor, id string, recursive bool) error {
	var released []string
	err := p.write(ctx, func(tx store.Tx) error {
		o, err := p.authorizedOrg(tx, a, OpOrganizationDelete, id)
		if err != nil {
			return err
		}
		if !recursive {
			units, err := tx.ListUnits(o.ID)
			if err != nil {
				return err
			}
			projects, err := tx.ListProjects(o.ID)
			if err != nil {
				return err
			}
			if len(units) > 1 || len(projects) > 0 {
				return fail(org.ErrNotEmpty, "Organization has %d units and %d projects; delete them first or pass recursive=true", len(units)-1, len(projects))
			}
		}
		if released, err = p.releaseOrganization(tx, o.ID); err != nil {
			return err
		}
		if err := tx.DeleteOrganization(o.ID); err != nil {
			return err
		}
		return p.record(tx, deleteNodeChange(orgRes(o.ID)))
	})
	p.forgetUsers(released)
	return err
}
