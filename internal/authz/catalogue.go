package authz

import (
	"errors"
	"fmt"
	"math/bits"
	"strings"
)

// ErrUnknownPermission is returned (wrapped, with the offending string) for
// any role or permission string that Aiven's API does not accept.
var ErrUnknownPermission = errors.New("authz: unknown role or permission")

// Permission identifies one role or permission of the catalogue. The zero
// value is deliberately not a permission, so an uninitialised requirement
// can never be satisfied by accident.
type Permission uint8

// The catalogue. Order is the order of docs/permissions.md and of
// Set.Strings; bit i of a Set is Permission i. Appending is safe, renumbering
// is not once sets are persisted as integers (stores persist strings).
const (
	permNone Permission = iota

	// Classic project roles.
	Admin
	Developer
	Operator
	ReadOnly

	// Roles.
	RoleOrganizationAdmin
	RoleProjectAdmin
	RoleProjectRead
	RoleServicesMaintenance
	RoleServicesRecover

	// Organization permissions.
	OrganizationAppUsersWrite
	OrganizationAuditLogsRead // alias of OrganizationEventLogsRead
	OrganizationBillingRead
	OrganizationBillingWrite
	OrganizationDomainsWrite
	OrganizationEventLogsRead
	OrganizationGroupsWrite
	OrganizationNetworkingRead
	OrganizationNetworkingWrite
	OrganizationProjectsWrite
	OrganizationSustainabilityRead
	OrganizationUsersWrite

	// Project permissions.
	ProjectAIGatewayKeysRead
	ProjectAIGatewayKeysWrite
	ProjectAuditLogsRead // deprecated alias of ProjectEventLogsRead
	ProjectEventLogsRead
	ProjectIntegrationsRead
	ProjectIntegrationsWrite
	ProjectNetworkingRead
	ProjectNetworkingWrite
	ProjectPermissionsRead
	ProjectServicesRead
	ProjectServicesWrite

	// Service permissions.
	ServiceConfigurationWrite
	ServiceDataWrite
	ServiceLogsRead
	ServiceMetricsRead
	ServiceSecretsRead
	ServiceUsersWrite

	// Internal abilities: usable as requirements, never grantable, never
	// accepted by Parse. They exist so the API layer can ask the engine
	// about actions that no Aiven string names.

	// ProjectMembersWrite is managing a project's members and grants; held
	// by admin / role:project:admin (and so by role:organization:admin).
	ProjectMembersWrite
	// OrganizationSuperAdmin covers the super-admin-only actions (delete or
	// rename the organization, manage super admins). Only the super admin
	// flag satisfies it.
	OrganizationSuperAdmin

	numPerms
)

// Category groups catalogue entries for documentation.
type Category uint8

// Categories, in documentation order.
const (
	CategoryProjectRole Category = iota + 1
	CategoryRole
	CategoryOrganization
	CategoryProject
	CategoryService
	CategoryInternal
)

func (c Category) String() string {
	switch c {
	case CategoryProjectRole:
		return "classic project role"
	case CategoryRole:
		return "role"
	case CategoryOrganization:
		return "organization permission"
	case CategoryProject:
		return "project permission"
	case CategoryService:
		return "service permission"
	case CategoryInternal:
		return "internal (not grantable)"
	}
	return "unknown"
}

// Info describes one catalogue entry.
type Info struct {
	Perm     Permission
	Name     string
	Category Category
	// Meaning is a one-line paraphrase of Aiven's documentation.
	Meaning string
	// AliasOf is set for alias strings (they expand to each other).
	AliasOf Permission
	// Deprecated marks strings kept only for compatibility.
	Deprecated bool
	// Contains lists the direct contents of a role (the closure is in
	// Closure). Empty for plain permissions.
	Contains []Permission
}

// Grantable reports whether the string may appear in a grant.
func (i Info) Grantable() bool { return i.Category != CategoryInternal }

// readOnlyBits is the content of read_only: view services, configuration,
// integrations, networking, permissions, the event log, service logs and
// metrics, but never secrets.
var readOnlyBits = []Permission{
	ProjectServicesRead, ProjectIntegrationsRead, ProjectNetworkingRead,
	ProjectPermissionsRead, ProjectEventLogsRead, ServiceLogsRead, ServiceMetricsRead,
}

var catalogue = [numPerms]Info{
	Admin: {Name: "admin", Category: CategoryProjectRole,
		Meaning:  "Everything in the project except billing: services, configuration, members and permissions, AI gateway keys. Same as role:project:admin.",
		Contains: []Permission{Operator, RoleProjectAdmin, RoleProjectRead, ProjectMembersWrite, ProjectAIGatewayKeysRead, ProjectAIGatewayKeysWrite}},
	Developer: {Name: "developer", Category: CategoryProjectRole,
		Meaning:  "read_only plus service data (databases, topics, pools), service users and reading service secrets.",
		Contains: []Permission{ReadOnly, ServiceDataWrite, ServiceUsersWrite, ServiceSecretsRead}},
	Operator: {Name: "operator", Category: CategoryProjectRole,
		Meaning:  "developer plus creating, changing and deleting services, integrations, VPCs, configuration, maintenance and recovery; not members or billing.",
		Contains: []Permission{Developer, ProjectServicesWrite, ProjectIntegrationsWrite, ProjectNetworkingWrite, ServiceConfigurationWrite, RoleServicesMaintenance, RoleServicesRecover}},
	ReadOnly: {Name: "read_only", Category: CategoryProjectRole,
		Meaning:  "View services, configuration, integrations, networking, permissions, the event log, service logs and metrics; never secrets.",
		Contains: readOnlyBits},
	RoleOrganizationAdmin: {Name: "role:organization:admin", Category: CategoryRole,
		Meaning: "Every organization:* permission and admin on every project below the grant; not the super-admin-only actions (delete or rename the organization, manage super admins).",
		Contains: []Permission{Admin, OrganizationAppUsersWrite, OrganizationAuditLogsRead, OrganizationBillingRead, OrganizationBillingWrite,
			OrganizationDomainsWrite, OrganizationEventLogsRead, OrganizationGroupsWrite, OrganizationNetworkingRead, OrganizationNetworkingWrite,
			OrganizationProjectsWrite, OrganizationSustainabilityRead, OrganizationUsersWrite}},
	RoleProjectAdmin: {Name: "role:project:admin", Category: CategoryRole,
		Meaning:  "Project admin; equivalent to admin (each contains the other).",
		Contains: []Permission{Admin}},
	RoleProjectRead: {Name: "role:project:read", Category: CategoryRole,
		Meaning:  "Read everything in the project, logs and metrics included, no secrets. Contains read_only.",
		Contains: []Permission{ReadOnly, ProjectAIGatewayKeysRead}},
	RoleServicesMaintenance: {Name: "role:services:maintenance", Category: CategoryRole,
		Meaning:  "Service maintenance, maintenance windows and upgrades; view services.",
		Contains: []Permission{ProjectServicesRead}},
	RoleServicesRecover: {Name: "role:services:recover", Category: CategoryRole,
		Meaning:  "View services, disk sizing and tiered storage, plan changes, forks, replica promotion.",
		Contains: []Permission{ProjectServicesRead}},

	OrganizationAppUsersWrite:      {Name: "organization:app_users:write", Category: CategoryOrganization, Meaning: "Create, edit and delete application users and their tokens."},
	OrganizationAuditLogsRead:      {Name: "organization:audit_logs:read", Category: CategoryOrganization, Meaning: "Former name of organization:event_logs:read; accepted as an alias.", AliasOf: OrganizationEventLogsRead, Deprecated: true, Contains: []Permission{OrganizationEventLogsRead}},
	OrganizationBillingRead:        {Name: "organization:billing:read", Category: CategoryOrganization, Meaning: "View billing groups, invoices and costs."},
	OrganizationBillingWrite:       {Name: "organization:billing:write", Category: CategoryOrganization, Meaning: "Manage billing groups, payment methods and addresses."},
	OrganizationDomainsWrite:       {Name: "organization:domains:write", Category: CategoryOrganization, Meaning: "Add, verify and remove domains."},
	OrganizationEventLogsRead:      {Name: "organization:event_logs:read", Category: CategoryOrganization, Meaning: "View organization and unit event logs.", Contains: []Permission{OrganizationAuditLogsRead}},
	OrganizationGroupsWrite:        {Name: "organization:groups:write", Category: CategoryOrganization, Meaning: "Create and delete groups, manage group membership."},
	OrganizationNetworkingRead:     {Name: "organization:networking:read", Category: CategoryOrganization, Meaning: "View organization VPCs."},
	OrganizationNetworkingWrite:    {Name: "organization:networking:write", Category: CategoryOrganization, Meaning: "Create and manage organization VPCs and peering."},
	OrganizationProjectsWrite:      {Name: "organization:projects:write", Category: CategoryOrganization, Meaning: "Create and delete projects (no access to project contents, no move)."},
	OrganizationSustainabilityRead: {Name: "organization:sustainability:read", Category: CategoryOrganization, Meaning: "View carbon and sustainability data."},
	OrganizationUsersWrite:         {Name: "organization:users:write", Category: CategoryOrganization, Meaning: "Invite, deactivate, edit and remove users; manage managed users' tokens."},

	ProjectAIGatewayKeysRead:  {Name: "project:ai_gateway_keys:read", Category: CategoryProject, Meaning: "View AI gateway keys."},
	ProjectAIGatewayKeysWrite: {Name: "project:ai_gateway_keys:write", Category: CategoryProject, Meaning: "Create and revoke AI gateway keys."},
	ProjectAuditLogsRead:      {Name: "project:audit_logs:read", Category: CategoryProject, Meaning: "Deprecated alias of project:event_logs:read.", AliasOf: ProjectEventLogsRead, Deprecated: true, Contains: []Permission{ProjectEventLogsRead}},
	ProjectEventLogsRead:      {Name: "project:event_logs:read", Category: CategoryProject, Meaning: "View the project event log.", Contains: []Permission{ProjectAuditLogsRead}},
	ProjectIntegrationsRead:   {Name: "project:integrations:read", Category: CategoryProject, Meaning: "View integration endpoints and service integrations."},
	ProjectIntegrationsWrite:  {Name: "project:integrations:write", Category: CategoryProject, Meaning: "Create and manage integration endpoints and integrations."},
	ProjectNetworkingRead:     {Name: "project:networking:read", Category: CategoryProject, Meaning: "View project VPCs and peering connections."},
	ProjectNetworkingWrite:    {Name: "project:networking:write", Category: CategoryProject, Meaning: "Create and manage project VPCs and peering."},
	ProjectPermissionsRead:    {Name: "project:permissions:read", Category: CategoryProject, Meaning: "See the grants on the project."},
	ProjectServicesRead:       {Name: "project:services:read", Category: CategoryProject, Meaning: "View service details (not logs or metrics)."},
	ProjectServicesWrite:      {Name: "project:services:write", Category: CategoryProject, Meaning: "Create, delete, power and reconfigure services."},

	ServiceConfigurationWrite: {Name: "service:configuration:write", Category: CategoryService, Meaning: "Change service configuration (cloud, region, network settings) without create or delete."},
	ServiceDataWrite:          {Name: "service:data:write", Category: CategoryService, Meaning: "Queries, Kafka topics, schemas and ACLs, connectors, PostgreSQL pools, OpenSearch indexes."},
	ServiceLogsRead:           {Name: "service:logs:read", Category: CategoryService, Meaning: "View service logs (may contain sensitive information)."},
	ServiceMetricsRead:        {Name: "service:metrics:read", Category: CategoryService, Meaning: "View service metrics."},
	ServiceSecretsRead:        {Name: "service:secrets:read", Category: CategoryService, Meaning: "Read service secrets and view service users."},
	ServiceUsersWrite:         {Name: "service:users:write", Category: CategoryService, Meaning: "Create and manage service users and credentials."},

	ProjectMembersWrite:    {Name: "internal:project:members:write", Category: CategoryInternal, Meaning: "Manage the project's members and grants (admin, role:project:admin)."},
	OrganizationSuperAdmin: {Name: "internal:organization:super_admin", Category: CategoryInternal, Meaning: "Super-admin-only actions: delete or rename the organization, manage super admins. Only the super admin flag has it."},
}

// closures[p] is p's bit plus everything p contains, transitively; a grant
// of p is stored expanded through this table so Check is one AND.
var closures [numPerms]Set

// byName maps every grantable string to its Permission.
var byName = map[string]Permission{}

func init() {
	for p := Permission(1); p < numPerms; p++ {
		catalogue[p].Perm = p
		if catalogue[p].Name == "" {
			panic(fmt.Sprintf("authz: catalogue entry %d has no name", p))
		}
		if catalogue[p].Grantable() {
			byName[catalogue[p].Name] = p
		}
	}
	// Fixed point: role:project:admin and admin contain each other, as do
	// the alias pairs, so a single topological pass would not do.
	for p := Permission(1); p < numPerms; p++ {
		closures[p] = p.bit()
	}
	for changed := true; changed; {
		changed = false
		for p := Permission(1); p < numPerms; p++ {
			s := closures[p]
			for _, c := range catalogue[p].Contains {
				s |= closures[c]
			}
			if s != closures[p] {
				closures[p], changed = s, true
			}
		}
	}
}

func (p Permission) bit() Set { return 1 << p }

// Valid reports whether p is a catalogue entry (grantable or internal).
func (p Permission) Valid() bool { return p > permNone && p < numPerms }

// String returns the exact API string (internal abilities have an
// "internal:" prefix that the API never accepts).
func (p Permission) String() string {
	if !p.Valid() {
		return fmt.Sprintf("Permission(%d)", uint8(p))
	}
	return catalogue[p].Name
}

// Info returns p's catalogue entry.
func (p Permission) Info() Info {
	if !p.Valid() {
		return Info{}
	}
	return catalogue[p]
}

// Closure returns p and everything it contains.
func (p Permission) Closure() Set {
	if !p.Valid() {
		return 0
	}
	return closures[p]
}

// Catalogue returns every entry, grantable ones first in API order, then
// the internal abilities.
func Catalogue() []Info {
	out := make([]Info, 0, numPerms-1)
	for p := Permission(1); p < numPerms; p++ {
		out = append(out, catalogue[p])
	}
	return out
}

// Parse returns the Permission for an API string. Aliases parse to their
// own Permission (so grants round-trip as granted) whose closure contains
// the canonical one.
func Parse(s string) (Permission, error) {
	if p, ok := byName[s]; ok {
		return p, nil
	}
	return permNone, fmt.Errorf("%w: %q", ErrUnknownPermission, s)
}

// MustParse is Parse for constants in tests and tables; it panics.
func MustParse(s string) Permission {
	p, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return p
}

// Set is a bitset of Permissions. A grant stores the Set as granted; the
// engine separately stores its Expand()ed form for checks.
type Set uint64

// AllPermissions is every bit, internal abilities included: what a super
// admin effectively holds.
const AllPermissions Set = (1<<numPerms - 1) &^ 1

// SetOf builds a Set from Permissions.
func SetOf(ps ...Permission) Set {
	var s Set
	for _, p := range ps {
		if p.Valid() {
			s |= p.bit()
		}
	}
	return s
}

// ParseSet parses API strings into a Set; duplicates collapse. The first
// unknown string fails the whole set.
func ParseSet(ss []string) (Set, error) {
	var s Set
	for _, str := range ss {
		p, err := Parse(str)
		if err != nil {
			return 0, err
		}
		s |= p.bit()
	}
	return s, nil
}

// Has reports whether p's bit is in s (no expansion).
func (s Set) Has(p Permission) bool { return p.Valid() && s&p.bit() != 0 }

// With returns s plus p.
func (s Set) With(p Permission) Set { return s | SetOf(p) }

// Len is the number of permissions in s.
func (s Set) Len() int { return bits.OnesCount64(uint64(s)) }

// Grantable reports whether every member of s may be granted.
func (s Set) Grantable() bool { return s&^grantableMask == 0 }

var grantableMask = func() Set {
	var s Set
	for p := Permission(1); p < numPerms; p++ {
		if catalogue[p].Grantable() {
			s |= p.bit()
		}
	}
	return s
}()

// Expand returns the union of the closures of s's members.
func (s Set) Expand() Set {
	out := s
	for rest := uint64(s); rest != 0; rest &= rest - 1 {
		out |= closures[bits.TrailingZeros64(rest)]
	}
	return out
}

// Perms lists the members in catalogue order.
func (s Set) Perms() []Permission {
	out := make([]Permission, 0, s.Len())
	for rest := uint64(s); rest != 0; rest &= rest - 1 {
		out = append(out, Permission(bits.TrailingZeros64(rest)))
	}
	return out
}

// Strings returns the members' API strings in catalogue order; for a
// granted set this is exactly what was granted (order normalised).
func (s Set) Strings() []string {
	out := make([]string, 0, s.Len())
	for _, p := range s.Perms() {
		out = append(out, p.String())
	}
	return out
}

func (s Set) String() string { return "[" + strings.Join(s.Strings(), " ") + "]" }
