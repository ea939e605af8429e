package control

import (
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
)

// Operation IDs, as in Aiven's API (go-client-codegen's permissions.yaml),
// plus Gatehouse's own where Aiven has none.
const (
	opUserOrganizationCreate = "UserOrganizationCreate"
	opUserOrganizationsList  = "UserOrganizationsList"
	opOrganizationGet        = "OrganizationGet"
	opOrganizationUpdate     = "OrganizationUpdate"
	opOrganizationDelete     = "OrganizationDelete"
	opAccountCreate          = "AccountCreate"
	opAccountGet             = "AccountGet"
	opAccountList            = "AccountList"
	opAccountUpdate          = "AccountUpdate"
	opAccountMove            = "AccountMove"
	opAccountDelete          = "AccountDelete"
	opAccountEventList       = "AccountEventList"
	opProjectCreate          = "ProjectCreate"
	opProjectGet             = "ProjectGet"
	opProjectList            = "ProjectList"
	opProjectUpdate          = "ProjectUpdate"
	opProjectMove            = "ProjectMove"
	opProjectDelete          = "ProjectDelete"
	opProjectEventList       = "ProjectGetEventLogs"
	opServiceCreate          = "ServiceCreate"
	opServiceGet             = "ServiceGet"
	opServiceList            = "ServiceList"
	opServiceUpdate          = "ServiceUpdate"
	opServiceDelete          = "ServiceDelete"
	opPermissionsGet         = "PermissionsGet"
	opPermissionsSet         = "PermissionsSet"
	opUserGroupCreate        = "UserGroupCreate"
	opUserGroupsList         = "UserGroupsList"
	opUserGroupGet           = "UserGroupGet"
	opUserGroupUpdate        = "UserGroupUpdate"
	opUserGroupDelete        = "UserGroupDelete"
	opUserGroupMembersList   = "UserGroupMembersList"
	opUserGroupMemberUpdate  = "UserGroupMemberUpdate"
	opAccessInspect          = "AccessInspect"
)

// rule is what an operation requires of its caller on the resource it
// names. Exactly one kind applies.
type rule struct {
	// anyOf: holding any of these roles or permissions on the resource
	// (directly, through a group, or inherited from above) is enough.
	// Super admins of the resource's organization always pass.
	anyOf authz.Set
	// member: any member of the organization passes.
	member bool
	// superAdmin: only the organization's super admins pass.
	superAdmin bool
	// authenticated: any authenticated caller passes (the operation then
	// filters what it returns, or acts only on the caller's own data).
	authenticated bool
}

func anyOf(names ...string) rule {
	var s authz.Set
	for _, n := range names {
		s = s.With(authz.MustParse(n))
	}
	return rule{anyOf: s}
}

// requirements is the single table of what every operation requires,
// taken from go-client-codegen's permissions.yaml where it lists the
// operation and from Aiven's documentation (the seeds) otherwise. Each
// feature's file adds its rows with addRequirements in an init function;
// the table is never changed after start.
var requirements = map[string]rule{}

// routeAliases maps API operation IDs that share another operation's rule.
var routeAliases = map[string]string{}

// addRequirements adds rows to the requirements table; a duplicate
// operation is a programming error.
func addRequirements(rows map[string]rule) {
	for op, r := range rows {
		if _, dup := requirements[op]; dup {
			panic("control: duplicate requirement for " + op)
		}
		requirements[op] = r
	}
}

// addAliases adds rows to routeAliases.
func addAliases(rows map[string]string) {
	for op, target := range rows {
		if _, dup := routeAliases[op]; dup {
			panic("control: duplicate alias for " + op)
		}
		routeAliases[op] = target
	}
}

func init() { addRequirements(coreRequirements); addAliases(coreAliases) }

var coreRequirements = map[string]rule{
	"Healthz":                {authenticated: true},
	"UserAuth":               {authenticated: true},
	"UserLogout":             {authenticated: true},
	"UserInfo":               {authenticated: true},
	opUserOrganizationCreate: {authenticated: true},
	opUserOrganizationsList:  {authenticated: true},
	opOrganizationGet:        {member: true},
	opOrganizationUpdate:     {superAdmin: true},
	opOrganizationDelete:     {superAdmin: true},

	opAccountCreate:    anyOf("role:organization:admin"),
	opAccountGet:       {member: true},
	opAccountList:      {authenticated: true},
	opAccountUpdate:    anyOf("role:organization:admin"),
	opAccountMove:      anyOf("role:organization:admin"),
	opAccountDelete:    anyOf("role:organization:admin"),
	opAccountEventList: anyOf("organization:event_logs:read"),

	opProjectCreate:    anyOf("organization:projects:write"),
	opProjectGet:       anyOf("project:services:read"),
	opProjectList:      {authenticated: true},
	opProjectUpdate:    anyOf("organization:projects:write", "admin"),
	opProjectMove:      anyOf("role:organization:admin", "admin"),
	opProjectDelete:    anyOf("organization:projects:write"),
	opProjectEventList: anyOf("project:event_logs:read"),

	opServiceCreate: anyOf("project:services:write", "role:services:recover"),
	opServiceGet:    anyOf("project:services:read"),
	opServiceList:   anyOf("project:services:read"),
	opServiceUpdate: anyOf("project:services:write", "role:services:maintenance", "role:services:recover", "service:configuration:write"),
	opServiceDelete: anyOf("project:services:write"),

	// Reading grants: project:permissions:read (every project role has it)
	// or organization admin. Writing grants: organization admin at or
	// above the resource, or admin on the project; the escalation guard in
	// changePermissions then refuses handing out what the caller lacks.
	opPermissionsGet: anyOf("project:permissions:read", "role:organization:admin"),
	opPermissionsSet: anyOf("role:organization:admin", "admin"),

	opUserGroupCreate:       anyOf("organization:groups:write"),
	opUserGroupsList:        {member: true},
	opUserGroupGet:          {member: true},
	opUserGroupUpdate:       anyOf("organization:groups:write"),
	opUserGroupDelete:       anyOf("organization:groups:write"),
	opUserGroupMembersList:  {member: true},
	opUserGroupMemberUpdate: anyOf("organization:groups:write"),

	// Asking about someone else's access reveals grants: the same right
	// as reading them.
	opAccessInspect: anyOf("project:permissions:read", "role:organization:admin"),
}

var coreAliases = map[string]string{
	"OrganizationProjectsCreate": opProjectCreate,
	"OrganizationProjectsGet":    opProjectGet,
	"OrganizationProjectsList":   opProjectList,
	"OrganizationProjectsUpdate": opProjectUpdate,
	"OrganizationProjectsDelete": opProjectDelete,
	"PermissionsUpdate":          opPermissionsSet,
	"UserUserGroupsList":         opUserGroupsList,
	"AccessCheck":                opOrganizationGet,
	"AccessExplain":              opOrganizationGet,
	"AccessResources":            opOrganizationGet,
	"AccessPrincipals":           opAccessInspect,
}

// RequirementOf describes what operation op requires, and whether the
// table knows it at all. Every API route must be known (a test proves it).
func RequirementOf(op string) (string, bool) {
	if a, ok := routeAliases[op]; ok {
		op = a
	}
	r, ok := requirements[op]
	if !ok {
		return "", false
	}
	switch {
	case r.superAdmin:
		return "super admin", true
	case r.member:
		return "organization member", true
	case r.authenticated:
		return "authenticated", true
	}
	return "any of " + strings.Join(r.anyOf.Strings(), ", "), true
}
