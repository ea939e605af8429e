package control

// The OpenAPI document is public: it describes the API, not any data.
func init() { addRequirements(map[string]rule{"OpenAPIGet": {authenticated: true}}) }
