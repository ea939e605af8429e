package compare

import (
	"math/rand/v2"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/authz/authztest"
)

// Query is one access question.
type Query struct {
	User string
	Perm authz.Permission
	Res  authz.Resource
}

// checkedPerms are the permissions the questions ask about: project and
// service permissions of every role, an internal ability (admin only) and
// organization permissions held through the groups' and admins' grants.
var checkedPerms = []authz.Permission{
	authz.ProjectServicesRead, authz.ProjectServicesWrite, authz.ServiceDataWrite, authz.ServiceLogsRead,
	authz.ServiceSecretsRead, authz.ProjectPermissionsRead, authz.ProjectAIGatewayKeysRead,
	authz.ProjectMembersWrite, authz.OrganizationBillingRead, authz.ServiceConfigurationWrite,
}

// world holds what question and update generators need to know about a
// dataset beyond its snapshot.
type world struct {
	d        *authztest.Dataset
	members  map[string][]string // group → users
	groupsOf map[string]map[string]bool
	children map[authz.Resource][]authz.Resource
	held     map[[2]string]bool // (principal, node) pairs holding a grant
	byGroup  map[string][]authz.Resource
	active   map[string]bool
}

func newWorld(d *authztest.Dataset) *world {
	w := &world{d: d, members: map[string][]string{}, groupsOf: map[string]map[string]bool{},
		children: map[authz.Resource][]authz.Resource{}, held: map[[2]string]bool{},
		byGroup: map[string][]authz.Resource{}, active: map[string]bool{}}
	for _, m := range d.Snapshot.Members {
		w.members[m.Group] = append(w.members[m.Group], m.User)
		if w.groupsOf[m.User] == nil {
			w.groupsOf[m.User] = map[string]bool{}
		}
		w.groupsOf[m.User][m.Group] = true
	}
	for _, n := range d.Snapshot.Nodes {
		if n.Parent != (authz.Resource{}) {
			w.children[n.Parent] = append(w.children[n.Parent], n.Resource)
		}
	}
	for _, g := range d.Snapshot.Grants {
		w.held[[2]string{g.Principal.Kind.String() + ":" + g.Principal.ID, NodeName(g.Resource)}] = true
		if g.Principal.Kind == authz.PrincipalGroup {
			w.byGroup[g.Principal.ID] = append(w.byGroup[g.Principal.ID], g.Resource)
		}
	}
	for _, u := range d.Snapshot.Users {
		w.active[u.ID] = u.Active
	}
	return w
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// below returns res or a random node below it (a few steps down).
func (w *world) below(r *rand.Rand, res authz.Resource) authz.Resource {
	for steps := r.IntN(4); steps > 0; steps-- {
		ch := w.children[res]
		if len(ch) == 0 {
			break
		}
		res = pick(r, ch)
	}
	return res
}

// Queries returns n questions: 40 % about a node a grant was made on (or
// one below it) asked by its holder (or a member of the holding group),
// 45 % a random user on a random project, service or unit, 10 % the power
// user, organization admins or super admins, 5 % an unknown user or
// resource. About a third are allowed at the large size.
func Queries(d *authztest.Dataset, n int, seed uint64) []Query {
	w := newWorld(d)
	return w.queries(n, seed)
}

func (w *world) queries(n int, seed uint64) []Query {
	d := w.d
	r := rand.New(rand.NewPCG(seed, 0x9e7))
	var admins []string
	for _, g := range d.Snapshot.Grants {
		if g.Resource.Kind == authz.KindOrganization && g.Principal.Kind == authz.PrincipalUser {
			admins = append(admins, g.Principal.ID)
		}
	}
	for _, sa := range d.Snapshot.SuperAdmins {
		admins = append(admins, sa.User)
	}
	admins = append(admins, d.PowerUser)
	randomRes := func() authz.Resource {
		switch r.IntN(10) {
		case 0:
			return authz.Unit(pick(r, d.Units))
		case 1, 2, 3:
			return authz.Project(pick(r, d.Projects))
		default:
			return authz.Service(pick(r, d.Services))
		}
	}
	qs := make([]Query, 0, n)
	for len(qs) < n {
		q := Query{Perm: pick(r, checkedPerms)}
		switch x := r.IntN(100); {
		case x < 40:
			g := pick(r, d.Snapshot.Grants)
			q.User = g.Principal.ID
			if g.Principal.Kind == authz.PrincipalGroup {
				ms := w.members[g.Principal.ID]
				if len(ms) == 0 {
					continue
				}
				q.User = pick(r, ms)
			}
			q.Res = w.below(r, g.Resource)
		case x < 85:
			q.User, q.Res = pick(r, d.Users), randomRes()
		case x < 95:
			q.User, q.Res = pick(r, admins), randomRes()
		case x < 98:
			q.User, q.Res = "user-unknown", randomRes()
		default:
			q.User, q.Res = pick(r, d.Users), authz.Project("prj-unknown")
		}
		qs = append(qs, q)
	}
	return qs
}

// updates returns n grant additions (a developer grant on a project the
// user holds nothing on) and n memberships (a user joining a group it is
// not in), with a question whose answer each one changes (unless the user
// is deactivated, or already holds the permission from elsewhere).
func (w *world) updates(n int, seed uint64) (grants, members []Update, probes []Query, mprobes []Query) {
	d := w.d
	r := rand.New(rand.NewPCG(seed, 0x0bd))
	usedG := map[[2]string]bool{}
	for len(grants) < n {
		u, p := pick(r, d.Users), authz.Project(pick(r, d.Projects))
		k := [2]string{"user:" + u, NodeName(p)}
		if w.held[k] || usedG[k] {
			continue
		}
		usedG[k] = true
		grants = append(grants, Update{Kind: GrantAdd, Grant: authz.Grant{Principal: authz.UserP(u), Resource: p, Perms: authz.SetOf(authz.Developer)}})
		probes = append(probes, Query{User: u, Perm: authz.ServiceDataWrite, Res: w.below(r, p)})
	}
	usedM := map[authz.Membership]bool{}
	var granting []string
	for g := range w.byGroup {
		granting = append(granting, g)
	}
	if len(granting) == 0 {
		return
	}
	// Map iteration order is random; sort for determinism.
	sortStrings(granting)
	for len(members) < n {
		g, u := pick(r, granting), pick(r, d.Users)
		m := authz.Membership{Group: g, User: u}
		if w.groupsOf[u][g] || usedM[m] {
			continue
		}
		usedM[m] = true
		members = append(members, Update{Kind: MemberAdd, Member: m})
		mprobes = append(mprobes, Query{User: u, Perm: authz.ProjectServicesRead, Res: w.below(r, pick(r, w.byGroup[g]))})
	}
	return
}
