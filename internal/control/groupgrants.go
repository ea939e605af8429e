package control

import (
	"context"
	"errors"

	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// GroupGrants lists the grants a group holds, wherever they are: the
// organization, its units and projects. Seeing the group takes what
// listing groups takes; each grant is listed only where the caller may
// see grants (what PermissionsGet asks there), so a group's page tells no
// one more than the resources' own permission lists would.
func (p *Plane) GroupGrants(ctx context.Context, a *Actor, orgID, groupID string) ([]grant.Grant, error) {
	var out []grant.Grant
	err := p.read(ctx, func(tx store.Reader) error {
		o, g, err := p.orgGroup(tx, a, OpUserGroupGet, orgID, groupID)
		if err != nil {
			return err
		}
		gs, err := tx.ListPrincipalGrants(grant.PrincipalGroup, g.ID)
		if err != nil {
			return err
		}
		for _, gr := range gs {
			if len(gr.Permissions) == 0 {
				continue // a project membership, listed with the project's users
			}
			t, err := p.grantTarget(tx, o.ID, gr.ResourceType, gr.ResourceID)
			if err == nil {
				err = p.authorize(tx, a, OpPermissionsGet, t.res)
			}
			if errors.Is(err, ErrForbidden) || errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			gr.Membership = nil
			out = append(out, gr)
		}
		return nil
	})
	return out, err
}
