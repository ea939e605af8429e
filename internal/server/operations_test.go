package server_test

import (
	"maps"
	"slices"
	"sync"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/api"
	"github.com/gatehouse-dev/gatehouse/internal/control"
)

// checkRecorder collects the operations authorization checks name
// (control.WithCheckRecorder). The hostile walk sends one route's requests
// at a time, so what it collects between take calls belongs to that route.
type checkRecorder struct {
	mu    sync.Mutex
	now   map[control.Op]int // since the last take
	total map[control.Op]int // over the whole walk
}

func newCheckRecorder() *checkRecorder {
	return &checkRecorder{now: map[control.Op]int{}, total: map[control.Op]int{}}
}

func (c *checkRecorder) add(op control.Op) {
	c.mu.Lock()
	c.now[op]++
	c.total[op]++
	c.mu.Unlock()
}

// take returns the operations checked since the last take and starts over.
func (c *checkRecorder) take() map[control.Op]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.now
	c.now = map[control.Op]int{}
	return out
}

// checkOwnOperation fails unless the requests just sent to r checked r's
// own operation; a public route checks nothing. Other operations may show
// up too: a HEAD probe is served by the GET route of the same path, a
// hostile segment holding "/" reaches another route, and some use cases
// check a second operation inside (moving a project, asking about
// another principal).
func checkOwnOperation(t *testing.T, r api.Route, checked map[control.Op]int) {
	t.Helper()
	if r.Public {
		if len(checked) > 0 {
			t.Errorf("public route %s checked %v", r.Pattern, slices.Sorted(maps.Keys(checked)))
		}
		return
	}
	if checked[r.Operation] == 0 {
		t.Errorf("route %s (%s) never checked its own operation; it checked %v", r.Pattern, r.Operation, slices.Sorted(maps.Keys(checked)))
	}
}

// consoleOnly are operations that only the web console's pages perform
// (through control.Plane like every route); the API walk cannot reach them,
// and the console's own tests check them.
var consoleOnly = map[control.Op]string{
	control.OpOrganizationAccessReview: "the console's access review page and its grants export",
}

// checkEveryRuleChecked fails on requirement rules that no request of a
// whole walk checked: dead rules, or routes wired to the wrong operation.
func checkEveryRuleChecked(t *testing.T, c *checkRecorder) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, op := range control.Operations() {
		if _, ok := consoleOnly[op]; ok {
			continue
		}
		if c.total[op] == 0 {
			t.Errorf("no request checked operation %s: its rule is unreachable", op)
		}
	}
}
