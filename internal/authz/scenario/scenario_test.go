package scenario_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/authz/scenario"
)

func TestLoadShippedScenarios(t *testing.T) {
	scs, err := scenario.LoadDir("../testdata/scenarios")
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, s := range scs {
		names[s.Name] = true
		if len(s.Checks) == 0 || len(s.Snapshot().Nodes) == 0 {
			t.Errorf("%s: empty scenario", s.Name)
		}
		for _, c := range s.Checks {
			if c.Line == 0 || len(c.Need) == 0 {
				t.Errorf("%s: check %v lacks line or need", s.Name, c)
			}
		}
	}
	for _, want := range []string{"seeds", "roles", "lifecycle"} {
		if !names[want] {
			t.Errorf("scenario %q missing", want)
		}
	}
}

func TestLoadRejectsMistakes(t *testing.T) {
	cases := map[string]string{
		"unknown permission":  "nodes: [{node: organization/o}]\nchecks: [{user: a, perm: admn, on: organization/o, allow: true}]\n",
		"unknown field":       "nodes: [{node: organization/o, parnt: x}]\n",
		"unknown check key":   "checks: [{user: a, perm: admin, on: organization/o, alow: true}]\n",
		"missing allow":       "checks: [{user: a, perm: admin, on: organization/o}]\n",
		"bad resource":        "grants: [{user: a, on: projectx, perms: [admin]}]\n",
		"unknown grant perm":  "grants: [{user: a, on: project/x, perms: [superuser]}]\n",
		"both principals":     "grants: [{user: a, group: g, on: project/x, perms: [admin]}]\n",
		"unknown op":          "steps: [{changes: [{op: explode}]}]\n",
		"unit without parent": "nodes: [{node: unit/u}]\n",
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "x.yaml")
			if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := scenario.Load(p); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	p := filepath.Join(t.TempDir(), "ok.yaml")
	body := "nodes: [{node: organization/o}]\nusers: [{id: a, active: false}]\nchecks: [{user: a, any_of: [admin, \"internal:project:members:write\"], on: organization/o, allow: false}]\n"
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := scenario.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if s.Facts.Users[0].Active || s.Checks[0].NeedSet() != authz.SetOf(authz.Admin, authz.ProjectMembersWrite) ||
		!strings.Contains(s.Checks[0].String(), "allow=false") {
		t.Errorf("loaded %+v", s)
	}
}
