package org

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Domain is an email domain an organization claims. Once the organization
// proves it controls the domain (a DNS TXT record or a file on its web
// server holding ChallengeToken), the domain is verified and every user
// whose email is on it becomes managed by the organization. Name is in
// ASCII (punycode) form.
type Domain struct {
	ID               string
	OrganizationID   string
	Name             string
	ChallengeToken   string
	VerificationType string
	State            string
	CreateTime       time.Time
	// VerifyTime is when the domain was last verified; nil while unverified.
	VerifyTime *time.Time
	// CheckTime is when the background re-check last looked at the proof.
	CheckTime *time.Time
	// MissingSince is when the re-check first found the proof gone; nil
	// while the proof is in place. The domain is unverified once it has
	// been missing for the grace period.
	MissingSince *time.Time
}

// Domain states and verification types, as in Aiven's API.
const (
	DomainUnverified = "unverified"
	DomainVerified   = "verified"

	VerifyDNS  = "dns"
	VerifyHTTP = "http"
)

// PrefixDomain is the identifier prefix of domains.
const PrefixDomain = "dom"

// Verified reports whether the domain's ownership is proven.
func (d Domain) Verified() bool { return d.State == DomainVerified }

// ValidateVerificationType checks a verification type; empty means DNS.
func ValidateVerificationType(t string) (string, error) {
	switch t {
	case "":
		return VerifyDNS, nil
	case VerifyDNS, VerifyHTTP:
		return t, nil
	}
	return "", fmt.Errorf("%w: verification_type %q must be dns or http", ErrInvalid, t)
}

// NewChallengeToken returns the random string a domain's owner publishes
// to prove ownership.
func NewChallengeToken() string {
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b[:])
}

// maxDomainLen is the longest DNS name in presentation form without the
// trailing dot.
const maxDomainLen = 253

// ValidateDomainName checks a domain name and returns its canonical form:
// lower case, internationalized labels in punycode ("bücher.example" is
// "xn--bcher-kva.example"), no trailing dot. It must be a registrable-looking
// host name: at least two labels of letters, digits and inner hyphens,
// each at most 63 bytes, and a top-level label that is not all digits (so
// IP addresses are refused).
func ValidateDomainName(field, name string) (string, error) {
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("%w: %s %q is not a valid domain name: %s", ErrInvalid, field, name, why)
	}
	s := strings.TrimSuffix(strings.TrimSpace(name), ".")
	if s == "" {
		return bad("it is empty")
	}
	if len(s) > 4*maxDomainLen {
		return bad("it is too long")
	}
	if !utf8.ValidString(s) {
		return bad("it is not valid UTF-8")
	}
	ascii, err := idna.Lookup.ToASCII(s)
	if err != nil {
		return bad(idnaReason(err))
	}
	ascii = strings.ToLower(ascii)
	// Punycode labels must decode to what the lookup profile accepts, or
	// the same domain could be claimed under two spellings.
	if _, err := idna.Lookup.ToUnicode(ascii); err != nil {
		return bad(idnaReason(err))
	}
	if len(ascii) > maxDomainLen {
		return bad(fmt.Sprintf("it is longer than %d characters", maxDomainLen))
	}
	labels := strings.Split(ascii, ".")
	if len(labels) < 2 {
		return bad("it needs at least two labels, like example.com")
	}
	for _, l := range labels {
		if why := checkLabel(l); why != "" {
			return bad(why)
		}
	}
	if allDigits(labels[len(labels)-1]) {
		return bad("the top-level label is numeric")
	}
	return ascii, nil
}

func idnaReason(err error) string {
	msg := err.Error()
	// The idna package prefixes its errors with "idna: ".
	return strings.TrimPrefix(msg, "idna: ")
}

func checkLabel(l string) string {
	switch {
	case l == "":
		return "it has an empty label"
	case len(l) > 63:
		return fmt.Sprintf("label %q is longer than 63 characters", l)
	case l[0] == '-' || l[len(l)-1] == '-':
		return fmt.Sprintf("label %q starts or ends with a hyphen", l)
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return fmt.Sprintf("label %q may contain only letters, digits and hyphens", l)
		}
	}
	return ""
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// EmailDomain returns the domain part of an email address in the canonical
// form of ValidateDomainName, or "" when it has none that could be
// verified (such as admin@localhost).
func EmailDomain(email string) string {
	i := strings.LastIndexByte(email, '@')
	if i < 0 {
		return ""
	}
	d, err := ValidateDomainName("email", email[i+1:])
	if err != nil {
		return ""
	}
	return d
}

// DomainSpellings returns the forms an email address may carry domain
// name (canonical, as ValidateDomainName returns) in: the ASCII form and,
// for internationalized names, the Unicode one.
func DomainSpellings(name string) []string {
	out := []string{name}
	if u, err := idna.Lookup.ToUnicode(name); err == nil && u != name {
		out = append(out, u)
	}
	return out
}
