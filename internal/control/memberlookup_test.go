package control

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/org"
)

// TestMemberUsers: many members named in one read; IDs of nobody here,
// malformed IDs and repeats are left out or answered once; too many IDs
// at once are refused.
func TestMemberUsers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	ann := f.member(t, "ann@example.com")
	bob := f.member(t, "bob@example.com")
	stranger := org.NewID(org.PrefixUser)
	cases := []struct {
		name    string
		ids     []string
		want    []string // emails
		wantErr error
	}{
		{"two members", []string{ann.User.ID, bob.User.ID}, []string{"ann@example.com", "bob@example.com"}, nil},
		{"repeats answered once", []string{ann.User.ID, ann.User.ID}, []string{"ann@example.com"}, nil},
		{"nobody here is left out", []string{stranger, bob.User.ID}, []string{"bob@example.com"}, nil},
		{"malformed ID is left out", []string{"not an id", ann.User.ID}, []string{"ann@example.com"}, nil},
		{"none", nil, nil, nil},
		{"too many", slices.Repeat([]string{ann.User.ID}, maxMemberUsers+1), nil, ErrInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.p.MemberUsers(ctx, f.admin, f.org.ID, tc.ids)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			var emails []string
			for _, id := range slices.Sorted(maps.Keys(got)) {
				if got[id].ID != id {
					t.Errorf("user under %s is %s", id, got[id].ID)
				}
				emails = append(emails, got[id].Email)
			}
			slices.Sort(emails)
			if strings.Join(emails, ",") != strings.Join(tc.want, ",") {
				t.Errorf("MemberUsers = %v, want %v", emails, tc.want)
			}
		})
	}
}
