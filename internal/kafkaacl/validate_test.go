package kafkaacl

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestValidateEntry(t *testing.T) {
	ok := Entry{Username: "svc-1.a_b*?", Permission: PermRead, Topic: "orders.*"}
	tests := []struct {
		name  string
		edit  func(*Entry)
		field string // "" = valid
	}{
		{"valid", func(*Entry) {}, ""},
		{"username 64", func(e *Entry) { e.Username = strings.Repeat("a", 64) }, ""},
		{"username empty", func(e *Entry) { e.Username = "" }, "username"},
		{"username 65", func(e *Entry) { e.Username = strings.Repeat("a", 65) }, "username"},
		{"username space", func(e *Entry) { e.Username = "a b" }, "username"},
		{"username colon", func(e *Entry) { e.Username = "User:a" }, "username"},
		{"username non-ascii", func(e *Entry) { e.Username = "é" }, "username"},
		{"permission", func(e *Entry) { e.Permission = "owner" }, "permission"},
		{"permission case", func(e *Entry) { e.Permission = "Read" }, "permission"},
		{"topic empty", func(e *Entry) { e.Topic = "" }, "topic"},
		{"topic 249", func(e *Entry) { e.Topic = strings.Repeat("t", 249) }, ""},
		{"topic 250", func(e *Entry) { e.Topic = strings.Repeat("t", 250) }, "topic"},
		{"topic bad utf8", func(e *Entry) { e.Topic = "\xff" }, "topic"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ok
			tt.edit(&e)
			checkFieldErr(t, e.Validate(), tt.field)
		})
	}
}

func TestValidateNative(t *testing.T) {
	ok := NativeEntry{Principal: "User:alice", Host: "*", ResourceType: ResourceTopic, ResourceName: "orders",
		PatternType: PatternLiteral, Operation: OpRead, PermissionType: Allow}
	tests := []struct {
		name  string
		edit  func(*NativeEntry)
		field string
	}{
		{"valid", func(*NativeEntry) {}, ""},
		{"empty host means *", func(n *NativeEntry) { n.Host = "" }, ""},
		{"principal wildcard", func(n *NativeEntry) { n.Principal = "User:*" }, ""},
		{"principal 256", func(n *NativeEntry) { n.Principal = "User:" + strings.Repeat("a", 251) }, ""},
		{"principal 257", func(n *NativeEntry) { n.Principal = "User:" + strings.Repeat("a", 252) }, "principal"},
		{"principal no type", func(n *NativeEntry) { n.Principal = "alice" }, "principal"},
		{"principal other type", func(n *NativeEntry) { n.Principal = "Group:x" }, "principal"},
		{"principal empty name", func(n *NativeEntry) { n.Principal = "User:" }, "principal"},
		{"host 257", func(n *NativeEntry) { n.Host = strings.Repeat("1", 257) }, "host"},
		{"resource type unknown", func(n *NativeEntry) { n.ResourceType = ResourceUnknown }, "resource_type"},
		{"resource type schema registry", func(n *NativeEntry) { n.ResourceType = ResourceSchemaRegistry }, "resource_type"},
		{"resource name empty", func(n *NativeEntry) { n.ResourceName = "" }, "resource_name"},
		{"resource name 257", func(n *NativeEntry) { n.ResourceName = strings.Repeat("r", 257) }, "resource_name"},
		{"pattern match", func(n *NativeEntry) { n.PatternType = "MATCH" }, "pattern_type"},
		{"operation any", func(n *NativeEntry) { n.Operation = OpAny }, "operation"},
		{"permission type", func(n *NativeEntry) { n.PermissionType = "allow" }, "permission_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := ok
			tt.edit(&n)
			checkFieldErr(t, n.Validate(), tt.field)
		})
	}
}

func TestValidateSchemaRegistry(t *testing.T) {
	ok := SchemaRegistryEntry{Username: "alice", Permission: SRRead, Resource: "Subject:orders-*"}
	tests := []struct {
		name  string
		edit  func(*SchemaRegistryEntry)
		field string
	}{
		{"valid", func(*SchemaRegistryEntry) {}, ""},
		{"config", func(s *SchemaRegistryEntry) { s.Resource = "Config:" }, ""},
		{"username empty", func(s *SchemaRegistryEntry) { s.Username = "" }, "username"},
		{"username 65", func(s *SchemaRegistryEntry) { s.Username = strings.Repeat("u", 65) }, "username"},
		{"permission", func(s *SchemaRegistryEntry) { s.Permission = "read" }, "permission"},
		{"resource empty", func(s *SchemaRegistryEntry) { s.Resource = "" }, "resource"},
		{"resource 250", func(s *SchemaRegistryEntry) { s.Resource = "Subject:" + strings.Repeat("s", 242) }, "resource"},
		{"resource bare subject", func(s *SchemaRegistryEntry) { s.Resource = "Subject:" }, "resource"},
		{"resource config with name", func(s *SchemaRegistryEntry) { s.Resource = "Config:x" }, "resource"},
		{"resource other", func(s *SchemaRegistryEntry) { s.Resource = "Topic:x" }, "resource"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ok
			tt.edit(&s)
			checkFieldErr(t, s.Validate(), tt.field)
		})
	}
}

func checkFieldErr(t *testing.T, err error, field string) {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var fe *FieldError
	if !errors.As(err, &fe) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("got %v, want a *FieldError wrapping ErrInvalid", err)
	}
	if fe.Field != field || fe.Rule == "" || !strings.Contains(err.Error(), field) {
		t.Fatalf("got field %q rule %q (%v), want field %q", fe.Field, fe.Rule, err, field)
	}
}

func TestRulesValidateNamesEntry(t *testing.T) {
	err := Rules{Native: []NativeEntry{{Principal: "bob"}}}.Validate()
	if err == nil || !strings.Contains(err.Error(), "kafka_acl[0]") || !errors.Is(err, ErrInvalid) {
		t.Fatalf("got %v", err)
	}
}

func TestIDsAndDefaults(t *testing.T) {
	id := NewID()
	if !strings.HasPrefix(id, "acl") || len(id) != 15 || strings.Trim(id[3:], "0123456789abcdef") != "" {
		t.Errorf("NewID() = %q, want acl + 12 hex digits", id)
	}
	if NewID() == id {
		t.Error("NewID repeated itself")
	}
	d := DefaultEntries()
	if len(d) != 1 || d[0].ID != "default" || d[0].Username != "avnadmin" || d[0].Topic != "*" || d[0].Permission != PermAdmin {
		t.Errorf("DefaultEntries() = %+v", d)
	}
	sr := DefaultSchemaRegistryEntries()
	if len(sr) != 2 || sr[0].ID != "default-sr-admin-config" || sr[1].ID != "default-sr-admin-subject" {
		t.Errorf("DefaultSchemaRegistryEntries() = %+v", sr)
	}
	for _, e := range d {
		checkFieldErr(t, e.Validate(), "")
	}
	for _, e := range sr {
		checkFieldErr(t, e.Validate(), "")
	}
}

// TestNativeJSON checks the wire spelling of a native entry.
func TestNativeJSON(t *testing.T) {
	in := `{"id":"acl1","principal":"User:alice","host":"*","resource_type":"TransactionalId","resource_name":"tx","pattern_type":"PREFIXED","operation":"DescribeConfigs","permission_type":"DENY"}`
	var n NativeEntry
	if err := json.Unmarshal([]byte(in), &n); err != nil {
		t.Fatal(err)
	}
	if n.ResourceType != ResourceTransactionalID || n.Operation != OpDescribeConfigs || n.PatternType != PatternPrefixed || n.PermissionType != Deny {
		t.Fatalf("decoded %+v", n)
	}
	out, err := json.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != in {
		t.Fatalf("round trip:\n got %s\nwant %s", out, in)
	}
	for _, bad := range []string{`{"operation":"read"}`, `{"operation":"Any"}`, `{"resource_type":"SchemaRegistry"}`} {
		if err := json.Unmarshal([]byte(bad), &n); !errors.Is(err, ErrInvalid) {
			t.Errorf("Unmarshal(%s) = %v, want ErrInvalid", bad, err)
		}
	}
	for _, o := range Operations {
		if p, err := ParseOperation(o.String()); err != nil || p != o {
			t.Errorf("ParseOperation(%q) = %v, %v", o, p, err)
		}
	}
}
