package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/serviceuser"
)

func init() { routeSets = append(routeSets, (*Server).serviceUserRoutes) }

// serviceUserRoutes are Aiven's service-user endpoints, plus Gatehouse's
// own listing and re-sync.
func (s *Server) serviceUserRoutes() {
	const base = "/v1/project/{project}/service/{service}/user"
	s.handle("POST "+base, control.OpServiceUserCreate, s.createServiceUser)
	s.handle("GET "+base, control.OpServiceUserList, s.listServiceUsers)
	s.handle("GET "+base+"/{username}", control.OpServiceUserGet, s.getServiceUser)
	s.handle("PUT "+base+"/{username}", control.OpServiceUserCredentialsModify, s.modifyServiceUser)
	s.handle("PUT "+base+"/{username}/credentials/reset", control.OpServiceUserCredentialsReset, s.resetServiceUser)
	s.handle("DELETE "+base+"/{username}", control.OpServiceUserDelete, s.deleteServiceUser)
	// Gatehouse's own: compare with the real server and fix drift.
	s.handle("POST /v1/project/{project}/service/{service}/user-sync", control.OpServiceUserSync, s.syncServiceUsers)
}

// accessControlOut is Aiven's AccessControlOut: unset lists are omitted.
type accessControlOut struct {
	PGAllowReplication     *bool    `json:"pg_allow_replication,omitempty"`
	RedisACLCategories     []string `json:"redis_acl_categories,omitempty"`
	RedisACLChannels       []string `json:"redis_acl_channels,omitempty"`
	RedisACLCommands       []string `json:"redis_acl_commands,omitempty"`
	RedisACLKeys           []string `json:"redis_acl_keys,omitempty"`
	ValkeyACLCategories    []string `json:"valkey_acl_categories,omitempty"`
	ValkeyACLChannels      []string `json:"valkey_acl_channels,omitempty"`
	ValkeyACLCommands      []string `json:"valkey_acl_commands,omitempty"`
	ValkeyACLKeys          []string `json:"valkey_acl_keys,omitempty"`
	ValkeyACLDatabases     []string `json:"valkey_acl_databases,omitempty"`
	DragonflyACLCategories []string `json:"dragonfly_acl_categories,omitempty"`
	DragonflyACLCommands   []string `json:"dragonfly_acl_commands,omitempty"`
	DragonflyACLKeys       []string `json:"dragonfly_acl_keys,omitempty"`
}

// serviceUserOut is Aiven's service user. password is null when the
// caller may not read it or Gatehouse holds none. access_control is always
// an object, empty when no rule is set: avn's user-get looks keys up in it
// and fails on null.
type serviceUserOut struct {
	AccessControl       accessControlOut `json:"access_control"`
	Authentication      *string          `json:"authentication,omitempty"` // MySQL only, as in Aiven's model
	Password            *string          `json:"password"`
	PasswordUpdatedTime *time.Time       `json:"password_updated_time"`
	Type                string           `json:"type"`
	Username            string           `json:"username"`
}

func toServiceUser(u control.ServiceUser) serviceUserOut {
	out := serviceUserOut{Password: u.Password, Type: u.Type, Username: u.Username}
	if u.Authentication != "" {
		out.Authentication = &u.Authentication
	}
	if !u.PasswordUpdateTime.IsZero() {
		t := u.PasswordUpdateTime
		out.PasswordUpdatedTime = &t
	}
	out.AccessControl = accessControlOut(u.AccessControl)
	return out
}

func toServiceUsers(users []control.ServiceUser) []serviceUserOut {
	out := make([]serviceUserOut, 0, len(users))
	for _, u := range users {
		out = append(out, toServiceUser(u))
	}
	return out
}

func (s *Server) createServiceUser(r *http.Request, a *control.Actor) (int, any, error) {
	var in struct {
		Username       string                     `json:"username"`
		Authentication *string                    `json:"authentication"`
		AccessControl  *serviceuser.AccessControl `json:"access_control"`
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	si := control.ServiceUserInput{Username: in.Username, AccessControl: in.AccessControl}
	if in.Authentication != nil {
		si.Authentication = *in.Authentication
	}
	u, err := s.plane.CreateServiceUser(r.Context(), a, r.PathValue("project"), r.PathValue("service"), si)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"user": toServiceUser(u)}, nil
}

func (s *Server) listServiceUsers(r *http.Request, a *control.Actor) (int, any, error) {
	users, err := s.plane.ListServiceUsers(r.Context(), a, r.PathValue("project"), r.PathValue("service"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"users": toServiceUsers(users)}, nil
}

func (s *Server) getServiceUser(r *http.Request, a *control.Actor) (int, any, error) {
	u, err := s.plane.GetServiceUser(r.Context(), a, r.PathValue("project"), r.PathValue("service"), r.PathValue("username"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"user": toServiceUser(u)}, nil
}

func (s *Server) modifyServiceUser(r *http.Request, a *control.Actor) (int, any, error) {
	var in struct {
		Operation      string                     `json:"operation"`
		NewPassword    *string                    `json:"new_password"`
		Authentication *string                    `json:"authentication"`
		AccessControl  *serviceuser.AccessControl `json:"access_control"`
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	ch := control.CredentialsChange{Operation: in.Operation, NewPassword: in.NewPassword, Authentication: in.Authentication, AccessControl: in.AccessControl}
	out, err := s.plane.ModifyServiceUser(r.Context(), a, r.PathValue("project"), r.PathValue("service"), r.PathValue("username"), ch)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"service": toServiceWith(out.Service, out.Users)}, nil
}

func (s *Server) resetServiceUser(r *http.Request, a *control.Actor) (int, any, error) {
	out, err := s.plane.ResetServiceUserCredentials(r.Context(), a, r.PathValue("project"), r.PathValue("service"), r.PathValue("username"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"service": toServiceWith(out.Service, out.Users)}, nil
}

func (s *Server) deleteServiceUser(r *http.Request, a *control.Actor) (int, any, error) {
	if err := s.plane.DeleteServiceUser(r.Context(), a, r.PathValue("project"), r.PathValue("service"), r.PathValue("username")); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"message": "deleted"}, nil
}

// serviceWithUsers answers with svc and its users (passwords as the
// caller may see them). A caller who may act on the service without
// seeing its details (project:services:write alone) gets it without users.
func (s *Server) serviceWithUsers(r *http.Request, a *control.Actor, svc org.Service) (int, any, error) {
	users, err := s.plane.ListServiceUsers(r.Context(), a, svc.Project, svc.Name)
	if err != nil && !errors.Is(err, control.ErrForbidden) {
		return 0, nil, err
	}
	out := toServiceWith(svc, users)
	if svc.Type == "kafka" {
		// A caller who may not list the ACLs sees empty lists.
		rules, err := s.plane.KafkaACLs(r.Context(), a, control.KafkaACLList, svc.Project, svc.Name)
		if err != nil && !errors.Is(err, control.ErrForbidden) {
			return 0, nil, err
		}
		out.ACL, out.KafkaACL, out.SchemaRegistryACL = aivenACLs(rules), nativeACLs(rules), schemaRegistryACLs(rules)
	}
	return http.StatusOK, map[string]any{"service": out}, nil
}

func toServiceWith(svc org.Service, users []control.ServiceUser) serviceOut {
	out := toService(svc)
	if users != nil {
		out.Users = toServiceUsers(users)
	}
	return out
}

type syncedUserOut struct {
	Username string `json:"username"`
	State    string `json:"state"`
	Detail   string `json:"detail,omitempty"`
	Fixed    bool   `json:"fixed"`
}

func (s *Server) syncServiceUsers(r *http.Request, a *control.Actor) (int, any, error) {
	var in struct {
		DryRun bool `json:"dry_run"`
	}
	if err := decodeReq(r, &in); err != nil {
		return 0, nil, err
	}
	rep, err := s.plane.SyncServiceUsers(r.Context(), a, r.PathValue("project"), r.PathValue("service"), in.DryRun)
	if err != nil {
		return 0, nil, err
	}
	users := make([]syncedUserOut, 0, len(rep.Users))
	for _, u := range rep.Users {
		users = append(users, syncedUserOut(u))
	}
	return http.StatusOK, map[string]any{"dry_run": rep.DryRun, "users": users, "unmanaged": rep.Unmanaged}, nil
}
