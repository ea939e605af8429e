package kafkaacl

import (
	"fmt"
	"strings"
)

// Scope says which resource names a [Grant] covers.
type Scope uint8

const (
	// ScopeTopicPattern covers the topics matching the entry's topic pattern.
	ScopeTopicPattern Scope = iota
	// ScopeAllNames covers every resource of the type, whatever the entry's
	// topic pattern: Aiven does not scope consumer groups or transactional
	// IDs, and admin's topic creation is cluster-wide.
	ScopeAllNames
	// ScopeCluster covers the cluster resource.
	ScopeCluster
)

func (s Scope) String() string {
	switch s {
	case ScopeTopicPattern:
		return "topic pattern"
	case ScopeAllNames:
		return "all names"
	case ScopeCluster:
		return "cluster"
	}
	return fmt.Sprintf("Scope(%d)", uint8(s))
}

// Grant is one row of the permission → operation mapping.
type Grant struct {
	ResourceType ResourceType
	Scope        Scope
	Operations   []Operation
	Permissions  []Permission
	Note         string
}

// permissionTable is the single source of the Aiven permission mapping:
// reference §1.9 Table A, plus IdempotentWrite@Cluster from Table C, which
// idempotent producers (the default since Kafka 3.0) need for
// InitProducerId. Describe and DescribeConfigs follow the topic pattern as
// Table A says; Table C's "Describe every topic" is inferred from a fixture
// and deliberately not reproduced. Kafka's implied operations (Read, Write,
// Delete, Alter ⇒ Describe; AlterConfigs ⇒ DescribeConfigs) are applied on
// top by the authorizer, as Kafka does for ALLOW rules.
var permissionTable = []Grant{
	{ResourceCluster, ScopeCluster, []Operation{OpCreate}, []Permission{PermAdmin},
		"CreateTopics is granted at cluster level"},
	{ResourceTopic, ScopeAllNames, []Operation{OpCreate}, []Permission{PermAdmin},
		"follows from cluster-level CreateTopics: admin creates topics of any name"},
	{ResourceGroup, ScopeAllNames, []Operation{OpRead, OpDescribe, OpDelete}, []Permission{PermAdmin, PermReadWrite, PermRead},
		"consumer groups are not scoped by name"},
	{ResourceTopic, ScopeTopicPattern, []Operation{OpRead}, []Permission{PermAdmin, PermReadWrite, PermRead},
		"consume"},
	{ResourceTopic, ScopeTopicPattern, []Operation{OpWrite}, []Permission{PermAdmin, PermReadWrite, PermWrite},
		"produce"},
	{ResourceTopic, ScopeTopicPattern, []Operation{OpDescribe, OpDescribeConfigs}, []Permission{PermAdmin, PermReadWrite, PermWrite, PermRead},
		"metadata and topic configs"},
	{ResourceTopic, ScopeTopicPattern, []Operation{OpAlter, OpAlterConfigs, OpDelete}, []Permission{PermAdmin},
		"only topics matching the pattern"},
	{ResourceTransactionalID, ScopeAllNames, []Operation{OpDescribe, OpWrite}, []Permission{PermAdmin, PermReadWrite, PermWrite},
		"transactions; not scoped by name"},
	{ResourceCluster, ScopeCluster, []Operation{OpIdempotentWrite}, []Permission{PermAdmin, PermReadWrite, PermWrite},
		"idempotent producers (Table C)"},
}

// PermissionTable returns a copy of the permission → operation mapping.
func PermissionTable() []Grant {
	out := make([]Grant, len(permissionTable))
	for i, g := range permissionTable {
		g.Operations = append([]Operation(nil), g.Operations...)
		g.Permissions = append([]Permission(nil), g.Permissions...)
		out[i] = g
	}
	return out
}

// SchemaRegistryGrant maps a Schema Registry permission to the operations
// it allows on a Schema Registry resource.
type SchemaRegistryGrant struct {
	Permission SchemaRegistryPermission
	Operations []Operation
}

var schemaRegistryTable = []SchemaRegistryGrant{
	{SRRead, []Operation{OpRead}},
	{SRWrite, []Operation{OpRead, OpWrite}}, // write implies read
}

// SchemaRegistryTable returns a copy of the Schema Registry mapping.
func SchemaRegistryTable() []SchemaRegistryGrant {
	out := make([]SchemaRegistryGrant, len(schemaRegistryTable))
	for i, g := range schemaRegistryTable {
		g.Operations = append([]Operation(nil), g.Operations...)
		out[i] = g
	}
	return out
}

// opMask is a set of operations, one bit per Operation value.
type opMask uint32

const allOps = opMask(1<<numOps-1) &^ (1<<OpUnknown | 1<<OpAny)

func maskOf(ops ...Operation) opMask {
	var m opMask
	for _, o := range ops {
		m |= 1 << o
	}
	return m
}

func (m opMask) has(o Operation) bool { return m&(1<<o) != 0 }

// allowMask is what an ALLOW rule on op grants, with Kafka's implied
// operations. DENY rules imply nothing, as in Kafka.
func allowMask(op Operation) opMask {
	switch op {
	case OpAll:
		return allOps
	case OpRead, OpWrite, OpDelete, OpAlter:
		return maskOf(op, OpDescribe)
	case OpAlterConfigs:
		return maskOf(op, OpDescribeConfigs)
	}
	return maskOf(op)
}

func denyMask(op Operation) opMask {
	if op == OpAll {
		return allOps
	}
	return maskOf(op)
}

// permGrants is permissionTable compiled: for each permission and resource
// type, the operations granted on the topic pattern and on every name.
type permGrant struct {
	pattern, all opMask
}

var permGrants = compilePermissionTable()

func compilePermissionTable() map[Permission]*[numResourceTypes]permGrant {
	out := make(map[Permission]*[numResourceTypes]permGrant, len(Permissions))
	for _, p := range Permissions {
		out[p] = new([numResourceTypes]permGrant)
	}
	for _, g := range permissionTable {
		var m opMask
		for _, o := range g.Operations {
			m |= allowMask(o)
		}
		for _, p := range g.Permissions {
			pg := &out[p][g.ResourceType]
			if g.Scope == ScopeTopicPattern {
				pg.pattern |= m
			} else {
				pg.all |= m
			}
		}
	}
	return out
}

// PermissionTableMarkdown renders the mapping as the Markdown table that
// docs/kafka-acl.md carries; a test checks the doc contains it verbatim.
func PermissionTableMarkdown() string {
	var b strings.Builder
	b.WriteString("| resource | names | operations | admin | readwrite | write | read | note |\n")
	b.WriteString("|---|---|---|:-:|:-:|:-:|:-:|---|\n")
	order := []Permission{PermAdmin, PermReadWrite, PermWrite, PermRead}
	for _, g := range permissionTable {
		ops := make([]string, len(g.Operations))
		for i, o := range g.Operations {
			ops[i] = o.String()
		}
		fmt.Fprintf(&b, "| %s | %s | %s |", g.ResourceType, g.Scope, strings.Join(ops, ", "))
		for _, p := range order {
			mark := " "
			for _, gp := range g.Permissions {
				if gp == p {
					mark = "✓"
				}
			}
			fmt.Fprintf(&b, " %s |", mark)
		}
		fmt.Fprintf(&b, " %s |\n", g.Note)
	}
	return b.String()
}
