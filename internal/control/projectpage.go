package control

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// ProjectQuery asks for one page of an organization's projects in name
// order: those directly in unit ParentID when set, whose name starts
// with Search when set, Limit of them from Offset.
type ProjectQuery struct {
	ParentID string
	Search   string
	Offset   int
	Limit    int
}

// ProjectPage is one page of projects and how many the actor sees in all.
type ProjectPage struct {
	Projects []org.Project
	Total    int
}

// maxProjectPage bounds a page, so no answer grows with the organization.
const maxProjectPage = 500

// ListProjectPage is ListProjects for a table or a tree: paged in name
// order. Someone who may see every project of the organization (a super
// admin, or project:services:read on the organization) gets the store's
// page (store.Reader.ListProjectPage); anyone else the projects the
// engine's index says they reach, so the cost follows what they reach
// rather than the organization's size.
func (p *Plane) ListProjectPage(ctx context.Context, a *Actor, orgID string, q ProjectQuery) (ProjectPage, error) {
	if q.Limit <= 0 || q.Limit > maxProjectPage {
		return ProjectPage{}, fail(ErrInvalid, "limit must be between 1 and %d", maxProjectPage)
	}
	if q.Offset < 0 {
		return ProjectPage{}, fail(ErrInvalid, "offset must not be negative")
	}
	var out ProjectPage
	err := p.read(ctx, func(tx store.Reader) error {
		out = ProjectPage{}
		o, all, err := p.projectLister(tx, a, orgID)
		if err != nil || o.ID == "" {
			return err
		}
		if all {
			out.Projects, out.Total, err = tx.ListProjectPage(store.ProjectFilter{OrganizationID: o.ID, ParentID: q.ParentID, Search: q.Search, Offset: q.Offset, Limit: q.Limit})
			return err
		}
		ps, err := p.reachedProjects(tx, a, o.ID, q.ParentID)
		if err != nil {
			return err
		}
		ps = slices.DeleteFunc(ps, func(pr org.Project) bool { return !strings.HasPrefix(pr.Name, q.Search) })
		out.Total = len(ps)
		if q.Offset < len(ps) {
			out.Projects = ps[q.Offset:min(len(ps), q.Offset+q.Limit)]
		}
		return nil
	})
	return out, err
}

// CountProjects returns how many projects the actor sees directly in
// each unit of an organization, by unit ID.
func (p *Plane) CountProjects(ctx context.Context, a *Actor, orgID string) (map[string]int, error) {
	var out map[string]int
	err := p.read(ctx, func(tx store.Reader) error {
		out = map[string]int{}
		o, all, err := p.projectLister(tx, a, orgID)
		if err != nil || o.ID == "" {
			return err
		}
		if all {
			out, err = tx.CountProjectsByParent(o.ID)
			return err
		}
		ps, err := p.reachedProjects(tx, a, o.ID, "")
		for _, pr := range ps {
			out[pr.AccountID]++
		}
		return err
	})
	return out, err
}

// projectLister authorizes listing an organization's projects and tells
// whether the actor sees all of them. A zero organization (and no error)
// means the organization's authentication policy refuses how the actor
// signed in: they see none, as ListProjects shows none.
func (p *Plane) projectLister(tx store.Reader, a *Actor, orgID string) (org.Organization, bool, error) {
	o, err := p.authorizedOrg(tx, a, OpOrganizationProjectsList, orgID)
	if err != nil {
		return o, false, err
	}
	if err := p.enforcePolicy(tx, a, orgRes(o.ID)); err != nil {
		if errors.Is(err, ErrForbidden) {
			return org.Organization{}, false, nil
		}
		return o, false, err
	}
	// A permission on the organization is inherited by every project.
	return o, p.allowed(a, OpProjectGet, orgRes(o.ID)), nil
}

// reachedProjects lists, in name order, the projects of an organization
// (directly in unit parentID when set) the engine lets the actor get.
func (p *Plane) reachedProjects(tx store.Reader, a *Actor, orgID, parentID string) ([]org.Project, error) {
	ix := p.engine.Index()
	var out []org.Project
	for _, perm := range requirements[OpProjectGet].anyOf.Perms() {
		for after := ""; ; {
			ids, next := ix.Resources(a.User.ID, perm, authz.KindProject, after, 1000)
			for _, id := range ids {
				if o, ok := ix.OrgOf(authz.Resource{Kind: authz.KindProject, ID: id}); !ok || o != orgID {
					continue
				}
				pr, err := tx.GetProject(id)
				if errors.Is(err, store.ErrNotFound) {
					continue // deleted since the index last heard
				}
				if err != nil {
					return nil, err
				}
				if pr.OrganizationID == orgID && (parentID == "" || pr.AccountID == parentID) {
					out = append(out, pr)
				}
			}
			if next == "" {
				break
			}
			after = next
		}
	}
	slices.SortFunc(out, func(x, y org.Project) int { return strings.Compare(x.Name, y.Name) })
	// A listing leaves out what is denied: when the store is ahead of
	// the engine, list again after catching up.
	return slices.CompactFunc(out, func(x, y org.Project) bool { return x.Name == y.Name }), p.staleAnswer(tx, true, ix.Revision())
}
