package api

import (
	"net/http"
	"strconv"

	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/kafkaacl"
	"github.com/gatehouse-dev/gatehouse/internal/kafkaacl/kafkasync"
)

func init() { routeSets = append(routeSets, (*Server).kafkaRoutes) }

// kafkaRoutes are Aiven's three Kafka ACL APIs and Gatehouse's own
// authorizer and cluster sync.
func (s *Server) kafkaRoutes() {
	const svc = "/v1/project/{project}/service/{service}"
	s.handle("POST "+svc+"/acl", control.OpServiceKafkaAclAdd, s.addKafkaACL)
	s.handle("GET "+svc+"/acl", control.OpServiceKafkaAclList, s.listKafkaACLs)
	s.handle("DELETE "+svc+"/acl/{id}", control.OpServiceKafkaAclDelete, s.deleteKafkaACL)

	s.handle("POST "+svc+"/kafka/acl", control.OpServiceKafkaNativeAclAdd, s.addKafkaNativeACL)
	s.handle("GET "+svc+"/kafka/acl", control.OpServiceKafkaNativeAclList, s.listKafkaNativeACLs)
	s.handle("GET "+svc+"/kafka/acl/{id}", control.OpServiceKafkaNativeAclGet, s.getKafkaNativeACL)
	s.handle("DELETE "+svc+"/kafka/acl/{id}", control.OpServiceKafkaNativeAclDelete, s.deleteKafkaNativeACL)

	s.handle("POST "+svc+"/kafka/schema-registry/acl", control.OpServiceSchemaRegistryAclAdd, s.addSchemaRegistryACL)
	s.handle("GET "+svc+"/kafka/schema-registry/acl", control.OpServiceSchemaRegistryAclList, s.listSchemaRegistryACLs)
	s.handle("DELETE "+svc+"/kafka/schema-registry/acl/{id}", control.OpServiceSchemaRegistryAclDelete, s.deleteSchemaRegistryACL)

	// Gatehouse's own: the authorizer brokers ask, and the push to a cluster.
	s.handle("POST "+svc+"/kafka/authorize", control.OpServiceKafkaAuthorize, s.authorizeKafka)
	s.handle("POST "+svc+"/kafka/sync", control.OpServiceKafkaAclSync, s.syncKafka)
}

// Nil slices would encode as null; Aiven's lists are always arrays.
func aivenACLs(r kafkaacl.Rules) []kafkaacl.Entry {
	if r.Aiven == nil {
		return []kafkaacl.Entry{}
	}
	return r.Aiven
}

func nativeACLs(r kafkaacl.Rules) []kafkaacl.NativeEntry {
	if r.Native == nil {
		return []kafkaacl.NativeEntry{}
	}
	return r.Native
}

func schemaRegistryACLs(r kafkaacl.Rules) []kafkaacl.SchemaRegistryEntry {
	if r.SchemaRegistry == nil {
		return []kafkaacl.SchemaRegistryEntry{}
	}
	return r.SchemaRegistry
}

func (s *Server) addKafkaACL(r *http.Request, a *control.Actor) (int, any, error) {
	var in struct {
		Username   string `json:"username"`
		Permission string `json:"permission"`
		Topic      string `json:"topic"`
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	rules, err := s.plane.AddKafkaACL(r.Context(), a, r.PathValue("project"), r.PathValue("service"),
		kafkaacl.Entry{Username: in.Username, Permission: kafkaacl.Permission(in.Permission), Topic: in.Topic})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"acl": aivenACLs(rules), "message": "added"}, nil
}

func (s *Server) listKafkaACLs(r *http.Request, a *control.Actor) (int, any, error) {
	rules, err := s.plane.KafkaACLs(r.Context(), a, control.KafkaACLList, r.PathValue("project"), r.PathValue("service"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"acl": aivenACLs(rules)}, nil
}

func (s *Server) deleteKafkaACL(r *http.Request, a *control.Actor) (int, any, error) {
	rules, err := s.plane.DeleteKafkaACL(r.Context(), a, r.PathValue("project"), r.PathValue("service"), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"acl": aivenACLs(rules), "message": "deleted"}, nil
}

func (s *Server) addKafkaNativeACL(r *http.Request, a *control.Actor) (int, any, error) {
	var in struct {
		Principal      string  `json:"principal"`
		Host           *string `json:"host"`
		ResourceType   string  `json:"resource_type"`
		ResourceName   string  `json:"resource_name"`
		PatternType    string  `json:"pattern_type"`
		Operation      string  `json:"operation"`
		PermissionType string  `json:"permission_type"`
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	e := kafkaacl.NativeEntry{Principal: in.Principal, ResourceName: in.ResourceName,
		PatternType: kafkaacl.PatternType(in.PatternType), PermissionType: kafkaacl.PermissionType(in.PermissionType)}
	if in.Host != nil {
		e.Host = *in.Host
	}
	var err error
	if e.ResourceType, err = kafkaacl.ParseResourceType(in.ResourceType); err != nil {
		return 0, nil, badRequest(fieldMessage(err))
	}
	if e.Operation, err = kafkaacl.ParseOperation(in.Operation); err != nil {
		return 0, nil, badRequest(fieldMessage(err))
	}
	out, err := s.plane.AddKafkaNativeACL(r.Context(), a, r.PathValue("project"), r.PathValue("service"), e)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"acl": out}, nil
}

// fieldMessage words a kafkaacl validation error for the caller.
func fieldMessage(err error) string {
	if fe, ok := err.(*kafkaacl.FieldError); ok {
		return "Invalid " + fe.Field + " \"" + fe.Value + "\": " + fe.Rule
	}
	return err.Error()
}

func (s *Server) listKafkaNativeACLs(r *http.Request, a *control.Actor) (int, any, error) {
	rules, err := s.plane.KafkaACLs(r.Context(), a, control.KafkaNativeACLList, r.PathValue("project"), r.PathValue("service"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"acl": aivenACLs(rules), "kafka_acl": nativeACLs(rules)}, nil
}

func (s *Server) getKafkaNativeACL(r *http.Request, a *control.Actor) (int, any, error) {
	e, err := s.plane.KafkaNativeACL(r.Context(), a, r.PathValue("project"), r.PathValue("service"), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"acl": e}, nil
}

func (s *Server) deleteKafkaNativeACL(r *http.Request, a *control.Actor) (int, any, error) {
	if err := s.plane.DeleteKafkaNativeACL(r.Context(), a, r.PathValue("project"), r.PathValue("service"), r.PathValue("id")); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"message": "deleted"}, nil
}

func (s *Server) addSchemaRegistryACL(r *http.Request, a *control.Actor) (int, any, error) {
	var in struct {
		Username   string `json:"username"`
		Permission string `json:"permission"`
		Resource   string `json:"resource"`
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	rules, err := s.plane.AddSchemaRegistryACL(r.Context(), a, r.PathValue("project"), r.PathValue("service"),
		kafkaacl.SchemaRegistryEntry{Username: in.Username, Permission: kafkaacl.SchemaRegistryPermission(in.Permission), Resource: in.Resource})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"acl": schemaRegistryACLs(rules)}, nil
}

func (s *Server) listSchemaRegistryACLs(r *http.Request, a *control.Actor) (int, any, error) {
	rules, err := s.plane.KafkaACLs(r.Context(), a, control.SchemaRegistryACLList, r.PathValue("project"), r.PathValue("service"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"acl": schemaRegistryACLs(rules)}, nil
}

func (s *Server) deleteSchemaRegistryACL(r *http.Request, a *control.Actor) (int, any, error) {
	rules, err := s.plane.DeleteSchemaRegistryACL(r.Context(), a, r.PathValue("project"), r.PathValue("service"), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"acl": schemaRegistryACLs(rules)}, nil
}

// kafkaDecisionOut explains one authorizer verdict.
type kafkaDecisionOut struct {
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason"`
	// The entry that decided, when one did.
	EntryID   string `json:"entry_id,omitempty"`
	EntryKind string `json:"entry_kind,omitempty"`
	Entry     any    `json:"entry,omitempty"`
}

func toKafkaDecision(d kafkaacl.Decision) kafkaDecisionOut {
	out := kafkaDecisionOut{Allowed: d.Allowed, Reason: d.Reason.String(), EntryID: d.EntryID()}
	switch {
	case d.Aiven != nil:
		out.EntryKind, out.Entry = "aiven", d.Aiven
	case d.Native != nil:
		out.EntryKind, out.Entry = "kafka_native", d.Native
	case d.SchemaRegistry != nil:
		out.EntryKind, out.Entry = "schema_registry", d.SchemaRegistry
	}
	return out
}

func (s *Server) authorizeKafka(r *http.Request, a *control.Actor) (int, any, error) {
	var in struct {
		Requests []struct {
			Principal    string `json:"principal"`
			Host         string `json:"host"`
			Operation    string `json:"operation"`
			ResourceType string `json:"resource_type"`
			ResourceName string `json:"resource_name"`
		} `json:"requests"`
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	reqs := make([]kafkaacl.Request, 0, len(in.Requests))
	for i, q := range in.Requests {
		req, err := control.ParseKafkaRequest(q.Principal, q.Host, q.Operation, q.ResourceType, q.ResourceName)
		if err != nil {
			return 0, nil, badRequest("requests[" + strconv.Itoa(i) + "]: " + err.Error())
		}
		reqs = append(reqs, req)
	}
	ds, err := s.plane.AuthorizeKafka(r.Context(), a, r.PathValue("project"), r.PathValue("service"), reqs)
	if err != nil {
		return 0, nil, err
	}
	out := make([]kafkaDecisionOut, len(ds))
	for i, d := range ds {
		out[i] = toKafkaDecision(d)
	}
	return http.StatusOK, map[string]any{"results": out}, nil
}

type bindingOut struct {
	Principal      string `json:"principal"`
	Host           string `json:"host"`
	ResourceType   string `json:"resource_type"`
	ResourceName   string `json:"resource_name"`
	PatternType    string `json:"pattern_type"`
	Operation      string `json:"operation"`
	PermissionType string `json:"permission_type"`
}

func toBindings(bs []kafkasync.Binding) []bindingOut {
	out := make([]bindingOut, 0, len(bs))
	for _, b := range bs {
		out = append(out, bindingOut{Principal: b.Principal, Host: b.Host, ResourceType: b.ResourceType.String(),
			ResourceName: b.ResourceName, PatternType: string(b.PatternType), Operation: b.Operation.String(),
			PermissionType: string(b.PermissionType)})
	}
	return out
}

func (s *Server) syncKafka(r *http.Request, a *control.Actor) (int, any, error) {
	var in struct {
		BootstrapServers []string `json:"bootstrap_servers"`
		SASLMechanism    string   `json:"sasl_mechanism"`
		Username         string   `json:"username"`
		Password         string   `json:"password"`
		TLS              bool     `json:"tls"`
		KeepPrincipals   []string `json:"keep_principals"`
		DryRun           bool     `json:"dry_run"`
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	res, err := s.plane.SyncKafka(r.Context(), a, r.PathValue("project"), r.PathValue("service"), control.KafkaCluster{
		Cluster: kafkasync.Cluster{BootstrapServers: in.BootstrapServers, SASLMechanism: in.SASLMechanism,
			Username: in.Username, Password: in.Password, TLS: in.TLS},
		KeepPrincipals: in.KeepPrincipals,
	}, in.DryRun)
	if err != nil {
		return 0, nil, err
	}
	ne := make([]map[string]string, 0, len(res.NotExpressible))
	for _, n := range res.NotExpressible {
		id := ""
		if n.Aiven != nil {
			id = n.Aiven.ID
		} else if n.Native != nil {
			id = n.Native.ID
		}
		ne = append(ne, map[string]string{"entry_id": id, "reason": n.Reason, "description": n.String()})
	}
	return http.StatusOK, map[string]any{
		"dry_run": res.DryRun, "created": toBindings(res.Created), "deleted": toBindings(res.Deleted), "not_expressible": ne,
	}, nil
}
