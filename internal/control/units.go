package control

import (
	"context"
	"fmt"

	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// CreateUnit creates an organizational unit under parentID: an organization
// ID, its root account ID, or another unit's ID.
func (p *Plane) CreateUnit(ctx context.Context, a *Actor, name, parentID string) (org.Unit, error) {
	if err := org.ValidateName("account_name", name); err != nil {
		return org.Unit{}, err
	}
	if parentID == "" {
		return org.Unit{}, fail(ErrInvalid, "parent_account_id is required: organizations are created with POST /v1/organizations")
	}
	var u org.Unit
	err := p.write(ctx, func(tx store.Tx) error {
		parent, err := p.unitOrOrgRoot(tx, parentID)
		if err != nil {
			return err
		}
		if err := p.authorize(tx, a, OpAccountCreate, p.unitRes(parent)); err != nil {
			return err
		}
		depth, err := unitDepth(tx, parent)
		if err != nil {
			return err
		}
		if depth+1 > org.MaxUnitDepth {
			return fail(org.ErrTooDeep, "units may nest at most %d levels deep", org.MaxUnitDepth)
		}
		now := p.now().UTC()
		u = org.Unit{ID: org.NewID(org.PrefixUnit), OrganizationID: parent.OrganizationID, Name: name, ParentID: parent.ID, CreateTime: now, UpdateTime: now}
		if err := tx.CreateUnit(u); err != nil {
			return err
		}
		if err := p.record(tx, nodeChange(unitNode(u.ID), p.unitRes(parent))); err != nil {
			return err
		}
		return p.event(tx, a, eventOf{org: u.OrganizationID, account: u.ID, action: "account_create", desc: fmt.Sprintf("Created organizational unit %q", name)})
	})
	return u, err
}

// unitOrOrgRoot resolves an ID that may name an organization (meaning its
// root account) or a unit.
func (p *Plane) unitOrOrgRoot(tx store.Reader, id string) (org.Unit, error) {
	if err := org.ValidateID("organization_id", org.PrefixOrganization, id); err == nil {
		o, err := tx.GetOrganization(id)
		if err != nil {
			return org.Unit{}, notFound(err, "Organization not found")
		}
		id = o.AccountID
	}
	return p.unit(tx, id)
}

func (p *Plane) unit(tx store.Reader, id string) (org.Unit, error) {
	if err := org.ValidateID("account_id", org.PrefixUnit, id); err != nil {
		return org.Unit{}, err
	}
	u, err := tx.GetUnit(id)
	if err != nil {
		return u, notFound(err, "Account does not exist")
	}
	return u, nil
}

// unitDepth is how many units lie between u and the root account (the root
// itself is depth 0).
func unitDepth(tx store.Reader, u org.Unit) (int, error) {
	d := 0
	for !u.IsRoot() {
		d++
		if d > org.MaxUnitDepth+1 {
			return d, nil
		}
		var err error
		if u, err = tx.GetUnit(u.ParentID); err != nil {
			return 0, err
		}
	}
	return d, nil
}

// subtreeHeight is how many levels of units hang below u (0 for a leaf).
func subtreeHeight(units []org.Unit, id string) int {
	h := 0
	for _, c := range units {
		if c.ParentID == id {
			if ch := 1 + subtreeHeight(units, c.ID); ch > h {
				h = ch
			}
		}
	}
	return h
}

// GetUnit returns a unit of an organization the actor belongs to.
func (p *Plane) GetUnit(ctx context.Context, a *Actor, id string) (org.Unit, error) {
	var u org.Unit
	err := p.read(ctx, func(tx store.Reader) error {
		var err error
		if u, err = p.unit(tx, id); err != nil {
			return err
		}
		return p.authorize(tx, a, OpAccountGet, orgRes(u.OrganizationID))
	})
	return u, err
}

// ListUnits returns every unit (root accounts included) of the
// organizations the actor belongs to.
func (p *Plane) ListUnits(ctx context.Context, a *Actor) ([]org.Unit, error) {
	if err := p.authorizeCaller(a, OpAccountList); err != nil {
		return nil, err
	}
	var out []org.Unit
	err := p.read(ctx, func(tx store.Reader) error {
		ms, err := tx.ListUserMemberships(a.User.ID)
		if err != nil {
			return err
		}
		for _, m := range ms {
			us, err := tx.ListUnits(m.OrganizationID)
			if err != nil {
				return err
			}
			out = append(out, us...)
		}
		return nil
	})
	return out, err
}

// RenameUnit renames a unit (or, for a root account, the organization's
// root account name).
func (p *Plane) RenameUnit(ctx context.Context, a *Actor, id, name string) (org.Unit, error) {
	if err := org.ValidateName("account_name", name); err != nil {
		return org.Unit{}, err
	}
	var u org.Unit
	err := p.write(ctx, func(tx store.Tx) error {
		var err error
		if u, err = p.unit(tx, id); err != nil {
			return err
		}
		if err := p.authorize(tx, a, OpAccountUpdate, p.unitRes(u)); err != nil {
			return err
		}
		if u.Name == name {
			return nil
		}
		old := u.Name
		u.Name, u.UpdateTime = name, p.now().UTC()
		if err := tx.UpdateUnit(u); err != nil {
			return err
		}
		return p.event(tx, a, eventOf{org: u.OrganizationID, account: u.ID, action: "account_update", desc: fmt.Sprintf("Renamed organizational unit %q to %q", old, name)})
	})
	return u, err
}

// MoveUnit re-parents a unit within its organization. Moves that would make
// a cycle or nest units deeper than allowed are refused.
func (p *Plane) MoveUnit(ctx context.Context, a *Actor, id, parentID string) (org.Unit, error) {
	if parentID == "" {
		return org.Unit{}, fail(ErrInvalid, "parent_account_id is required")
	}
	var u org.Unit
	err := p.write(ctx, func(tx store.Tx) error {
		var err error
		if u, err = p.unit(tx, id); err != nil {
			return err
		}
		if u.IsRoot() {
			return fail(ErrInvalid, "an organization's root account cannot be moved")
		}
		parent, err := p.unitOrOrgRoot(tx, parentID)
		if err != nil {
			return err
		}
		if parent.OrganizationID != u.OrganizationID {
			return fail(org.ErrCrossTenant, "parent_account_id %s belongs to another organization", parentID)
		}
		// Moving needs admin rights where the unit is and where it goes.
		if err := p.authorize(tx, a, OpAccountMove, p.unitRes(u)); err != nil {
			return err
		}
		if err := p.authorize(tx, a, OpAccountMove, p.unitRes(parent)); err != nil {
			return err
		}
		if parent.ID == u.ParentID {
			return nil
		}
		for x := parent; ; {
			if x.ID == u.ID {
				return fail(org.ErrCycle, "cannot move unit %s below itself", u.ID)
			}
			if x.IsRoot() {
				break
			}
			if x, err = tx.GetUnit(x.ParentID); err != nil {
				return err
			}
		}
		all, err := tx.ListUnits(u.OrganizationID)
		if err != nil {
			return err
		}
		depth, err := unitDepth(tx, parent)
		if err != nil {
			return err
		}
		if depth+1+subtreeHeight(all, u.ID) > org.MaxUnitDepth {
			return fail(org.ErrTooDeep, "move would nest units more than %d levels deep", org.MaxUnitDepth)
		}
		u.ParentID, u.UpdateTime = parent.ID, p.now().UTC()
		if err := tx.UpdateUnit(u); err != nil {
			return err
		}
		if err := p.record(tx, nodeChange(unitNode(u.ID), p.unitRes(parent))); err != nil {
			return err
		}
		return p.event(tx, a, eventOf{org: u.OrganizationID, account: u.ID, action: "account_move", desc: fmt.Sprintf("Moved organizational unit %q under %s", u.Name, parent.ID)})
	})
	return u, err
}

// DeleteUnit deletes an empty unit (no units and no projects inside).
func (p *Plane) DeleteUnit(ctx context.Context, a *Actor, id string) error {
	return p.write(ctx, func(tx store.Tx) error {
		u, err := p.unit(tx, id)
		if err != nil {
			return err
		}
		if u.IsRoot() {
			return fail(ErrInvalid, "an organization's root account is deleted with its organization")
		}
		if err := p.authorize(tx, a, OpAccountDelete, p.unitRes(u)); err != nil {
			return err
		}
		all, err := tx.ListUnits(u.OrganizationID)
		if err != nil {
			return err
		}
		for _, c := range all {
			if c.ParentID == u.ID {
				return fail(org.ErrNotEmpty, "Organizational unit %s is not empty: it contains unit %s", u.ID, c.ID)
			}
		}
		ps, err := tx.ListProjectsIn(u.ID)
		if err != nil {
			return err
		}
		if len(ps) > 0 {
			return fail(org.ErrNotEmpty, "Organizational unit %s is not empty: it contains project %s", u.ID, ps[0].Name)
		}
		if err := tx.DeleteUnit(u.ID); err != nil {
			return err
		}
		if err := p.record(tx, deleteNodeChange(unitNode(u.ID))); err != nil {
			return err
		}
		o, err := tx.GetOrganization(u.OrganizationID)
		if err != nil {
			return err
		}
		return p.event(tx, a, eventOf{org: u.OrganizationID, account: o.AccountID, action: "account_delete", desc: fmt.Sprintf("Deleted organizational unit %q", u.Name)})
	})
}
