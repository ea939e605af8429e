package api

import "net/http"

// routeSets are the per-feature route tables; each feature's file adds its
// own in an init function.
var routeSets []func(*Server)

func init() { routeSets = append(routeSets, (*Server).coreRoutes) }

// registerRoutes registers every feature's routes.
func (s *Server) registerRoutes() {
	for _, set := range routeSets {
		set(s)
	}
}

// coreRoutes is the route table of the hierarchy, permissions, groups and
// access questions: one line an endpoint, with the operation ID whose
// authorization rule package control applies.
func (s *Server) coreRoutes() {
	s.public("GET /healthz", "Healthz", s.healthz)
	s.public("POST /v1/userauth", "UserAuth", s.userAuth)
	s.handle("POST /v1/userauth/logout", "UserLogout", s.userLogout)
	s.handle("GET /v1/me", "UserInfo", s.me)

	s.handle("POST /v1/organizations", "UserOrganizationCreate", s.createOrganization)
	s.handle("GET /v1/organizations", "UserOrganizationsList", s.listOrganizations)
	s.handle("GET /v1/organization/{org}", "OrganizationGet", s.getOrganization)
	s.handle("PATCH /v1/organization/{org}", "OrganizationUpdate", s.updateOrganization)
	s.handle("DELETE /v1/organization/{org}", "OrganizationDelete", s.deleteOrganization)

	s.handle("POST /v1/account", "AccountCreate", s.createAccount)
	s.handle("GET /v1/account", "AccountList", s.listAccounts)
	s.handle("GET /v1/account/{account}", "AccountGet", s.getAccount)
	s.handle("PUT /v1/account/{account}", "AccountUpdate", s.updateAccount)
	s.handle("DELETE /v1/account/{account}", "AccountDelete", s.deleteAccount)
	s.handle("PUT /v1/account/{account}/parent_account", "AccountMove", s.moveAccount)
	s.handle("GET /v1/account/{account}/events", "AccountEventList", s.accountEvents)

	s.handle("POST /v1/organization/{org}/projects", "OrganizationProjectsCreate", s.createOrgProject)
	s.handle("GET /v1/organization/{org}/projects", "OrganizationProjectsList", s.listOrgProjects)
	s.handle("GET /v1/organization/{org}/project/{project}", "OrganizationProjectsGet", s.getOrgProject)
	s.handle("PATCH /v1/organization/{org}/project/{project}", "OrganizationProjectsUpdate", s.updateOrgProject)
	s.handle("DELETE /v1/organization/{org}/project/{project}", "OrganizationProjectsDelete", s.deleteOrgProject)

	s.handle("POST /v1/project", "ProjectCreate", s.createLegacyProject)
	s.handle("GET /v1/project", "ProjectList", s.listLegacyProjects)
	s.handle("GET /v1/project/{project}", "ProjectGet", s.getLegacyProject)
	s.handle("PUT /v1/project/{project}", "ProjectUpdate", s.updateLegacyProject)
	s.handle("DELETE /v1/project/{project}", "ProjectDelete", s.deleteLegacyProject)
	s.handle("GET /v1/project/{project}/events", "ProjectGetEventLogs", s.projectEvents)

	s.handle("POST /v1/project/{project}/service", "ServiceCreate", s.createService)
	s.handle("GET /v1/project/{project}/service", "ServiceList", s.listServices)
	s.handle("GET /v1/project/{project}/service/{service}", "ServiceGet", s.getService)
	s.handle("DELETE /v1/project/{project}/service/{service}", "ServiceDelete", s.deleteService)

	s.handle("GET /v1/organization/{org}/permissions/{rtype}/{rid}", "PermissionsGet", s.getPermissions)
	s.handle("PUT /v1/organization/{org}/permissions/{rtype}/{rid}", "PermissionsSet", s.setPermissions)
	s.handle("PATCH /v1/organization/{org}/permissions/{rtype}/{rid}", "PermissionsUpdate", s.updatePermissions)

	s.handle("POST /v1/organization/{org}/user-groups", "UserGroupCreate", s.createGroup)
	s.handle("GET /v1/organization/{org}/user-groups", "UserGroupsList", s.listGroups)
	s.handle("GET /v1/organization/{org}/user-groups/{group}", "UserGroupGet", s.getGroup)
	s.handle("PATCH /v1/organization/{org}/user-groups/{group}", "UserGroupUpdate", s.updateGroup)
	s.handle("DELETE /v1/organization/{org}/user-groups/{group}", "UserGroupDelete", s.deleteGroup)
	s.handle("GET /v1/organization/{org}/user-groups/{group}/members", "UserGroupMembersList", s.listGroupMembers)
	s.handle("PATCH /v1/organization/{org}/user-groups/{group}/members", "UserGroupMemberUpdate", s.updateGroupMembers)
	s.handle("GET /v1/organization/{org}/user/{user}/user-groups", "UserUserGroupsList", s.userGroups)

	// Gatehouse's own questions, beyond Aiven's API.
	s.handle("POST /v1/organization/{org}/access/check", "AccessCheck", s.accessCheck)
	s.handle("POST /v1/organization/{org}/access/explain", "AccessExplain", s.accessExplain)
	s.handle("GET /v1/organization/{org}/access/resources", "AccessResources", s.accessResources)
	s.handle("GET /v1/organization/{org}/access/principals", "AccessPrincipals", s.accessPrincipals)
}

// RouteTable lists every endpoint the API serves. The table does not depend
// on a running server, so tests and tools can walk it.
func RouteTable() []Route {
	s := &Server{mux: http.NewServeMux()}
	s.registerRoutes()
	return s.routes
}
