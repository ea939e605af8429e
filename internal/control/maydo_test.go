package control

import (
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

// TestMayDo: the answers are the operations' own decisions (rule, then
// authentication policy), with the refusal's words as the reason, and
// asking requires membership.
func TestMayDo(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	if _, err := f.p.CreateProject(ctx, f.admin, f.org.ID, ProjectInput{Name: "alpha"}); err != nil {
		t.Fatal(err)
	}
	plain := f.member(t, "plain@example.com")
	orgR := AccessResource{Type: grant.ResourceOrganization, ID: f.org.ID}
	projR := AccessResource{Type: grant.ResourceProject, ID: "alpha"}
	asks := []Ask{
		{OpProjectCreate, orgR},
		{OpAccountCreate, orgR},
		{OpProjectDelete, projR},
		{OpProjectDelete, AccessResource{Type: grant.ResourceProject, ID: "no-such-project"}},
	}
	cases := []struct {
		name    string
		actor   *Actor
		allowed []bool
		reason  []string
	}{
		{"super admin", f.admin, []bool{true, true, true, false}, []string{"", "", "", "not"}},
		{"plain member", plain, []bool{false, false, false, false},
			[]string{"requires organization:projects:write on organization " + f.org.ID, "requires role:organization:admin", "requires organization:projects:write", "not"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.p.MayDo(ctx, tc.actor, f.org.ID, asks)
			if err != nil {
				t.Fatal(err)
			}
			for i, a := range got {
				if a.Allowed != tc.allowed[i] {
					t.Errorf("ask %d (%s): allowed = %v, want %v (%s)", i, asks[i].Op, a.Allowed, tc.allowed[i], a.Reason)
				}
				if !strings.Contains(strings.ToLower(a.Reason), strings.ToLower(tc.reason[i])) || (tc.reason[i] == "" && a.Reason != "") {
					t.Errorf("ask %d (%s): reason %q, want it to say %q", i, asks[i].Op, a.Reason, tc.reason[i])
				}
			}
		})
	}

	t.Run("outsider", func(t *testing.T) {
		other := f.member(t, "other@example.com")
		if err := f.p.RemoveMember(ctx, f.admin, f.org.ID, other.User.ID); err != nil {
			t.Fatal(err)
		}
		_, err := f.p.MayDo(ctx, other, f.org.ID, asks)
		wantErr(t, err, ErrForbidden)
	})

	t.Run("authentication policy", func(t *testing.T) {
		// A policy demanding two-factor refuses a password-only session,
		// though the rule alone would allow it, as the operation would.
		with2FA := as(f.admin, token.KindSession, token.AuthMethodPassword, true, "192.0.2.10")
		without := as(f.admin, token.KindSession, token.AuthMethodPassword, false, "192.0.2.10")
		if _, err := f.p.UpdateAuthPolicy(ctx, with2FA, f.org.ID, PolicyUpdate{TwoFactorRequired: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		_, err := f.p.MayDo(ctx, without, f.org.ID, asks[:1])
		wantErr(t, err, ErrForbidden)
		got, err := f.p.MayDo(ctx, with2FA, f.org.ID, asks[:1])
		if err != nil || !got[0].Allowed {
			t.Fatalf("a two-factor session: %v, %+v", err, got)
		}
	})
}
