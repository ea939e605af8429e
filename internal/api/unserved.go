package api

import (
	"net/http"
	"strings"
)

// Why Gatehouse leaves an Aiven endpoint out. Gatehouse is an access-control
// plane: it keeps the hierarchy, people, permissions and the access parts
// of services (service users, Kafka ACLs), and runs nothing.
const (
	reasonBilling          = "billing is not part of Gatehouse"
	reasonNetworking       = "Gatehouse provisions no networking (VPCs, static IPs, PrivateLink)"
	reasonProvisioning     = "Gatehouse runs no services: provisioning, integrations, databases, schemas, metrics and logs stay with the service platform"
	reasonSSO              = "identity-provider sign-in (SSO) is not provided yet"
	reasonAccountTeams     = "legacy account teams and their views are replaced by user groups and permissions"
	reasonAccountLifecycle = "self-service account sign-up and profile checks of Aiven's console are not provided"
)

// unservedRoutes are the endpoints of Aiven's API, for the resources
// Gatehouse serves (organizations, units, people, groups, application
// users, domains, projects, services, Kafka ACLs, service users), that it
// does not provide. Each answers 501 in Aiven's error shape instead of a
// bare 404, so a client says what is missing. A test compares this list
// with go-client-codegen's handlers: every operation there is served or
// listed here.
var unservedRoutes = []struct{ pattern, operation, reason string }{
	{"DELETE /v1/account/{p0}/payment_method/{p1}", "AccountPaymentMethodDelete", reasonBilling},
	{"GET /v1/account/{p0}/billing-group", "AccountBillingGroupList", reasonBilling},
	{"GET /v1/account/{p0}/payment_methods", "AccountPaymentMethodsList", reasonBilling},
	{"GET /v1/account/{p0}/project/{p1}/teams", "AccountProjectsTeamsList", reasonAccountTeams},
	{"GET /v1/account/{p0}/projects", "AccountProjectsList", reasonAccountTeams},
	{"GET /v1/account/{p0}/user/{p1}/projects", "AccountUserProjectsList", reasonAccountTeams},
	{"GET /v1/account/{p0}/user/{p1}/teams", "AccountUserTeamsList", reasonAccountTeams},
	{"POST /v1/account/{p0}/payment_methods", "AccountAttachPaymentMethod", reasonBilling},
	{"POST /v1/account/{p0}/users/search", "AccountUsersSearch", reasonAccountTeams},
	{"DELETE /v1/project/{p0}/service/{p1}/quota", "ServiceKafkaQuotaDelete", reasonProvisioning},
	{"GET /v1/project/{p0}/service/{p1}/kafka/tiered-storage/storage-usage/by-topic", "ServiceKafkaTieredStorageStorageUsageByTopic", reasonProvisioning},
	{"GET /v1/project/{p0}/service/{p1}/kafka/tiered-storage/storage-usage/total", "ServiceKafkaTieredStorageStorageUsageTotal", reasonProvisioning},
	{"GET /v1/project/{p0}/service/{p1}/kafka/tiered-storage/summary", "ServiceKafkaTieredStorageSummary", reasonProvisioning},
	{"GET /v1/project/{p0}/service/{p1}/quota", "ServiceKafkaQuotaList", reasonProvisioning},
	{"GET /v1/project/{p0}/service/{p1}/quota/describe", "ServiceKafkaQuotaDescribe", reasonProvisioning},
	{"POST /v1/project/{p0}/service/{p1}/quota", "ServiceKafkaQuotaCreate", reasonProvisioning},
	{"DELETE /v1/project/{p0}/service/{p1}/kafka/schema/subjects/{p2}", "ServiceSchemaRegistrySubjectDelete", reasonProvisioning},
	{"DELETE /v1/project/{p0}/service/{p1}/kafka/schema/subjects/{p2}/versions/{p3}", "ServiceSchemaRegistrySubjectVersionDelete", reasonProvisioning},
	{"GET /v1/project/{p0}/service/{p1}/kafka/schema/config", "ServiceSchemaRegistryGlobalConfigGet", reasonProvisioning},
	{"GET /v1/project/{p0}/service/{p1}/kafka/schema/config/{p2}", "ServiceSchemaRegistrySubjectConfigGet", reasonProvisioning},
	{"GET /v1/project/{p0}/service/{p1}/kafka/schema/schemas/ids/{p2}", "ServiceSchemaRegistrySchemaGet", reasonProvisioning},
	{"GET /v1/project/{p0}/service/{p1}/kafka/schema/subjects", "ServiceSchemaRegistrySubjects", reasonProvisioning},
	{"GET /v1/project/{p0}/service/{p1}/kafka/schema/subjects/{p2}/versions", "ServiceSchemaRegistrySubjectVersionsGet", reasonProvisioning},
	{"GET /v1/project/{p0}/service/{p1}/kafka/schema/subjects/{p2}/versions/{p3}", "ServiceSchemaRegistrySubjectVersionGet", reasonProvisioning},
	{"GET /v1/project/{p0}/service/{p1}/kafka/schema/subjects/{p2}/versions/{p3}/schema", "ServiceSchemaRegistrySubjectVersionSchemaGet", reasonProvisioning},
	{"POST /v1/project/{p0}/service/{p1}/kafka/schema/compatibility/subjects/{p2}/versions/{p3}", "ServiceSchemaRegistryCompatibility", reasonProvisioning},
	{"POST /v1/project/{p0}/service/{p1}/kafka/schema/subjects/{p2}/versions", "ServiceSchemaRegistrySubjectVersionPost", reasonProvisioning},
	{"PUT /v1/project/{p0}/service/{p1}/kafka/schema/config", "ServiceSchemaRegistryGlobalConfigPut", reasonProvisioning},
	{"PUT /v1/project/{p0}/service/{p1}/kafka/schema/config/{p2}", "ServiceSchemaRegistrySubjectConfigPut", reasonProvisioning},
	{"DELETE /v1/organization/{p0}/address/{p1}", "OrganizationAddressDelete", reasonBilling},
	{"DELETE /v1/organization/{p0}/authentication-methods/{p1}/domains/{p2}", "OrganizationAuthDomainUnlink", reasonSSO},
	{"GET /v1/organization/{p0}/address/{p1}", "OrganizationAddressGet", reasonBilling},
	{"GET /v1/organization/{p0}/addresses", "OrganizationAddressList", reasonBilling},
	{"GET /v1/organization/{p0}/authentication-methods/{p1}/domains", "OrganizationAuthDomainList", reasonSSO},
	{"PATCH /v1/organization/{p0}/address/{p1}", "OrganizationAddressUpdate", reasonBilling},
	{"POST /v1/organization/{p0}/addresses", "OrganizationAddressCreate", reasonBilling},
	{"PUT /v1/organization/{p0}/authentication-methods/{p1}/domains", "OrganizationAuthDomainLink", reasonSSO},
	{"GET /v1/organization/{p0}/user/{p1}/authentication_methods", "OrganizationUserAuthenticationMethodsList", reasonSSO},
	{"GET /v1/project/{p0}/alerts", "ProjectAlertsList", reasonProvisioning},
	{"GET /v1/project/{p0}/generate-sbom-download-url/{p1}", "ProjectGenerateSbomDownloadUrl", reasonBilling},
	{"GET /v1/project/{p0}/pricing/service-types/{p1}/plans/{p2}/clouds/{p3}", "ProjectServicePlanPriceGet", reasonBilling},
	{"GET /v1/project/{p0}/privatelink-availability", "ProjectPrivatelinkAvailabilityList", reasonNetworking},
	{"GET /v1/project/{p0}/service-types", "ProjectServiceTypesList", reasonProvisioning},
	{"GET /v1/project/{p0}/service-types/{p1}", "ProjectServiceTypesGet", reasonProvisioning},
	{"GET /v1/project/{p0}/service-types/{p1}/plans", "ProjectServicePlanList", reasonProvisioning},
	{"GET /v1/project/{p0}/service-types/{p1}/plans/{p2}", "ProjectServicePlanSpecsGet", reasonProvisioning},
	{"GET /v1/project/{p0}/vpc-peering-connection-types", "ListProjectVpcPeeringConnectionTypes", reasonNetworking},
	{"DELETE /v1/project/{p0}/integration/{p1}", "ServiceIntegrationDelete", reasonProvisioning},
	{"DELETE /v1/project/{p0}/integration_endpoint/{p1}", "ServiceIntegrationEndpointDelete", reasonProvisioning},
	{"DELETE /v1/project/{p0}/service/{p1}/db/{p2}", "ServiceDatabaseDelete", reasonProvisioning},
	{"GET /v1/project/{p0}/integration/{p1}", "ServiceIntegrationGet", reasonProvisioning},
	{"GET /v1/project/{p0}/integration_endpoint", "ServiceIntegrationEndpointList", reasonProvisioning},
	{"GET /v1/project/{p0}/integration_endpoint/{p1}", "ServiceIntegrationEndpointGet", reasonProvisioning},
	{"GET /v1/project/{p0}/integration_endpoint_types", "ServiceIntegrationEndpointTypes", reasonProvisioning},
	{"GET /v1/project/{p0}/integration_types", "ServiceIntegrationTypes", reasonProvisioning},
	{"GET /v1/project/{p0}/service/{p1}/alerts", "ServiceAlertsList", reasonProvisioning},
	{"GET /v1/project/{p0}/service/{p1}/backups", "ServiceBackupsGet", reasonProvisioning},
	{"GET /v1/project/{p0}/service/{p1}/db", "ServiceDatabaseList", reasonProvisioning},
	{"GET /v1/project/{p0}/service/{p1}/integration", "ServiceIntegrationList", reasonProvisioning},
	{"GET /v1/project/{p0}/service/{p1}/migration", "ServiceGetMigrationStatus", reasonProvisioning},
	{"GET /v1/project/{p0}/service/{p1}/task/{p2}", "ServiceTaskGet", reasonProvisioning},
	{"GET /v1/project/{p0}/service_types", "ListProjectServiceTypes", reasonProvisioning},
	{"GET /v1/service_types", "ListPublicServiceTypes", reasonProvisioning},
	{"GET /v1/service_versions", "ListServiceVersions", reasonProvisioning},
	{"POST /v1/project/{p0}/integration", "ServiceIntegrationCreate", reasonProvisioning},
	{"POST /v1/project/{p0}/integration_endpoint", "ServiceIntegrationEndpointCreate", reasonProvisioning},
	{"POST /v1/project/{p0}/service/{p1}/backup_to_another_region/report", "ServiceBackupToAnotherRegionReport", reasonProvisioning},
	{"POST /v1/project/{p0}/service/{p1}/db", "ServiceDatabaseCreate", reasonProvisioning},
	{"POST /v1/project/{p0}/service/{p1}/enable-writes", "ServiceEnableWrites", reasonProvisioning},
	{"POST /v1/project/{p0}/service/{p1}/logs", "ProjectGetServiceLogs", reasonProvisioning},
	{"POST /v1/project/{p0}/service/{p1}/metrics", "ServiceMetricsFetch", reasonProvisioning},
	{"POST /v1/project/{p0}/service/{p1}/query/activity", "ServiceQueryActivity", reasonProvisioning},
	{"POST /v1/project/{p0}/service/{p1}/query/cancel", "ServiceCancelQuery", reasonProvisioning},
	{"POST /v1/project/{p0}/service/{p1}/task", "ServiceTaskCreate", reasonProvisioning},
	{"PUT /v1/project/{p0}/integration/{p1}", "ServiceIntegrationUpdate", reasonProvisioning},
	{"PUT /v1/project/{p0}/integration_endpoint/{p1}", "ServiceIntegrationEndpointUpdate", reasonProvisioning},
	{"PUT /v1/project/{p0}/service/{p1}/maintenance/start", "ServiceMaintenanceStart", reasonProvisioning},
	{"PUT /v1/project/{p0}/service/{p1}/query/stats/reset", "ServiceQueryStatisticsReset", reasonProvisioning},
	{"DELETE /v1/project/{p0}/static-ips/{p1}", "StaticIPDelete", reasonNetworking},
	{"DELETE /v1/project/{p0}/static-ips/{p1}/association", "ProjectStaticIPDissociate", reasonNetworking},
	{"GET /v1/project/{p0}/static-ip-availability", "ProjectStaticIPAvailabilityList", reasonNetworking},
	{"GET /v1/tenants/{p0}/static-ip-availability", "PublicStaticIPAvailabilityList", reasonNetworking},
	{"PATCH /v1/project/{p0}/static-ips/{p1}", "ProjectStaticIPPatch", reasonNetworking},
	{"POST /v1/project/{p0}/static-ips", "StaticIPCreate", reasonNetworking},
	{"POST /v1/project/{p0}/static-ips/{p1}/association", "ProjectStaticIPAssociate", reasonNetworking},
	{"DELETE /v1/me/authentication_methods/{p0}", "UserAuthenticationMethodDelete", reasonSSO},
	{"DELETE /v1/user/{p0}", "UserAccountDelete", reasonAccountLifecycle},
	{"GET /v1/card", "UserCreditCardsList", reasonBilling},
	{"GET /v1/me/account/invites", "UserAccountInvitesList", reasonAccountTeams},
	{"GET /v1/me/authentication_methods", "UserAuthenticationMethodsList", reasonSSO},
	{"GET /v1/me/referral/validation/{p0}", "ValidateReferralCode", reasonBilling},
	{"GET /v1/user/credit_code/{p0}", "ValidateCreditCode", reasonBilling},
	{"POST /v1/me/account/invites/accept", "UserAccountInvitesAccept", reasonAccountTeams},
	{"POST /v1/me/password_strength", "CheckPasswordStrengthExistingUser", reasonAccountLifecycle},
	{"POST /v1/user/password_strength", "CheckPasswordStrengthNewUser", reasonAccountLifecycle},
	{"POST /v1/user/verify_email/{p0}", "UserVerifyEmail", reasonAccountLifecycle},
	{"POST /v1/userauth/login_options", "UserAuthLoginOptions", reasonAccountLifecycle},
}

// unservedNotFound are unserved operations that answer 404 instead of 501,
// because Aiven's clients take a 404 there as "nothing known" and go on,
// while any other error stops them: Terraform's provider asks for a plan's
// specification (its default disk size) before it creates or updates a
// service, and uses the plan's defaults when the plan is not found.
var unservedNotFound = map[string]bool{"ProjectServicePlanSpecsGet": true}

func init() { routeSets = append(routeSets, (*Server).unservedRoutes) }

// unservedRoutes registers the 501 answers; they are not in the route
// table (RouteTable), which lists what Gatehouse serves.
func (s *Server) unservedRoutes() {
	for _, u := range unservedRoutes {
		msg := "Gatehouse does not provide " + u.operation + " (" + strings.Join(strings.Fields(u.pattern), " ") + "): " + u.reason
		e := &httpError{http.StatusNotImplemented, "not_implemented", msg}
		if unservedNotFound[u.operation] {
			e = &httpError{http.StatusNotFound, "not_found", msg}
		}
		s.mux.HandleFunc(u.pattern, func(w http.ResponseWriter, r *http.Request) {
			s.writeError(w, r, e)
		})
	}
}

// UnservedRoute is an Aiven endpoint Gatehouse answers with 501.
type UnservedRoute struct {
	Pattern, Operation, Reason string
}

// UnservedRoutes lists the Aiven endpoints Gatehouse does not provide.
func UnservedRoutes() []UnservedRoute {
	out := make([]UnservedRoute, 0, len(unservedRoutes))
	for _, u := range unservedRoutes {
		out = append(out, UnservedRoute{u.pattern, u.operation, u.reason})
	}
	return out
}
