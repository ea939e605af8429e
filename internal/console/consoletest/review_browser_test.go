package consoletest_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/console/consoletest"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/store/sqlstore"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

// TestAccessReviewRevokesAStaleToken: an application user's token last
// used 120 days ago is flagged by the access review; its one-click revoke
// asks for confirmation (cancelling keeps the token), then removes it (the token no longer opens the API) and the finding with it.
// The grants export is a CSV of the organization's grants.
func TestAccessReviewRevokesAStaleToken(t *testing.T) {
	consoletest.Run(t, func(t *testing.T, b *consoletest.Browser) {
		api := adminAPI(t, b)
		bot := api.call("POST", "/v1/organization/"+api.org+"/application-users", map[string]any{"name": "nightly-job"})
		botID := bot["user_id"].(string)
		// Nobody waits 90 days in a test: the stale token is written into
		// the server's database as it would be after them.
		secret := staleToken(t, b.Server.Database, botID, 120*24*time.Hour)

		b.SignIn(consoletest.AdminEmail, consoletest.AdminPassword, "")
		b.Visit("/orgs/" + api.org + "/access/review")
		section := b.Text("#stale_token")
		if !strings.Contains(section, "nightly-job") || !strings.Contains(section, "last used 120 days ago") {
			t.Fatalf("the review does not flag the stale token:\n%s", section)
		}
		b.Shot("access-review")
		b.Click("#stale_token button[data-fix=revoke_token]")
		// A confirmation comes first; cancelling it leaves the token.
		b.Contains("Revoke the token")
		if !strings.Contains(b.Text(".confirm .lead"), "nightly-job") {
			t.Errorf("the confirmation does not name the finding: %q", b.Text(".confirm .lead"))
		}
		b.Shot("review-fix-confirm")
		back, _ := b.Attr(".confirm a.button", "href")
		if !strings.HasSuffix(back, "/access/review") {
			t.Errorf("the confirmation's Cancel leads to %q, want the review", back)
		}
		b.Visit(back)
		if got := b.Text("#stale_token"); !strings.Contains(got, "nightly-job") {
			t.Fatalf("after cancelling, the finding is gone:\n%s", got)
		}
		b.Click("#stale_token button[data-fix=revoke_token]")
		// Using the token makes it fresh, so only now, with the
		// confirmation on screen: it works until revoked.
		api.withToken(secret).call("GET", "/v1/me", nil)
		b.Click("#confirm")
		b.Contains("Token revoked.")
		if got := b.Text("#stale_token"); !strings.Contains(got, "Nothing to review") {
			t.Errorf("after the revoke the section still says:\n%s", got)
		}
		api.withToken(secret).callStatus(http.StatusUnauthorized, "GET", "/v1/me", nil)

		res, err := b.HTTP().Get(b.Server.URL + "/orgs/" + api.org + "/access/review/grants.csv")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") ||
			!strings.HasPrefix(string(body), "resource_type,resource_id,principal_type,principal_id,permissions") {
			t.Errorf("grants export: %d %s\n%s", res.StatusCode, res.Header.Get("Content-Type"), body)
		}
	})
}

// staleToken stores an application token of userID created and last used
// age ago, returning its secret.
func staleToken(t *testing.T, database, userID string, age time.Duration) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := sqlstore.Open(ctx, database)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	secret, hash, prefix := token.New(token.KindApplication)
	then := time.Now().Add(-age).UTC()
	max := int64(365 * 24 * 3600)
	if err := st.Write(ctx, func(tx store.Tx) error {
		return tx.CreateToken(token.Token{Hash: hash, Prefix: prefix, Kind: token.KindApplication, UserID: userID,
			Description: "nightly", CreateTime: then, LastUsedTime: &then, MaxAgeSeconds: &max, ExtendWhenUsed: true,
			ExpiryTime: ptrTime(then.Add(365 * 24 * time.Hour)), CreatedManually: true})
	}); err != nil {
		t.Fatal(err)
	}
	return secret
}

func ptrTime(t time.Time) *time.Time { return &t }
