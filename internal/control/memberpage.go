package control

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// MemberQuery asks for one page of an organization's members: those whose
// email, name or ID contains Search (case-insensitively), ordered by Sort
// ("email", "name", "state", "activity" or "joined"; email by default),
// Limit of them from Offset.
type MemberQuery struct {
	Search      string
	Sort        string
	Desc        bool
	Offset      int
	Limit       int
	IncludeApps bool
}

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
}

// maxMemberPage bounds a page, so no answer grows with the organization.
const maxMemberPage = 500

// bulkUsersAbove: with more members than this, users are read in one
// query rather than one per member.
const bulkUsersAbove = 200

// ListMemberPage is ListMembers for an administrator's table: searched,
// sorted and paged in one read, with per-row details loaded only for the
// page, so an organization of 100,000 users costs two list queries and a
// few per shown row.
func (p *Plane) ListMemberPage(ctx context.Context, a *Actor, orgID string, q MemberQuery) (MemberPage, error) {
	if q.Limit <= 0 || q.Limit > maxMemberPage {
		return MemberPage{}, fail(ErrInvalid, "limit must be between 1 and %d", maxMemberPage)
	}
	if q.Offset < 0 {
		return MemberPage{}, fail(ErrInvalid, "offset must not be negative")
	}
	switch q.Sort {
	case "", "email", "name", "state", "activity", "joined":
	default:
		return MemberPage{}, fail(ErrInvalid, "sort must be email, name, state, activity or joined, not %q", q.Sort)
	}
	var out MemberPage
	err := p.read(ctx, func(tx store.Reader) error {
		o, err := p.organization(tx, orgID)
		if err != nil {
			return err
		}
		if err := p.authorize(tx, a, OpOrganizationUserList, orgRes(o.ID)); err != nil {
			return err
		}
		ms, err := tx.ListMembers(o.ID)
		if err != nil {
			return err
		}
		users := map[string]identity.User{}
		if len(ms) > bulkUsersAbove {
			all, err := tx.ListUsers()
			if err != nil {
				return err
			}
			for _, u := range all {
				users[u.ID] = u
			}
		}
		search := strings.ToLower(strings.TrimSpace(q.Search))
		var rows []Member
		for _, m := range ms {
			u, ok := users[m.UserID]
			if !ok {
				if u, err = tx.GetUser(m.UserID); err != nil {
					if errors.Is(err, store.ErrNotFound) {
						continue
					}
					return err
				}
			}
			if u.IsApplication && !q.IncludeApps {
				continue
			}
			if search != "" && !strings.Contains(strings.ToLower(u.Email), search) &&
				!strings.Contains(strings.ToLower(u.RealName), search) && u.ID != search {
				continue
			}
			rows = append(rows, Member{Membership: m, User: u})
		}
		slices.SortStableFunc(rows, memberOrder(q.Sort, q.Desc))
		out.Total = len(rows)
		if q.Offset >= len(rows) {
			return nil
		}
		rows = rows[q.Offset:min(len(rows), q.Offset+q.Limit)]
		out.Rows = make([]MemberRow, len(rows))
		for i, m := range rows {
			prof, err := tx.GetProfile(m.User.ID)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			m.Profile = prof
			tf, tfErr := tx.GetTwoFactor(m.User.ID)
			if tfErr != nil && !errors.Is(tfErr, store.ErrNotFound) {
				return tfErr
			}
			gs, err := tx.ListUserGroups(o.ID, m.User.ID)
			if err != nil {
				return err
			}
			out.Rows[i] = MemberRow{Member: m, TwoFactor: tfErr == nil && tf.Confirmed, Managed: m.User.ManagingOrgID == o.ID, Groups: gs}
		}
		return nil
	})
	return out, err
}

// memberOrder orders members by sort, then by email.
func memberOrder(sort string, desc bool) func(a, b Member) int {
	return func(a, b Member) int {
		var c int
		switch sort {
		case "name":
			c = strings.Compare(strings.ToLower(a.User.RealName), strings.ToLower(b.User.RealName))
		case "state":
			c = strings.Compare(a.User.State, b.User.State)
		case "activity":
			c = cmp.Compare(unixOrZero(a.User.LastActivity), unixOrZero(b.User.LastActivity))
		case "joined":
			c = a.JoinTime.Compare(b.JoinTime)
		}
		if c == 0 {
			c = strings.Compare(a.User.Email, b.User.Email)
		}
		if desc {
			c = -c
		}
		return c
	}
}

func unixOrZero(t *time.Time) int64 {
	if t == nil {
		return 0
	}
	return t.UnixNano()
}
