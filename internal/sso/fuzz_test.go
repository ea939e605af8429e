package sso

import (
	"net/http/httptest"
	"net/url"
	"testing"
)

// FuzzInResponseTo: the unverified peek at a posted SAML response never
// panics, whatever the bytes.
func FuzzInResponseTo(f *testing.F) {
	f.Add([]byte(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" InResponseTo="id-1"/>`))
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY a "b">]><x InResponseTo="&a;"/>`))
	f.Add([]byte{0xff, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = inResponseTo(b)
	})
}

// FuzzStartFlow: the command line's parameters are accepted only in
// their exact form.
func FuzzStartFlow(f *testing.F) {
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "8080")
	f.Add("", "")
	f.Add("x", "-1")
	f.Fuzz(func(t *testing.T, ch, port string) {
		r := httptest.NewRequest("GET", "/login?"+url.Values{"cli_challenge": {ch}, "cli_port": {port}}.Encode(), nil)
		fl, err := startFlow(r, "am1")
		if err == nil && fl.CLIChallenge != "" && (len(fl.CLIChallenge) != 43 || fl.CLIPort < 1024 || fl.CLIPort > 65535) {
			t.Fatalf("accepted %q %q as %+v", ch, port, fl)
		}
	})
}

func TestStartFlow(t *testing.T) {
	for _, c := range []struct {
		name, query string
		ok, cli     bool
	}{
		{"browser", "", true, false},
		{"cli", "cli_challenge=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&cli_port=49152", true, true},
		{"short challenge", "cli_challenge=abc&cli_port=49152", false, false},
		{"bad characters", "cli_challenge=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%2F&cli_port=49152", false, false},
		{"privileged port", "cli_challenge=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&cli_port=80", false, false},
		{"port without challenge", "cli_port=49152", false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := startFlow(httptest.NewRequest("GET", "/login?"+c.query, nil), "am1")
			if (err == nil) != c.ok || (f.CLIChallenge != "") != c.cli {
				t.Fatalf("startFlow(%q) = %+v, %v", c.query, f, err)
			}
		})
	}
}
