package control

import (
	"context"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// FindMember returns the member an administrator names either by user ID
// or by email address (any case): the console's principal fields accept
// both. It is OrganizationUserGet, reached from another door.
func (p *Plane) FindMember(ctx context.Context, a *Actor, orgID, ref string) (Member, error) {
	ref = strings.TrimSpace(ref)
	var out Member
	err := p.read(ctx, func(tx store.Reader) error {
		o, err := p.authorizedOrg(tx, a, OpOrganizationUserGet, orgID)
		if err != nil {
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

// maxMemberUsers bounds one MemberUsers call: a page's worth of rows.
const maxMemberUsers = 500

// MemberUsers names many members in one read: the user of each ID that is
// a member of the organization, by ID; other IDs are left out. Pages
// listing grants use it to name the users holding them, so it reads only
// the membership and the user (no profile), two lookups an ID.
func (p *Plane) MemberUsers(ctx context.Context, a *Actor, orgID string, ids []string) (map[string]identity.User, error) {
	if len(ids) > maxMemberUsers {
		return nil, fail(ErrInvalid, "at most %d user IDs at once", maxMemberUsers)
	}
	out := make(map[string]identity.User, len(ids))
	err := p.read(ctx, func(tx store.Reader) error {
		o, err := p.authorizedOrg(tx, a, OpOrganizationUserGet, orgID)
		if err != nil {
			return err
		}
		valid := make([]string, 0, len(ids))
		for _, id := range ids {
			if org.ValidateID("user_id", org.PrefixUser, id) == nil {
				valid = append(valid, id)
			}
		}
		members, err := tx.ListMembersByID(o.ID, valid)
		if err != nil {
			return err
		}
		for _, m := range members {
			out[m.User.ID] = m.User
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
