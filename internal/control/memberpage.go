package control

import (
	"cmp"
	"context"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// MemberQuery asks for one page of an organization's members: those whose
// email or name starts with Search (ASCII case-insensitively) or whose ID
// is Search, ordered by Sort
// ("email", "name", "state", "activity" or "joined"; email by default),
// Limit of them from Offset, or just after After or just before Before
// (the cursors of a page's last and first rows: MemberPage.Next, Prev).
type MemberQuery struct {
	Search      string
	Sort        string
	Desc        bool
	Offset      int
	Limit       int
	IncludeApps bool
	After       *MemberCursor
	Before      *MemberCursor
}

// MemberCursor is a place in a member order, as a page's Next and Prev
// give it.
type MemberCursor = store.MemberCursor

// MemberRow is a listed member with what an administrator looks at: its
// two-factor enrolment, its groups, and whether this organization manages
// it (a verified domain of the organization).
type MemberRow struct {
	Member
	TwoFactor bool
	Managed   bool
	Groups    []identity.Group
}

// MemberPage is one page of members and how many match in all.
type MemberPage struct {
	Rows  []MemberRow
	Total int
	// Prev and Next are the places of the first and last rows, for the
	// pages before and after this one (zero without rows).
	Prev, Next MemberCursor
}

// maxMemberPage bounds a page, so no answer grows with the organization.
const maxMemberPage = 500

// ListMemberPage is ListMembers for an administrator's table: searched,
// sorted, paged and counted by the store (store.Reader.ListMemberPage),
// with per-row details loaded only for the page, so an organization of
// 100,000 users costs two indexed queries and a few per shown row.
func (p *Plane) ListMemberPage(ctx context.Context, a *Actor, orgID string, q MemberQuery) (MemberPage, error) {
	if q.Limit <= 0 || q.Limit > maxMemberPage {
		return MemberPage{}, fail(ErrInvalid, "limit must be between 1 and %d", maxMemberPage)
	}
	if q.Offset < 0 {
		return MemberPage{}, fail(ErrInvalid, "offset must not be negative")
	}
	if c := cmp.Or(q.After, q.Before); c != nil {
		if q.Offset != 0 || q.After != nil && q.Before != nil {
			return MemberPage{}, fail(ErrInvalid, "a page starts at an offset, after a member or before one, not several")
		}
		if q.Sort == store.MemberSortActivity || q.Sort == store.MemberSortJoined {
			if _, err := strconv.ParseInt(c.Key, 10, 64); err != nil {
				return MemberPage{}, fail(ErrInvalid, "the page's cursor %q is not a time", c.Key)
			}
		}
	}
	switch q.Sort {
	case "", "email", "name", "state", "activity", "joined":
	default:
		return MemberPage{}, fail(ErrInvalid, "sort must be email, name, state, activity or joined, not %q", q.Sort)
	}
	var out MemberPage
	err := p.read(ctx, func(tx store.Reader) error {
		o, err := p.authorizedOrg(tx, a, OpOrganizationUserList, orgID)
		if err != nil {
			return err
		}
		page, total, err := tx.ListMemberPage(store.MemberFilter{OrganizationID: o.ID, Search: strings.TrimSpace(q.Search),
			Sort: q.Sort, Desc: q.Desc, IncludeApps: q.IncludeApps, Offset: q.Offset, Limit: q.Limit, After: q.After, Before: q.Before})
		if err != nil {
			return err
		}
		out.Total = total
		if len(page) > 0 {
			out.Prev, out.Next = store.MemberCursorOf(q.Sort, page[0]), store.MemberCursorOf(q.Sort, page[len(page)-1])
		}
		ids := make([]string, len(page))
		for i, mu := range page {
			ids[i] = mu.User.ID
		}
		details, err := tx.ListMemberDetails(o.ID, ids)
		if err != nil {
			return err
		}
		out.Rows = make([]MemberRow, len(page))
		for i, mu := range page {
			out.Rows[i] = memberRowOf(o.ID, Member{Membership: mu.Membership, User: mu.User}, details[mu.User.ID])
		}
		return nil
	})
	return out, err
}

// GetMemberRow is one member with what ListMemberPage shows of each: the
// details of a user's own page.
func (p *Plane) GetMemberRow(ctx context.Context, a *Actor, orgID, userID string) (MemberRow, error) {
	var out MemberRow
	err := p.read(ctx, func(tx store.Reader) error {
		o, err := p.authorizedOrg(tx, a, OpOrganizationUserList, orgID)
		if err != nil {
			return err
		}
		m, err := p.member(tx, o, userID)
		if err != nil {
			return err
		}
		out, err = memberRow(tx, o.ID, m)
		return err
	})
	return out, err
}

// memberRow adds a member's profile, two-factor enrolment and groups.
func memberRow(tx store.Reader, orgID string, m Member) (MemberRow, error) {
	details, err := tx.ListMemberDetails(orgID, []string{m.User.ID})
	if err != nil {
		return MemberRow{}, err
	}
	return memberRowOf(orgID, m, details[m.User.ID]), nil
}

func memberRowOf(orgID string, m Member, d store.MemberDetails) MemberRow {
	m.Profile = d.Profile
	return MemberRow{Member: m, TwoFactor: d.TwoFactor, Managed: m.User.ManagingOrgID == orgID, Groups: d.Groups}
}
