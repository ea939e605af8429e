package control

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// PrincipalPermissions is one entry of a permissions request: a principal
// and the role and permission strings it should hold.
type PrincipalPermissions struct {
	PrincipalType string
	PrincipalID   string
	Permissions   []string
}

// grantTarget is a resolved resource of the permissions API.
type grantTarget struct {
	typ, id   string
	res       authz.Resource
	org       org.Organization
	accountID string
	project   string
}

func (p *Plane) grantTarget(tx store.Reader, orgID, typ, id string) (grantTarget, error) {
	o, err := p.organization(tx, orgID)
	if err != nil {
		return grantTarget{}, err
	}
	t := grantTarget{typ: typ, id: id, org: o, accountID: o.AccountID}
	switch typ {
	case grant.ResourceOrganization:
		if id != o.ID {
			return t, fail(ErrInvalid, "resource_id must be the organization's ID %s", o.ID)
		}
		t.res = orgRes(o.ID)
	case grant.ResourceUnit:
		u, err := p.unit(tx, id)
		if err != nil {
			return t, err
		}
		if u.OrganizationID != o.ID {
			return t, fail(ErrNotFound, "Account does not exist")
		}
		if u.IsRoot() {
			return t, fail(ErrInvalid, "%s is the organization's root account: use resource type organization with %s", id, o.ID)
		}
		t.res, t.accountID = unitNode(u.ID), u.ID
	case grant.ResourceProject:
		pr, err := p.projectIn(tx, o.ID, id)
		if err != nil {
			return t, err
		}
		t.res, t.accountID, t.project = projectRes(pr.Name), pr.AccountID, pr.Name
	default:
		return t, fail(ErrInvalid, "resource_type must be organization, organization_unit or project, not %q", typ)
	}
	return t, nil
}

// Permissions lists the grants on one resource.
func (p *Plane) Permissions(ctx context.Context, a *Actor, orgID, typ, id string) ([]grant.Grant, error) {
	var out []grant.Grant
	err := p.read(ctx, func(tx store.Reader) error {
		t, err := p.grantTarget(tx, orgID, typ, id)
		if err != nil {
			return err
		}
		if err := p.authorize(tx, a, OpPermissionsGet, t.res); err != nil {
			return err
		}
		gs, err := tx.ListGrants(t.typ, t.id)
		// Project memberships are listed with the project's users, not
		// here: a new project's permission list is empty, as on Aiven.
		for _, g := range gs {
			if len(g.Permissions) > 0 {
				g.Membership = nil
				out = append(out, g)
			}
		}
		return err
	})
	return out, err
}

// SetPermissions replaces the whole grant list of a resource (PUT).
func (p *Plane) SetPermissions(ctx context.Context, a *Actor, orgID, typ, id string, entries []PrincipalPermissions) error {
	return p.changePermissions(ctx, a, OpPermissionsSet, orgID, typ, id, "replace", entries)
}

// UpdatePermissions grants, revokes or sets the listed principals'
// permissions on a resource (PATCH), leaving other principals alone.
func (p *Plane) UpdatePermissions(ctx context.Context, a *Actor, orgID, typ, id, operation string, entries []PrincipalPermissions) error {
	if operation == "" {
		operation = "grant"
	}
	if operation != "grant" && operation != "revoke" && operation != "set" {
		return fail(ErrInvalid, "operation must be grant, revoke or set, not %q", operation)
	}
	return p.changePermissions(ctx, a, OpPermissionsUpdate, orgID, typ, id, operation, entries)
}

const maxPermissionEntries = 1000

func (p *Plane) changePermissions(ctx context.Context, a *Actor, op Op, orgID, typ, id, operation string, entries []PrincipalPermissions) error {
	if len(entries) > maxPermissionEntries {
		return fail(ErrInvalid, "at most %d permission entries per request", maxPermissionEntries)
	}
	seen := map[string]bool{}
	for i, e := range entries {
		if e.PrincipalType != grant.PrincipalUser && e.PrincipalType != grant.PrincipalGroup {
			return fail(ErrInvalid, "permissions[%d].principal_type must be user or user_group, not %q", i, e.PrincipalType)
		}
		key := e.PrincipalType + "/" + e.PrincipalID
		if seen[key] {
			return fail(ErrInvalid, "permissions[%d]: principal %s %s is listed twice", i, e.PrincipalType, e.PrincipalID)
		}
		seen[key] = true
		set, err := authz.ParseSet(e.Permissions)
		if err != nil {
			return fmt.Errorf("%w: permissions[%d]: %w", ErrInvalid, i, err)
		}
		if !set.Grantable() {
			return fail(ErrInvalid, "permissions[%d] holds a permission that cannot be granted", i)
		}
	}
	return p.write(ctx, func(tx store.Tx) error {
		t, err := p.grantTarget(tx, orgID, typ, id)
		if err != nil {
			return err
		}
		if err := p.authorize(tx, a, op, t.res); err != nil {
			return err
		}
		current, err := tx.ListGrants(t.typ, t.id)
		if err != nil {
			return err
		}
		old := map[string]grant.Grant{}
		for _, g := range current {
			old[g.PrincipalType+"/"+g.PrincipalID] = g
		}
		now := p.now().UTC()
		desired := map[string][]string{}
		if operation == "replace" {
			for k := range old {
				desired[k] = nil
			}
		}
		for _, e := range entries {
			if err := p.checkPrincipal(tx, t.org.ID, e.PrincipalType, e.PrincipalID); err != nil {
				return err
			}
			k := e.PrincipalType + "/" + e.PrincipalID
			have := old[k].Permissions
			switch operation {
			case "grant":
				desired[k] = union(have, e.Permissions)
			case "revoke":
				desired[k] = minus(have, e.Permissions)
			default:
				desired[k] = normalize(e.Permissions)
			}
		}
		keys := make([]string, 0, len(desired))
		for k := range desired {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var changes []authz.Change
		var desc []string
		for _, k := range keys {
			want := desired[k]
			have := old[k].Permissions
			added, removed := minus(want, have), minus(have, want)
			if len(added) == 0 && len(removed) == 0 {
				continue
			}
			if err := p.guardEscalation(a, added, t.res, t.typ, t.id); err != nil {
				return err
			}
			pt, pid, _ := strings.Cut(k, "/")
			g := grant.Grant{OrganizationID: t.org.ID, PrincipalType: pt, PrincipalID: pid, ResourceType: t.typ, ResourceID: t.id,
				Permissions: want, CreateTime: now, UpdateTime: now}
			if prev, ok := old[k]; ok {
				// Memberships are neither listed nor replaced here.
				g.CreateTime, g.Membership = prev.CreateTime, prev.Membership
			}
			if err := tx.SetGrant(g); err != nil {
				return err
			}
			changes = append(changes, grantChange(g))
			d := fmt.Sprintf("%s %s:", pt, pid)
			for _, s := range added {
				d += " +" + s
			}
			for _, s := range removed {
				d += " -" + s
			}
			desc = append(desc, d)
		}
		if len(changes) == 0 {
			return nil
		}
		if err := p.record(tx, changes...); err != nil {
			return err
		}
		return p.event(tx, a, eventOf{org: t.org.ID, account: t.accountID, project: t.project, action: "permissions_update", desc: fmt.Sprintf("Permissions on %s %s: %s", t.typ, t.id, strings.Join(desc, "; "))})
	})
}

// guardEscalation is the escalation guard of every grant: nobody hands out
// what they do not hold on the resource (super admins hold everything).
// Strings must already be validated.
func (p *Plane) guardEscalation(a *Actor, added []string, res authz.Resource, typ, id string) error {
	for _, s := range added {
		perm, err := authz.Parse(s)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		if !p.engine.Check(a.User.ID, perm, res) {
			return fail(ErrForbidden, "You cannot grant %s on %s %s: you do not hold it there", s, typ, id)
		}
	}
	return nil
}

// checkPrincipal checks that a grant's principal exists in the organization.
func (p *Plane) checkPrincipal(tx store.Reader, orgID, typ, id string) error {
	if typ == grant.PrincipalGroup {
		_, err := p.group(tx, orgID, id)
		return err
	}
	if _, err := tx.GetMember(orgID, id); err != nil {
		return notFound(err, fmt.Sprintf("User %s is not a member of organization %s", id, orgID))
	}
	u, err := tx.GetUser(id)
	if err != nil {
		return notFound(err, fmt.Sprintf("User %s not found", id))
	}
	if !u.Active() {
		return fail(ErrInvalid, "User %s is deactivated and cannot be granted permissions", id)
	}
	return nil
}

func normalize(ss []string) []string {
	out := slices.Clone(ss)
	sort.Strings(out)
	return slices.Compact(out)
}

func union(a, b []string) []string { return normalize(append(slices.Clone(a), b...)) }

func minus(a, b []string) []string {
	var out []string
	for _, s := range normalize(a) {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}
