package api

import (
	"net/http"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/kafkaacl"
	"github.com/gatehouse-dev/gatehouse/internal/org"
)

type serviceOut struct {
	CloudName             string            `json:"cloud_name"`
	CreateTime            time.Time         `json:"create_time"`
	UpdateTime            time.Time         `json:"update_time"`
	GroupList             []string          `json:"group_list"`
	Plan                  string            `json:"plan"`
	ProjectVpcID          string            `json:"project_vpc_id"`
	ServiceIntegrations   []any             `json:"service_integrations"`
	ServiceName           string            `json:"service_name"`
	ServiceType           string            `json:"service_type"`
	ServiceURI            string            `json:"service_uri"`
	State                 string            `json:"state"`
	Tags                  map[string]string `json:"tags"`
	TechEmails            []techEmail       `json:"tech_emails"`
	TerminationProtection bool              `json:"termination_protection"`
	UserConfig            map[string]any    `json:"user_config"`
	Features              map[string]any    `json:"features"`
	Metadata              map[string]any    `json:"metadata"`
	Users                 []serviceUserOut  `json:"users"`
	// The Kafka ACLs of a Kafka service (empty lists for other types), as
	// avn's acl-list and schema-registry-acl-list read them here.
	ACL               []kafkaacl.Entry               `json:"acl"`
	KafkaACL          []kafkaacl.NativeEntry         `json:"kafka_acl"`
	SchemaRegistryACL []kafkaacl.SchemaRegistryEntry `json:"schema_registry_acl"`
	// Gatehouse provisions nothing: no maintenance window and no
	// connection details, but the objects are there (Terraform's
	// provider reads them).
	Maintenance    maintenanceOut `json:"maintenance"`
	ConnectionInfo map[string]any `json:"connection_info"`
}

// maintenanceOut is Aiven's MaintenanceOut with nothing scheduled.
type maintenanceOut struct {
	Dow     string `json:"dow"`
	Enabled bool   `json:"enabled"`
	Time    string `json:"time"`
	Updates []any  `json:"updates"`
}

func toService(s org.Service) serviceOut {
	uc := s.UserConfig
	if uc == nil {
		uc = map[string]any{}
	}
	return serviceOut{CloudName: s.Cloud, CreateTime: s.CreateTime, UpdateTime: s.UpdateTime, GroupList: []string{}, Plan: s.Plan,
		ServiceIntegrations: []any{}, ServiceName: s.Name, ServiceType: s.Type, State: "RUNNING", Tags: nonNilTags(s.Tags),
		TechEmails: techEmailsOut(s.TechEmails), TerminationProtection: s.TerminationProtection, UserConfig: uc,
		Features: map[string]any{}, Metadata: map[string]any{}, Users: []serviceUserOut{},
		ACL: []kafkaacl.Entry{}, KafkaACL: []kafkaacl.NativeEntry{}, SchemaRegistryACL: []kafkaacl.SchemaRegistryEntry{},
		Maintenance: maintenanceOut{Updates: []any{}}, ConnectionInfo: map[string]any{}}
}

func (s *Server) createService(r *http.Request, a *control.Actor) (int, any, error) {
	// Provisioning fields (disk size, VPC, integrations, maintenance,
	// static IPs...) are accepted and ignored: Gatehouse provisions nothing.
	var in struct {
		ServiceName           string             `json:"service_name"`
		ServiceType           string             `json:"service_type"`
		Plan                  string             `json:"plan"`
		Cloud                 *string            `json:"cloud"`
		Tags                  *map[string]string `json:"tags"`
		TechEmails            *[]techEmail       `json:"tech_emails"`
		TerminationProtection *bool              `json:"termination_protection"`
		UserConfig            *map[string]any    `json:"user_config"`
		// Gatehouse's own: the admin connection of a real server whose
		// users Gatehouse manages (also accepted in user_config).
		ConnectionURI *string `json:"connection_uri"`
		// Gatehouse's: false creates a Kafka service without the default
		// ACL entries, as Aiven's Terraform provider's default_acl does.
		DefaultACL *bool `json:"default_acl"`
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	si := control.ServiceInput{Project: r.PathValue("project"), Name: in.ServiceName, Type: in.ServiceType, Plan: in.Plan, DefaultACL: in.DefaultACL}
	if in.Cloud != nil {
		si.Cloud = *in.Cloud
	}
	if in.Tags != nil {
		si.Tags = *in.Tags
	}
	if te := techEmailsIn(in.TechEmails); te != nil {
		si.TechEmails = *te
	}
	if in.TerminationProtection != nil {
		si.TerminationProtection = *in.TerminationProtection
	}
	if in.UserConfig != nil {
		si.UserConfig = *in.UserConfig
	}
	if in.ConnectionURI != nil {
		si.ConnectionURI = *in.ConnectionURI
	}
	svc, err := s.plane.CreateService(r.Context(), a, si)
	if err != nil {
		return 0, nil, err
	}
	return s.serviceWithUsers(r, a, svc)
}

func (s *Server) getService(r *http.Request, a *control.Actor) (int, any, error) {
	svc, err := s.plane.GetService(r.Context(), a, r.PathValue("project"), r.PathValue("service"))
	if err != nil {
		return 0, nil, err
	}
	return s.serviceWithUsers(r, a, svc)
}

func (s *Server) listServices(r *http.Request, a *control.Actor) (int, any, error) {
	svcs, err := s.plane.ListServices(r.Context(), a, r.PathValue("project"))
	if err != nil {
		return 0, nil, err
	}
	out := make([]serviceOut, 0, len(svcs))
	for _, svc := range svcs {
		out = append(out, toService(svc))
	}
	return http.StatusOK, map[string]any{"services": out}, nil
}

func (s *Server) updateService(r *http.Request, a *control.Actor) (int, any, error) {
	// Aiven's clients send the provisioning fields (disk size, VPC,
	// maintenance window, Karapace, CMK...) on every update, Terraform's
	// provider with their unchanged values: accepted and ignored, as on
	// create. The answer shows the record unchanged in those respects.
	var in struct {
		Plan                  *string         `json:"plan"`
		Cloud                 *string         `json:"cloud"`
		TechEmails            *[]techEmail    `json:"tech_emails"`
		TerminationProtection *bool           `json:"termination_protection"`
		UserConfig            *map[string]any `json:"user_config"`
		Powered               *bool           `json:"powered"`
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	if in.Powered != nil && !*in.Powered {
		return 0, nil, &httpError{http.StatusBadRequest, "bad_request", "Gatehouse runs no services and cannot power one off; power it off on the service platform"}
	}
	c := control.ServiceChange{Plan: in.Plan, Cloud: in.Cloud, TerminationProtection: in.TerminationProtection}
	if te := techEmailsIn(in.TechEmails); te != nil {
		c.TechEmails = te
	}
	if in.UserConfig != nil {
		c.UserConfig = *in.UserConfig
		if c.UserConfig == nil {
			c.UserConfig = map[string]any{}
		}
	}
	svc, err := s.plane.UpdateService(r.Context(), a, r.PathValue("project"), r.PathValue("service"), c)
	if err != nil {
		return 0, nil, err
	}
	return s.serviceWithUsers(r, a, svc)
}

func (s *Server) deleteService(r *http.Request, a *control.Actor) (int, any, error) {
	if err := s.plane.DeleteService(r.Context(), a, r.PathValue("project"), r.PathValue("service")); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, struct{}{}, nil
}
