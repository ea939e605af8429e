package authz_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	. "github.com/gatehouse-dev/gatehouse/internal/authz"
)

// TestBatchMatchesOneByOne applies random batches both as one revision
// and one change per revision, and wants the same facts and the same
// skipped changes: grouping a batch's changes per record must not change
// what the batch means.
func TestBatchMatchesOneByOne(t *testing.T) {
	tests := []struct {
		name string
		// gen makes one change; the world's mix adds and deletes
		// entities between grants, the other mix never does.
		gen func(w world) Change
	}{
		{"world mix", world.change},
		{"grants, memberships and moves", func(w world) Change {
			switch n := w.r.IntN(10); {
			case n < 2:
				return AddMember(pick(w.r, wGroups), pick(w.r, wUsers))
			case n < 4:
				return RemoveMember(pick(w.r, wGroups), pick(w.r, wUsers))
			case n < 5:
				return UpsertNode(w.resource(KindProject), w.parentFor(KindProject))
			default:
				return SetGrant(w.principal(), w.anyResource(), w.set())
			}
		}},
	}
	// Each mix runs again with the maps of nodes and groups in their
	// base-plus-delta form from one entry on, folding after three changes,
	// so that a batch's in-place changes of deltas are compared too; and
	// again on an index built from the genesis facts, whose IDs are in
	// the dictionaries' tables rather than their overlays, so that a
	// batch resolves them through the candidates it read ahead, before
	// and after the changes that add, delete or revive entities.
	for _, tc := range slices.Clone(tests) {
		tests = append(tests, struct {
			name string
			gen  func(w world) Change
		}{tc.name + ", node deltas", tc.gen}, struct {
			name string
			gen  func(w world) Change
		}{tc.name + ", built index", tc.gen})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if strings.HasSuffix(tc.name, ", node deltas") {
				defer SetDeltaLimits(1, 3)()
			}
			for seed := range uint64(20) {
				r := rand.New(rand.NewPCG(seed, 0xba7c))
				w := world{r}
				base := Build(Snapshot{}, 1).Apply(2, w.genesis())
				if strings.HasSuffix(tc.name, ", built index") {
					base = Build(base.Snapshot(), 2)
				}
				batch := make([]Change, 200)
				for i := range batch {
					batch[i] = tc.gen(w)
				}
				got, err := base.ApplyChecked(3, batch)
				var gotErrs []string
				if err != nil {
					gotErrs = strings.Split(err.Error(), "\n")
				}
				one, rev := base, int64(2)
				var wantErrs []string
				for i, c := range batch {
					rev++
					nx, err := one.ApplyChecked(rev, []Change{c})
					if err != nil {
						wantErrs = append(wantErrs, strings.Replace(err.Error(), "change 0 ", fmt.Sprintf("change %d ", i), 1))
					}
					one = nx
				}
				if g, w := got.Snapshot(), one.Snapshot(); !reflect.DeepEqual(g, w) {
					t.Fatalf("seed %d: batch and one-by-one differ:\nbatch %+v\none   %+v", seed, g, w)
				}
				if got.Stats() != one.Stats() {
					t.Fatalf("seed %d: stats %+v, one by one %+v", seed, got.Stats(), one.Stats())
				}
				if !slices.Equal(gotErrs, wantErrs) {
					t.Fatalf("seed %d: errors\n%s\nwant\n%s", seed, strings.Join(gotErrs, "\n"), strings.Join(wantErrs, "\n"))
				}
				for _, u := range wUsers {
					for _, res := range everyResource() {
						for _, p := range []Permission{ProjectServicesRead, ServiceDataWrite, ProjectPermissionsRead} {
							if g, w := got.Check(u, p, res), one.Check(u, p, res); g != w {
								t.Fatalf("seed %d: Check(%s, %v, %v) = %v, one by one %v", seed, u, p, res, g, w)
							}
						}
					}
				}
			}
		})
	}
}

func TestBatchOrderWithinRecord(t *testing.T) {
	base := Build(Snapshot{
		Nodes:  []Node{{Resource: Org("o")}, {Resource: Project("p"), Parent: Org("o")}},
		Users:  []User{{ID: "u", Active: true}, {ID: "v", Active: true}},
		Groups: []Group{{ID: "g", Org: "o"}},
		Grants: []Grant{{Principal: GroupP("g"), Resource: Project("p"), Perms: SetOf(Developer)}},
	}, 1)
	tests := []struct {
		name    string
		batch   []Change
		user    string
		perm    Permission
		res     Resource
		allowed bool
		errs    []error
	}{
		{"later grant wins", []Change{
			SetGrant(UserP("u"), Project("p"), SetOf(Admin)),
			SetGrant(UserP("v"), Project("p"), SetOf(Admin)),
			SetGrant(UserP("u"), Project("p"), SetOf(ReadOnly)),
		}, "u", ServiceDataWrite, Project("p"), false, nil},
		{"add then remove nets to nothing", []Change{
			AddMember("g", "u"), AddMember("g", "v"), RemoveMember("g", "u"),
		}, "u", ServiceDataWrite, Project("p"), false, nil},
		{"remove then add keeps the member", []Change{
			RemoveMember("g", "u"), AddMember("g", "u"),
		}, "u", ServiceDataWrite, Project("p"), true, nil},
		{"grant on a node created mid-batch", []Change{
			SetGrant(UserP("u"), Project("q"), SetOf(Admin)),
			UpsertNode(Project("q"), Org("o")),
			SetGrant(UserP("v"), Project("q"), SetOf(Admin)),
		}, "v", ProjectPermissionsRead, Project("q"), true, []error{ErrUnknownNode}},
		{"skipped changes in order", []Change{
			AddMember("h", "u"),
			SetGrant(UserP("w"), Project("p"), SetOf(Admin)),
			UpsertNode(Project("p"), Unit("nowhere")),
			SetGrant(UserP("u"), Project("p"), SetOf(Admin)),
		}, "u", ProjectPermissionsRead, Project("p"), true, []error{ErrUnknownGroup, ErrUnknownUser, ErrUnknownNode}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ix, err := base.ApplyChecked(2, tc.batch)
			if got := ix.Check(tc.user, tc.perm, tc.res); got != tc.allowed {
				t.Errorf("Check(%s, %v, %v) = %v, want %v", tc.user, tc.perm, tc.res, got, tc.allowed)
			}
			var got []error
			if err != nil {
				got = err.(interface{ Unwrap() []error }).Unwrap()
			}
			if len(got) != len(tc.errs) {
				t.Fatalf("errors %v, want %v", got, tc.errs)
			}
			for i := range got {
				if !errors.Is(got[i], tc.errs[i]) {
					t.Errorf("error %d is %v, want %v", i, got[i], tc.errs[i])
				}
			}
			if base.Check("u", ServiceDataWrite, Project("p")) || base.Check("u", ProjectPermissionsRead, Project("p")) {
				t.Error("the previous revision changed")
			}
		})
	}
}
