package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/aiven/go-client-codegen/handler/kafka"
	"github.com/aiven/go-client-codegen/handler/kafkaschemaregistry"
	"github.com/spf13/cobra"
)

var (
	aclColumns       = []string{"id", "username", "topic", "permission"}
	nativeACLColumns = []string{"id", "principal", "host", "resource_type", "resource_name", "pattern_type", "operation", "permission_type"}
	srACLColumns     = []string{"id", "username", "resource", "permission"}
)

// kafkaCommands are the "service" subcommands for Kafka: Aiven ACLs
// (acl-*), Kafka-native ACLs (kafka-acl-*), Schema Registry ACLs
// (schema-registry-acl-*), the authorizer and the sync to a cluster.
func kafkaCommands(a *app) []*cobra.Command {
	return []*cobra.Command{
		aclAdd(a), aclList(a), aclDelete(a),
		nativeACLAdd(a), nativeACLList(a), nativeACLGet(a), nativeACLDelete(a),
		srACLAdd(a), srACLList(a), srACLDelete(a),
		kafkaAuthorize(a), kafkaSync(a),
	}
}

func aclAdd(a *app) *cobra.Command {
	var project, svc, perm, topic, username string
	cmd := &cobra.Command{
		Use:   "acl-add",
		Short: "Add an Aiven Kafka ACL entry: username and topic patterns with * and ?",
		Example: `  gatehouse service acl-add --project my-project --service kafka-1 \
    --username 'analyst*' --permission read --topic 'xyz'`,
		Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			p, err := a.projectName(project)
			if err != nil {
				return err
			}
			acl, err := c.ServiceKafkaAclAdd(ctx, p, svc, &kafka.ServiceKafkaAclAddIn{Permission: kafka.PermissionType(perm), Topic: topic, Username: username})
			if err != nil {
				return err
			}
			return a.print(acl, aclColumns...)
		}),
	}
	serviceFlags(cmd, &project, &svc)
	f := cmd.Flags()
	f.StringVar(&perm, "permission", "", "read, write, readwrite or admin")
	f.StringVar(&topic, "topic", "", "topic name or pattern")
	f.StringVar(&username, "username", "", "service user name or pattern")
	for _, n := range []string{"permission", "topic", "username"} {
		_ = cmd.MarkFlagRequired(n)
	}
	return cmd
}

func aclList(a *app) *cobra.Command {
	var project, svc string
	cmd := &cobra.Command{
		Use: "acl-list", Short: "List Aiven Kafka ACL entries", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			p, err := a.projectName(project)
			if err != nil {
				return err
			}
			acl, err := c.ServiceKafkaAclList(ctx, p, svc)
			if err != nil {
				return err
			}
			return a.print(acl, aclColumns...)
		}),
	}
	serviceFlags(cmd, &project, &svc)
	return cmd
}

func aclDelete(a *app) *cobra.Command {
	var project, svc, id string
	var force bool
	cmd := &cobra.Command{
		Use: "acl-delete", Short: "Delete an Aiven Kafka ACL entry", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			p, err := a.projectName(project)
			if err != nil {
				return err
			}
			if err := a.confirm(force, fmt.Sprintf("Delete Kafka ACL entry %s?", id)); err != nil {
				return err
			}
			acl, err := c.ServiceKafkaAclDelete(ctx, p, svc, id)
			if err != nil {
				return err
			}
			return a.print(acl, aclColumns...)
		}),
	}
	serviceFlags(cmd, &project, &svc)
	cmd.Flags().StringVar(&id, "acl-id", "", "ACL entry ID")
	forceFlag(cmd, &force)
	_ = cmd.MarkFlagRequired("acl-id")
	return cmd
}

func nativeACLAdd(a *app) *cobra.Command {
	var project, svc, principal, op, topic, group, txn, patternType, host string
	var cluster, deny bool
	cmd := &cobra.Command{
		Use:   "kafka-acl-add",
		Short: "Add a Kafka-native ACL entry (ALLOW, or DENY with --deny)",
		Example: `  gatehouse service kafka-acl-add --project my-project --service kafka-1 \
    --principal User:alice --operation Read --topic orders --resource-pattern-type PREFIXED`,
		Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			p, err := a.projectName(project)
			if err != nil {
				return err
			}
			in := &kafka.ServiceKafkaNativeAclAddIn{Principal: principal, Operation: kafka.OperationType(op),
				PatternType: kafka.PatternType(strings.ToUpper(patternType)), PermissionType: kafka.ServiceKafkaNativeAclPermissionTypeAllow, Host: &host}
			if deny {
				in.PermissionType = kafka.ServiceKafkaNativeAclPermissionTypeDeny
			}
			switch {
			case topic != "":
				in.ResourceType, in.ResourceName = kafka.ResourceTypeTopic, topic
			case group != "":
				in.ResourceType, in.ResourceName = kafka.ResourceTypeGroup, group
			case txn != "":
				in.ResourceType, in.ResourceName = kafka.ResourceTypeTransactionalId, txn
			case cluster:
				in.ResourceType, in.ResourceName = kafka.ResourceTypeCluster, "kafka-cluster"
			}
			acl, err := c.ServiceKafkaNativeAclAdd(ctx, p, svc, in)
			if err != nil {
				return err
			}
			return a.print(acl, nativeACLColumns...)
		}),
	}
	serviceFlags(cmd, &project, &svc)
	f := cmd.Flags()
	f.StringVar(&principal, "principal", "", "User:<name>")
	f.StringVar(&op, "operation", "", "All, Alter, AlterConfigs, ClusterAction, Create, Delete, Describe, DescribeConfigs, IdempotentWrite, Read, Write, ...")
	f.StringVar(&topic, "topic", "", "topic name or prefix")
	f.StringVar(&group, "group", "", "consumer group name or prefix")
	f.BoolVar(&cluster, "cluster", false, "the cluster itself")
	f.StringVar(&txn, "transactional-id", "", "transactional ID or prefix")
	f.StringVar(&patternType, "resource-pattern-type", "LITERAL", "LITERAL or PREFIXED")
	f.StringVar(&host, "host", "*", "client host, or * for any")
	f.BoolVar(&deny, "deny", false, "deny instead of allow (a DENY wins over every ALLOW)")
	_ = cmd.MarkFlagRequired("principal")
	_ = cmd.MarkFlagRequired("operation")
	cmd.MarkFlagsOneRequired("topic", "group", "cluster", "transactional-id")
	cmd.MarkFlagsMutuallyExclusive("topic", "group", "cluster", "transactional-id")
	return cmd
}

func nativeACLList(a *app) *cobra.Command {
	var project, svc string
	cmd := &cobra.Command{
		Use: "kafka-acl-list", Short: "List Kafka-native ACL entries", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			p, err := a.projectName(project)
			if err != nil {
				return err
			}
			out, err := c.ServiceKafkaNativeAclList(ctx, p, svc)
			if err != nil {
				return err
			}
			return a.print(out.KafkaAcl, nativeACLColumns...)
		}),
	}
	serviceFlags(cmd, &project, &svc)
	return cmd
}

func nativeACLGet(a *app) *cobra.Command {
	var project, svc, id string
	cmd := &cobra.Command{
		Use: "kafka-acl-get", Short: "Show one Kafka-native ACL entry", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			p, err := a.projectName(project)
			if err != nil {
				return err
			}
			raw, err := c.do(ctx, "ServiceKafkaNativeAclGet", http.MethodGet, servicePath(p, svc, "kafka", "acl", id), nil)
			if err != nil {
				return err
			}
			return a.print(field(raw, "acl"), nativeACLColumns...)
		}),
	}
	serviceFlags(cmd, &project, &svc)
	cmd.Flags().StringVar(&id, "acl-id", "", "ACL entry ID")
	_ = cmd.MarkFlagRequired("acl-id")
	return cmd
}

func nativeACLDelete(a *app) *cobra.Command {
	var project, svc, id string
	var force bool
	cmd := &cobra.Command{
		Use: "kafka-acl-delete", Short: "Delete a Kafka-native ACL entry", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			p, err := a.projectName(project)
			if err != nil {
				return err
			}
			if err := a.confirm(force, fmt.Sprintf("Delete Kafka-native ACL entry %s?", id)); err != nil {
				return err
			}
			if err := c.ServiceKafkaNativeAclDelete(ctx, p, svc, id); err != nil {
				return err
			}
			a.say("Deleted Kafka-native ACL entry %s.", id)
			return nil
		}),
	}
	serviceFlags(cmd, &project, &svc)
	cmd.Flags().StringVar(&id, "acl-id", "", "ACL entry ID")
	forceFlag(cmd, &force)
	_ = cmd.MarkFlagRequired("acl-id")
	return cmd
}

func srACLAdd(a *app) *cobra.Command {
	var project, svc, perm, resource, username string
	cmd := &cobra.Command{
		Use:   "schema-registry-acl-add",
		Short: "Add a Schema Registry ACL entry",
		Example: `  gatehouse service schema-registry-acl-add --project my-project --service kafka-1 \
    --username 'app*' --permission schema_registry_read --resource 'Subject:orders-*'`,
		Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			p, err := a.projectName(project)
			if err != nil {
				return err
			}
			acl, err := c.ServiceSchemaRegistryAclAdd(ctx, p, svc, &kafkaschemaregistry.ServiceSchemaRegistryAclAddIn{
				Permission: kafkaschemaregistry.PermissionType(perm), Resource: resource, Username: username})
			if err != nil {
				return err
			}
			return a.print(acl, srACLColumns...)
		}),
	}
	serviceFlags(cmd, &project, &svc)
	f := cmd.Flags()
	f.StringVar(&perm, "permission", "", "schema_registry_read or schema_registry_write")
	f.StringVar(&resource, "resource", "", "Config: or Subject:<name or pattern>")
	f.StringVar(&username, "username", "", "service user name or pattern")
	for _, n := range []string{"permission", "resource", "username"} {
		_ = cmd.MarkFlagRequired(n)
	}
	return cmd
}

func srACLList(a *app) *cobra.Command {
	var project, svc string
	cmd := &cobra.Command{
		Use: "schema-registry-acl-list", Short: "List Schema Registry ACL entries", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			p, err := a.projectName(project)
			if err != nil {
				return err
			}
			acl, err := c.ServiceSchemaRegistryAclList(ctx, p, svc)
			if err != nil {
				return err
			}
			return a.print(acl, srACLColumns...)
		}),
	}
	serviceFlags(cmd, &project, &svc)
	return cmd
}

func srACLDelete(a *app) *cobra.Command {
	var project, svc, id string
	var force bool
	cmd := &cobra.Command{
		Use: "schema-registry-acl-delete", Short: "Delete a Schema Registry ACL entry", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			p, err := a.projectName(project)
			if err != nil {
				return err
			}
			if err := a.confirm(force, fmt.Sprintf("Delete Schema Registry ACL entry %s?", id)); err != nil {
				return err
			}
			acl, err := c.ServiceSchemaRegistryAclDelete(ctx, p, svc, id)
			if err != nil {
				return err
			}
			return a.print(acl, srACLColumns...)
		}),
	}
	serviceFlags(cmd, &project, &svc)
	cmd.Flags().StringVar(&id, "acl-id", "", "ACL entry ID")
	forceFlag(cmd, &force)
	_ = cmd.MarkFlagRequired("acl-id")
	return cmd
}

func kafkaAuthorize(a *app) *cobra.Command {
	var project, svc, principal, host, op, rtype, name string
	cmd := &cobra.Command{
		Use:   "kafka-authorize",
		Short: "Ask the authorizer whether a Kafka request is allowed, and by which entry",
		Example: `  gatehouse service kafka-authorize --project my-project --service kafka-1 \
    --principal User:analyst1 --operation Read --resource-type Topic --resource-name xyz`,
		Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			p, err := a.projectName(project)
			if err != nil {
				return err
			}
			req := map[string]string{"principal": principal, "host": host, "operation": op, "resource_type": rtype, "resource_name": name}
			raw, err := c.do(ctx, "ServiceKafkaAuthorize", http.MethodPost, servicePath(p, svc, "kafka", "authorize"),
				map[string]any{"requests": []map[string]string{req}})
			if err != nil {
				return err
			}
			results := field(raw, "results")
			if a.json || a.format != "" {
				return a.print(results)
			}
			return a.print(results, "allowed", "reason", "entry_kind", "entry_id")
		}),
	}
	serviceFlags(cmd, &project, &svc)
	f := cmd.Flags()
	f.StringVar(&principal, "principal", "", "User:<name>")
	f.StringVar(&host, "host", "*", "client IP address")
	f.StringVar(&op, "operation", "", "Read, Write, Create, Delete, Alter, Describe, ...")
	f.StringVar(&rtype, "resource-type", "Topic", "Topic, Group, Cluster, TransactionalId, ...")
	f.StringVar(&name, "resource-name", "", "resource name")
	_ = cmd.MarkFlagRequired("principal")
	_ = cmd.MarkFlagRequired("operation")
	_ = cmd.MarkFlagRequired("resource-name")
	return cmd
}

func kafkaSync(a *app) *cobra.Command {
	var project, svc string
	var in struct {
		BootstrapServers []string `json:"bootstrap_servers"`
		SASLMechanism    string   `json:"sasl_mechanism,omitempty"`
		Username         string   `json:"username,omitempty"`
		Password         string   `json:"password,omitempty"`
		TLS              bool     `json:"tls"`
		KeepPrincipals   []string `json:"keep_principals,omitempty"`
		DryRun           bool     `json:"dry_run"`
	}
	cmd := &cobra.Command{
		Use:   "kafka-sync",
		Short: "Push the service's effective ACLs to a Kafka cluster (with --dry-run, only show the drift)",
		Long: `Push the service's effective ACLs to a Kafka cluster through its Admin
API: missing bindings are created, bindings Gatehouse does not hold are
deleted (except those of --keep-principal), and entries Kafka cannot express
are listed. The cluster credentials are used for this call only; the
password comes from GATEHOUSE_KAFKA_PASSWORD or is asked for.`,
		Example: `  gatehouse service kafka-sync --project my-project --service kafka-1 \
    --bootstrap-servers broker1:9092 --sasl-mechanism SCRAM-SHA-256 --username operator \
    --keep-principal User:operator --dry-run`,
		Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			p, err := a.projectName(project)
			if err != nil {
				return err
			}
			if in.Username != "" && in.Password == "" {
				if in.Password = a.getenv("GATEHOUSE_KAFKA_PASSWORD"); in.Password == "" {
					if in.Password, err = a.readSecret("Kafka password for " + in.Username + ": "); err != nil {
						return err
					}
				}
			}
			raw, err := c.do(ctx, "ServiceKafkaAclSync", http.MethodPost, servicePath(p, svc, "kafka", "sync"), in)
			if err != nil {
				return err
			}
			if a.json || a.format != "" {
				return a.print(raw)
			}
			return a.printSync(raw)
		}),
	}
	serviceFlags(cmd, &project, &svc)
	f := cmd.Flags()
	f.StringSliceVar(&in.BootstrapServers, "bootstrap-servers", nil, "host:port of the cluster's brokers (repeat or separate with commas)")
	f.StringVar(&in.SASLMechanism, "sasl-mechanism", "", "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (default: no SASL)")
	f.StringVar(&in.Username, "username", "", "SASL user allowed to manage ACLs")
	f.BoolVar(&in.TLS, "tls", false, "connect with TLS")
	f.StringSliceVar(&in.KeepPrincipals, "keep-principal", nil, "principal whose bindings are never deleted, e.g. User:operator (repeatable)")
	f.BoolVar(&in.DryRun, "dry-run", false, "show what would change without changing the cluster")
	_ = cmd.MarkFlagRequired("bootstrap-servers")
	return cmd
}

// printSync prints each list of the sync answer (created, deleted, not
// expressible...) as its own table.
func (a *app) printSync(raw json.RawMessage) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return a.print(raw)
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := m[k]
		if len(v) == 0 || v[0] != '[' {
			fmt.Fprintf(a.stdout, "%s: %s\n", k, v)
			continue
		}
		fmt.Fprintf(a.stdout, "\n%s:\n", strings.ToUpper(k))
		cols := nativeACLColumns[1:]
		if k == "not_expressible" {
			cols = []string{"entry_id", "reason", "description"}
		}
		if err := a.print(v, cols...); err != nil {
			return err
		}
	}
	return nil
}
