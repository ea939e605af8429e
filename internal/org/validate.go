package org

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Field-level limits, from Aiven's documentation and Terraform provider.
const (
	maxNameLen        = 83
	maxProjectNameLen = 63
	maxServiceNameLen = 63
	maxTagKeyLen      = 64
	maxTagValueLen    = 64
	maxTags           = 100
	minBasePort       = 10000
	maxBasePort       = 30000
)

// ServiceTypes lists the service types Gatehouse accepts.
var ServiceTypes = []string{
	"alloydbomni", "cassandra", "clickhouse", "dragonfly", "flink", "grafana",
	"influxdb", "kafka", "kafka_connect", "kafka_mirrormaker", "m3aggregator",
	"m3coordinator", "m3db", "mysql", "opensearch", "pg", "redis", "thanos", "valkey",
}

// ValidateName checks an organization or unit name.
func ValidateName(field, name string) error {
	if strings.TrimSpace(name) == "" {
		return fmt.Errorf("%w: %s must not be empty", ErrInvalid, field)
	}
	if utf8.RuneCountInString(name) > maxNameLen {
		return fmt.Errorf("%w: %s must be at most %d characters", ErrInvalid, field, maxNameLen)
	}
	if !utf8.ValidString(name) || strings.ContainsAny(name, "\x00\n\r\t") {
		return fmt.Errorf("%w: %s contains control characters", ErrInvalid, field)
	}
	return refuseInvisible(field, name)
}

// refuseInvisible refuses text holding a character that renders as
// nothing or steers layout: controls (Cc), format characters (Cf: soft
// hyphen U+00AD, zero-width space and joiners U+200B-U+200D, word joiner
// U+2060, byte-order mark U+FEFF, bidirectional controls) and other
// default-ignorable code points (Hangul fillers). With them two names or
// addresses look identical and are not.
func refuseInvisible(field, s string) error {
	for _, r := range s {
		if unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) {
			return fmt.Errorf("%w: %s contains an invisible or control character (U+%04X)", ErrInvalid, field, r)
		}
	}
	return nil
}

// CanonicalEmail is the form emails are stored and compared in: trimmed,
// Unicode NFC (so a precomposed and a decomposed "é" are one address) and
// lower case. It validates nothing; lookups use it on what they are given.
func CanonicalEmail(email string) string {
	return strings.ToLower(norm.NFC.String(strings.TrimSpace(email)))
}

// ValidateProjectName checks a project name: it starts with a lowercase
// letter and holds lowercase letters, digits and dashes, at most 63 of them.
func ValidateProjectName(name string) error {
	return validateSlug("project name", name, maxProjectNameLen)
}

// ValidateServiceName checks a service name with the same rule as projects.
func ValidateServiceName(name string) error {
	return validateSlug("service_name", name, maxServiceNameLen)
}

func validateSlug(field, name string, max int) error {
	if name == "" {
		return fmt.Errorf("%w: %s must not be empty", ErrInvalid, field)
	}
	if len(name) > max {
		return fmt.Errorf("%w: %s must be at most %d characters", ErrInvalid, field, max)
	}
	if name[0] < 'a' || name[0] > 'z' {
		return fmt.Errorf("%w: %s must start with a lowercase letter", ErrInvalid, field)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return fmt.Errorf("%w: %s may contain only lowercase letters, digits and dashes", ErrInvalid, field)
		}
	}
	if name[len(name)-1] == '-' {
		return fmt.Errorf("%w: %s must not end with a dash", ErrInvalid, field)
	}
	return nil
}

// ValidateServiceType checks that t is a known service type.
func ValidateServiceType(t string) error {
	for _, s := range ServiceTypes {
		if s == t {
			return nil
		}
	}
	return fmt.Errorf("%w: service_type %q is not supported (one of %s)", ErrInvalid, t, strings.Join(ServiceTypes, ", "))
}

// ValidateTags checks resource tags: keys start with a letter and hold
// letters, digits, '_' and '-', at most 64 characters; values at most 64.
func ValidateTags(tags map[string]string) error {
	if len(tags) > maxTags {
		return fmt.Errorf("%w: at most %d tags", ErrInvalid, maxTags)
	}
	for k, v := range tags {
		if k == "" || len(k) > maxTagKeyLen {
			return fmt.Errorf("%w: tag key %q must be 1 to %d characters", ErrInvalid, k, maxTagKeyLen)
		}
		if !isLetter(k[0]) {
			return fmt.Errorf("%w: tag key %q must start with a letter", ErrInvalid, k)
		}
		for i := 0; i < len(k); i++ {
			c := k[i]
			if !isLetter(c) && (c < '0' || c > '9') && c != '_' && c != '-' {
				return fmt.Errorf("%w: tag key %q may contain only letters, digits, '_' and '-'", ErrInvalid, k)
			}
		}
		if utf8.RuneCountInString(v) > maxTagValueLen {
			return fmt.Errorf("%w: tag %q value must be at most %d characters", ErrInvalid, k, maxTagValueLen)
		}
	}
	return nil
}

// ValidateBasePort checks a project's base port.
func ValidateBasePort(p *int) error {
	if p != nil && (*p < minBasePort || *p > maxBasePort) {
		return fmt.Errorf("%w: base_port must be between %d and %d", ErrInvalid, minBasePort, maxBasePort)
	}
	return nil
}

// ValidateEmail checks an email address and returns it in canonical form
// (CanonicalEmail). Invisible and control characters are refused.
func ValidateEmail(field, email string) (string, error) {
	if !utf8.ValidString(email) {
		return "", fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalid, field)
	}
	if err := refuseInvisible(field, email); err != nil {
		return "", err
	}
	email = norm.NFC.String(email)
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > 254 || !strings.Contains(email[strings.LastIndexByte(email, '@')+1:], ".") && !strings.HasSuffix(email, "@localhost") {
		return "", fmt.Errorf("%w: %s %q is not a valid email address", ErrInvalid, field, email)
	}
	return strings.ToLower(email), nil
}

// ValidateID checks that id has the given prefix followed by hex digits.
func ValidateID(field, prefix, id string) error {
	if len(id) <= len(prefix) || len(id) > len(prefix)+32 || !strings.HasPrefix(id, prefix) {
		return fmt.Errorf("%w: %s %q is not a valid identifier", ErrInvalid, field, id)
	}
	for i := len(prefix); i < len(id); i++ {
		c := id[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return fmt.Errorf("%w: %s %q is not a valid identifier", ErrInvalid, field, id)
		}
	}
	return nil
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
