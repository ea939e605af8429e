package server_test

import (
	"testing"
	"time"

	"github.com/aiven/go-client-codegen/handler/organizationprojects"

	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// TestSecondServerFollowsChanges starts two servers on one PostgreSQL
// database: a project created through the first is visible, with its
// grants, through the second within a second.
func TestSecondServerFollowsChanges(t *testing.T) {
	t.Parallel()
	db := servertest.Postgres(t)
	a := servertest.Start(t, db)
	b := servertest.Start(t, db)
	tok := login(t, a.URL, servertest.AdminEmail, servertest.AdminPassword)
	ca, cb := client(t, a.URL, tok), client(t, b.URL, tok)
	orgs, err := ca.UserOrganizationsList(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ca.OrganizationProjectsCreate(t.Context(), orgs[0].OrganizationId, &organizationprojects.OrganizationProjectsCreateIn{ProjectId: "replicated"}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for {
		_, err := cb.ProjectGet(t.Context(), "replicated")
		if err == nil {
			break
		}
		if time.Since(start) > time.Second {
			t.Fatalf("second server still refuses after %v: %v", time.Since(start), err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("second server reflected the change after %v", time.Since(start))
}
