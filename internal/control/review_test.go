package control

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/store/sqlstore"
	"github.com/gatehouse-dev/gatehouse/internal/store/storetest"
)

// TestAccessReview: every kind of finding appears for what deserves it
// and not for what does not, on every backend; only organization admins
// may run the review or export the grants.
func TestAccessReview(t *testing.T) {
	backends := []struct {
		name string
		dsn  func(testing.TB) string
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}}
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			st, err := sqlstore.Open(t.Context(), be.dsn(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			clock := &fakeClock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
			f, _ := newFixtureOn(t, st, WithClock(clock.Now), WithMailer(&mailbox{}))
			testAccessReview(t, f, clock)
		})
	}
}

func testAccessReview(t *testing.T, f *fixture, clock *fakeClock) {
	ctx := t.Context()
	if _, err := f.p.CreateProject(ctx, f.admin, f.org.ID, ProjectInput{Name: "web"}); err != nil {
		t.Fatal(err)
	}
	gone := f.member(t, "gone@example.com")
	f.grant(t, grant.ResourceProject, "web", grant.PrincipalUser, gone.User.ID, "developer")
	f.deactivate(t, gone.User)
	dup := f.member(t, "dup@example.com")
	solo := f.member(t, "solo@example.com")
	devs, err := f.p.CreateGroup(ctx, f.admin, f.org.ID, "devs", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.p.UpdateGroupMembers(ctx, f.admin, f.org.ID, devs.ID, "add_members", []string{dup.User.ID}); err != nil {
		t.Fatal(err)
	}
	f.grant(t, grant.ResourceProject, "web", grant.PrincipalGroup, devs.ID, "developer")
	f.grant(t, grant.ResourceProject, "web", grant.PrincipalUser, dup.User.ID, "project:services:read")
	// solo's direct grant is not given by a group of theirs: no finding.
	f.grant(t, grant.ResourceProject, "web", grant.PrincipalUser, solo.User.ID, "project:services:read")
	// Organization-wide: read_only (project-level) is flagged, an
	// organization permission is not.
	f.grant(t, grant.ResourceOrganization, f.org.ID, grant.PrincipalGroup, devs.ID, "read_only")
	f.grant(t, grant.ResourceOrganization, f.org.ID, grant.PrincipalUser, solo.User.ID, "organization:projects:write")

	app, err := f.p.CreateApplicationUser(ctx, f.admin, f.org.ID, "ci", nil)
	if err != nil {
		t.Fatal(err)
	}
	day := int64(24 * 3600)
	old, err := f.p.CreateApplicationToken(ctx, f.admin, f.org.ID, app.ID, TokenInput{Description: "old", MaxAgeSeconds: ptr(400 * day)})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.p.Invite(ctx, f.admin, f.org.ID, "late@example.com"); err != nil {
		t.Fatal(err)
	}
	clock.Add(91 * 24 * time.Hour)
	endless, err := f.p.CreateApplicationToken(ctx, f.admin, f.org.ID, app.ID, TokenInput{Description: "endless"})
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := f.p.CreateApplicationToken(ctx, f.admin, f.org.ID, app.ID, TokenInput{Description: "fresh", MaxAgeSeconds: ptr(30 * day)})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []*Actor{dup, solo} {
		if _, err := f.p.UpdateMember(ctx, f.admin, f.org.ID, m.User.ID, MemberUpdate{IsSuperAdmin: ptr(true)}); err != nil {
			t.Fatal(err)
		}
	}

	rev, err := f.p.ReviewAccess(ctx, f.admin, f.org.ID, ReviewPage{})
	if err != nil {
		t.Fatal(err)
	}
	type seen struct{ kind, subject string }
	var got []seen
	for _, fd := range rev.Findings {
		subject := fd.UserEmail
		switch fd.Kind {
		case FindingStaleToken, FindingEndlessToken:
			subject = fd.TokenPrefix
		case FindingExpiredInvitation:
			subject = fd.Email
		case FindingOrgWideGrant:
			subject = fd.GroupName + fd.UserEmail
		}
		got = append(got, seen{fd.Kind, subject})
	}
	want := []seen{
		{FindingDeactivatedGrant, "gone@example.com"},
		{FindingStaleToken, old.Token.Prefix},
		{FindingEndlessToken, endless.Token.Prefix},
		{FindingRedundantGrant, "dup@example.com"},
		{FindingOrgWideGrant, "devs"},
		{FindingSuperAdmins, "admin@example.com"},
		{FindingSuperAdmins, "dup@example.com"},
		{FindingSuperAdmins, "solo@example.com"},
		{FindingNoTwoFactor, "admin@example.com"},
		{FindingNoTwoFactor, "dup@example.com"},
		{FindingNoTwoFactor, "solo@example.com"},
		{FindingExpiredInvitation, "late@example.com"},
	}
	sortSeen := func(s []seen) {
		slices.SortFunc(s, func(a, b seen) int {
			if a.kind != b.kind {
				if a.kind < b.kind {
					return -1
				}
				return 1
			}
			if a.subject < b.subject {
				return -1
			}
			if a.subject > b.subject {
				return 1
			}
			return 0
		})
	}
	sortSeen(got)
	sortSeen(want)
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n got %v\nwant %v", got, want)
	}
	for _, fd := range rev.Findings {
		if fd.TokenPrefix == fresh.Token.Prefix {
			t.Errorf("a fresh, expiring token is flagged: %+v", fd)
		}
		if fd.Detail == "" {
			t.Errorf("finding %s has no words", fd.Kind)
		}
	}
	if rev.SuperAdmins != 3 || rev.TwoFactorRequired {
		t.Errorf("super admins %d, two-factor required %v", rev.SuperAdmins, rev.TwoFactorRequired)
	}

	// When the policy requires two-factor, nobody is flagged for it.
	if _, err := f.p.UpdateAuthPolicy(ctx, f.admin, f.org.ID, PolicyUpdate{TwoFactorRequired: ptr(true)}); err == nil {
		rev, err := f.p.ReviewAccess(ctx, f.admin, f.org.ID, ReviewPage{})
		if err != nil {
			t.Fatal(err)
		}
		for _, fd := range rev.Findings {
			if fd.Kind == FindingNoTwoFactor {
				t.Errorf("two-factor is required, yet %s is flagged", fd.UserEmail)
			}
		}
		if _, err := f.p.UpdateAuthPolicy(ctx, f.admin, f.org.ID, PolicyUpdate{TwoFactorRequired: ptr(false)}); err != nil {
			t.Fatal(err)
		}
	}

	grants, err := f.p.OrganizationGrants(ctx, f.admin, f.org.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(grants) < 6 {
		t.Errorf("export: %d grants", len(grants))
	}

	// One finding of each kind, the second of those without two-factor:
	// the totals still count them all.
	page, err := f.p.ReviewAccess(ctx, f.admin, f.org.ID, ReviewPage{Kind: FindingNoTwoFactor, Offset: 1, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	perKind := map[string][]string{}
	for _, fd := range page.Findings {
		perKind[fd.Kind] = append(perKind[fd.Kind], fd.UserEmail)
	}
	if got := perKind[FindingNoTwoFactor]; !slices.Equal(got, []string{"dup@example.com"}) {
		t.Errorf("second person without two-factor: %v", got)
	}
	if got := perKind[FindingSuperAdmins]; len(got) != 1 {
		t.Errorf("a page of one lists %d super admins", len(got))
	}
	if page.Totals[FindingNoTwoFactor] != 3 || page.Totals[FindingSuperAdmins] != 3 || page.Totals[FindingRedundantGrant] != 1 {
		t.Errorf("totals %v", page.Totals)
	}
	for _, bad := range []ReviewPage{{Limit: -1}, {Offset: -1}, {Limit: 10000}} {
		_, err := f.p.ReviewAccess(ctx, f.admin, f.org.ID, bad)
		wantErr(t, err, ErrInvalid)
	}

	// A member who is no organization admin may do neither.
	plain := f.member(t, "plain@example.com")
	if _, err := f.p.ReviewAccess(ctx, plain, f.org.ID, ReviewPage{}); err == nil {
		t.Error("a plain member ran the access review")
	}
	if _, err := f.p.OrganizationGrants(ctx, plain, f.org.ID); err == nil {
		t.Error("a plain member exported the grants")
	}
}

// pageStore hands the Plane readers that note the reads of whole lists
// the access review once cut in memory, and the most rows a paged read
// returned.
type pageStore struct {
	store.Store
	mu    sync.Mutex
	whole []string
	most  int
}

func (s *pageStore) Read(ctx context.Context, fn func(store.Reader) error) error {
	return s.Store.Read(ctx, func(r store.Reader) error { return fn(pageReader{r, s}) })
}

func (s *pageStore) wholeRead(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.whole = append(s.whole, name)
}

func (s *pageStore) rows(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.most = max(s.most, n)
}

func (s *pageStore) reset() ([]string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	whole, most := s.whole, s.most
	s.whole, s.most = nil, 0
	return whole, most
}

type pageReader struct {
	store.Reader
	s *pageStore
}

func (r pageReader) ListPrincipalGrants(principalType, principalID string) ([]grant.Grant, error) {
	r.s.wholeRead("ListPrincipalGrants")
	return r.Reader.ListPrincipalGrants(principalType, principalID)
}

func (r pageReader) ListGrants(resourceType, resourceID string) ([]grant.Grant, error) {
	r.s.wholeRead("ListGrants")
	return r.Reader.ListGrants(resourceType, resourceID)
}

func (r pageReader) ListAllGrants() ([]grant.Grant, error) {
	r.s.wholeRead("ListAllGrants")
	return r.Reader.ListAllGrants()
}

func (r pageReader) ListApplicationUsers(orgID string) ([]identity.User, error) {
	r.s.wholeRead("ListApplicationUsers")
	return r.Reader.ListApplicationUsers(orgID)
}

func (r pageReader) ListInvitations(orgID, state string) ([]identity.Invitation, error) {
	r.s.wholeRead("ListInvitations")
	return r.Reader.ListInvitations(orgID, state)
}

func (r pageReader) ListDeactivatedGrants(orgID string, offset, limit int) ([]store.UserGrant, int, error) {
	gs, n, err := r.Reader.ListDeactivatedGrants(orgID, offset, limit)
	r.s.rows(len(gs))
	return gs, n, err
}

func (r pageReader) ListStaleTokens(orgID string, now, usedBy time.Time, offset, limit int) ([]store.UserToken, int, error) {
	ts, n, err := r.Reader.ListStaleTokens(orgID, now, usedBy, offset, limit)
	r.s.rows(len(ts))
	return ts, n, err
}

func (r pageReader) ListEndlessTokens(orgID string, usedBy time.Time, offset, limit int) ([]store.UserToken, int, error) {
	ts, n, err := r.Reader.ListEndlessTokens(orgID, usedBy, offset, limit)
	r.s.rows(len(ts))
	return ts, n, err
}

func (r pageReader) ListOrganizationWideGrants(orgID string, permissions []string, offset, limit int) ([]store.UserGrant, int, error) {
	gs, n, err := r.Reader.ListOrganizationWideGrants(orgID, permissions, offset, limit)
	r.s.rows(len(gs))
	return gs, n, err
}

func (r pageReader) ListExpiredInvitations(orgID string, now time.Time, offset, limit int) ([]identity.Invitation, int, error) {
	invs, n, err := r.Reader.ListExpiredInvitations(orgID, now, offset, limit)
	r.s.rows(len(invs))
	return invs, n, err
}

func (r pageReader) ListWithoutTwoFactor(orgID string, offset, limit int) ([]identity.User, int, error) {
	us, n, err := r.Reader.ListWithoutTwoFactor(orgID, offset, limit)
	r.s.rows(len(us))
	return us, n, err
}

// TestAccessReviewReadsItsPage: a page of the review reads from the store
// no more findings of each kind than the page shows, and never a kind's
// whole list; the page shows what the whole review shows there.
func TestAccessReviewReadsItsPage(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	f := newFixture(t, WithClock(clock.Now), WithMailer(&mailbox{}))
	ctx := t.Context()
	if _, err := f.p.CreateProject(ctx, f.admin, f.org.ID, ProjectInput{Name: "web"}); err != nil {
		t.Fatal(err)
	}
	app, err := f.p.CreateApplicationUser(ctx, f.admin, f.org.ID, "ci", nil)
	if err != nil {
		t.Fatal(err)
	}
	const each = 3
	for i := range each {
		gone := f.member(t, fmt.Sprintf("gone%d@example.com", i))
		f.grant(t, grant.ResourceProject, "web", grant.PrincipalUser, gone.User.ID, "developer")
		f.deactivate(t, gone.User)
		wide := f.member(t, fmt.Sprintf("wide%d@example.com", i))
		f.grant(t, grant.ResourceOrganization, f.org.ID, grant.PrincipalUser, wide.User.ID, "read_only")
		if _, err := f.p.CreateApplicationToken(ctx, f.admin, f.org.ID, app.ID, TokenInput{Description: "old"}); err != nil {
			t.Fatal(err)
		}
		if err := f.p.Invite(ctx, f.admin, f.org.ID, fmt.Sprintf("late%d@example.com", i)); err != nil {
			t.Fatal(err)
		}
	}
	clock.Add(91 * 24 * time.Hour)
	for range each {
		if _, err := f.p.CreateApplicationToken(ctx, f.admin, f.org.ID, app.ID, TokenInput{Description: "endless"}); err != nil {
			t.Fatal(err)
		}
	}
	ps := &pageStore{Store: f.p.store}
	p, err := New(ctx, ps, WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	all, err := p.ReviewAccess(ctx, f.admin, f.org.ID, ReviewPage{})
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{FindingDeactivatedGrant, FindingStaleToken, FindingEndlessToken, FindingOrgWideGrant,
		FindingExpiredInvitation, FindingNoTwoFactor} {
		t.Run(kind, func(t *testing.T) {
			var whole []Finding
			for _, fd := range all.Findings {
				if fd.Kind == kind {
					whole = append(whole, fd)
				}
			}
			if len(whole) < each || all.Totals[kind] != len(whole) {
				t.Fatalf("the whole review lists %d of %d", len(whole), all.Totals[kind])
			}
			ps.reset()
			page, err := p.ReviewAccess(ctx, f.admin, f.org.ID, ReviewPage{Kind: kind, Offset: 1, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			if wholeReads, most := ps.reset(); len(wholeReads) > 0 || most > 1 {
				t.Errorf("a page of one read whole lists %v and up to %d rows at once", wholeReads, most)
			}
			var got []Finding
			for _, fd := range page.Findings {
				if fd.Kind == kind {
					got = append(got, fd)
				}
			}
			if !reflect.DeepEqual(got, whole[1:2]) {
				t.Errorf("second finding:\n got %+v\nwant %+v", got, whole[1:2])
			}
			if !maps.Equal(page.Totals, all.Totals) {
				t.Errorf("totals %v, want %v", page.Totals, all.Totals)
			}
		})
	}
}
