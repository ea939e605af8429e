// Package consoletest drives the web console in headless Chromium against
// a real server on loopback, for end-to-end tests of its flows: one test
// file per flow, each calling Run (every backend) or Start (one server).
// Every page a test reaches is saved as a screenshot under the test's
// temporary folder and, when GATEHOUSE_CONSOLE_SCREENSHOTS names a
// folder, there too. Tests skip when no Chromium binary is installed
// (GATEHOUSE_CHROMIUM names one explicitly).
package consoletest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/gatehouse-dev/gatehouse/internal/server"
	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// Admin credentials of every test server.
const (
	AdminEmail    = servertest.AdminEmail
	AdminPassword = servertest.AdminPassword
)

// Width and Height are the browser window's size (screenshots too).
const (
	Width  = 1280
	Height = 800
)

// Browser is one Chromium tab on one server.
type Browser struct {
	T      testing.TB
	Server *servertest.Instance
	ctx    context.Context
	shots  string // this test's screenshot folder
	n      int
	mu     sync.Mutex
}

// chromium finds the browser binary, "" when there is none.
func chromium() string {
	if p := os.Getenv("GATEHOUSE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Backend is a database a flow runs on.
type Backend struct {
	Name     string
	Database func(testing.TB) string
}

// Backends are SQLite, and PostgreSQL when GATEHOUSE_TEST_POSTGRES is set.
func Backends() []Backend {
	bs := []Backend{{"sqlite", func(t testing.TB) string { return servertest.SQLite(t) }}}
	if os.Getenv("GATEHOUSE_TEST_POSTGRES") != "" {
		bs = append(bs, Backend{"postgres", func(t testing.TB) string { return servertest.Postgres(t) }})
	}
	return bs
}

// Run runs flow once per backend, each on a fresh server and browser.
func Run(t *testing.T, flow func(t *testing.T, b *Browser), configure ...func(*server.Config)) {
	t.Helper()
	RequireChromium(t)
	for _, be := range Backends() {
		t.Run(be.Name, func(t *testing.T) {
			flow(t, Start(t, be.Database(t), configure...))
		})
	}
}

// RequireChromium skips t when no Chromium binary is installed.
func RequireChromium(t testing.TB) {
	t.Helper()
	if chromium() == "" {
		t.Skip("no Chromium binary found (install Debian's chromium package or set GATEHOUSE_CHROMIUM): browser tests skipped")
	}
}

// Start runs a server on database and opens a browser on it; both stop
// when the test ends.
func Start(t testing.TB, database string, configure ...func(*server.Config)) *Browser {
	t.Helper()
	RequireChromium(t)
	srv := servertest.Start(t, database, configure...)
	b := &Browser{T: t, Server: srv, shots: filepath.Join(t.TempDir(), "screenshots")}
	if err := os.MkdirAll(b.shots, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium()),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(Width, Height),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	b.ctx = ctx
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(Width, Height)); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return b
}

// run runs actions with a deadline, failing the test on error.
func (b *Browser) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.shot("failed")
		b.T.Fatalf("%s: %v (page %s)", what, err, b.Path())
	}
}

// eval evaluates a JavaScript expression through the DevTools protocol
// (which the page's Content-Security-Policy does not restrict).
func eval[T any](b *Browser, what, expr string) T {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.T.Fatalf("%s: %v (page %s)", what, err, b.Path())
	}
	return v
}

// waitFor polls expr until it is true. chromedp.Poll compiles its
// predicate with new Function, which the console's CSP refuses; this
// evaluates through the protocol instead.
func (b *Browser) waitFor(what, expr string) {
	b.T.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.shot("failed")
			b.T.Fatalf("%s: still not %s after 15s (page %s, last error %v)", what, expr, b.Path(), err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Visit opens path (relative to the server) and waits for the page.
func (b *Browser) Visit(path string) {
	b.T.Helper()
	b.run("visiting "+path, chromedp.Navigate(b.Server.URL+path), chromedp.WaitReady(chromedp.CSS("body")))
	b.shot("")
}

// Fill types value into the field matched by sel (a CSS selector, or a
// form field's name="..." shortcut "#f-<name>" as the console renders it).
func (b *Browser) Fill(sel, value string) {
	b.T.Helper()
	// Focus and key events rather than chromedp.SendKeys: SendKeys reads
	// the node's attributes without the node's lock (to spot file inputs)
	// while chromedp's event loop may be updating them, which the race
	// detector reports as a data race in the test.
	b.run("filling "+sel, chromedp.Clear(chromedp.CSS(sel)),
		chromedp.Focus(chromedp.CSS(sel), chromedp.NodeVisible), chromedp.KeyEvent(value))
}

// Select chooses value in the <select> matched by sel.
func (b *Browser) Select(sel, value string) {
	b.T.Helper()
	ok := eval[bool](b, "selecting "+value+" in "+sel, fmt.Sprintf(`(() => { const s = document.querySelector(%q); if (!s) return false;
		s.value = %q; s.dispatchEvent(new Event("change", {bubbles: true})); return s.value === %q })()`, sel, value, value))
	if !ok {
		b.T.Fatalf("selecting %q in %s: no such option (page %s)", value, sel, b.Path())
	}
}

// Click clicks the element matched by sel and waits for the page it leads
// to (a navigation or form post) to load.
func (b *Browser) Click(sel string) {
	b.T.Helper()
	b.run("clicking "+sel,
		chromedp.Evaluate[chromedp.Void](`window.__gatehouseOld = true`),
		chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	b.waitFor("the page after clicking "+sel, `window.__gatehouseOld === undefined && document.readyState === "complete"`)
	b.shot("")
}

// ClickInPlace clicks sel and waits for sel2 to appear, for htmx updates
// that replace part of the page.
func (b *Browser) ClickInPlace(sel, waitFor string) {
	b.T.Helper()
	b.run("clicking "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible), chromedp.WaitVisible(chromedp.CSS(waitFor)))
	b.shot("")
}

// Text is the text of the first element matched by sel.
func (b *Browser) Text(sel string) string {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeReady))
	if err != nil {
		b.shot("failed")
		b.T.Fatalf("reading %s: %v (page %s)", sel, err, b.Path())
	}
	return strings.TrimSpace(s)
}

// Has reports whether the page has an element matched by sel.
func (b *Browser) Has(sel string) bool {
	b.T.Helper()
	return eval[bool](b, "looking for "+sel, fmt.Sprintf(`document.querySelector(%q) !== null`, sel))
}

// Page is the text of the whole page.
func (b *Browser) Page() string { return b.Text("body") }

// Contains fails the test unless the page's text holds want.
func (b *Browser) Contains(want string) {
	b.T.Helper()
	if got := b.Page(); !strings.Contains(got, want) {
		b.T.Fatalf("page %s does not say %q; it says:\n%s", b.Path(), want, got)
	}
}

// Path is the current page's path and query.
func (b *Browser) Path() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "?"
	}
	if u, err := url.Parse(loc); err == nil {
		return u.RequestURI()
	}
	return loc
}

// SignIn signs in through the sign-in page (otp may be empty) and waits
// for the page it lands on.
func (b *Browser) SignIn(email, password, otp string) {
	b.T.Helper()
	b.Visit("/signin")
	b.Fill("#f-email", email)
	b.Fill("#f-password", password)
	if otp != "" {
		b.Fill("#f-otp", otp)
	}
	b.Click("form[action='/signin'] button[type=submit]")
}

// SignOut signs out through the person menu's form.
func (b *Browser) SignOut() {
	b.T.Helper()
	b.run("opening the person menu", chromedp.Click(chromedp.CSS("details.person > summary")))
	b.Click("form[action='/signout'] button")
}

// Cookies are the browser's cookies for the server.
func (b *Browser) Cookies() []*network.Cookie {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{b.Server.URL}})
	if err != nil {
		b.T.Fatalf("reading cookies: %v", err)
	}
	return res.Cookies
}

// Cookie is the browser's cookie called name, nil when there is none.
func (b *Browser) Cookie(name string) *network.Cookie {
	for _, c := range b.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// HTTP is a plain client carrying the browser's cookies, for requests a
// page would not make (a form posted without its CSRF token); it follows
// no redirects.
func (b *Browser) HTTP() *http.Client {
	b.T.Helper()
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(b.Server.URL)
	var cks []*http.Cookie
	for _, c := range b.Cookies() {
		cks = append(cks, &http.Cookie{Name: c.Name, Value: c.Value})
	}
	jar.SetCookies(u, cks)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Shot saves a screenshot of the current page named name.
func (b *Browser) Shot(name string) {
	b.T.Helper()
	b.shot(name)
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// shot saves the current viewport as <n>-<name or path>.png in the test's
// folder, and in GATEHOUSE_CONSOLE_SCREENSHOTS when set.
func (b *Browser) shot(name string) {
	b.mu.Lock()
	b.n++
	n := b.n
	b.mu.Unlock()
	if name == "" {
		name = strings.Trim(unsafeName.ReplaceAllString(b.Path(), "_"), "_")
		if name == "" {
			name = "root"
		}
	}
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.T.Logf("screenshot %s: %v", name, err)
		return
	}
	file := fmt.Sprintf("%02d-%s.png", n, name)
	if err := os.WriteFile(filepath.Join(b.shots, file), png, 0o644); err != nil {
		b.T.Logf("screenshot %s: %v", name, err)
	}
	if dir := os.Getenv("GATEHOUSE_CONSOLE_SCREENSHOTS"); dir != "" {
		prefix := strings.Trim(unsafeName.ReplaceAllString(b.T.Name(), "_"), "_")
		if err := os.MkdirAll(dir, 0o755); err == nil {
			_ = os.WriteFile(filepath.Join(dir, prefix+"-"+file), png, 0o644)
		}
	}
}

// ReadAll reads and closes a response body.
func ReadAll(t testing.TB, r *http.Response) string {
	t.Helper()
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// SelectText chooses the option whose text is text in the <select>
// matched by sel.
func (b *Browser) SelectText(sel, text string) {
	b.T.Helper()
	ok := eval[bool](b, "selecting "+text+" in "+sel, fmt.Sprintf(`(() => { const s = document.querySelector(%q); if (!s) return false;
		const o = Array.from(s.options).find(o => o.textContent.trim() === %q); if (!o) return false;
		s.value = o.value; s.dispatchEvent(new Event("change", {bubbles: true})); return true })()`, sel, text))
	if !ok {
		b.T.Fatalf("selecting %q in %s: no such option (page %s)", text, sel, b.Path())
	}
}

// Status is the HTTP status of the current page's document.
func (b *Browser) Status() int {
	b.T.Helper()
	return eval[int](b, "reading the page's status", `(performance.getEntriesByType("navigation")[0] || {}).responseStatus || 0`)
}

// Attr is the attribute name of the first element matched by sel, and
// whether there is such an element with it.
func (b *Browser) Attr(sel, name string) (string, bool) {
	b.T.Helper()
	v := eval[*string](b, "reading "+name+" of "+sel, fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.getAttribute(%q) : null })()`, sel, name))
	if v == nil {
		return "", false
	}
	return *v, true
}

// Viewport resizes the browser's window (a phone is 390x844).
func (b *Browser) Viewport(width, height int64) {
	b.T.Helper()
	b.run("resizing the window", chromedp.EmulateViewport(width, height))
}

// Overflows reports whether the page is wider than the window (a layout
// that makes a phone scroll sideways).
func (b *Browser) Overflows() bool {
	b.T.Helper()
	return eval[bool](b, "measuring the page", `document.documentElement.scrollWidth > window.innerWidth + 1`)
}
