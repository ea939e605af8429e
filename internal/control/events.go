package control

import (
	"context"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/audit"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Paging limits of event listings.
const (
	defaultEventLimit = 100
	maxEventLimit     = 1000
)

func eventLimit(n int) int {
	switch {
	case n <= 0:
		return defaultEventLimit
	case n > maxEventLimit:
		return maxEventLimit
	}
	return n
}

// eventOf is what an audit event says beyond who did it and when: where
// it happened (the organization always; the unit, project and service when
// they apply), Aiven's event type (action) and a description.
type eventOf struct {
	org, account, project, service string
	action, desc                   string
}

// event appends an audit event for the actor in the current transaction.
func (p *Plane) event(tx store.Tx, a *Actor, e eventOf) error {
	_, err := tx.AppendEvent(audit.Event{
		OrganizationID: e.org, AccountID: e.account, Project: e.project, Service: e.service,
		ActorUserID: a.User.ID, ActorEmail: a.User.Email, ActionType: e.action, Description: e.desc,
		ClientIP: a.ClientIP, CreateTime: p.now().UTC(),
	})
	return err
}

// EventQuery pages and filters an event log: newest first, Limit events
// (default 100, at most 1000) older than BeforeID, optionally only those
// of one actor (by email, any case) and of one action type.
type EventQuery struct {
	Limit    int
	BeforeID int64
	Actor    string
	Action   string
}

func (q EventQuery) filter() store.EventFilter {
	return store.EventFilter{Limit: eventLimit(q.Limit), BeforeID: q.BeforeID,
		ActorEmail: strings.ToLower(strings.TrimSpace(q.Actor)), ActionType: strings.TrimSpace(q.Action)}
}

// AccountEvents returns the event log of an organization's root account
// (the whole organization) or of a unit (the unit and everything below it),
// newest first. beforeID pages backwards.
func (p *Plane) AccountEvents(ctx context.Context, a *Actor, accountID string, limit int, beforeID int64) ([]audit.Event, error) {
	return p.AccountEventsMatching(ctx, a, accountID, EventQuery{Limit: limit, BeforeID: beforeID})
}

// AccountEventsMatching is AccountEvents filtered by q.
func (p *Plane) AccountEventsMatching(ctx context.Context, a *Actor, accountID string, q EventQuery) ([]audit.Event, error) {
	var out []audit.Event
	err := p.read(ctx, func(tx store.Reader) error {
		u, err := p.unitOrOrgRoot(tx, accountID)
		if err != nil {
			return err
		}
		if err := p.authorize(tx, a, OpAccountEventList, p.unitRes(u)); err != nil {
			return err
		}
		f := q.filter()
		f.OrganizationID = u.OrganizationID
		if !u.IsRoot() {
			all, err := tx.ListUnits(u.OrganizationID)
			if err != nil {
				return err
			}
			f.AccountIDs = subtreeIDs(all, u.ID)
		}
		out, err = tx.ListEvents(f)
		return err
	})
	return out, err
}

func subtreeIDs(units []org.Unit, id string) []string {
	ids := []string{id}
	for i := 0; i < len(ids); i++ {
		for _, c := range units {
			if c.ParentID == ids[i] {
				ids = append(ids, c.ID)
			}
		}
	}
	return ids
}

// ProjectEvents returns a project's event log, newest first: the events
// of this project, found by its internal ID, so a project that takes a
// freed name starts with an empty log, and a renamed one keeps its own.
// A deleted project's events stay only in its organization's log.
func (p *Plane) ProjectEvents(ctx context.Context, a *Actor, project string, limit int, beforeID int64) ([]audit.Event, error) {
	return p.ProjectEventsMatching(ctx, a, project, EventQuery{Limit: limit, BeforeID: beforeID})
}

// ProjectEventsMatching is ProjectEvents filtered by q.
func (p *Plane) ProjectEventsMatching(ctx context.Context, a *Actor, project string, q EventQuery) ([]audit.Event, error) {
	var out []audit.Event
	err := p.read(ctx, func(tx store.Reader) error {
		pr, err := p.authorizedProject(tx, a, OpProjectGetEventLogs, project)
		if err != nil {
			return err
		}
		f := q.filter()
		f.ProjectID = pr.ID
		out, err = tx.ListEvents(f)
		return err
	})
	return out, err
}
