package org

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateProjectName(t *testing.T) {
	cases := []struct {
		name string
		in   string
		ok   bool
	}{
		{"simple", "backend-prod", true},
		{"digits", "p1", true},
		{"max length", "a" + strings.Repeat("b", 62), true},
		{"too long", "a" + strings.Repeat("b", 63), false},
		{"empty", "", false},
		{"starts with digit", "1abc", false},
		{"starts with dash", "-abc", false},
		{"ends with dash", "abc-", false},
		{"upper case", "Backend", false},
		{"underscore", "a_b", false},
		{"dot", "a.b", false},
		{"unicode", "ä", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := ValidateProjectName(c.in)
			if (err == nil) != c.ok {
				t.Fatalf("ValidateProjectName(%q) = %v, want ok=%v", c.in, err, c.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalid) {
				t.Fatalf("error does not wrap ErrInvalid: %v", err)
			}
		})
	}
}

func TestValidateTags(t *testing.T) {
	cases := []struct {
		name string
		tags map[string]string
		ok   bool
	}{
		{"nil", nil, true},
		{"good", map[string]string{"env": "prod", "team_a-b": "x"}, true},
		{"key starts with digit", map[string]string{"1env": "x"}, false},
		{"key with dot", map[string]string{"a.b": "x"}, false},
		{"empty key", map[string]string{"": "x"}, false},
		{"long value", map[string]string{"k": strings.Repeat("v", 65)}, false},
		{"long key", map[string]string{"k" + strings.Repeat("k", 64): "v"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := ValidateTags(c.tags); (err == nil) != c.ok {
				t.Fatalf("ValidateTags(%v) = %v, want ok=%v", c.tags, err, c.ok)
			}
		})
	}
}

func TestValidateID(t *testing.T) {
	cases := []struct {
		name, prefix, id string
		ok               bool
	}{
		{"org", PrefixOrganization, NewID(PrefixOrganization), true},
		{"unit", PrefixUnit, NewID(PrefixUnit), true},
		{"group", PrefixGroup, NewID(PrefixGroup), true},
		{"wrong prefix", PrefixUnit, NewID(PrefixOrganization), false},
		{"prefix only", PrefixOrganization, "org", false},
		{"upper hex", PrefixOrganization, "orgABCDEF", false},
		{"path chars", PrefixOrganization, "org12/../", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := ValidateID("id", c.prefix, c.id); (err == nil) != c.ok {
				t.Fatalf("ValidateID(%q, %q) = %v, want ok=%v", c.prefix, c.id, err, c.ok)
			}
		})
	}
}

func TestValidateEmail(t *testing.T) {
	for in, ok := range map[string]bool{
		"a@example.com": true, "Admin@Example.COM": true, "admin@localhost": true,
		"": false, "no-at": false, "a@b": false, "Name <a@example.com>": false, "a@example.com ": false,
	} {
		got, err := ValidateEmail("email", in)
		if (err == nil) != ok {
			t.Errorf("ValidateEmail(%q) = %q, %v; want ok=%v", in, got, err, ok)
		}
		if err == nil && got != strings.ToLower(in) {
			t.Errorf("ValidateEmail(%q) = %q, want lower case", in, got)
		}
	}
}

func FuzzValidateProjectName(f *testing.F) {
	for _, s := range []string{"a", "backend-prod", "-", "a-", "A", "ä", strings.Repeat("a", 64)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateProjectName(s) != nil {
			return
		}
		if len(s) == 0 || len(s) > 63 || s[0] < 'a' || s[0] > 'z' || s[len(s)-1] == '-' {
			t.Fatalf("accepted %q", s)
		}
		for _, r := range s {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				t.Fatalf("accepted %q with %q", s, r)
			}
		}
	})
}

func FuzzValidateName(f *testing.F) {
	for _, s := range []string{"Acme", "", " ", "a\nb", strings.Repeat("x", 84), "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateName("name", s) == nil && (strings.TrimSpace(s) == "" || strings.ContainsAny(s, "\x00\n\r\t")) {
			t.Fatalf("accepted %q", s)
		}
	})
}
