package control

import (
	"context"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// FindMember returns the member an administrator names either by user ID
// or by email address (any case): the console's principal fields accept
// both. It is OrganizationUserGet, reached from another door.
func (p *Plane) FindMember(ctx context.Context, a *Actor, orgID, ref string) (Member, error) {
	ref = strings.TrimSpace(ref)
	var out Member
	err := p.read(ctx, func(tx store.Reader) error {
		o, err := p.organization(tx, orgID)
		if err != nil {
			return err
		}
		if err := p.authorize(tx, a, OpOrganizationUserGet, orgRes(o.ID)); err != nil {
			return err
		}
		if !strings.Contains(ref, "@") {
			out, err = p.member(tx, o, ref)
			return err
		}
		u, err := tx.GetUserByEmail(strings.ToLower(ref))
		if err != nil {
			return notFound(err, "User not found in this organization")
		}
		out, err = p.member(tx, o, u.ID)
		return err
	})
	return out, err
}
