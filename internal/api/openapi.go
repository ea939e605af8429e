package api

import (
	_ "embed"
	"encoding/json"
	"net/http"

	"github.com/gatehouse-dev/gatehouse/internal/control"
)

// openAPIDocument is the OpenAPI 3.1 document of every route, generated
// from the route table, Aiven's client types and ownDescriptions by
// TestOpenAPIDocument (internal/server), which fails when it is stale:
// go test ./internal/server -run TestOpenAPIDocument -update-openapi
//
//go:embed openapi.json
var openAPIDocument []byte

func init() { routeSets = append(routeSets, (*Server).openAPIRoutes) }

func (s *Server) openAPIRoutes() {
	s.public("GET /v1/openapi.json", control.OpOpenAPIGet, func(*http.Request, *control.Actor) (int, any, error) {
		return http.StatusOK, json.RawMessage(openAPIDocument), nil
	})
}

// OwnDescriptions describes the operations that are Gatehouse's own, or
// that Aiven's Go client lacks, for the OpenAPI document; Aiven's
// operations take their client's description.
func OwnDescriptions() map[string]string {
	return map[string]string{
		"Healthz":    "Liveness: 200 while the server runs.",
		"Readyz":     "Readiness: 200 when the database answers and the decision engine has caught up with the change log; 503 otherwise.",
		"OpenAPIGet": "This OpenAPI 3.1 document.",
		"AccountAuthenticationMethodSCIMTokenRotate": "Gatehouse: replace the SCIM bearer token of an authentication method with SCIM enabled; the answer's scim_token is the only time the new token is shown, and the previous token stops working at once.",
		"AccessCheck":                      "Gatehouse: does a principal hold a permission on a resource (one check, or a batch in checks)?",
		"AccessExplain":                    "Gatehouse: a check with its reasons: the resource's path, every grant on it, which give the permission, and whether each came from a membership or a permission.",
		"AccessResources":                  "Gatehouse: the projects or services of the organization on which a user holds a permission, paged by cursor.",
		"AccessPrincipals":                 "Gatehouse: the users and groups holding a permission on a resource.",
		"ServiceKafkaAuthorize":            "Gatehouse: Kafka's authorizer question for a batch of requests (principal, host, operation, resource), answered from the service's ACLs.",
		"ServiceKafkaAclSync":              "Gatehouse: push the service's ACLs to a Kafka cluster (or show the difference with dry_run).",
		"ServiceUserSync":                  "Gatehouse: compare the service's users with the real database server and fix drift (dry_run only reports).",
		"OrganizationManagedUsersList":     "Gatehouse: users of the organization's verified domains, members or not.",
		"OrganizationDomainGet":            "Gatehouse: one domain with the DNS record or file to publish for its verification.",
		"InvitationGet":                    "Gatehouse: see an invitation by the code in its link (no login).",
		"InvitationAccept":                 "Gatehouse: accept an invitation by the code in its link, creating the account or signing in with its password.",
		"UserGroupMembersList":             "List the members of a user group.",
		"UserGroupMemberUpdate":            "Add members to or remove members from a user group.",
		"UserUserGroupsList":               "List the user groups an organization member belongs to.",
		"OrganizationUserInvitationAccept": "Accept an invitation to an organization, signed in as the invitee.",
		"OrganizationUserTokensList":       "List the tokens of a user the organization manages.",
		"OrganizationUserRevokeToken":      "Revoke a token of a user the organization manages.",
		"OrganizationUserPasswordReset":    "Reset the password of a user the organization manages.",
		"ProjectInvite":                    "Invite an email to a project with a member type.",
		"ProjectInviteAccept":              "Accept a project invitation, signed in as the invitee.",
		"ProjectInviteDelete":              "Cancel a project invitation.",
		"ProjectUserList":                  "List a project's members, pending invitations and group members.",
		"ProjectUserUpdate":                "Change a project member's member type.",
		"ProjectUserRemove":                "Remove a member from a project.",
		"ProjectAccessList":                "List the groups with access to a project.",
		"ProjectGroupAccessSet":            "Give a group a role on a project.",
		"ProjectGroupAccessDelete":         "Remove a group's role on a project.",
		"ProjectGetEventLogs":              "List a project's event log.",
		"UserPasswordReset":                "Set a new password with the code of a password-reset email.",
		"UserPasswordResetRequest":         "Ask for a password-reset email.",
		"UserExpireTokens":                 "Revoke every token of the caller.",
		"UserLogout":                       "Log out: revoke the token the request carries.",
		"ServiceUserList":                  "Gatehouse: list a service's users (Aiven lists them in the service object).",
	}
}
