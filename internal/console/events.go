package console

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/audit"
	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/org"
)

func init() {
	route("GET /orgs/{org}/events", inOrg, (*Console).events)
}

// eventsPerPage is one page of the event log.
const eventsPerPage = 50

type eventsData struct {
	Scope      string // "organization", "unit" or "project"
	ScopeName  string
	Unit       string // ?unit=
	Project    string // ?project=
	Actor      string
	Action     string
	Events     []audit.Event
	Actions    []string // action types on this page, for the filter's suggestions
	Units      []org.Unit
	Older      string // link to the next (older) page, "" on the last
	Newest     string // link to the first page when not on it
	Filtered   bool
	FieldError map[string]string
}

// events is the event log of the organization, one of its units (and
// everything below it) or one project: newest first, filtered by actor
// and action, paged by the ID of the last event shown.
//
// Query: unit=<unit ID> or project=<name> (else the whole organization),
// actor=<email>, action=<action type>, before=<event ID>.
func (c *Console) events(w http.ResponseWriter, r *Request) error {
	q := r.URL.Query()
	d := eventsData{Scope: "organization", ScopeName: r.Org.Name, Unit: strings.TrimSpace(q.Get("unit")),
		Project: strings.TrimSpace(q.Get("project")), Actor: strings.TrimSpace(q.Get("actor")),
		Action: strings.TrimSpace(q.Get("action")), FieldError: map[string]string{}}
	d.Filtered = d.Actor != "" || d.Action != ""
	query := control.EventQuery{Limit: eventsPerPage + 1, Actor: d.Actor, Action: d.Action}
	status := http.StatusOK
	if b := q.Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			d.FieldError["before"] = "The page to show is not a valid event number; showing the newest events."
			status = http.StatusBadRequest
		} else {
			query.BeforeID = n
		}
	}
	if units, err := c.plane.ListUnits(r.Context(), r.Actor); err == nil {
		for _, u := range units {
			if u.OrganizationID == r.Org.ID && !u.IsRoot() {
				d.Units = append(d.Units, u)
			}
		}
		slices.SortFunc(d.Units, func(a, b org.Unit) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	}
	var (
		evs []audit.Event
		err error
	)
	switch {
	case d.Project != "":
		// The project must belong to this organization: GetProject says so
		// in the API's words before its log is read.
		if _, err = c.plane.GetProject(r.Context(), r.Actor, r.Org.ID, d.Project); err == nil {
			d.Scope, d.ScopeName = "project", d.Project
			evs, err = c.plane.ProjectEventsMatching(r.Context(), r.Actor, d.Project, query)
		}
		if err != nil {
			return c.eventsFailed(w, r, d, "project", err)
		}
	case d.Unit != "":
		var u org.Unit
		if u, err = c.plane.GetUnit(r.Context(), r.Actor, d.Unit); err == nil && u.OrganizationID != r.Org.ID {
			d.FieldError["unit"] = "Unit not found in this organization"
			return c.render(w, r, http.StatusNotFound, "events", d)
		}
		if err == nil {
			d.Scope, d.ScopeName = "unit", u.Name
			evs, err = c.plane.AccountEventsMatching(r.Context(), r.Actor, d.Unit, query)
		}
		if err != nil {
			return c.eventsFailed(w, r, d, "unit", err)
		}
	default:
		if evs, err = c.plane.AccountEventsMatching(r.Context(), r.Actor, r.Org.AccountID, query); err != nil {
			return err
		}
	}
	if len(evs) > eventsPerPage {
		evs = evs[:eventsPerPage]
		d.Older = d.link(r, evs[len(evs)-1].ID)
	}
	if query.BeforeID > 0 {
		d.Newest = d.link(r, 0)
	}
	d.Events = evs
	seen := map[string]bool{}
	for _, e := range evs {
		if !seen[e.ActionType] {
			seen[e.ActionType] = true
			d.Actions = append(d.Actions, e.ActionType)
		}
	}
	slices.Sort(d.Actions)
	return c.render(w, r, status, "events", d)
}

// eventsFailed shows a scope that cannot be read (unknown, another
// organization's, or not allowed) next to the scope's field.
func (c *Console) eventsFailed(w http.ResponseWriter, r *Request, d eventsData, field string, err error) error {
	status, msg := c.describe(r, err)
	if status == http.StatusUnauthorized || status >= 500 {
		return err
	}
	d.FieldError[field] = msg
	return c.render(w, r, status, "events", d)
}

// link is this log's URL with its filters, at the page before beforeID
// (0: the newest).
func (d eventsData) link(r *Request, beforeID int64) string {
	v := url.Values{}
	for k, s := range map[string]string{"unit": d.Unit, "project": d.Project, "actor": d.Actor, "action": d.Action} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if beforeID > 0 {
		v.Set("before", strconv.FormatInt(beforeID, 10))
	}
	u := "/orgs/" + r.Org.ID + "/events"
	if len(v) > 0 {
		u += "?" + v.Encode()
	}
	return u
}
