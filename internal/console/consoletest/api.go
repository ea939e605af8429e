package consoletest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"context"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Client is a JSON client of the server's API, for the steps of a flow that
// happen outside the console (another person's actions, checks that a
// token works).
type Client struct {
	T     testing.TB
	URL   string
	Token string // sent as "Authorization: aivenv1 <token>"; empty: none
}

// Login signs in through the API and returns a client with the session
// token.
func Login(t testing.TB, url, email, password string) *Client {
	t.Helper()
	a := &Client{T: t, URL: url}
	var out struct {
		Token string `json:"token"`
	}
	if st := a.Do("POST", "/v1/userauth", map[string]any{"email": email, "password": password}, &out); st != http.StatusOK {
		t.Fatalf("API login of %s: status %d", email, st)
	}
	a.Token = out.Token
	return a
}

// Do sends body (JSON, nil for none) and decodes the answer into out
// (nil: discarded); it returns the status.
func (a *Client) Do(method, path string, body, out any) int {
	a.T.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			a.T.Fatal(err)
		}
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, a.URL+path, rd)
	if err != nil {
		a.T.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if a.Token != "" {
		req.Header.Set("Authorization", "aivenv1 "+a.Token)
	}
	res, err := (&http.Client{Timeout: 15 * time.Second}).Do(req)
	if err != nil {
		a.T.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	if out != nil && res.StatusCode < 300 {
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			a.T.Fatalf("%s %s: decoding the answer: %v", method, path, err)
		}
	}
	return res.StatusCode
}

// MustDo is Do, failing the test unless the status is 2xx.
func (a *Client) MustDo(method, path string, body, out any) {
	a.T.Helper()
	if st := a.Do(method, path, body, out); st < 200 || st > 299 {
		a.T.Fatalf("%s %s: status %d", method, path, st)
	}
}

// OrgID is the ID of the first organization of the signed-in user.
func (a *Client) OrgID() string {
	a.T.Helper()
	var out struct {
		Organizations []struct {
			OrganizationID string `json:"organization_id"`
		} `json:"organizations"`
	}
	a.MustDo("GET", "/v1/organizations", nil, &out)
	if len(out.Organizations) == 0 {
		a.T.Fatal("the user belongs to no organization")
	}
	return out.Organizations[0].OrganizationID
}

// SetCookie puts a cookie for the server into the browser, as a page of
// the server would have set it.
func (b *Browser) SetCookie(name, value string) {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	httpOnly := true
	if _, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: name, Value: value, URL: b.Server.URL, Path: "/", HTTPOnly: &httpOnly}); err != nil {
		b.T.Fatalf("setting cookie %s: %v", name, err)
	}
}
