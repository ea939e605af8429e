package console

import (
	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/org"
)

// Can is whether the signed-in person may take one action, and why not.
type Can struct {
	OK     bool
	Reason string // "requires organization:projects:write on organization org1"
}

// asker collects the questions a page asks the decision engine about the
// actions it offers, answered in one call (see may).
type asker struct {
	asks []control.Ask
	outs []*Can
}

// ask queues a question; its answer is written to the returned Can by
// may.
func (q *asker) ask(op control.Op, res control.AccessResource) *Can {
	c := &Can{}
	q.asks = append(q.asks, control.Ask{Op: op, Resource: res})
	q.outs = append(q.outs, c)
	return c
}

// may answers every queued question through control.Plane.MayDo: the
// operations' own rules and the organization's authentication policy.
func (c *Console) may(r *Request, q *asker) error {
	const batch = 1000
	for start := 0; start < len(q.asks); start += batch {
		end := min(start+batch, len(q.asks))
		ans, err := c.plane.MayDo(r.Context(), r.Actor, r.Org.ID, q.asks[start:end])
		if err != nil {
			return err
		}
		for i, a := range ans {
			*q.outs[start+i] = Can{OK: a.Allowed, Reason: a.Reason}
		}
	}
	return nil
}

// Resources as MayDo names them.

func orgResource(o org.Organization) control.AccessResource {
	return control.AccessResource{Type: grant.ResourceOrganization, ID: o.ID}
}

// unitResource names a unit; the root unit is the organization itself.
func unitResource(o org.Organization, unitID string) control.AccessResource {
	if unitID == o.AccountID {
		return orgResource(o)
	}
	return control.AccessResource{Type: grant.ResourceUnit, ID: unitID}
}

func projectResource(name string) control.AccessResource {
	return control.AccessResource{Type: grant.ResourceProject, ID: name}
}
