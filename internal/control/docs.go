package control

// OpOpenAPIGet serves the OpenAPI document. The route is public (the
// document describes the API, not any data), so it has no rule.
const OpOpenAPIGet Op = "OpenAPIGet"
