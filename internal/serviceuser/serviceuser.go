// Package serviceuser holds the domain rules of service users: who may be
// named what, which access-control fields fit which service type, and the
// password policy. Drivers that create the users in real servers live in
// the backend subpackage.
package serviceuser

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// User types, as Aiven reports them.
const (
	TypePrimary = "primary" // avnadmin, created with the service
	TypeNormal  = "normal"
)

// PrimaryUsername is the user every service gets when registered.
const PrimaryUsername = "avnadmin"

// ErrInvalid: a name, password or access-control entry breaks the rules.
var ErrInvalid = errors.New("invalid service user")

// Password policy for passwords a caller sets.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 256
)

// Limits on names and access-control lists.
const (
	maxUsernameLen = 64
	maxRules       = 100
	maxRuleLen     = 512
)

var usernameRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.@-]*$`)

// ValidateUsername checks a new user's name for a service type: 1 to 64
// letters, digits, '_', '.', '@' and '-' (PostgreSQL 63 bytes, MySQL 32),
// not a name the engine reserves.
func ValidateUsername(serviceType, name string) error {
	limit := maxUsernameLen
	switch serviceType {
	case "pg", "alloydbomni":
		limit = 63
	case "mysql":
		limit = 32
	}
	switch {
	case name == "":
		return fmt.Errorf("%w: username must not be empty", ErrInvalid)
	case len(name) > limit:
		return fmt.Errorf("%w: username must be at most %d characters for a %s service", ErrInvalid, limit, serviceType)
	case !usernameRE.MatchString(name):
		return fmt.Errorf("%w: username %q may contain only letters, digits, '_', '.', '@' and '-', and must not start with '.', '@' or '-'", ErrInvalid, name)
	}
	lower := strings.ToLower(name)
	switch {
	case lower == PrimaryUsername:
		return fmt.Errorf("%w: username %q is reserved for the service's primary user", ErrInvalid, name)
	case (serviceType == "pg" || serviceType == "alloydbomni") && (strings.HasPrefix(lower, "pg_") || lower == "public"):
		return fmt.Errorf("%w: username %q is reserved by PostgreSQL", ErrInvalid, name)
	case (serviceType == "redis" || serviceType == "valkey" || serviceType == "dragonfly") && lower == "default":
		return fmt.Errorf("%w: username %q is reserved by %s", ErrInvalid, name, serviceType)
	}
	return nil
}

// ValidatePassword checks a password a caller sets: 8 to 256 characters,
// no control characters (they break the servers' protocols and logs).
func ValidatePassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLen:
		return fmt.Errorf("%w: new_password must be at least %d characters", ErrInvalid, MinPasswordLen)
	case n > MaxPasswordLen:
		return fmt.Errorf("%w: new_password must be at most %d characters", ErrInvalid, MaxPasswordLen)
	case !utf8.ValidString(pw) || strings.ContainsFunc(pw, isControl):
		return fmt.Errorf("%w: new_password must be valid UTF-8 without control characters", ErrInvalid)
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// MySQL authentication plugins a user may ask for.
var authentications = []string{"caching_sha2_password", "mysql_native_password"}

// ValidateAuthentication checks the authentication field: only MySQL
// services take one; "" or "null" means the server's default.
func ValidateAuthentication(serviceType, auth string) (string, error) {
	if auth == "" || auth == "null" {
		return "", nil
	}
	if serviceType != "mysql" {
		return "", fmt.Errorf("%w: authentication applies only to MySQL services", ErrInvalid)
	}
	for _, a := range authentications {
		if a == auth {
			return auth, nil
		}
	}
	return "", fmt.Errorf("%w: authentication %q is not one of %s", ErrInvalid, auth, strings.Join(authentications, ", "))
}

// AccessControl is a user's access_control: Redis/Valkey/Dragonfly ACL
// rules or PostgreSQL's replication flag. A nil list means "not set" (the
// engine's default) and an empty one "none": they are kept apart.
type AccessControl struct {
	PGAllowReplication     *bool    `json:"pg_allow_replication"`
	RedisACLCategories     []string `json:"redis_acl_categories"`
	RedisACLChannels       []string `json:"redis_acl_channels"`
	RedisACLCommands       []string `json:"redis_acl_commands"`
	RedisACLKeys           []string `json:"redis_acl_keys"`
	ValkeyACLCategories    []string `json:"valkey_acl_categories"`
	ValkeyACLChannels      []string `json:"valkey_acl_channels"`
	ValkeyACLCommands      []string `json:"valkey_acl_commands"`
	ValkeyACLKeys          []string `json:"valkey_acl_keys"`
	ValkeyACLDatabases     []string `json:"valkey_acl_databases"`
	DragonflyACLCategories []string `json:"dragonfly_acl_categories"`
	DragonflyACLCommands   []string `json:"dragonfly_acl_commands"`
	DragonflyACLKeys       []string `json:"dragonfly_acl_keys"`
}

// RedisRules are the ACL rules of a Redis-protocol user, whatever the
// field prefix (redis_, valkey_ or dragonfly_) the service type uses.
type RedisRules struct {
	Categories, Channels, Commands, Keys []string
}

// Redis returns the rules for a Redis, Valkey or Dragonfly service.
func (a AccessControl) Redis(serviceType string) RedisRules {
	switch serviceType {
	case "valkey":
		return RedisRules{a.ValkeyACLCategories, a.ValkeyACLChannels, a.ValkeyACLCommands, a.ValkeyACLKeys}
	case "dragonfly":
		return RedisRules{a.DragonflyACLCategories, nil, a.DragonflyACLCommands, a.DragonflyACLKeys}
	}
	return RedisRules{a.RedisACLCategories, a.RedisACLChannels, a.RedisACLCommands, a.RedisACLKeys}
}

var (
	categoryRE = regexp.MustCompile(`^[+-]@[a-z0-9_-]+$`)
	commandRE  = regexp.MustCompile(`^[+-][A-Za-z0-9_|.-]+$`)
	databaseRE = regexp.MustCompile(`^([0-9]+|alldbs|resetdbs)$`)
)

type ruleList struct {
	field string
	rules []string
	types []string // service types the field belongs to
	re    *regexp.Regexp
}

// Validate checks that every field set fits serviceType and every rule
// is well formed. Rules are passed to the server one argument each, so
// they cannot smuggle in other rules, but a malformed one is refused here
// with a clear message rather than by the server.
func (a AccessControl) Validate(serviceType string) error {
	lists := []ruleList{
		{"redis_acl_categories", a.RedisACLCategories, []string{"redis"}, categoryRE},
		{"redis_acl_channels", a.RedisACLChannels, []string{"redis"}, nil},
		{"redis_acl_commands", a.RedisACLCommands, []string{"redis"}, commandRE},
		{"redis_acl_keys", a.RedisACLKeys, []string{"redis"}, nil},
		{"valkey_acl_categories", a.ValkeyACLCategories, []string{"valkey"}, categoryRE},
		{"valkey_acl_channels", a.ValkeyACLChannels, []string{"valkey"}, nil},
		{"valkey_acl_commands", a.ValkeyACLCommands, []string{"valkey"}, commandRE},
		{"valkey_acl_keys", a.ValkeyACLKeys, []string{"valkey"}, nil},
		{"valkey_acl_databases", a.ValkeyACLDatabases, []string{"valkey"}, databaseRE},
		{"dragonfly_acl_categories", a.DragonflyACLCategories, []string{"dragonfly"}, categoryRE},
		{"dragonfly_acl_commands", a.DragonflyACLCommands, []string{"dragonfly"}, commandRE},
		{"dragonfly_acl_keys", a.DragonflyACLKeys, []string{"dragonfly"}, nil},
	}
	for _, l := range lists {
		if l.rules == nil {
			continue
		}
		if !contains(l.types, serviceType) {
			return fmt.Errorf("%w: access_control.%s does not apply to a %s service", ErrInvalid, l.field, serviceType)
		}
		if len(l.rules) > maxRules {
			return fmt.Errorf("%w: access_control.%s has more than %d entries", ErrInvalid, l.field, maxRules)
		}
		for _, r := range l.rules {
			switch {
			case r == "" || len(r) > maxRuleLen:
				return fmt.Errorf("%w: access_control.%s entries must be 1 to %d characters", ErrInvalid, l.field, maxRuleLen)
			case strings.ContainsFunc(r, func(c rune) bool { return c <= ' ' || c == 0x7f }):
				return fmt.Errorf("%w: access_control.%s entry %q contains whitespace or control characters", ErrInvalid, l.field, r)
			case l.re != nil && !l.re.MatchString(r):
				return fmt.Errorf("%w: access_control.%s entry %q is malformed (%s)", ErrInvalid, l.field, r, l.re.String())
			}
		}
	}
	if a.PGAllowReplication != nil && serviceType != "pg" && serviceType != "alloydbomni" {
		return fmt.Errorf("%w: access_control.pg_allow_replication applies only to PostgreSQL services", ErrInvalid)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
