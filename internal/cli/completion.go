package cli

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
)

// flagValues are the fixed choices of flags, for shell completion; a
// value may carry a description after a tab.
var flagValues = map[string][]string{
	"resource-type":         {"organization", "organization_unit", "project", "service"},
	"principal-type":        {"user", "user_group"},
	"resource-pattern-type": {"LITERAL", "PREFIXED"},
	"verification-type":     {"dns", "http"},
	"state":                 {"active", "deactivated"},
	"sasl-mechanism":        {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"},
}

// kafkaValues are the choices of the Kafka commands' flags, which share
// names with the access-control ones.
var kafkaValues = map[string][]string{
	"permission":    {"read", "write", "readwrite", "admin", "schema_registry_read", "schema_registry_write"},
	"operation":     {"All", "Alter", "AlterConfigs", "ClusterAction", "Create", "CreateTokens", "Delete", "Describe", "DescribeConfigs", "DescribeTokens", "IdempotentWrite", "Read", "Write"},
	"resource-type": {"Topic", "Group", "Cluster", "TransactionalId", "DelegationToken", "User", "SchemaRegistry"},
}

// grantable is every role and permission string a grant may hold, with
// its meaning.
func grantable() []string {
	var out []string
	for _, i := range authz.Catalogue() {
		if i.Grantable() {
			out = append(out, i.Name+"\t"+i.Meaning)
		}
	}
	return out
}

// addCompletions registers value completion for the known flags of every
// command under root.
func addCompletions(root *cobra.Command) {
	var walk func(cmd *cobra.Command, kafka bool)
	walk = func(cmd *cobra.Command, kafka bool) {
		kafka = kafka || strings.Contains(cmd.Name(), "acl") || strings.HasPrefix(cmd.Name(), "kafka-")
		cmd.LocalFlags().VisitAll(func(f *pflag.Flag) {
			var values []string
			switch {
			case kafka && kafkaValues[f.Name] != nil:
				values = kafkaValues[f.Name]
			case f.Name == "role" || (f.Name == "permission" && !kafka):
				values = grantable()
			default:
				values = flagValues[f.Name]
			}
			if values == nil {
				return
			}
			_ = cmd.RegisterFlagCompletionFunc(f.Name, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
		})
		for _, c := range cmd.Commands() {
			walk(c, kafka)
		}
	}
	walk(root, false)
}
