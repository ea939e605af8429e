package authz_test

import (
	"testing"

	. "github.com/gatehouse-dev/gatehouse/internal/authz"
)

func TestOrgOf(t *testing.T) {
	ix, err := BuildChecked(seedWorld(), 1)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		res    Resource
		want   string
		wantOK bool
	}{
		{"organization itself", Org("acme"), "acme", true},
		{"unit", Unit("engineering"), "acme", true},
		{"project in a unit", Project("backend-dev"), "acme", true},
		{"project at the top", Project("billing"), "acme", true},
		{"service", Service("redis-1"), "acme", true},
		{"unknown project", Project("nope"), "", false},
		{"zero resource", Resource{}, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := ix.OrgOf(c.res)
			if got != c.want || ok != c.wantOK {
				t.Fatalf("OrgOf(%v) = %q, %v; want %q, %v", c.res, got, ok, c.want, c.wantOK)
			}
		})
	}
}
