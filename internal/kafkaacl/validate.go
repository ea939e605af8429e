package kafkaacl

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrInvalid is wrapped by every validation error; use errors.As with
// *FieldError to learn which field and rule failed.
var ErrInvalid = errors.New("kafkaacl: invalid")

// FieldError names the field that failed validation and the rule it broke.
type FieldError struct {
	Field string // wire name, e.g. "username"
	Value string
	Rule  string // e.g. "must be 1-64 characters"
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("kafkaacl: invalid %s %q: %s", e.Field, e.Value, e.Rule)
}

// Unwrap lets errors.Is(err, ErrInvalid) succeed.
func (e *FieldError) Unwrap() error { return ErrInvalid }

func fieldErr(field, value, rule string) error {
	return &FieldError{Field: field, Value: value, Rule: rule}
}

// Limits from Aiven's API (Terraform provider validation).
const (
	MaxUsernameLen       = 64
	MaxTopicLen          = 249
	MaxNativeFieldLen    = 256
	MaxSRResourceLen     = 249
	MaxSRUsernameLen     = 64
	usernameCharsRule    = "must be 1-64 characters of -._*?A-Za-z0-9"
	principalPrefix      = "User:"
	defaultHost          = "*"
	wildcardResourceName = "*"
)

// ValidateUsername checks an Aiven ACL username pattern.
func ValidateUsername(u string) error {
	if len(u) == 0 || len(u) > MaxUsernameLen {
		return fieldErr("username", u, usernameCharsRule)
	}
	for i := 0; i < len(u); i++ {
		if !usernameByte(u[i]) {
			return fieldErr("username", u, usernameCharsRule)
		}
	}
	return nil
}

func usernameByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	case c == '-', c == '.', c == '_', c == '*', c == '?':
		return true
	}
	return false
}

// ValidateTopic checks an Aiven ACL topic pattern.
func ValidateTopic(t string) error {
	if len(t) == 0 || len(t) > MaxTopicLen {
		return fieldErr("topic", t, "must be 1-249 characters")
	}
	if !utf8.ValidString(t) {
		return fieldErr("topic", t, "must be valid UTF-8")
	}
	return nil
}

// Validate checks every field of an Aiven entry (the ID is not checked:
// it is ours to assign).
func (e Entry) Validate() error {
	if err := ValidateUsername(e.Username); err != nil {
		return err
	}
	if !e.Permission.Valid() {
		return fieldErr("permission", string(e.Permission), "must be one of admin, read, readwrite, write")
	}
	return ValidateTopic(e.Topic)
}

// Normalize fills defaults Aiven's API fills: an empty host is "*".
func (n NativeEntry) Normalize() NativeEntry {
	if n.Host == "" {
		n.Host = defaultHost
	}
	return n
}

// Validate checks a native entry. Call Normalize first if the host may be
// empty; an empty host is accepted here and means "*".
func (n NativeEntry) Validate() error {
	switch {
	case len(n.Principal) > MaxNativeFieldLen:
		return fieldErr("principal", n.Principal, "must be at most 256 characters")
	case !strings.HasPrefix(n.Principal, principalPrefix) || len(n.Principal) == len(principalPrefix):
		return fieldErr("principal", n.Principal, `must be "User:<name>"; only User principals are supported`)
	case len(n.Host) > MaxNativeFieldLen:
		return fieldErr("host", n.Host, "must be at most 256 characters")
	case !n.ResourceType.ValidNative():
		return fieldErr("resource_type", n.ResourceType.String(), "must be one of Cluster, DelegationToken, Group, Topic, TransactionalId, User")
	case len(n.ResourceName) == 0 || len(n.ResourceName) > MaxNativeFieldLen:
		return fieldErr("resource_name", n.ResourceName, "must be 1-256 characters")
	case n.PatternType != PatternLiteral && n.PatternType != PatternPrefixed:
		return fieldErr("pattern_type", string(n.PatternType), "must be LITERAL or PREFIXED")
	case !n.Operation.Valid():
		return fieldErr("operation", n.Operation.String(), "must be one of All, Alter, AlterConfigs, ClusterAction, Create, CreateTokens, Delete, Describe, DescribeConfigs, DescribeTokens, IdempotentWrite, Read, Write")
	case n.PermissionType != Allow && n.PermissionType != Deny:
		return fieldErr("permission_type", string(n.PermissionType), "must be ALLOW or DENY")
	}
	return nil
}

// Validate checks a Schema Registry entry.
func (s SchemaRegistryEntry) Validate() error {
	switch {
	case len(s.Username) == 0 || len(s.Username) > MaxSRUsernameLen:
		return fieldErr("username", s.Username, "must be 1-64 characters")
	case s.Permission != SRRead && s.Permission != SRWrite:
		return fieldErr("permission", string(s.Permission), "must be schema_registry_read or schema_registry_write")
	case len(s.Resource) == 0 || len(s.Resource) > MaxSRResourceLen:
		return fieldErr("resource", s.Resource, "must be 1-249 characters")
	case s.Resource != SRConfigResource &&
		!(strings.HasPrefix(s.Resource, SRSubjectResource) && len(s.Resource) > len(SRSubjectResource)):
		return fieldErr("resource", s.Resource, `must be "Config:" or "Subject:<name>"`)
	}
	return nil
}

// Validate checks every entry, reporting the first failure with the entry's
// kind and index.
func (r Rules) Validate() error {
	for i, e := range r.Aiven {
		if err := e.Validate(); err != nil {
			return fmt.Errorf("acl[%d]: %w", i, err)
		}
	}
	for i, n := range r.Native {
		if err := n.Validate(); err != nil {
			return fmt.Errorf("kafka_acl[%d]: %w", i, err)
		}
	}
	for i, s := range r.SchemaRegistry {
		if err := s.Validate(); err != nil {
			return fmt.Errorf("schema_registry_acl[%d]: %w", i, err)
		}
	}
	return nil
}

// NewID returns a fresh entry ID in Aiven's shape: "acl" followed by hex.
// Aiven uses the same shape for Aiven, native and Schema Registry entries;
// only the built-in defaults have readable IDs.
func NewID() string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return "acl" + hex.EncodeToString(b[:])
}

// Default entry IDs and the service user they grant.
const (
	DefaultEntryID            = "default"
	DefaultSRConfigEntryID    = "default-sr-admin-config"
	DefaultSRSubjectEntryID   = "default-sr-admin-subject"
	DefaultAdminUsername      = "avnadmin"
	defaultSubjectAllResource = SRSubjectResource + "*"
)

// DefaultEntries returns the Aiven entry every new service gets: avnadmin
// with admin on every topic.
func DefaultEntries() []Entry {
	return []Entry{{ID: DefaultEntryID, Username: DefaultAdminUsername, Permission: PermAdmin, Topic: "*"}}
}

// DefaultSchemaRegistryEntries returns the Schema Registry entries every new
// service gets: avnadmin may write the global config and every subject.
func DefaultSchemaRegistryEntries() []SchemaRegistryEntry {
	return []SchemaRegistryEntry{
		{ID: DefaultSRConfigEntryID, Username: DefaultAdminUsername, Permission: SRWrite, Resource: SRConfigResource},
		{ID: DefaultSRSubjectEntryID, Username: DefaultAdminUsername, Permission: SRWrite, Resource: defaultSubjectAllResource},
	}
}
