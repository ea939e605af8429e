// Package authztest generates synthetic authorization datasets for
// benchmarks and load tests of package authz (and, later, of the stores
// that feed it). Generation is deterministic for a given Config.
package authztest

import (
	"fmt"
	"math/rand/v2"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
)

// Config sizes a dataset. Large is the reference size of the performance
// targets; Small is for quick tests.
type Config struct {
	Units              int // nested: about a fifth are top level
	Projects           int
	ServicesPerProject int
	Users              int
	Groups             int
	GroupsPerUser      int // average memberships per user
	Grants             int // total, exactly (if the space allows)
	PowerUserProjects  int // direct project grants of Dataset.PowerUser
	OrgAdmins          int // users with role:organization:admin on the org
	SuperAdmins        int
	Seed               uint64
}

// Large is 1 organization, 100 units, 10,000 projects, 100,000 services,
// 100,000 users, 1,000 groups and 1,000,000 grants.
func Large() Config {
	return Config{Units: 100, Projects: 10_000, ServicesPerProject: 10, Users: 100_000, Groups: 1_000,
		GroupsPerUser: 2, Grants: 1_000_000, PowerUserProjects: 10_000, OrgAdmins: 10, SuperAdmins: 2, Seed: 1}
}

// Small is a scaled-down Large for tests.
func Small() Config {
	return Config{Units: 10, Projects: 100, ServicesPerProject: 3, Users: 500, Groups: 20,
		GroupsPerUser: 2, Grants: 3_000, PowerUserProjects: 100, OrgAdmins: 2, SuperAdmins: 1, Seed: 1}
}

// Dataset is a generated snapshot plus handles useful to benchmarks.
type Dataset struct {
	Snapshot authz.Snapshot
	Org      string
	Units    []string
	Projects []string
	Services []string
	Users    []string
	Groups   []string
	// PowerUser holds direct grants on PowerUserProjects projects.
	PowerUser string
	// PowerProjects are the projects PowerUser was granted.
	PowerProjects []string
}

// Generate builds a dataset. Grants are spread realistically: most are
// user grants of classic roles on projects, some on units; groups hold
// project and unit grants, two hold organization-level read permissions.
func Generate(cfg Config) *Dataset {
	r := rand.New(rand.NewPCG(cfg.Seed, 0xda7a))
	d := &Dataset{Org: "org-0"}
	s := &d.Snapshot
	s.Nodes = append(s.Nodes, authz.Node{Resource: authz.Org(d.Org)})
	top := max(1, cfg.Units/5)
	for i := range cfg.Units {
		id := fmt.Sprintf("unit-%03d", i)
		parent := authz.Org(d.Org)
		if i >= top {
			parent = authz.Unit(d.Units[r.IntN(i)])
		}
		d.Units = append(d.Units, id)
		s.Nodes = append(s.Nodes, authz.Node{Resource: authz.Unit(id), Parent: parent})
	}
	for i := range cfg.Projects {
		id := fmt.Sprintf("prj-%05d", i)
		parent := authz.Org(d.Org)
		if len(d.Units) > 0 && r.IntN(20) != 0 {
			parent = authz.Unit(d.Units[r.IntN(len(d.Units))])
		}
		d.Projects = append(d.Projects, id)
		s.Nodes = append(s.Nodes, authz.Node{Resource: authz.Project(id), Parent: parent})
		for j := range cfg.ServicesPerProject {
			sid := fmt.Sprintf("svc-%05d-%d", i, j)
			d.Services = append(d.Services, sid)
			s.Nodes = append(s.Nodes, authz.Node{Resource: authz.Service(sid), Parent: authz.Project(id)})
		}
	}
	for i := range cfg.Users {
		id := fmt.Sprintf("user-%06d", i)
		d.Users = append(d.Users, id)
		s.Users = append(s.Users, authz.User{ID: id, Active: r.IntN(50) != 0})
	}
	for i := range cfg.Groups {
		id := fmt.Sprintf("grp-%04d", i)
		d.Groups = append(d.Groups, id)
		s.Groups = append(s.Groups, authz.Group{ID: id, Org: d.Org})
	}
	d.PowerUser = d.Users[0]
	s.Users[0].Active = true
	if len(d.Groups) > 0 {
		for _, u := range d.Users[1:] {
			for _, g := range distinct(r, len(d.Groups), r.IntN(2*cfg.GroupsPerUser+1)) {
				s.Members = append(s.Members, authz.Membership{Group: d.Groups[g], User: u})
			}
		}
	}
	for i := range cfg.SuperAdmins {
		s.SuperAdmins = append(s.SuperAdmins, authz.SuperAdmin{Org: d.Org, User: d.Users[1+i]})
	}

	roles := []authz.Set{
		authz.SetOf(authz.ReadOnly), authz.SetOf(authz.ReadOnly), authz.SetOf(authz.ReadOnly), authz.SetOf(authz.ReadOnly),
		authz.SetOf(authz.Developer), authz.SetOf(authz.Developer), authz.SetOf(authz.Developer),
		authz.SetOf(authz.Operator), authz.SetOf(authz.Admin),
		authz.SetOf(authz.ProjectServicesRead, authz.ServiceLogsRead, authz.ServiceMetricsRead),
	}
	grant := func(p authz.Principal, res authz.Resource) {
		s.Grants = append(s.Grants, authz.Grant{Principal: p, Resource: res, Perms: roles[r.IntN(len(roles))]})
	}
	for _, i := range distinct(r, len(d.Projects), min(cfg.PowerUserProjects, len(d.Projects))) {
		d.PowerProjects = append(d.PowerProjects, d.Projects[i])
		grant(authz.UserP(d.PowerUser), authz.Project(d.Projects[i]))
	}
	for i := range cfg.OrgAdmins {
		u := d.Users[1+cfg.SuperAdmins+i]
		s.Grants = append(s.Grants, authz.Grant{Principal: authz.UserP(u), Resource: authz.Org(d.Org), Perms: authz.SetOf(authz.RoleOrganizationAdmin)})
	}
	for i, g := range d.Groups {
		if i < 2 {
			s.Grants = append(s.Grants, authz.Grant{Principal: authz.GroupP(g), Resource: authz.Org(d.Org),
				Perms: authz.SetOf(authz.OrganizationBillingRead, authz.OrganizationEventLogsRead)})
			continue
		}
		if len(d.Units) > 0 {
			grant(authz.GroupP(g), authz.Unit(d.Units[r.IntN(len(d.Units))]))
		}
		for _, p := range distinct(r, len(d.Projects), min(9, len(d.Projects))) {
			grant(authz.GroupP(g), authz.Project(d.Projects[p]))
		}
	}
	// Spread the remaining grants evenly over the other users: mostly
	// projects, one in fifty on a unit.
	rest := cfg.Users - 1
	remaining := cfg.Grants - len(s.Grants)
	for i := 0; i < rest && remaining > 0; i++ {
		k := remaining / (rest - i)
		if remaining%(rest-i) > 0 {
			k++
		}
		k = min(k, len(d.Projects))
		u := authz.UserP(d.Users[1+i])
		for _, p := range distinct(r, len(d.Projects), k) {
			if len(d.Units) > 0 && r.IntN(50) == 0 {
				grant(u, authz.Unit(d.Units[p%len(d.Units)]))
			} else {
				grant(u, authz.Project(d.Projects[p]))
			}
		}
		remaining -= k
	}
	dedupe(s)
	return d
}

// distinct returns k distinct ints in [0, n) (k <= n).
func distinct(r *rand.Rand, n, k int) []int {
	if k > n/2 {
		return r.Perm(n)[:k]
	}
	seen := make(map[int]struct{}, k)
	out := make([]int, 0, k)
	for len(out) < k {
		i := r.IntN(n)
		if _, ok := seen[i]; !ok {
			seen[i] = struct{}{}
			out = append(out, i)
		}
	}
	return out
}

// dedupe keeps the last grant per (principal, resource), as the engine
// would, so len(Snapshot.Grants) is the number of grants indexed.
func dedupe(s *authz.Snapshot) {
	type key struct {
		p authz.Principal
		r authz.Resource
	}
	idx := make(map[key]int, len(s.Grants))
	out := s.Grants[:0]
	for _, g := range s.Grants {
		k := key{g.Principal, g.Resource}
		if i, ok := idx[k]; ok {
			out[i] = g
			continue
		}
		idx[k] = len(out)
		out = append(out, g)
	}
	s.Grants = out
}
