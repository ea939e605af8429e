package consoletest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// Helpers of the Admin pages' flows: a second person's browser, the
// clipboard, and the API calls a flow makes outside the browser.

// Another opens a second browser on the same server in its own browser
// context (its own cookies), for a second person signed in at once.
func (b *Browser) Another() *Browser {
	b.T.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	b.T.Cleanup(cancel)
	o := &Browser{T: b.T, Server: b.Server, ctx: ctx, shots: b.shots, n: 100}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(Width, Height)); err != nil {
		b.T.Fatalf("opening a second browser: %v", err)
	}
	return o
}

// WaitFor waits until the JavaScript expression expr is true.
func (b *Browser) WaitFor(what, expr string) {
	b.T.Helper()
	b.waitFor(what, expr)
}

// Copy clicks the copy button sel, waits until it says it copied, and
// returns what the clipboard then holds.
func (b *Browser) Copy(sel string) string {
	b.T.Helper()
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
		_, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: name, AllowWithoutSanitization: true},
			Setting:    browser.PermissionSettingGranted, Origin: b.Server.URL})
		cancel()
		if err != nil {
			b.T.Fatalf("granting %s: %v", name, err)
		}
	}
	b.run("clicking "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	b.waitFor("the copy button to confirm", fmt.Sprintf(`document.querySelector(%q).textContent.trim() === "Copied"`, sel))
	b.shot("copied")
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
	if err != nil {
		b.T.Fatalf("reading the clipboard: %v", err)
	}
	return s
}

// API calls path on the server with a bearer token (empty for none),
// decoding a JSON answer into out (when not nil); it returns the status.
func API(t testing.TB, srvURL, method, path, tok string, in, out any) int {
	t.Helper()
	var body bytes.Buffer
	if in != nil {
		if err := json.NewEncoder(&body).Encode(in); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequestWithContext(context.Background(), method, srvURL+path, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "aivenv1 "+tok)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	if out != nil && res.StatusCode < 300 {
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: decoding: %v", method, path, err)
		}
	}
	return res.StatusCode
}

// Login signs email in through the API and returns the session token.
func (b *Browser) Login(email, password string) string {
	b.T.Helper()
	var out struct {
		Token string `json:"token"`
	}
	if st := API(b.T, b.Server.URL, "POST", "/v1/userauth", "", map[string]string{"email": email, "password": password}, &out); st != http.StatusOK {
		b.T.Fatalf("signing %s in through the API: %d", email, st)
	}
	return out.Token
}

// Person has the admin invite email into orgID and the invitation
// accepted with password, as a newcomer would through the emailed link.
func (b *Browser) Person(orgID, email, password string) {
	b.T.Helper()
	admin := b.Login(AdminEmail, AdminPassword)
	if st := API(b.T, b.Server.URL, "POST", "/v1/organization/"+orgID+"/invitation", admin, map[string]string{"user_email": email}, nil); st != http.StatusOK {
		b.T.Fatalf("inviting %s: %d", email, st)
	}
	var list struct {
		Invitations []struct {
			UserEmail  string `json:"user_email"`
			AcceptLink string `json:"accept_link"`
		} `json:"invitations"`
	}
	API(b.T, b.Server.URL, "GET", "/v1/organization/"+orgID+"/invitation", admin, nil, &list)
	for _, inv := range list.Invitations {
		if inv.UserEmail != email {
			continue
		}
		u, err := url.Parse(inv.AcceptLink)
		if err != nil {
			b.T.Fatal(err)
		}
		if st := API(b.T, b.Server.URL, "POST", u.RequestURI(), "", map[string]string{"real_name": "Person " + email, "password": password}, nil); st != http.StatusOK {
			b.T.Fatalf("accepting %s's invitation: %d", email, st)
		}
		return
	}
	b.T.Fatalf("no invitation listed for %s", email)
}

// OrgID is the organization of the page the browser shows.
func (b *Browser) OrgID() string {
	b.T.Helper()
	var id string
	if _, err := fmt.Sscanf(b.Path(), "/orgs/%s", &id); err != nil {
		b.T.Fatalf("not on an organization's page: %s", b.Path())
	}
	for i, r := range id {
		if r == '/' || r == '?' {
			return id[:i]
		}
	}
	return id
}

// Tick clicks sel without waiting for a page: a checkbox or radio button.
func (b *Browser) Tick(sel string) {
	b.T.Helper()
	b.run("ticking "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// SetValue sets the value of the field sel (a textarea, which Fill cannot
// clear while empty).
func (b *Browser) SetValue(sel, value string) {
	b.T.Helper()
	if !eval[bool](b, "setting "+sel, fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return false; e.value = %q; return true })()`, sel, value)) {
		b.T.Fatalf("setting %s: no such field (page %s)", sel, b.Path())
	}
}

// Value is the current value of the form field sel.
func (b *Browser) Value(sel string) string {
	b.T.Helper()
	return eval[string](b, "reading "+sel, fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.value : "" })()`, sel))
}
