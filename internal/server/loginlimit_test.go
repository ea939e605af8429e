package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/server"
	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// loginResult is one answer to POST /v1/userauth.
type loginResult struct {
	status     int
	retryAfter string
	body       map[string]any
}

// loginsAtOnce sends every password in passwords for the email at index i
// of emails (one email when emails has one entry) at the same moment, from
// one address, and returns the answers.
func loginsAtOnce(t *testing.T, base string, emails, passwords []string) []loginResult {
	t.Helper()
	out := make([]loginResult, len(passwords))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, pw := range passwords {
		email := emails[0]
		if len(emails) > 1 {
			email = emails[i]
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, _ := json.Marshal(map[string]string{"email": email, "password": pw})
			<-start
			resp, err := http.Post(base+"/v1/userauth", "application/json", bytes.NewReader(b))
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			r := loginResult{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After")}
			_ = json.Unmarshal(raw, &r.body)
			out[i] = r
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// want429Shape checks a refusal carries Retry-After and the API's error
// shape.
func want429Shape(t *testing.T, r loginResult) {
	t.Helper()
	if n, err := strconv.Atoi(r.retryAfter); err != nil || n < 1 {
		t.Errorf("429 with Retry-After %q", r.retryAfter)
	}
	errs, _ := r.body["errors"].([]any)
	if msg, _ := r.body["message"].(string); msg == "" || len(errs) != 1 {
		t.Errorf("429 body %v is not the error shape", r.body)
	}
}

// TestLoginLimiterHoldsUnderConcurrency is issue 13's hole 5: sixteen
// wrong passwords for one email at once, and at most the limit (five) are
// ever tried; the rest are 429s with Retry-After, and the right password
// sent after them is refused too (the account is locked for the window,
// so the guessing gained nothing). Anonymous password-reset requests do
// not lock the account's login.
func TestLoginLimiterHoldsUnderConcurrency(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db string) {
		const other = "resets@example.com"
		srv := startWithPeople(t, db, nil, other)
		passwords := make([]string, 16)
		for i := range passwords {
			passwords[i] = "wrong guess " + strconv.Itoa(i)
		}
		tried := 0
		for _, r := range loginsAtOnce(t, srv.URL, []string{servertest.AdminEmail}, passwords) {
			switch r.status {
			case http.StatusUnauthorized:
				tried++
			case http.StatusTooManyRequests:
				want429Shape(t, r)
			default:
				t.Errorf("login answered %d %v", r.status, r.body)
			}
		}
		if tried > 5 {
			t.Errorf("%d of 16 concurrent passwords were tried; the limit is 5", tried)
		}
		if st, body := rawCallJSON(t, "POST", srv.URL+"/v1/userauth", "", map[string]any{"email": servertest.AdminEmail, "password": servertest.AdminPassword}); st != http.StatusTooManyRequests {
			t.Errorf("the right password after 16 guesses: %d %v, want 429", st, body)
		}

		// Six anonymous reset requests for a known email, then its owner
		// signs in.
		for i := range 6 {
			st, body := rawCallJSON(t, "POST", srv.URL+"/v1/user/password_reset_request", "", map[string]any{"email": other})
			if st != http.StatusOK && st != http.StatusTooManyRequests {
				t.Fatalf("reset request %d: %d %v", i, st, body)
			}
		}
		if st, body := rawCallJSON(t, "POST", srv.URL+"/v1/userauth", "", map[string]any{"email": other, "password": servertest.AdminPassword}); st != http.StatusOK {
			t.Fatalf("login after anonymous reset requests: %d %v", st, body)
		}
	})
}

// TestPasswordHashingIsBounded: with one hashing slot and no time to wait
// for it, logins arriving together are partly refused with 429 and
// Retry-After instead of all hashing at once; a refused login was not
// tried, so it does not count against the limiter.
func TestPasswordHashingIsBounded(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, servertest.SQLite(t), func(c *server.Config) {
		c.PasswordHashSlots, c.PasswordHashWait = 1, time.Millisecond
		// Test servers hash in microseconds; the slot is only contended
		// at production cost.
		c.PasswordParams = identity.DefaultPasswordParams
	})
	emails := make([]string, 24)
	passwords := make([]string, 24)
	for i := range emails {
		emails[i] = "nobody" + strconv.Itoa(i) + "@example.com"
		passwords[i] = "some password"
	}
	busy := 0
	for _, r := range loginsAtOnce(t, srv.URL, emails, passwords) {
		switch r.status {
		case http.StatusUnauthorized:
		case http.StatusTooManyRequests:
			busy++
			want429Shape(t, r)
		default:
			t.Errorf("login answered %d %v", r.status, r.body)
		}
	}
	if busy == 0 {
		t.Fatal("24 logins at once with one hashing slot: none was refused")
	}
	// The server is still well: the admin signs in.
	login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
}
