package control

import (
	"context"
	"fmt"
	"maps"

	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Tags of projects and services, through their own endpoints (Aiven's
// `avn project tags`, and Terraform's aiven_kafka, which sets a new
// service's tags with a PUT after creating it).
const (
	OpProjectTagsList           Op = "ProjectTagsList"
	OpProjectTagsReplace        Op = "ProjectTagsReplace"
	OpProjectTagsUpdate         Op = "ProjectTagsUpdate"
	OpProjectServiceTagsList    Op = "ProjectServiceTagsList"
	OpProjectServiceTagsUpdate  Op = "ProjectServiceTagsUpdate"
	OpProjectServiceTagsReplace Op = "ProjectServiceTagsReplace"
)

func init() {
	addRequirements(map[Op]rule{
		OpProjectTagsList:    anyOf("project:services:read"),
		OpProjectTagsReplace: anyOf("organization:projects:write", "admin", "operator"),
		OpProjectTagsUpdate:  anyOf("organization:projects:write", "admin", "operator"),
		// Service tags change the service: ServiceUpdate's rule.
		OpProjectServiceTagsList:    anyOf("project:services:read"),
		OpProjectServiceTagsUpdate:  anyOf("project:services:write", "role:services:maintenance", "role:services:recover", "service:configuration:write"),
		OpProjectServiceTagsReplace: anyOf("project:services:write", "role:services:maintenance", "role:services:recover", "service:configuration:write"),
	})
}

// TagChange is a change of tags: Replace sets exactly Tags; otherwise
// Tags are merged in, and a nil value removes its key.
type TagChange struct {
	Replace bool
	Tags    map[string]*string
}

func (c TagChange) apply(old map[string]string) (map[string]string, error) {
	out := map[string]string{}
	if !c.Replace {
		maps.Copy(out, old)
	}
	for k, v := range c.Tags {
		if v == nil {
			delete(out, k)
			continue
		}
		out[k] = *v
	}
	if err := org.ValidateTags(out); err != nil {
		return nil, err
	}
	return out, nil
}

// ProjectTags returns a project's tags.
func (p *Plane) ProjectTags(ctx context.Context, a *Actor, project string) (map[string]string, error) {
	var tags map[string]string
	err := p.read(ctx, func(tx store.Reader) error {
		pr, err := p.authorizedProject(tx, a, OpProjectTagsList, project)
		tags = pr.Tags
		return err
	})
	return nonNilMap(tags), err
}

// ChangeProjectTags replaces or updates a project's tags.
func (p *Plane) ChangeProjectTags(ctx context.Context, a *Actor, project string, c TagChange) (map[string]string, error) {
	op := OpProjectTagsUpdate
	if c.Replace {
		op = OpProjectTagsReplace
	}
	var tags map[string]string
	err := p.write(ctx, func(tx store.Tx) error {
		pr, err := p.authorizedProject(tx, a, op, project)
		if err != nil {
			return err
		}
		if tags, err = c.apply(pr.Tags); err != nil {
			return err
		}
		old := pr.Name
		pr.Tags, pr.UpdateTime = tags, p.now().UTC()
		if err := tx.UpdateProject(old, pr); err != nil {
			return err
		}
		return p.event(tx, a, eventOf{org: pr.OrganizationID, account: pr.AccountID, project: pr.Name, action: "project_tags_update", desc: fmt.Sprintf("Set the tags of project %q", pr.Name)})
	})
	return tags, err
}

// ServiceTags returns a service's tags.
func (p *Plane) ServiceTags(ctx context.Context, a *Actor, project, service string) (map[string]string, error) {
	var tags map[string]string
	err := p.read(ctx, func(tx store.Reader) error {
		_, s, err := p.authorizedService(tx, a, OpProjectServiceTagsList, project, service)
		if err != nil {
			return err
		}
		tags = s.Tags
		return nil
	})
	return nonNilMap(tags), err
}

// ChangeServiceTags replaces or updates a service's tags.
func (p *Plane) ChangeServiceTags(ctx context.Context, a *Actor, project, service string, c TagChange) (map[string]string, error) {
	op := OpProjectServiceTagsUpdate
	if c.Replace {
		op = OpProjectServiceTagsReplace
	}
	var tags map[string]string
	err := p.write(ctx, func(tx store.Tx) error {
		pr, s, err := p.authorizedService(tx, a, op, project, service)
		if err != nil {
			return err
		}
		if tags, err = c.apply(s.Tags); err != nil {
			return err
		}
		s.Tags, s.UpdateTime = tags, p.now().UTC()
		if err := tx.UpdateService(s); err != nil {
			return err
		}
		return p.event(tx, a, eventOf{org: pr.OrganizationID, account: pr.AccountID, project: pr.Name, service: s.Name, action: "service_tags_update", desc: fmt.Sprintf("Set the tags of service %q", s.Name)})
	})
	return tags, err
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
