package store

// ProjectCAReader reads each project's CA certificate (PEM), which Aiven's
// clients read from GET /v1/project/{project}/kms/ca. Only the
// certificate is kept: Gatehouse signs nothing with it, so no private key
// is stored.
type ProjectCAReader interface {
	// GetProjectCA returns a project's certificate. ErrNotFound when the
	// project has none (or does not exist).
	GetProjectCA(project string) (string, error)
}

// ProjectCATx is ProjectCAReader with the writes.
type ProjectCATx interface {
	ProjectCAReader

	// CreateProjectCA stores the certificate of a project. ErrNotFound
	// for a missing project, ErrConflict if it already has one.
	CreateProjectCA(project, certificatePEM string) error
}
