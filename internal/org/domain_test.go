package org

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateDomainName(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"plain", "example.com", "example.com"},
		{"upper case folded", "Example.COM", "example.com"},
		{"trailing dot dropped", "example.com.", "example.com"},
		{"surrounding space trimmed", "  example.com ", "example.com"},
		{"subdomain", "eng.example.co.uk", "eng.example.co.uk"},
		{"IDN to punycode", "bücher.example", "xn--bcher-kva.example"},
		{"IDN upper case", "BÜCHER.example", "xn--bcher-kva.example"},
		{"punycode kept", "xn--bcher-kva.example", "xn--bcher-kva.example"},
		{"digits in labels", "1password.com", "1password.com"},
		{"empty", "", ""},
		{"single label", "localhost", ""},
		{"IPv4 address", "192.168.0.1", ""},
		{"IPv6 address", "[::1]", ""},
		{"wildcard", "*.example.com", ""},
		{"underscore", "_dmarc.example.com", ""},
		{"leading hyphen", "-bad.example.com", ""},
		{"trailing hyphen", "bad-.example.com", ""},
		{"empty label", "a..example.com", ""},
		{"label too long", strings.Repeat("a", 64) + ".com", ""},
		{"name too long", strings.Repeat(strings.Repeat("a", 60)+".", 5) + "com", ""},
		{"space inside", "exa mple.com", ""},
		{"slash", "example.com/path", ""},
		{"at sign", "user@example.com", ""},
		{"port", "example.com:443", ""},
		{"invalid UTF-8", "ex\xffample.com", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ValidateDomainName("domain_name", c.in)
			if c.want == "" {
				if err == nil {
					t.Fatalf("accepted %q as %q", c.in, got)
				}
				if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "domain_name") {
					t.Fatalf("error %v does not wrap ErrInvalid or name the field", err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("ValidateDomainName(%q) = %q, %v; want %q", c.in, got, err, c.want)
			}
		})
	}
}

func TestEmailDomain(t *testing.T) {
	cases := map[string]string{
		"alice@example.com":      "example.com",
		"bob@Eng.Example.com":    "eng.example.com",
		"admin@localhost":        "",
		"no-at-sign":             "",
		"x@bücher.example":       "xn--bcher-kva.example",
		"weird@@example.com":     "example.com",
		"ip@192.168.1.1":         "",
		"trailing@example.com.":  "example.com",
		"empty-domain@":          "",
		"nested@a@b.example.org": "b.example.org",
	}
	for in, want := range cases {
		if got := EmailDomain(in); got != want {
			t.Errorf("EmailDomain(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDomainSpellings(t *testing.T) {
	if got := DomainSpellings("example.com"); len(got) != 1 || got[0] != "example.com" {
		t.Errorf("ASCII: %q", got)
	}
	if got := DomainSpellings("xn--bcher-kva.example"); len(got) != 2 || got[1] != "bücher.example" {
		t.Errorf("IDN: %q", got)
	}
}

func TestValidateVerificationType(t *testing.T) {
	for in, want := range map[string]string{"": "dns", "dns": "dns", "http": "http", "DNS": "", "txt": ""} {
		got, err := ValidateVerificationType(in)
		if (err == nil) != (want != "") || got != want {
			t.Errorf("ValidateVerificationType(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// FuzzValidateDomainName checks that whatever is accepted is canonical:
// plain ASCII host-name syntax, idempotent, and within DNS's limits.
func FuzzValidateDomainName(f *testing.F) {
	for _, s := range []string{"example.com", "bücher.example", "xn--bcher-kva.example", "a..b", "-a.b", "1.2.3.4",
		"ÄÖÜ.de", "\u200d.com", "xn--.com", "xn--zz.com", strings.Repeat("a.", 130) + "com", ".", "a.b.", "\xff.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ValidateDomainName("domain_name", s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if len(got) == 0 || len(got) > maxDomainLen {
			t.Fatalf("accepted %q as %q of length %d", s, got, len(got))
		}
		labels := strings.Split(got, ".")
		if len(labels) < 2 || allDigits(labels[len(labels)-1]) {
			t.Fatalf("accepted %q as %q", s, got)
		}
		for _, l := range labels {
			if checkLabel(l) != "" {
				t.Fatalf("accepted %q as %q with label %q", s, got, l)
			}
		}
		again, err := ValidateDomainName("domain_name", got)
		if err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", s, got, again, err)
		}
	})
}
