package authz_test

import (
	"testing"

	. "github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/authz/scenario"
)

// TestScenarios runs every testdata/scenarios file against the engine and,
// as a cross-check of the files themselves, against the reference model.
func TestScenarios(t *testing.T) {
	scs, err := scenario.LoadDir("testdata/scenarios")
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range scs {
		t.Run(sc.Name, func(t *testing.T) {
			ix, err := BuildChecked(sc.Snapshot(), 1)
			if err != nil {
				t.Fatalf("facts do not build cleanly: %v", err)
			}
			m := newRef()
			for _, c := range SnapshotChanges(sc.Snapshot()) {
				m.apply(c)
			}
			n := 0
			defer func() { t.Logf("%d checks", n) }()
			run := func(stage string, checks []scenario.Check) {
				for _, c := range checks {
					n++
					if got := ix.CheckAny(c.User, c.NeedSet(), c.Resource); got != c.Allow {
						t.Errorf("%s: %v: got %v\n%+v", stage, c, got, ix.Explain(c.User, c.Need[0], c.Resource))
					}
					if got := m.effective(c.User, c.Resource)&c.NeedSet() != 0; got != c.Allow {
						t.Errorf("%s: %v: reference model says %v", stage, c, got)
					}
				}
			}
			run("initial", sc.Checks)
			for i, st := range sc.Steps {
				// Refused changes (such as the cycle in lifecycle.yaml) are
				// part of what scenarios test, so errors are not fatal here.
				ix = ix.Apply(int64(i+2), st.Changes)
				for _, c := range st.Changes {
					m.apply(c)
				}
				run(st.Name, st.Checks)
			}
		})
	}
}
