package control

import (
	"context"
	"errors"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/grant"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Ask is one question of MayDo: would the actor's own request for Op on
// Resource pass authorization?
type Ask struct {
	Op       Op
	Resource AccessResource
}

// Answer is MayDo's answer to one Ask: allowed, or the reason it is not
// ("requires organization:projects:write on organization org1"), in the
// words the operation's refusal would use.
type Answer struct {
	Allowed bool
	Reason  string
}

// maxAsks bounds one MayDo call (a page asks about the actions it shows).
const maxAsks = 1000

// MayDo answers, for the actor itself, whether each operation would be
// authorized on its resource: the rule the requirements table gives the
// operation, then the organization's authentication policy, exactly as
// the operation's own request would be decided. Interfaces use it to
// offer only the actions a person may take, with the reason otherwise;
// nothing is performed or recorded. Asking is what access/check about
// oneself is: membership of orgID.
func (p *Plane) MayDo(ctx context.Context, a *Actor, orgID string, asks []Ask) ([]Answer, error) {
	if len(asks) > maxAsks {
		return nil, fail(ErrInvalid, "ask at most %d questions at once", maxAsks)
	}
	var out []Answer
	err := p.read(ctx, func(tx store.Reader) error {
		out = make([]Answer, len(asks))
		rev, denied := p.engine.Revision(), false
		o, err := p.authorizedOrg(tx, a, OpAccessCheck, orgID)
		if err != nil {
			return err
		}
		// A page asks several questions about each resource it shows:
		// each is resolved once.
		type resolved struct {
			res authz.Resource
			err error
		}
		seen := make(map[AccessResource]resolved, len(asks))
		ix := p.engine.Index()
		for i, q := range asks {
			r, ok := seen[q.Resource]
			if !ok {
				r.res, r.err = p.askedResource(tx, ix, o.ID, q.Resource)
				seen[q.Resource] = r
			}
			res, err := r.res, r.err
			if err == nil {
				if err = p.checkRule(tx, a, q.Op, res); err == nil {
					err = p.enforcePolicy(tx, a, res)
				}
			}
			if err != nil {
				if !errors.Is(err, ErrForbidden) && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrInvalid) {
					return err // not an answer: the store failed
				}
				out[i] = Answer{Reason: refusalReason(q.Op, err)}
				denied = true
				continue
			}
			out[i] = Answer{Allowed: true}
		}
		return p.staleAnswer(tx, denied, rev)
	})
	return out, err
}

// askedResource is accessResource for MayDo. A unit or project the
// engine places in the organization needs no store read: MayDo offers
// actions and performs none, and each action, when taken, resolves its
// resource in the store again.
func (p *Plane) askedResource(tx store.Reader, ix *authz.Index, orgID string, r AccessResource) (authz.Resource, error) {
	var res authz.Resource
	switch r.Type {
	case grant.ResourceUnit:
		res = unitNode(r.ID)
	case grant.ResourceProject:
		res = projectRes(r.ID)
	}
	if res.ID != "" {
		if in, ok := ix.OrgOf(res); ok && in == orgID {
			return res, nil
		}
	}
	return p.accessResource(tx, orgID, r)
}

// refusalReason is a refusal's message without its "Permission denied: "
// and operation name: "requires X on organization Y".
func refusalReason(op Op, err error) string {
	msg := strings.TrimPrefix(err.Error(), "Permission denied: ")
	return strings.TrimPrefix(msg, string(op)+" ")
}
