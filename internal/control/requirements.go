package control

import (
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
)

// Op names one operation of the API: Aiven's operation ID (as in
// go-client-codegen's permissions.yaml), or Gatehouse's own where Aiven has
// none. The same constant labels the route in package api, keys the
// requirements table, is what the use case authorizes with, and is what
// tests see recorded for the request. Each feature's file declares its own.
type Op string

// Operations of the hierarchy, permissions, groups and access questions.
const (
	OpHealthz                    Op = "Healthz"  // public
	OpReadyz                     Op = "Readyz"   // public
	OpUserAuth                   Op = "UserAuth" // public
	OpUserLogout                 Op = "UserLogout"
	OpUserInfo                   Op = "UserInfo"
	OpUserOrganizationCreate     Op = "UserOrganizationCreate"
	OpUserOrganizationsList      Op = "UserOrganizationsList"
	OpOrganizationGet            Op = "OrganizationGet"
	OpOrganizationUpdate         Op = "OrganizationUpdate"
	OpOrganizationDelete         Op = "OrganizationDelete"
	OpAccountCreate              Op = "AccountCreate"
	OpAccountGet                 Op = "AccountGet"
	OpAccountList                Op = "AccountList"
	OpAccountUpdate              Op = "AccountUpdate"
	OpAccountMove                Op = "AccountMove"
	OpAccountDelete              Op = "AccountDelete"
	OpAccountEventList           Op = "AccountEventList"
	OpProjectCreate              Op = "ProjectCreate"
	OpProjectGet                 Op = "ProjectGet"
	OpProjectList                Op = "ProjectList"
	OpProjectUpdate              Op = "ProjectUpdate"
	OpProjectMove                Op = "ProjectMove"
	OpProjectDelete              Op = "ProjectDelete"
	OpProjectGetEventLogs        Op = "ProjectGetEventLogs"
	OpServiceCreate              Op = "ServiceCreate"
	OpServiceGet                 Op = "ServiceGet"
	OpServiceList                Op = "ServiceList"
	OpServiceDelete              Op = "ServiceDelete"
	OpServiceUpdate              Op = "ServiceUpdate"
	OpPermissionsGet             Op = "PermissionsGet"
	OpPermissionsSet             Op = "PermissionsSet"
	OpUserGroupCreate            Op = "UserGroupCreate"
	OpUserGroupsList             Op = "UserGroupsList"
	OpUserGroupGet               Op = "UserGroupGet"
	OpUserGroupUpdate            Op = "UserGroupUpdate"
	OpUserGroupDelete            Op = "UserGroupDelete"
	OpUserGroupMembersList       Op = "UserGroupMembersList"
	OpUserGroupMemberUpdate      Op = "UserGroupMemberUpdate"
	OpUserUserGroupsList         Op = "UserUserGroupsList"
	OpPermissionsUpdate          Op = "PermissionsUpdate"
	OpOrganizationProjectsCreate Op = "OrganizationProjectsCreate"
	OpOrganizationProjectsGet    Op = "OrganizationProjectsGet"
	OpOrganizationProjectsList   Op = "OrganizationProjectsList"
	OpOrganizationProjectsUpdate Op = "OrganizationProjectsUpdate"
	OpOrganizationProjectsDelete Op = "OrganizationProjectsDelete"
	OpAccessInspect              Op = "AccessInspect" // inside the access questions: about another principal, or who holds a permission
	OpAccessCheck                Op = "AccessCheck"
	OpAccessExplain              Op = "AccessExplain"
	OpAccessResources            Op = "AccessResources"
	OpAccessPrincipals           Op = "AccessPrincipals"
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
var requirements = map[Op]rule{}

// addRequirements adds rows to the requirements table; a duplicate
// operation is a programming error.
func addRequirements(rows map[Op]rule) {
	for op, r := range rows {
		if _, dup := requirements[op]; dup {
			panic("control: duplicate requirement for " + string(op))
		}
		requirements[op] = r
	}
}

func init() { addRequirements(coreRequirements) }

var coreRequirements = map[Op]rule{
	OpUserLogout:             {authenticated: true},
	OpUserInfo:               {authenticated: true},
	OpUserOrganizationCreate: {authenticated: true},
	OpUserOrganizationsList:  {authenticated: true},
	OpOrganizationGet:        {member: true},
	OpOrganizationUpdate:     {superAdmin: true},
	OpOrganizationDelete:     {superAdmin: true},

	OpAccountCreate:    anyOf("role:organization:admin"),
	OpAccountGet:       {member: true},
	OpAccountList:      {authenticated: true},
	OpAccountUpdate:    anyOf("role:organization:admin"),
	OpAccountMove:      anyOf("role:organization:admin"),
	OpAccountDelete:    anyOf("role:organization:admin"),
	OpAccountEventList: anyOf("organization:event_logs:read"),

	OpProjectCreate: anyOf("organization:projects:write"),
	OpProjectGet:    anyOf("project:services:read"),
	OpProjectList:   {authenticated: true},
	OpProjectUpdate: anyOf("organization:projects:write", "admin"),
	OpProjectMove:   anyOf("role:organization:admin", "admin"),
	OpProjectDelete: anyOf("organization:projects:write"),
	// The organization-scoped forms of the project operations: the same
	// rules, but listing an organization's projects needs membership of
	// it (the legacy listing spans the caller's organizations).
	OpOrganizationProjectsCreate: anyOf("organization:projects:write"),
	OpOrganizationProjectsGet:    anyOf("project:services:read"),
	OpOrganizationProjectsList:   {member: true},
	OpOrganizationProjectsUpdate: anyOf("organization:projects:write", "admin"),
	OpOrganizationProjectsDelete: anyOf("organization:projects:write"),
	OpProjectGetEventLogs:        anyOf("project:event_logs:read"),

	OpServiceCreate: anyOf("project:services:write", "role:services:recover"),
	OpServiceGet:    anyOf("project:services:read"),
	OpServiceList:   anyOf("project:services:read"),
	OpServiceDelete: anyOf("project:services:write"),
	OpServiceUpdate: anyOf("project:services:write", "role:services:maintenance", "role:services:recover", "service:configuration:write"),

	// Reading grants: project:permissions:read (every project role has it)
	// or organization admin. Writing grants: organization admin at or
	// above the resource, or admin on the project; the escalation guard in
	// changePermissions then refuses handing out what the caller lacks.
	OpPermissionsGet:    anyOf("project:permissions:read", "role:organization:admin"),
	OpPermissionsSet:    anyOf("role:organization:admin", "admin"),
	OpPermissionsUpdate: anyOf("role:organization:admin", "admin"),

	OpUserGroupCreate:       anyOf("organization:groups:write"),
	OpUserGroupsList:        {member: true},
	OpUserGroupGet:          {member: true},
	OpUserGroupUpdate:       anyOf("organization:groups:write"),
	OpUserGroupDelete:       anyOf("organization:groups:write"),
	OpUserGroupMembersList:  {member: true},
	OpUserUserGroupsList:    {member: true},
	OpUserGroupMemberUpdate: anyOf("organization:groups:write"),

	// Every access question needs membership (its own operation); asking
	// about someone else's access, or who holds a permission, reveals
	// grants: the same right as reading them (AccessInspect).
	OpAccessInspect:    anyOf("project:permissions:read", "role:organization:admin"),
	OpAccessPrincipals: {member: true},
	OpAccessCheck:      {member: true},
	OpAccessExplain:    {member: true},
	OpAccessResources:  {member: true},
}

// Operations lists every operation the requirements table has a rule for,
// sorted: tests prove each is reached by a route.
func Operations() []Op {
	ops := make([]Op, 0, len(requirements))
	for op := range requirements {
		ops = append(ops, op)
	}
	slices.Sort(ops)
	return ops
}

// RequirementOf describes what operation op requires, and whether the
// table knows it at all. Every authenticated API route must be known (a
// test proves it); public routes have no rule.
func RequirementOf(op Op) (string, bool) {
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
