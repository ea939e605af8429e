package control

import (
	"context"
	"fmt"
	"maps"
	"sort"

	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// ServiceInput holds the fields Gatehouse keeps of a service. Provisioning
// fields it has no use for (disk size, integrations, VPC...) are accepted by
// the API and dropped before they get here.
type ServiceInput struct {
	Project               string
	Name                  string
	Type                  string
	Plan                  string
	Cloud                 string
	Tags                  map[string]string
	TechEmails            []string
	TerminationProtection bool
	UserConfig            map[string]any
	// ConnectionURI is the admin connection of a real PostgreSQL, MySQL
	// or Redis/Valkey server whose users Gatehouse manages; "" keeps the
	// service a record. It may also come as user_config.connection_uri.
	ConnectionURI string
	// DefaultACL false creates a Kafka service without Aiven's default
	// ACL entries (Aiven's Terraform option); nil means true.
	DefaultACL *bool
}

// CreateService registers a service under a project.
func (p *Plane) CreateService(ctx context.Context, a *Actor, in ServiceInput) (org.Service, error) {
	if err := org.ValidateServiceName(in.Name); err != nil {
		return org.Service{}, err
	}
	if err := org.ValidateServiceType(in.Type); err != nil {
		return org.Service{}, err
	}
	if in.Plan == "" {
		return org.Service{}, fail(ErrInvalid, "plan is required")
	}
	if err := org.ValidateTags(in.Tags); err != nil {
		return org.Service{}, err
	}
	if err := takeConnection(&in); err != nil {
		return org.Service{}, err
	}
	if err := validateServiceUserConfig(in.UserConfig); err != nil {
		return org.Service{}, err
	}
	if in.ConnectionURI != "" {
		if err := p.checkConnection(ctx, in.Type, in.ConnectionURI); err != nil {
			return org.Service{}, err
		}
	}
	var s org.Service
	err := p.write(ctx, func(tx store.Tx) error {
		pr, err := p.project(tx, in.Project)
		if err != nil {
			return err
		}
		if err := p.authorize(tx, a, OpServiceCreate, projectRes(pr.Name)); err != nil {
			return err
		}
		now := p.now().UTC()
		s = org.Service{Project: pr.Name, Name: in.Name, Type: in.Type, Plan: in.Plan, Cloud: in.Cloud, Tags: in.Tags,
			TechEmails: in.TechEmails, TerminationProtection: in.TerminationProtection, UserConfig: in.UserConfig, CreateTime: now, UpdateTime: now}
		if s.Cloud == "" {
			s.Cloud = pr.DefaultCloud
		}
		if s.Tags == nil {
			s.Tags = map[string]string{}
		}
		if s.UserConfig == nil {
			s.UserConfig = map[string]any{}
		}
		if err := tx.CreateService(s); err != nil {
			return conflict(err, fmt.Sprintf("Service %q already exists", s.Name))
		}
		// What a new service gets, in the same transaction: Kafka's
		// default ACLs and the primary service user.
		if err := addDefaultKafkaACLs(tx, s, in); err != nil {
			return err
		}
		if err := p.registerServiceUsers(tx, s, in.ConnectionURI); err != nil {
			return err
		}
		if err := p.record(tx, nodeChange(serviceRes(s.Project, s.Name), projectRes(pr.Name))); err != nil {
			return err
		}
		return p.event(tx, a, eventOf{org: pr.OrganizationID, account: pr.AccountID, project: pr.Name, service: s.Name, action: "service_create", desc: fmt.Sprintf("Created %s service %q with plan %s", s.Type, s.Name, s.Plan)})
	})
	return s, err
}

func (p *Plane) service(tx store.Reader, project, name string) (org.Service, error) {
	s, err := tx.GetService(project, name)
	if err != nil {
		// Not Aiven's "Service X does not exist" wording: the official
		// client retries that message for a minute.
		return s, notFound(err, fmt.Sprintf("Service %q not found in project %q", name, project))
	}
	return s, nil
}

// GetService returns a service the actor may see.
func (p *Plane) GetService(ctx context.Context, a *Actor, project, name string) (org.Service, error) {
	var s org.Service
	err := p.read(ctx, func(tx store.Reader) error {
		pr, err := p.authorizedProject(tx, a, OpServiceGet, project)
		if err != nil {
			return err
		}
		s, err = p.service(tx, pr.Name, name)
		return err
	})
	return s, err
}

// ListServices returns a project's services.
func (p *Plane) ListServices(ctx context.Context, a *Actor, project string) ([]org.Service, error) {
	var out []org.Service
	err := p.read(ctx, func(tx store.Reader) error {
		pr, err := p.authorizedProject(tx, a, OpServiceList, project)
		if err != nil {
			return err
		}
		out, err = tx.ListServices(pr.Name)
		return err
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// DeleteService removes a service. Services with termination protection
// must have it switched off first.
func (p *Plane) DeleteService(ctx context.Context, a *Actor, project, name string) error {
	defer p.kafka.drop(project, name)
	return p.write(ctx, func(tx store.Tx) error {
		pr, err := p.authorizedProject(tx, a, OpServiceDelete, project)
		if err != nil {
			return err
		}
		s, err := p.service(tx, pr.Name, name)
		if err != nil {
			return err
		}
		if s.TerminationProtection {
			return fail(ErrForbidden, "Service %s has termination protection enabled; disable it before deleting", s.Name)
		}
		if err := tx.DeleteService(pr.Name, s.Name); err != nil {
			return err
		}
		if err := p.record(tx, deleteNodeChange(serviceRes(pr.Name, s.Name))); err != nil {
			return err
		}
		return p.event(tx, a, eventOf{org: pr.OrganizationID, account: pr.AccountID, project: pr.Name, service: s.Name, action: "service_delete", desc: fmt.Sprintf("Deleted service %q", s.Name)})
	})
}

// ServiceChange is what a service update may change of the fields
// Gatehouse keeps; nil leaves a field as it is. The plan and cloud are the
// service's record (Gatehouse moves nothing). UserConfig is merged into the
// stored settings key by key, and a nil value removes its key, as Aiven
// does (avn service update -c sends one key).
type ServiceChange struct {
	Plan                  *string
	Cloud                 *string
	TechEmails            *[]string
	TerminationProtection *bool
	UserConfig            map[string]any
}

// UpdateService changes a service's record.
func (p *Plane) UpdateService(ctx context.Context, a *Actor, project, name string, c ServiceChange) (org.Service, error) {
	if c.Plan != nil && *c.Plan == "" {
		return org.Service{}, fail(ErrInvalid, "plan must not be empty")
	}
	if _, ok := c.UserConfig[connectionKey]; ok {
		return org.Service{}, fail(ErrInvalid, "user_config.%s is set when the service is registered and cannot be changed by an update", connectionKey)
	}
	var s org.Service
	err := p.write(ctx, func(tx store.Tx) error {
		pr, svc, err := p.authorizedService(tx, a, OpServiceUpdate, project, name)
		if err != nil {
			return err
		}
		s = svc
		if c.Plan != nil {
			s.Plan = *c.Plan
		}
		if c.Cloud != nil && *c.Cloud != "" {
			s.Cloud = *c.Cloud
		}
		if c.TechEmails != nil {
			s.TechEmails = *c.TechEmails
		}
		if c.TerminationProtection != nil {
			s.TerminationProtection = *c.TerminationProtection
		}
		if c.UserConfig != nil {
			uc := make(map[string]any, len(s.UserConfig)+len(c.UserConfig))
			maps.Copy(uc, s.UserConfig)
			for k, v := range c.UserConfig {
				if v == nil {
					delete(uc, k)
					continue
				}
				uc[k] = v
			}
			if err := validateServiceUserConfig(uc); err != nil {
				return err
			}
			s.UserConfig = uc
		}
		s.UpdateTime = p.now().UTC()
		if err := tx.UpdateService(s); err != nil {
			return err
		}
		return p.event(tx, a, eventOf{org: pr.OrganizationID, account: pr.AccountID, project: pr.Name, service: s.Name, action: "service_update", desc: fmt.Sprintf("Updated service %q", s.Name)})
	})
	return s, err
}
