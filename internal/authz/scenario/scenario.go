// Package scenario loads authorization scenarios written as YAML data:
// a hierarchy, users, groups, memberships, grants and super admins, then
// checks with expected verdicts, optionally followed by steps of changes
// each with their own checks. The same files drive the in-memory engine
// (package authz) and, through Snapshot and Step.Changes, any store that
// must reach the same verdicts (SQLite, PostgreSQL).
//
// File format (see internal/authz/testdata/scenarios for examples):
//
//	name: seeds
//	nodes:
//	  - {node: organization/acme}
//	  - {node: unit/eng, parent: organization/acme}
//	users:
//	  - {id: alice}                 # active unless active: false
//	groups:
//	  - {id: team, org: acme, members: [alice]}
//	super_admins:
//	  - {org: acme, user: root}
//	grants:
//	  - {user: alice, on: organization/acme, perms: [project:services:write]}
//	  - {group: team, on: unit/eng, perms: [read_only]}
//	checks:
//	  - {name: why, user: alice, perm: project:services:write, on: unit/eng, allow: true}
//	  - {user: alice, any_of: [admin, operator], on: unit/eng, allow: false}
//	steps:
//	  - name: deactivate alice
//	    changes:
//	      - {op: set_user, user: alice, active: false}
//	    checks: [...]
//
// Change ops: upsert_node {node, parent}, delete_node {node}, set_user
// {user, active}, delete_user {user}, upsert_group {group, org},
// delete_group {group}, add_member / remove_member {group, user},
// set_grant {user|group, on, perms} (empty perms removes), and
// set_super_admin {org, user, value}.
package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"gopkg.in/yaml.v3"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
)

// Scenario is one loaded file.
type Scenario struct {
	Name        string
	Description string
	Path        string
	Facts       authz.Snapshot
	Checks      []Check // against Facts
	Steps       []Step  // applied in order after Facts
}

// Check is one expected verdict. Need holds one permission, or the
// alternatives of an any_of check.
type Check struct {
	Name     string
	User     string
	Need     []authz.Permission
	Resource authz.Resource
	Allow    bool
	Line     int // in the YAML file, for error messages
}

// NeedSet is Need as a Set, for authz.Index.CheckAny.
func (c Check) NeedSet() authz.Set { return authz.SetOf(c.Need...) }

func (c Check) String() string {
	name := c.Name
	if name == "" {
		name = fmt.Sprintf("line %d", c.Line)
	}
	return fmt.Sprintf("%s: %s %v on %v → allow=%v", name, c.User, c.Need, c.Resource, c.Allow)
}

// Step is a batch of changes (one revision) followed by checks.
type Step struct {
	Name    string
	Changes []authz.Change
	Checks  []Check
}

// Snapshot returns the initial facts.
func (s *Scenario) Snapshot() authz.Snapshot { return s.Facts }

// Load reads and validates one scenario file. Unknown fields, unknown
// permission strings and malformed resources are errors, so typos in a
// scenario cannot silently turn into "denied".
func Load(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f file
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s, err := f.convert()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s.Path = path
	return s, nil
}

// LoadDir loads every *.yaml file of dir, sorted by name.
func LoadDir(dir string) ([]*Scenario, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var out []*Scenario
	for _, p := range paths {
		s, err := Load(p)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("scenario: no *.yaml files in %s", dir)
	}
	return out, nil
}

type file struct {
	Name        string     `yaml:"name"`
	Description string     `yaml:"description"`
	Nodes       []nodeDoc  `yaml:"nodes"`
	Users       []userDoc  `yaml:"users"`
	Groups      []groupDoc `yaml:"groups"`
	SuperAdmins []superDoc `yaml:"super_admins"`
	Grants      []grantDoc `yaml:"grants"`
	Checks      []checkDoc `yaml:"checks"`
	Steps       []stepDoc  `yaml:"steps"`
}

type nodeDoc struct {
	Node   string `yaml:"node"`
	Parent string `yaml:"parent"`
}

type userDoc struct {
	ID     string `yaml:"id"`
	Active *bool  `yaml:"active"`
}

type groupDoc struct {
	ID      string   `yaml:"id"`
	Org     string   `yaml:"org"`
	Members []string `yaml:"members"`
}

type superDoc struct {
	Org  string `yaml:"org"`
	User string `yaml:"user"`
}

type grantDoc struct {
	User  string   `yaml:"user"`
	Group string   `yaml:"group"`
	On    string   `yaml:"on"`
	Perms []string `yaml:"perms"`
}

type checkDoc struct {
	Name  string   `yaml:"name"`
	User  string   `yaml:"user"`
	Perm  string   `yaml:"perm"`
	AnyOf []string `yaml:"any_of"`
	On    string   `yaml:"on"`
	Allow *bool    `yaml:"allow"`
	Line  int      `yaml:"-"`
}

// UnmarshalYAML records the check's line and rejects unknown keys (a
// custom unmarshaler does not inherit the decoder's KnownFields).
func (c *checkDoc) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			switch k := n.Content[i].Value; k {
			case "name", "user", "perm", "any_of", "on", "allow":
			default:
				return fmt.Errorf("line %d: unknown check field %q", n.Content[i].Line, k)
			}
		}
	}
	type plain checkDoc
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*c = checkDoc(p)
	c.Line = n.Line
	return nil
}

type stepDoc struct {
	Name    string      `yaml:"name"`
	Changes []changeDoc `yaml:"changes"`
	Checks  []checkDoc  `yaml:"checks"`
}

type changeDoc struct {
	Op     string   `yaml:"op"`
	Node   string   `yaml:"node"`
	Parent string   `yaml:"parent"`
	User   string   `yaml:"user"`
	Group  string   `yaml:"group"`
	Org    string   `yaml:"org"`
	On     string   `yaml:"on"`
	Perms  []string `yaml:"perms"`
	Active *bool    `yaml:"active"`
	Value  *bool    `yaml:"value"`
}

func (f *file) convert() (*Scenario, error) {
	s := &Scenario{Name: f.Name, Description: f.Description}
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for _, n := range f.Nodes {
		r, err := authz.ParseResource(n.Node)
		if err != nil {
			fail("nodes: %w", err)
			continue
		}
		nd := authz.Node{Resource: r}
		if n.Parent != "" {
			if nd.Parent, err = authz.ParseResource(n.Parent); err != nil {
				fail("nodes: parent of %s: %w", n.Node, err)
			}
		} else if r.Kind != authz.KindOrganization {
			fail("nodes: %s needs a parent", n.Node)
		}
		s.Facts.Nodes = append(s.Facts.Nodes, nd)
	}
	for _, u := range f.Users {
		if u.ID == "" {
			fail("users: empty id")
		}
		s.Facts.Users = append(s.Facts.Users, authz.User{ID: u.ID, Active: u.Active == nil || *u.Active})
	}
	for _, g := range f.Groups {
		if g.ID == "" || g.Org == "" {
			fail("groups: id and org are required")
		}
		s.Facts.Groups = append(s.Facts.Groups, authz.Group{ID: g.ID, Org: g.Org})
		for _, m := range g.Members {
			s.Facts.Members = append(s.Facts.Members, authz.Membership{Group: g.ID, User: m})
		}
	}
	for _, sa := range f.SuperAdmins {
		s.Facts.SuperAdmins = append(s.Facts.SuperAdmins, authz.SuperAdmin{Org: sa.Org, User: sa.User})
	}
	for _, g := range f.Grants {
		gr, err := grant(g.User, g.Group, g.On, g.Perms)
		if err != nil {
			fail("grants: %w", err)
			continue
		}
		if gr.Perms == 0 {
			fail("grants: %s on %s: empty perms", gr.Principal.ID, g.On)
		}
		s.Facts.Grants = append(s.Facts.Grants, gr)
	}
	for _, c := range f.Checks {
		ck, err := c.convert()
		if err != nil {
			fail("checks: %w", err)
			continue
		}
		s.Checks = append(s.Checks, ck)
	}
	for i, st := range f.Steps {
		step := Step{Name: st.Name}
		if step.Name == "" {
			step.Name = fmt.Sprintf("step %d", i+1)
		}
		for _, c := range st.Changes {
			ch, err := c.convert()
			if err != nil {
				fail("steps: %s: %w", step.Name, err)
				continue
			}
			step.Changes = append(step.Changes, ch)
		}
		for _, cd := range st.Checks {
			ck, err := cd.convert()
			if err != nil {
				fail("steps: %s: %w", step.Name, err)
				continue
			}
			step.Checks = append(step.Checks, ck)
		}
		s.Steps = append(s.Steps, step)
	}
	return s, errors.Join(errs...)
}

func (c checkDoc) convert() (Check, error) {
	ck := Check{Name: c.Name, User: c.User, Line: c.Line}
	if c.Allow == nil {
		return ck, fmt.Errorf("%q: allow is required", c.Name)
	}
	ck.Allow = *c.Allow
	names := c.AnyOf
	if c.Perm != "" {
		names = append([]string{c.Perm}, names...)
	}
	if len(names) == 0 {
		return ck, fmt.Errorf("%q: perm or any_of is required", c.Name)
	}
	for _, n := range names {
		p, err := parsePerm(n)
		if err != nil {
			return ck, fmt.Errorf("%q: %w", c.Name, err)
		}
		ck.Need = append(ck.Need, p)
	}
	r, err := authz.ParseResource(c.On)
	if err != nil {
		return ck, fmt.Errorf("%q: %w", c.Name, err)
	}
	ck.Resource = r
	return ck, nil
}

// parsePerm accepts the API strings plus the internal abilities (by their
// "internal:" names), which checks may require but grants may not hold.
func parsePerm(s string) (authz.Permission, error) {
	if p, err := authz.Parse(s); err == nil {
		return p, nil
	}
	for _, in := range authz.Catalogue() {
		if !in.Grantable() && in.Name == s {
			return in.Perm, nil
		}
	}
	return authz.Parse(s)
}

func grant(user, group, on string, perms []string) (authz.Grant, error) {
	var g authz.Grant
	switch {
	case user != "" && group == "":
		g.Principal = authz.UserP(user)
	case group != "" && user == "":
		g.Principal = authz.GroupP(group)
	default:
		return g, fmt.Errorf("exactly one of user and group is required (on %s)", on)
	}
	r, err := authz.ParseResource(on)
	if err != nil {
		return g, err
	}
	g.Resource = r
	g.Perms, err = authz.ParseSet(perms)
	return g, err
}

func (c changeDoc) convert() (authz.Change, error) {
	op, err := authz.ParseOp(c.Op)
	if err != nil {
		return authz.Change{}, err
	}
	flag := func(b *bool, name string) (bool, error) {
		if b == nil {
			return false, fmt.Errorf("%s: %s is required", c.Op, name)
		}
		return *b, nil
	}
	res := func(s string) (authz.Resource, error) { return authz.ParseResource(s) }
	switch op {
	case authz.OpUpsertNode:
		r, err := res(c.Node)
		if err != nil {
			return authz.Change{}, err
		}
		var p authz.Resource
		if c.Parent != "" {
			if p, err = res(c.Parent); err != nil {
				return authz.Change{}, err
			}
		}
		return authz.UpsertNode(r, p), nil
	case authz.OpDeleteNode:
		r, err := res(c.Node)
		return authz.DeleteNode(r), err
	case authz.OpSetUser:
		a, err := flag(c.Active, "active")
		return authz.SetUser(c.User, a), err
	case authz.OpDeleteUser:
		return authz.DeleteUser(c.User), nil
	case authz.OpUpsertGroup:
		return authz.UpsertGroup(c.Group, c.Org), nil
	case authz.OpDeleteGroup:
		return authz.DeleteGroup(c.Group), nil
	case authz.OpAddMember:
		return authz.AddMember(c.Group, c.User), nil
	case authz.OpRemoveMember:
		return authz.RemoveMember(c.Group, c.User), nil
	case authz.OpSetGrant:
		g, err := grant(c.User, c.Group, c.On, c.Perms)
		return authz.SetGrant(g.Principal, g.Resource, g.Perms), err
	case authz.OpSetSuperAdmin:
		v, err := flag(c.Value, "value")
		return authz.SetSuperAdmin(c.Org, c.User, v), err
	}
	return authz.Change{}, fmt.Errorf("unsupported op %q", c.Op)
}
