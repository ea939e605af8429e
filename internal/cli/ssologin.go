package cli

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"runtime"
	"strconv"
	"time"
)

// ssoLoginTimeout bounds how long "login --sso" waits for the browser.
const ssoLoginTimeout = 5 * time.Minute

// openBrowser opens u in the person's browser; tests replace it with a
// client that plays the browser.
var openBrowser = func(u string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", u)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", u)
	default:
		cmd = exec.Command("xdg-open", u)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() { _ = cmd.Wait() }()
	return nil
}

// ssoLogin signs in through the organization's identity provider: the
// browser does the sign-in; the server sends a one-time code to a
// loopback listener of ours, which we exchange, with the verifier of the
// challenge we sent, for the session token. The token never appears in a
// URL, and a code seen by anyone else is useless without the verifier.
func (a *app) ssoLogin(ctx context.Context, orgID, email string) error {
	base := a.loginURL()
	c, err := newAPIClient(base, "login")
	if err != nil {
		return err
	}
	in := map[string]string{"organization_id": orgID}
	if orgID == "" {
		in = map[string]string{"email": email}
	}
	var d struct {
		SSO      bool   `json:"sso"`
		LoginURL string `json:"login_url"`
		Name     string `json:"authentication_method_name"`
	}
	if err := c.into(ctx, "SSODiscover", http.MethodPost, "/v1/sso/discover", in, &d); err != nil {
		return err
	}
	if !d.SSO {
		if orgID != "" {
			return fmt.Errorf("organization %s has no enabled identity provider", orgID)
		}
		return fmt.Errorf("no identity provider signs in %s: log in with a password", email)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return err
	}
	verifier := base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listening for the browser's answer: %w", err)
	}
	defer ln.Close()
	codes := make(chan string, 1)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code := r.URL.Query().Get("code")
		if r.URL.Path != "/callback" || code == "" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "Signed in: you can close this window and return to the terminal.")
		select {
		case codes <- code:
		default:
		}
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	port := ln.Addr().(*net.TCPAddr).Port
	u := d.LoginURL + "?" + url.Values{"cli_challenge": {challenge}, "cli_port": {strconv.Itoa(port)}}.Encode()
	fmt.Fprintf(a.stderr, "Signing in through %s. Open this URL in your browser if it does not open by itself:\n  %s\n", d.Name, u)
	if err := openBrowser(u); err != nil {
		fmt.Fprintf(a.stderr, "Could not open a browser: %v\n", err)
	}
	var code string
	select {
	case code = <-codes:
	case <-time.After(ssoLoginTimeout):
		return errors.New("no answer from the browser within 5 minutes: run the command again")
	case <-ctx.Done():
		return ctx.Err()
	}
	var out struct {
		Token     string `json:"token"`
		UserEmail string `json:"user_email"`
	}
	if err := c.into(ctx, "SSOTokenExchange", http.MethodPost, "/v1/sso/token", map[string]string{"code": code, "code_verifier": verifier}, &out); err != nil {
		return err
	}
	path, err := a.saveCredentials(credentials{URL: base, Token: out.Token, UserEmail: out.UserEmail})
	if err != nil {
		if nc, cerr := newAPIClient(base, out.Token); cerr == nil {
			_ = revokeSession(ctx, nc)
		}
		return fmt.Errorf("saving the credentials: %w", err)
	}
	fmt.Fprintf(a.stdout, "Logged in to %s as %s through %s; session saved in %s\n", base, out.UserEmail, d.Name, path)
	return nil
}
