package api

import (
	"net/http"

	"github.com/gatehouse-dev/gatehouse/internal/control"
)

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
	s.public("GET /healthz", control.OpHealthz, s.healthz)
	s.public("GET /readyz", control.OpReadyz, s.readyz)
	s.public("POST /v1/userauth", control.OpUserAuth, s.userAuth)
	s.handle("POST /v1/userauth/logout", control.OpUserLogout, s.userLogout)
	s.handle("GET /v1/me", control.OpUserInfo, s.me)

	s.handle("POST /v1/organizations", control.OpUserOrganizationCreate, s.createOrganization)
	s.handle("GET /v1/organizations", control.OpUserOrganizationsList, s.listOrganizations)
	s.handle("GET /v1/organization/{org}", control.OpOrganizationGet, s.getOrganization)
	s.handle("PATCH /v1/organization/{org}", control.OpOrganizationUpdate, s.updateOrganization)
	s.handle("DELETE /v1/organization/{org}", control.OpOrganizationDelete, s.deleteOrganization)

	s.handle("POST /v1/account", control.OpAccountCreate, s.createAccount)
	s.handle("GET /v1/account", control.OpAccountList, s.listAccounts)
	s.handle("GET /v1/account/{account}", control.OpAccountGet, s.getAccount)
	s.handle("PUT /v1/account/{account}", control.OpAccountUpdate, s.updateAccount)
	s.handle("DELETE /v1/account/{account}", control.OpAccountDelete, s.deleteAccount)
	s.handle("PUT /v1/account/{account}/parent_account", control.OpAccountMove, s.moveAccount)
	s.handle("GET /v1/account/{account}/events", control.OpAccountEventList, s.accountEvents)

	s.handle("POST /v1/organization/{org}/projects", control.OpOrganizationProjectsCreate, s.createOrgProject)
	s.handle("GET /v1/organization/{org}/projects", control.OpOrganizationProjectsList, s.listOrgProjects)
	s.handle("GET /v1/organization/{org}/project/{project}", control.OpOrganizationProjectsGet, s.getOrgProject)
	s.handle("PATCH /v1/organization/{org}/project/{project}", control.OpOrganizationProjectsUpdate, s.updateOrgProject)
	s.handle("DELETE /v1/organization/{org}/project/{project}", control.OpOrganizationProjectsDelete, s.deleteOrgProject)

	s.handle("POST /v1/project", control.OpProjectCreate, s.createLegacyProject)
	s.handle("GET /v1/project", control.OpProjectList, s.listLegacyProjects)
	s.handle("GET /v1/project/{project}", control.OpProjectGet, s.getLegacyProject)
	s.handle("PUT /v1/project/{project}", control.OpProjectUpdate, s.updateLegacyProject)
	s.handle("DELETE /v1/project/{project}", control.OpProjectDelete, s.deleteLegacyProject)
	s.handle("GET /v1/project/{project}/events", control.OpProjectGetEventLogs, s.projectEvents)

	s.handle("POST /v1/project/{project}/service", control.OpServiceCreate, s.createService)
	s.handle("GET /v1/project/{project}/service", control.OpServiceList, s.listServices)
	s.handle("GET /v1/project/{project}/service/{service}", control.OpServiceGet, s.getService)
	s.handle("PUT /v1/project/{project}/service/{service}", control.OpServiceUpdate, s.updateService)
	s.handle("DELETE /v1/project/{project}/service/{service}", control.OpServiceDelete, s.deleteService)

	s.handle("GET /v1/organization/{org}/permissions/{rtype}/{rid}", control.OpPermissionsGet, s.getPermissions)
	s.handle("PUT /v1/organization/{org}/permissions/{rtype}/{rid}", control.OpPermissionsSet, s.setPermissions)
	s.handle("PATCH /v1/organization/{org}/permissions/{rtype}/{rid}", control.OpPermissionsUpdate, s.updatePermissions)

	s.handle("POST /v1/organization/{org}/user-groups", control.OpUserGroupCreate, s.createGroup)
	s.handle("GET /v1/organization/{org}/user-groups", control.OpUserGroupsList, s.listGroups)
	s.handle("GET /v1/organization/{org}/user-groups/{group}", control.OpUserGroupGet, s.getGroup)
	s.handle("PATCH /v1/organization/{org}/user-groups/{group}", control.OpUserGroupUpdate, s.updateGroup)
	s.handle("DELETE /v1/organization/{org}/user-groups/{group}", control.OpUserGroupDelete, s.deleteGroup)
	s.handle("GET /v1/organization/{org}/user-groups/{group}/members", control.OpUserGroupMembersList, s.listGroupMembers)
	s.handle("PATCH /v1/organization/{org}/user-groups/{group}/members", control.OpUserGroupMemberUpdate, s.updateGroupMembers)
	s.handle("GET /v1/organization/{org}/user/{user}/user-groups", control.OpUserUserGroupsList, s.userGroups)

	// Gatehouse's own questions, beyond Aiven's API.
	s.handle("POST /v1/organization/{org}/access/check", control.OpAccessCheck, s.accessCheck)
	s.handle("POST /v1/organization/{org}/access/explain", control.OpAccessExplain, s.accessExplain)
	s.handle("GET /v1/organization/{org}/access/resources", control.OpAccessResources, s.accessResources)
	s.handle("GET /v1/organization/{org}/access/principals", control.OpAccessPrincipals, s.accessPrincipals)
}

// RouteTable lists every endpoint the API serves. The table does not depend
// on a running server, so tests and tools can walk it.
func RouteTable() []Route {
	s := &Server{mux: http.NewServeMux()}
	s.registerRoutes()
	return s.routes
}
