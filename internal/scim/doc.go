// Package scim serves SCIM 2.0 (RFC 7643, RFC 7644) provisioning for an
// organization's identity provider: Users and Groups under
// /scim/v2/{method_id}/, authorized by the authentication method's SCIM
// bearer token and mapped onto the organization's users and groups by
// the use cases in control. It speaks SCIM's shapes (application/scim+json,
// ListResponse, the Error message with its scimType) and the dialects of
// Okta's and Entra ID's provisioning clients (capitalised operations,
// string booleans, value filters in PATCH paths).
package scim
