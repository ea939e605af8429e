package kafkaacl

import "fmt"

// Permission is an Aiven ACL permission.
type Permission string

// Aiven ACL permissions, spelled as on the wire.
const (
	PermRead      Permission = "read"
	PermWrite     Permission = "write"
	PermReadWrite Permission = "readwrite"
	PermAdmin     Permission = "admin"
)

// Permissions lists every Aiven permission, weakest first.
var Permissions = []Permission{PermRead, PermWrite, PermReadWrite, PermAdmin}

// Valid reports whether p is one of the four Aiven permissions.
func (p Permission) Valid() bool {
	switch p {
	case PermRead, PermWrite, PermReadWrite, PermAdmin:
		return true
	}
	return false
}

// Entry is an Aiven ACL entry: users matching Username may do what
// Permission grants on topics matching Topic. Both patterns are globs
// (see [Glob]).
type Entry struct {
	ID         string     `json:"id"`
	Username   string     `json:"username"`
	Permission Permission `json:"permission"`
	Topic      string     `json:"topic"`
}

// Operation is a Kafka ACL operation. The numeric values equal Kafka's wire
// codes (kmsg.ACLOperation), so translating to the protocol is a cast.
type Operation uint8

// Kafka ACL operations. Unknown and Any exist only so the numbering lines up
// with Kafka's; neither is valid in an entry or a request.
const (
	OpUnknown         Operation = 0
	OpAny             Operation = 1
	OpAll             Operation = 2
	OpRead            Operation = 3
	OpWrite           Operation = 4
	OpCreate          Operation = 5
	OpDelete          Operation = 6
	OpAlter           Operation = 7
	OpDescribe        Operation = 8
	OpClusterAction   Operation = 9
	OpDescribeConfigs Operation = 10
	OpAlterConfigs    Operation = 11
	OpIdempotentWrite Operation = 12
	OpCreateTokens    Operation = 13
	OpDescribeTokens  Operation = 14
	numOps                      = 15
)

var opNames = [numOps]string{
	OpUnknown: "Unknown", OpAny: "Any", OpAll: "All", OpRead: "Read", OpWrite: "Write",
	OpCreate: "Create", OpDelete: "Delete", OpAlter: "Alter", OpDescribe: "Describe",
	OpClusterAction: "ClusterAction", OpDescribeConfigs: "DescribeConfigs",
	OpAlterConfigs: "AlterConfigs", OpIdempotentWrite: "IdempotentWrite",
	OpCreateTokens: "CreateTokens", OpDescribeTokens: "DescribeTokens",
}

// Operations lists the operations valid in a native entry, in Aiven's API
// order.
var Operations = []Operation{
	OpAll, OpAlter, OpAlterConfigs, OpClusterAction, OpCreate, OpCreateTokens, OpDelete,
	OpDescribe, OpDescribeConfigs, OpDescribeTokens, OpIdempotentWrite, OpRead, OpWrite,
}

// String returns the wire name (e.g. "DescribeConfigs").
func (o Operation) String() string {
	if int(o) < numOps {
		return opNames[o]
	}
	return fmt.Sprintf("Operation(%d)", uint8(o))
}

// Valid reports whether o may appear in an entry (everything but Unknown
// and Any).
func (o Operation) Valid() bool { return o >= OpAll && o < numOps }

// ParseOperation parses a wire name such as "Read". Matching is exact,
// as in Aiven's API.
func ParseOperation(s string) (Operation, error) {
	for _, o := range Operations {
		if opNames[o] == s {
			return o, nil
		}
	}
	return OpUnknown, fieldErr("operation", s, "must be one of All, Alter, AlterConfigs, ClusterAction, Create, CreateTokens, Delete, Describe, DescribeConfigs, DescribeTokens, IdempotentWrite, Read, Write")
}

// MarshalText implements encoding.TextMarshaler.
func (o Operation) MarshalText() ([]byte, error) {
	if !o.Valid() {
		return nil, fieldErr("operation", o.String(), "is not a valid operation")
	}
	return []byte(o.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (o *Operation) UnmarshalText(b []byte) error {
	v, err := ParseOperation(string(b))
	*o = v
	return err
}

// ResourceType is a Kafka resource type. Values equal Kafka's wire codes
// (kmsg.ACLResourceType) except ResourceSchemaRegistry, which is ours: it
// names Schema Registry resources ("Config:" or "Subject:<name>").
type ResourceType uint8

// Resource types.
const (
	ResourceUnknown         ResourceType = 0
	ResourceTopic           ResourceType = 2
	ResourceGroup           ResourceType = 3
	ResourceCluster         ResourceType = 4
	ResourceTransactionalID ResourceType = 5
	ResourceDelegationToken ResourceType = 6
	ResourceUser            ResourceType = 7
	ResourceSchemaRegistry  ResourceType = 8
	numResourceTypes                     = 9
)

var resourceNames = [numResourceTypes]string{
	ResourceUnknown: "Unknown", 1: "Any", ResourceTopic: "Topic", ResourceGroup: "Group",
	ResourceCluster: "Cluster", ResourceTransactionalID: "TransactionalId",
	ResourceDelegationToken: "DelegationToken", ResourceUser: "User",
	ResourceSchemaRegistry: "SchemaRegistry",
}

// NativeResourceTypes lists the resource types valid in a native entry, in
// Aiven's API order.
var NativeResourceTypes = []ResourceType{
	ResourceCluster, ResourceDelegationToken, ResourceGroup, ResourceTopic,
	ResourceTransactionalID, ResourceUser,
}

// ClusterName is the resource name Kafka gives the cluster resource.
const ClusterName = "kafka-cluster"

// String returns the wire name (e.g. "TransactionalId").
func (r ResourceType) String() string {
	if int(r) < numResourceTypes {
		return resourceNames[r]
	}
	return fmt.Sprintf("ResourceType(%d)", uint8(r))
}

// Valid reports whether r is a resource type a request may name.
func (r ResourceType) Valid() bool { return r >= ResourceTopic && r < numResourceTypes }

// ValidNative reports whether r may appear in a native entry.
func (r ResourceType) ValidNative() bool { return r >= ResourceTopic && r <= ResourceUser }

// ParseResourceType parses a native-ACL wire name such as "Topic".
func ParseResourceType(s string) (ResourceType, error) {
	for _, r := range NativeResourceTypes {
		if resourceNames[r] == s {
			return r, nil
		}
	}
	return ResourceUnknown, fieldErr("resource_type", s, "must be one of Cluster, DelegationToken, Group, Topic, TransactionalId, User")
}

// MarshalText implements encoding.TextMarshaler.
func (r ResourceType) MarshalText() ([]byte, error) {
	if !r.Valid() {
		return nil, fieldErr("resource_type", r.String(), "is not a valid resource type")
	}
	return []byte(r.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (r *ResourceType) UnmarshalText(b []byte) error {
	v, err := ParseResourceType(string(b))
	*r = v
	return err
}

// PatternType says how a native entry's resource name is matched.
type PatternType string

// Pattern types, spelled as on the wire.
const (
	// PatternLiteral matches the exact name; the name "*" matches every
	// resource of the type.
	PatternLiteral PatternType = "LITERAL"
	// PatternPrefixed matches every name starting with the resource name.
	PatternPrefixed PatternType = "PREFIXED"
)

// PermissionType is ALLOW or DENY.
type PermissionType string

// Permission types, spelled as on the wire.
const (
	Allow PermissionType = "ALLOW"
	Deny  PermissionType = "DENY"
)

// NativeEntry is a Kafka-native ACL binding as Aiven's API carries it.
type NativeEntry struct {
	ID             string         `json:"id"`
	Principal      string         `json:"principal"` // "User:<name>" or "User:*"
	Host           string         `json:"host"`      // "*" or an exact IP; empty means "*"
	ResourceType   ResourceType   `json:"resource_type"`
	ResourceName   string         `json:"resource_name"`
	PatternType    PatternType    `json:"pattern_type"`
	Operation      Operation      `json:"operation"`
	PermissionType PermissionType `json:"permission_type"`
}

// SchemaRegistryPermission is a Schema Registry ACL permission.
type SchemaRegistryPermission string

// Schema Registry permissions; write implies read.
const (
	SRRead  SchemaRegistryPermission = "schema_registry_read"
	SRWrite SchemaRegistryPermission = "schema_registry_write"
)

// Schema Registry resource prefixes.
const (
	SRConfigResource  = "Config:"
	SRSubjectResource = "Subject:"
)

// SchemaRegistryEntry is a Schema Registry (Karapace) ACL entry. Resource
// is "Config:" or "Subject:<glob>"; the glob applies to the whole resource
// string, so "Subject:orders-*" matches subject "orders-value".
type SchemaRegistryEntry struct {
	ID         string                   `json:"id"`
	Username   string                   `json:"username"`
	Permission SchemaRegistryPermission `json:"permission"`
	Resource   string                   `json:"resource"`
}

// Rules is the full ACL state of one service.
type Rules struct {
	Aiven          []Entry
	Native         []NativeEntry
	SchemaRegistry []SchemaRegistryEntry
}
