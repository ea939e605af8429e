package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/aiven/go-client-codegen/handler/service"
	"github.com/spf13/cobra"
)

func init() { nouns = append(nouns, newService) }

var (
	serviceColumns     = []string{"service_name", "service_type", "plan", "cloud_name", "state", "create_time"}
	serviceUserColumns = []string{"username", "type", "password", "authentication", "password_updated_time"}
)

// serviceFlags adds --project and --service to cmd.
func serviceFlags(cmd *cobra.Command, project, svc *string) {
	projectFlag(cmd, project)
	cmd.Flags().StringVar(svc, "service", "", "service name")
	_ = cmd.MarkFlagRequired("service")
}

func servicePath(project, svc string, rest ...string) string {
	return projectPath(project, append([]string{"service", svc}, rest...)...)
}

func newService(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "service", Short: "Services, their users and Kafka ACLs"}
	cmd.AddCommand(serviceList(a), serviceCreate(a), serviceGet(a), serviceUpdate(a), serviceDelete(a),
		serviceUserCreate(a), serviceUserGet(a), serviceUserList(a), serviceUserDelete(a), serviceUserPasswordReset(a), serviceUserSync(a), serviceTags(a))
	cmd.AddCommand(kafkaCommands(a)...)
	return cmd
}

func serviceList(a *app) *cobra.Command {
	var project string
	cmd := &cobra.Command{
		Use: "list", Short: "List a project's services", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			p, err := a.projectName(project)
			if err != nil {
				return err
			}
			ss, err := c.ServiceList(ctx, p)
			if err != nil {
				return err
			}
			return a.print(ss, serviceColumns...)
		}),
	}
	projectFlag(cmd, &project)
	return cmd
}

func serviceCreate(a *app) *cobra.Command {
	var project, name, typ, plan, cloud string
	var tags map[string]string
	var noDefaultACL, connect bool
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Register a service in a project",
		Long: `Register a service in a project. With --connect, Gatehouse manages the
service users in the real PostgreSQL, MySQL or Redis/Valkey server behind
it: the admin connection URI is read from GATEHOUSE_SERVICE_CONNECTION_URI
or asked for without echo (never a flag: it holds a password).`,
		Example: "  gatehouse service create --project my-project --service kafka-1 --service-type kafka --plan business-4",
		Args:    cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			p, err := a.projectName(project)
			if err != nil {
				return err
			}
			// Raw, to carry default_acl (Aiven's Terraform option), which
			// the generated input lacks.
			var in struct {
				service.ServiceCreateIn
				DefaultACL    *bool   `json:"default_acl,omitempty"`
				ConnectionURI *string `json:"connection_uri,omitempty"`
			}
			in.ServiceName, in.ServiceType, in.Plan = name, typ, plan
			if cloud != "" {
				in.Cloud = &cloud
			}
			if len(tags) > 0 {
				in.Tags = &tags
			}
			if noDefaultACL {
				in.DefaultACL = ptr(false)
			}
			if connect {
				uri := a.getenv("GATEHOUSE_SERVICE_CONNECTION_URI")
				if uri == "" {
					if uri, err = a.readSecret("Admin connection URI of the service: "); err != nil {
						return err
					}
				}
				in.ConnectionURI = &uri
			}
			raw, err := c.do(ctx, "ServiceCreate", http.MethodPost, projectPath(p, "service"), in)
			if err != nil {
				return err
			}
			s := field(raw, "service")
			return a.print(s, serviceColumns...)
		}),
	}
	projectFlag(cmd, &project)
	f := cmd.Flags()
	f.StringVar(&name, "service", "", "service name")
	f.StringVar(&typ, "service-type", "", "service type: kafka, pg, mysql, valkey, ...")
	f.StringVar(&plan, "plan", "startup-4", "plan")
	f.StringVar(&cloud, "cloud", "", "cloud name")
	f.StringToStringVar(&tags, "tag", nil, "tag as key=value (repeatable)")
	f.BoolVar(&noDefaultACL, "no-default-acl", false, "Kafka: do not create the default avnadmin admin ACL entry")
	f.BoolVar(&connect, "connect", false, "manage users in the real server (see above)")
	_ = cmd.MarkFlagRequired("service")
	_ = cmd.MarkFlagRequired("service-type")
	return cmd
}

func serviceGet(a *app) *cobra.Command {
	var project, svc string
	cmd := &cobra.Command{
		Use: "get", Short: "Show a service", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			p, err := a.projectName(project)
			if err != nil {
				return err
			}
			raw, err := c.do(ctx, "ServiceGet", http.MethodGet, servicePath(p, svc), nil)
			if err != nil {
				return err
			}
			return a.print(field(raw, "service"), serviceColumns...)
		}),
	}
	serviceFlags(cmd, &project, &svc)
	return cmd
}

func serviceUpdate(a *app) *cobra.Command {
	var project, svc, plan, cloud string
	var protect, protectSet bool
	var config []string
	var unset []string
	cmd := &cobra.Command{
		Use:   "update",
		Short: "Change a service's record: plan, cloud, termination protection, settings",
		Long: `Change what Gatehouse records of a service. Gatehouse runs no services:
a new plan or cloud is recorded, not carried out. -c sets one user_config
key (the value is read as JSON when it parses, else as a string, as avn
does); --remove-config removes one.`,
		Example: "  gatehouse service update --project my-project --service kafka-1 --termination-protection -c service_user_limit=100",
		Args:    cobra.NoArgs,
		PreRun: func(cmd *cobra.Command, _ []string) {
			protectSet = cmd.Flags().Changed("termination-protection")
		},
		RunE: a.with(func(ctx context.Context, c *api) error {
			p, err := a.projectName(project)
			if err != nil {
				return err
			}
			in := &service.ServiceUpdateIn{}
			if plan != "" {
				in.Plan = &plan
			}
			if cloud != "" {
				in.Cloud = &cloud
			}
			if protectSet {
				in.TerminationProtection = &protect
			}
			uc, err := userConfigChange(config, unset)
			if err != nil {
				return err
			}
			if uc != nil {
				in.UserConfig = &uc
			}
			if in.Plan == nil && in.Cloud == nil && in.TerminationProtection == nil && in.UserConfig == nil {
				return fmt.Errorf("nothing to change: give --plan, --cloud, --termination-protection, -c or --remove-config")
			}
			raw, err := c.do(ctx, "ServiceUpdate", http.MethodPut, servicePath(p, svc), in)
			if err != nil {
				return err
			}
			return a.print(field(raw, "service"), serviceColumns...)
		}),
	}
	serviceFlags(cmd, &project, &svc)
	fl := cmd.Flags()
	fl.StringVar(&plan, "plan", "", "new plan")
	fl.StringVar(&cloud, "cloud", "", "new cloud name")
	fl.BoolVar(&protect, "termination-protection", false, "protect the service against deletion (--termination-protection=false lifts it)")
	fl.StringArrayVarP(&config, "user-config", "c", nil, "set a user_config key as KEY=VALUE (repeatable)")
	fl.StringArrayVar(&unset, "remove-config", nil, "remove a user_config key (repeatable)")
	return cmd
}

// userConfigChange turns -c KEY=VALUE and --remove-config KEY into a
// user_config change: values that parse as JSON are sent as such (numbers,
// booleans, lists), others as strings; a removed key is sent as null.
func userConfigChange(set, unset []string) (map[string]any, error) {
	if len(set) == 0 && len(unset) == 0 {
		return nil, nil
	}
	out := map[string]any{}
	for _, kv := range set {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("-c wants KEY=VALUE, got %q", kv)
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("user_config key %q is given twice", k)
		}
		var val any
		if json.Unmarshal([]byte(v), &val) != nil {
			val = v
		}
		out[k] = val
	}
	for _, k := range unset {
		if _, dup := out[k]; dup || k == "" {
			return nil, fmt.Errorf("user_config key %q is both set and removed, or empty", k)
		}
		out[k] = nil
	}
	return out, nil
}

func serviceDelete(a *app) *cobra.Command {
	var project, svc string
	var force bool
	cmd := &cobra.Command{
		Use: "delete", Short: "Delete a service", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			p, err := a.projectName(project)
			if err != nil {
				return err
			}
			if err := a.confirm(force, fmt.Sprintf("Delete service %s in project %s?", svc, p)); err != nil {
				return err
			}
			if err := c.ServiceDelete(ctx, p, svc); err != nil {
				return err
			}
			a.say("Deleted service %s.", svc)
			return nil
		}),
	}
	serviceFlags(cmd, &project, &svc)
	forceFlag(cmd, &force)
	return cmd
}

func serviceUserCreate(a *app) *cobra.Command {
	var project, svc, username, auth string
	var keys, commands, categories, channels string
	cmd := &cobra.Command{
		Use:     "user-create",
		Short:   "Create a service user (a database or Kafka account)",
		Example: "  gatehouse service user-create --project my-project --service postgres-1 --username app_user",
		Args:    cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			p, err := a.projectName(project)
			if err != nil {
				return err
			}
			in := &service.ServiceUserCreateIn{Username: username, Authentication: service.AuthenticationType(auth)}
			if keys+commands+categories+channels != "" {
				in.AccessControl = &service.AccessControlIn{
					ValkeyAclKeys: fieldsPtr(keys), ValkeyAclCommands: fieldsPtr(commands),
					ValkeyAclCategories: fieldsPtr(categories), ValkeyAclChannels: fieldsPtr(channels),
				}
			}
			raw, err := c.do(ctx, "ServiceUserCreate", http.MethodPost, servicePath(p, svc, "user"), in)
			if err != nil {
				return err
			}
			return a.print(field(raw, "user"), serviceUserColumns...)
		}),
	}
	serviceFlags(cmd, &project, &svc)
	f := cmd.Flags()
	f.StringVar(&username, "username", "", "service user name")
	f.StringVar(&auth, "authentication", "", "MySQL: caching_sha2_password or mysql_native_password")
	f.StringVar(&keys, "valkey-acl-keys", "", "Valkey/Redis: key patterns, space separated")
	f.StringVar(&commands, "valkey-acl-commands", "", "Valkey/Redis: commands, space separated")
	f.StringVar(&categories, "valkey-acl-categories", "", "Valkey/Redis: command categories, space separated")
	f.StringVar(&channels, "valkey-acl-channels", "", "Valkey/Redis: pub/sub channel patterns, space separated")
	_ = cmd.MarkFlagRequired("username")
	return cmd
}

func fieldsPtr(s string) *[]string {
	if s == "" {
		return nil
	}
	f := strings.Fields(s)
	return &f
}

func serviceUserGet(a *app) *cobra.Command {
	var project, svc, username string
	cmd := &cobra.Command{
		Use:     "user-get",
		Short:   "Show a service user and its credentials",
		Example: "  gatehouse service user-get --project my-project --service postgres-1 --username app_user --format '{{.username}} {{.password}}'",
		Args:    cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			p, err := a.projectName(project)
			if err != nil {
				return err
			}
			raw, err := c.do(ctx, "ServiceUserGet", http.MethodGet, servicePath(p, svc, "user", username), nil)
			if err != nil {
				return err
			}
			return a.print(field(raw, "user"), serviceUserColumns...)
		}),
	}
	serviceFlags(cmd, &project, &svc)
	cmd.Flags().StringVar(&username, "username", "", "service user name")
	_ = cmd.MarkFlagRequired("username")
	return cmd
}

func serviceUserList(a *app) *cobra.Command {
	var project, svc string
	cmd := &cobra.Command{
		Use: "user-list", Short: "List a service's users", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			p, err := a.projectName(project)
			if err != nil {
				return err
			}
			raw, err := c.do(ctx, "ServiceUserList", http.MethodGet, servicePath(p, svc, "user"), nil)
			if err != nil {
				return err
			}
			return a.print(field(raw, "users"), serviceUserColumns...)
		}),
	}
	serviceFlags(cmd, &project, &svc)
	return cmd
}

func serviceUserDelete(a *app) *cobra.Command {
	var project, svc, username string
	var force bool
	cmd := &cobra.Command{
		Use: "user-delete", Short: "Delete a service user", Args: cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			p, err := a.projectName(project)
			if err != nil {
				return err
			}
			if err := a.confirm(force, fmt.Sprintf("Delete service user %s of %s?", username, svc)); err != nil {
				return err
			}
			if err := c.ServiceUserDelete(ctx, p, svc, username); err != nil {
				return err
			}
			a.say("Deleted service user %s.", username)
			return nil
		}),
	}
	serviceFlags(cmd, &project, &svc)
	cmd.Flags().StringVar(&username, "username", "", "service user name")
	forceFlag(cmd, &force)
	_ = cmd.MarkFlagRequired("username")
	return cmd
}

func serviceUserPasswordReset(a *app) *cobra.Command {
	var project, svc, username, password string
	var force bool
	cmd := &cobra.Command{
		Use:   "user-password-reset",
		Short: "Set a new password for a service user (generated unless --new-password)",
		Args:  cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			p, err := a.projectName(project)
			if err != nil {
				return err
			}
			if err := a.confirm(force, fmt.Sprintf("Reset the password of %s? Clients using the old one stop working.", username)); err != nil {
				return err
			}
			if password == "" {
				// Aiven's reset: the server generates the password.
				_, err = c.do(ctx, "ServiceUserCredentialsReset", http.MethodPut, servicePath(p, svc, "user", username, "credentials", "reset"), nil)
			} else {
				in := &service.ServiceUserCredentialsModifyIn{Operation: service.ServiceUserCredentialsModifyOperationTypeResetCredentials, NewPassword: &password}
				_, err = c.do(ctx, "ServiceUserCredentialsModify", http.MethodPut, servicePath(p, svc, "user", username), in)
			}
			if err != nil {
				return err
			}
			a.say("Password of %s reset; read it with \"gatehouse service user-get\".", username)
			return nil
		}),
	}
	serviceFlags(cmd, &project, &svc)
	cmd.Flags().StringVar(&username, "username", "", "service user name")
	cmd.Flags().StringVar(&password, "new-password", "", "the new password (8 to 256 characters)")
	forceFlag(cmd, &force)
	_ = cmd.MarkFlagRequired("username")
	return cmd
}

func serviceUserSync(a *app) *cobra.Command {
	var project, svc string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "user-sync",
		Short: "Compare the service users with the real server behind the service and fix drift",
		Args:  cobra.NoArgs,
		RunE: a.with(func(ctx context.Context, c *api) error {
			p, err := a.projectName(project)
			if err != nil {
				return err
			}
			raw, err := c.do(ctx, "ServiceUserSync", http.MethodPost, servicePath(p, svc)+"/user-sync", map[string]bool{"dry_run": dryRun})
			if err != nil {
				return err
			}
			if a.json || a.format != "" {
				return a.print(raw)
			}
			if err := a.print(field(raw, "users"), "username", "state", "fixed", "detail"); err != nil {
				return err
			}
			var out struct {
				Unmanaged []string `json:"unmanaged"`
			}
			if json.Unmarshal(raw, &out) == nil && len(out.Unmanaged) > 0 {
				fmt.Fprintf(a.stdout, "\nAccounts on the server that Gatehouse does not manage: %s\n", strings.Join(out.Unmanaged, ", "))
			}
			return nil
		}),
	}
	serviceFlags(cmd, &project, &svc)
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "only show the drift")
	return cmd
}
