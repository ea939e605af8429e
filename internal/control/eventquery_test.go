package control

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/org"
)

// TestEventQueryFilters: the organization and project logs filter by
// actor (email, any case) and action type, and page with BeforeID.
func TestEventQueryFilters(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	if _, err := f.p.CreateProject(ctx, f.admin, f.org.ID, ProjectInput{Name: "web"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.CreateGroup(ctx, f.admin, f.org.ID, "ops", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.CreateGroup(ctx, f.admin, f.org.ID, "dev", ""); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		q       EventQuery
		project string
		want    []string // action types, newest first
	}{
		{"Action", EventQuery{Action: "user_group_create"}, "", []string{"user_group_create", "user_group_create"}},
		{"ActorAnyCase", EventQuery{Actor: " Admin@Example.COM ", Action: "project_create"}, "", []string{"project_create"}},
		{"OtherActor", EventQuery{Actor: "nobody@example.com"}, "", nil},
		{"Limit", EventQuery{Action: "user_group_create", Limit: 1}, "", []string{"user_group_create"}},
		{"Project", EventQuery{Action: "project_create"}, "web", []string{"project_create"}},
		{"ProjectOtherAction", EventQuery{Action: "user_group_create"}, "web", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			if c.project != "" {
				evs, err := f.p.ProjectEventsMatching(ctx, f.admin, c.project, c.q)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range evs {
					got = append(got, e.ActionType)
				}
			} else {
				evs, err := f.p.AccountEventsMatching(ctx, f.admin, f.org.AccountID, c.q)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range evs {
					got = append(got, e.ActionType)
				}
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Fatalf("got %v, want %v", got, c.want)
				}
			}
		})
	}
	t.Run("PagesWithinTheFilter", func(t *testing.T) {
		first, err := f.p.AccountEventsMatching(ctx, f.admin, f.org.AccountID, EventQuery{Action: "user_group_create", Limit: 1})
		if err != nil || len(first) != 1 {
			t.Fatalf("first page: %v %v", first, err)
		}
		second, err := f.p.AccountEventsMatching(ctx, f.admin, f.org.AccountID, EventQuery{Action: "user_group_create", Limit: 1, BeforeID: first[0].ID})
		if err != nil || len(second) != 1 || second[0].ID >= first[0].ID || second[0].Description != `Created group "ops"` {
			t.Fatalf("second page: %+v %v", second, err)
		}
	})
	t.Run("NonMemberRefused", func(t *testing.T) {
		other := newFixture(t)
		if _, err := f.p.AccountEventsMatching(ctx, other.admin, f.org.AccountID, EventQuery{}); err == nil {
			t.Fatal("a stranger read the organization's log")
		}
	})
}

// TestFindMember: a member is found by ID or by email in any case; an
// address of someone outside the organization is a 404 like an unknown one.
func TestFindMember(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	m := f.member(t, "dev@example.com")
	stranger := newFixture(t)
	cases := []struct {
		name string
		ref  string
		want string
		err  error
	}{
		{"ByID", m.User.ID, m.User.ID, nil},
		{"ByEmail", "Dev@Example.com", m.User.ID, nil},
		{"Unknown", "ghost@example.com", "", ErrNotFound},
		{"BadID", "not-an-id", "", org.ErrInvalid},
		{"Empty", "", "", org.ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := f.p.FindMember(ctx, f.admin, f.org.ID, c.ref)
			if c.err != nil {
				wantErr(t, err, c.err)
				return
			}
			if err != nil || got.User.ID != c.want {
				t.Fatalf("FindMember(%q) = %s, %v; want %s", c.ref, got.User.ID, err, c.want)
			}
		})
	}
	if _, err := f.p.FindMember(ctx, stranger.admin, f.org.ID, m.User.Email); err == nil {
		t.Fatal("a stranger looked up a member")
	}
}
