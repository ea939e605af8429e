package control

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"sort"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// ProjectInput holds the fields a project is created or updated with. Nil
// pointers leave a field unchanged on update.
type ProjectInput struct {
	Name           string
	NewName        *string
	ParentID       *string // organization, root account or unit ID
	BillingGroupID *string
	Cloud          *string
	BasePort       *int
	Tags           *map[string]string
	TechEmails     *[]string
}

func validateProjectInput(in ProjectInput) error {
	if in.Tags != nil {
		if err := org.ValidateTags(*in.Tags); err != nil {
			return err
		}
	}
	if err := org.ValidateBasePort(in.BasePort); err != nil {
		return err
	}
	if in.TechEmails != nil {
		for _, e := range *in.TechEmails {
			if _, err := mail.ParseAddress(e); err != nil {
				return fail(ErrInvalid, "tech_emails: %q is not a valid email address", e)
			}
		}
	}
	return nil
}

// CreateProject creates a project in an organization (or in one of its
// units). The creator becomes the project's admin member (a membership,
// listed with the project's users and not among its permissions, as on
// Aiven), so a project made through the API is never left without members.
func (p *Plane) CreateProject(ctx context.Context, a *Actor, orgID string, in ProjectInput) (org.Project, error) {
	if err := org.ValidateProjectName(in.Name); err != nil {
		return org.Project{}, err
	}
	if err := validateProjectInput(in); err != nil {
		return org.Project{}, err
	}
	ca, err := newProjectCA(in.Name, p.now().UTC())
	if err != nil {
		return org.Project{}, err
	}
	var pr org.Project
	err = p.write(ctx, func(tx store.Tx) error {
		parentID := orgID
		if in.ParentID != nil && *in.ParentID != "" {
			parentID = *in.ParentID
		}
		if parentID == "" {
			return fail(ErrInvalid, "account_id or parent_id is required")
		}
		parent, err := p.unitOrOrgRoot(tx, parentID)
		if err != nil {
			return err
		}
		if orgID != "" && parent.OrganizationID != orgID {
			return fail(org.ErrCrossTenant, "parent_id %s belongs to another organization", parentID)
		}
		if err := p.authorize(tx, a, projectOp(orgID, OpProjectCreate, OpOrganizationProjectsCreate), p.unitRes(parent)); err != nil {
			return err
		}
		now := p.now().UTC()
		pr = org.Project{ID: org.NewID(org.PrefixProject),
			Name: in.Name, OrganizationID: parent.OrganizationID, ParentID: parentOf(parent), AccountID: parent.ID,
			BasePort: in.BasePort, Tags: map[string]string{}, TechEmails: []string{}, CreateTime: now, UpdateTime: now,
		}
		if in.BillingGroupID != nil {
			pr.BillingGroupID = *in.BillingGroupID
		}
		if in.Cloud != nil {
			pr.DefaultCloud = *in.Cloud
		}
		if in.Tags != nil && *in.Tags != nil {
			pr.Tags = *in.Tags
		}
		if in.TechEmails != nil {
			pr.TechEmails = *in.TechEmails
		}
		if err := tx.CreateProject(pr); err != nil {
			return conflict(err, fmt.Sprintf("Project %q already exists", pr.Name))
		}
		if err := tx.CreateProjectCA(pr.Name, ca); err != nil {
			return err
		}
		g := grant.Grant{OrganizationID: pr.OrganizationID, PrincipalType: grant.PrincipalUser, PrincipalID: a.User.ID,
			ResourceType: grant.ResourceProject, ResourceID: pr.Name, Membership: []string{"admin"}, CreateTime: now, UpdateTime: now}
		if err := tx.SetGrant(g); err != nil {
			return err
		}
		if err := p.record(tx, nodeChange(projectRes(pr.Name), p.unitRes(parent)), grantChange(g)); err != nil {
			return err
		}
		return p.event(tx, a, eventOf{org: pr.OrganizationID, account: pr.AccountID, project: pr.Name, action: "project_create", desc: fmt.Sprintf("Created project %q", pr.Name)})
	})
	return pr, err
}

// projectOp is the operation a project use case authorizes with: the
// legacy /v1/project form (no organization in the path) or the
// organization-scoped one, which Aiven names differently.
func projectOp(orgID string, legacy, scoped Op) Op {
	if orgID == "" {
		return legacy
	}
	return scoped
}

// parentOf is the ID a project under u reports as its parent: the
// organization for the root account, the unit otherwise.
func parentOf(u org.Unit) string {
	if u.IsRoot() {
		return u.OrganizationID
	}
	return u.ID
}

func (p *Plane) project(tx store.Reader, name string) (org.Project, error) {
	if err := org.ValidateProjectName(name); err != nil {
		return org.Project{}, notFound(store.ErrNotFound, "Project does not exist")
	}
	pr, err := tx.GetProject(name)
	if err != nil {
		return pr, notFound(err, "Project does not exist")
	}
	return pr, nil
}

// authorizedProject loads a project and authorizes op on it: the opening
// of the operations that act on one project.
func (p *Plane) authorizedProject(tx store.Reader, a *Actor, op Op, name string) (org.Project, error) {
	pr, err := p.project(tx, name)
	if err != nil {
		return pr, err
	}
	return pr, p.authorize(tx, a, op, projectRes(pr.Name))
}

// authorizedService loads a project's service and authorizes op on it:
// the opening of the operations that act on one service.
func (p *Plane) authorizedService(tx store.Reader, a *Actor, op Op, project, service string) (org.Project, org.Service, error) {
	pr, err := p.project(tx, project)
	if err != nil {
		return pr, org.Service{}, err
	}
	s, err := p.service(tx, pr.Name, service)
	if err != nil {
		return pr, s, err
	}
	return pr, s, p.authorize(tx, a, op, serviceRes(pr.Name, s.Name))
}

// projectIn loads a project and checks it belongs to orgID (when given).
func (p *Plane) projectIn(tx store.Reader, orgID, name string) (org.Project, error) {
	pr, err := p.project(tx, name)
	if err != nil {
		return pr, err
	}
	if orgID != "" && pr.OrganizationID != orgID {
		return pr, fail(ErrNotFound, "Project does not exist")
	}
	return pr, nil
}

// GetProject returns a project the actor may see.
func (p *Plane) GetProject(ctx context.Context, a *Actor, orgID, name string) (org.Project, error) {
	var pr org.Project
	err := p.read(ctx, func(tx store.Reader) error {
		var err error
		if pr, err = p.projectIn(tx, orgID, name); err != nil {
			return err
		}
		return p.authorize(tx, a, projectOp(orgID, OpProjectGet, OpOrganizationProjectsGet), projectRes(pr.Name))
	})
	return pr, err
}

// ListProjects returns the projects of an organization (or of all the
// actor's organizations when orgID is empty) that the actor may see.
func (p *Plane) ListProjects(ctx context.Context, a *Actor, orgID string) ([]org.Project, error) {
	var out []org.Project
	err := p.read(ctx, func(tx store.Reader) error {
		out = out[:0]
		rev, denied := p.engine.Revision(), false
		var orgs []string
		if orgID != "" {
			o, err := p.authorizedOrg(tx, a, OpOrganizationProjectsList, orgID)
			if err != nil {
				return err
			}
			orgs = []string{o.ID}
		} else {
			if err := p.authorizeCaller(a, OpProjectList); err != nil {
				return err
			}
			ms, err := tx.ListUserMemberships(a.User.ID)
			if err != nil {
				return err
			}
			for _, m := range ms {
				orgs = append(orgs, m.OrganizationID)
			}
		}
		for _, id := range orgs {
			// An organization whose authentication policy refuses how the
			// actor signed in shows nothing, as acting there would fail.
			if err := p.enforcePolicy(tx, a, orgRes(id)); err != nil {
				if errors.Is(err, ErrForbidden) {
					continue
				}
				return err
			}
			ps, err := tx.ListProjects(id)
			if err != nil {
				return err
			}
			for _, pr := range ps {
				if p.allowed(a, OpProjectGet, projectRes(pr.Name)) {
					out = append(out, pr)
				} else {
					denied = true
				}
			}
		}
		return p.staleAnswer(tx, denied, rev)
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// UpdateProject changes a project's tags, tech emails, base port, billing
// group or default cloud, renames it, or moves it to another unit of the
// same organization.
func (p *Plane) UpdateProject(ctx context.Context, a *Actor, orgID string, in ProjectInput) (org.Project, error) {
	if err := validateProjectInput(in); err != nil {
		return org.Project{}, err
	}
	if in.NewName != nil {
		if err := org.ValidateProjectName(*in.NewName); err != nil {
			return org.Project{}, err
		}
	}
	var pr org.Project
	err := p.write(ctx, func(tx store.Tx) error {
		var err error
		if pr, err = p.projectIn(tx, orgID, in.Name); err != nil {
			return err
		}
		if err := p.authorize(tx, a, projectOp(orgID, OpProjectUpdate, OpOrganizationProjectsUpdate), projectRes(pr.Name)); err != nil {
			return err
		}
		now := p.now().UTC()
		old := pr
		if in.Tags != nil {
			pr.Tags = *in.Tags
			if pr.Tags == nil {
				pr.Tags = map[string]string{}
			}
		}
		if in.TechEmails != nil {
			pr.TechEmails = *in.TechEmails
		}
		if in.BasePort != nil {
			pr.BasePort = in.BasePort
		}
		if in.BillingGroupID != nil {
			pr.BillingGroupID = *in.BillingGroupID
		}
		if in.Cloud != nil {
			pr.DefaultCloud = *in.Cloud
		}
		var changes []authz.Change
		var desc []string
		if in.ParentID != nil && *in.ParentID != "" && *in.ParentID != pr.ParentID && *in.ParentID != pr.AccountID {
			dest, err := p.unitOrOrgRoot(tx, *in.ParentID)
			if err != nil {
				return err
			}
			if dest.OrganizationID != pr.OrganizationID {
				return fail(ErrInvalid, "moving a project to another organization is not supported; parent_id must be in organization %s", pr.OrganizationID)
			}
			if err := p.authorize(tx, a, OpProjectMove, projectRes(pr.Name)); err != nil {
				return err
			}
			if err := p.authorize(tx, a, OpProjectCreate, p.unitRes(dest)); err != nil {
				return err
			}
			pr.ParentID, pr.AccountID = parentOf(dest), dest.ID
			changes = append(changes, nodeChange(projectRes(pr.Name), p.unitRes(dest)))
			desc = append(desc, "moved to "+pr.ParentID)
		}
		if in.NewName != nil && *in.NewName != pr.Name {
			svcs, err := tx.ListServices(pr.Name)
			if err != nil {
				return err
			}
			if len(svcs) > 0 {
				return fail(ErrConflict, "Project %s has %d services; a project can be renamed only when it has none", pr.Name, len(svcs))
			}
			grants, err := tx.ListGrants(grant.ResourceProject, pr.Name)
			if err != nil {
				return err
			}
			// The engine learns of a rename as a new node with the same
			// grants and the old node's deletion, in one change-log entry.
			parent := orgRes(pr.OrganizationID)
			if pr.AccountID != "" {
				// A missing unit leaves the organization as the parent; a
				// failing database must not re-parent the project.
				u, err := tx.GetUnit(pr.AccountID)
				switch {
				case err == nil:
					parent = p.unitRes(u)
				case !errors.Is(err, store.ErrNotFound):
					return err
				}
			}
			changes = append(changes, nodeChange(projectRes(*in.NewName), parent))
			for _, g := range grants {
				g.ResourceID = *in.NewName
				changes = append(changes, grantChange(g))
			}
			changes = append(changes, deleteNodeChange(projectRes(pr.Name)))
			desc = append(desc, fmt.Sprintf("renamed from %q to %q", pr.Name, *in.NewName))
			pr.Name = *in.NewName
		}
		pr.UpdateTime = now
		if err := tx.UpdateProject(old.Name, pr); err != nil {
			return conflict(err, fmt.Sprintf("Project %q already exists", pr.Name))
		}
		if err := p.record(tx, changes...); err != nil {
			return err
		}
		d := "Updated project " + pr.Name
		for _, s := range desc {
			d += "; " + s
		}
		return p.event(tx, a, eventOf{org: pr.OrganizationID, account: pr.AccountID, project: pr.Name, action: "project_update", desc: d})
	})
	return pr, err
}

// DeleteProject deletes a project that has no services.
func (p *Plane) DeleteProject(ctx context.Context, a *Actor, orgID, name string) error {
	return p.write(ctx, func(tx store.Tx) error {
		pr, err := p.projectIn(tx, orgID, name)
		if err != nil {
			return err
		}
		if err := p.authorize(tx, a, projectOp(orgID, OpProjectDelete, OpOrganizationProjectsDelete), projectRes(pr.Name)); err != nil {
			return err
		}
		svcs, err := tx.ListServices(pr.Name)
		if err != nil {
			return err
		}
		if len(svcs) > 0 {
			return fail(ErrConflict, "Project %s has %d services; delete them first", pr.Name, len(svcs))
		}
		if err := tx.DeleteProject(pr.Name); err != nil {
			return err
		}
		if err := p.record(tx, deleteNodeChange(projectRes(pr.Name))); err != nil {
			return err
		}
		return p.event(tx, a, eventOf{org: pr.OrganizationID, account: pr.AccountID, action: "project_delete", desc: fmt.Sprintf("Deleted project %q", pr.Name)})
	})
}
