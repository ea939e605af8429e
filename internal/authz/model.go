package authz

import (
	"errors"
	"fmt"
	"strings"
)

// Kind is a node kind of the resource hierarchy.
type Kind uint8

// Node kinds. Their order is the hierarchy order: a node's parent always
// has a smaller Kind except units, which may nest.
const (
	KindOrganization Kind = iota + 1
	KindUnit
	KindProject
	KindService
	numKinds
)

var kindNames = [numKinds]string{"", "organization", "unit", "project", "service"}

func (k Kind) String() string {
	if k == 0 || k >= numKinds {
		return fmt.Sprintf("Kind(%d)", uint8(k))
	}
	return kindNames[k]
}

// Valid reports whether k is one of the four node kinds.
func (k Kind) Valid() bool { return k > 0 && k < numKinds }

// ParseKind parses "organization", "unit", "project" or "service".
func ParseKind(s string) (Kind, error) {
	for k := KindOrganization; k < numKinds; k++ {
		if kindNames[k] == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("%w: %q", ErrUnknownKind, s)
}

// Sentinel errors.
var (
	ErrUnknownKind     = errors.New("authz: unknown resource kind")
	ErrInvalidResource = errors.New("authz: invalid resource reference")
)

// Resource names one node of the hierarchy.
type Resource struct {
	Kind Kind
	ID   string
}

func (r Resource) String() string { return r.Kind.String() + "/" + r.ID }

// ParseResource parses the "kind/id" form produced by Resource.String.
func ParseResource(s string) (Resource, error) {
	ks, id, ok := strings.Cut(s, "/")
	if !ok || id == "" {
		return Resource{}, fmt.Errorf("%w: %q (want kind/id)", ErrInvalidResource, s)
	}
	k, err := ParseKind(ks)
	if err != nil {
		return Resource{}, err
	}
	return Resource{Kind: k, ID: id}, nil
}

// Org, Unit, Project and Service are shorthands for Resource literals.
func Org(id string) Resource     { return Resource{KindOrganization, id} }
func Unit(id string) Resource    { return Resource{KindUnit, id} }
func Project(id string) Resource { return Resource{KindProject, id} }
func Service(id string) Resource { return Resource{KindService, id} }

// validParent reports whether a node of kind child may hang below kind
// parent: units and projects below organizations or units, services below
// projects, organizations nowhere.
func validParent(child, parent Kind) bool {
	switch child {
	case KindUnit, KindProject:
		return parent == KindOrganization || parent == KindUnit
	case KindService:
		return parent == KindProject
	}
	return false
}

// PrincipalKind says whether a grant is held by a user or a group.
type PrincipalKind uint8

// Principal kinds.
const (
	PrincipalUser PrincipalKind = iota + 1
	PrincipalGroup
)

func (k PrincipalKind) String() string {
	switch k {
	case PrincipalUser:
		return "user"
	case PrincipalGroup:
		return "group"
	}
	return fmt.Sprintf("PrincipalKind(%d)", uint8(k))
}

// Principal is a grant holder.
type Principal struct {
	Kind PrincipalKind
	ID   string
}

// UserP and GroupP build Principals.
func UserP(id string) Principal  { return Principal{PrincipalUser, id} }
func GroupP(id string) Principal { return Principal{PrincipalGroup, id} }

// Node is a hierarchy fact. Parent is the zero Resource for organizations.
type Node struct {
	Resource
	Parent Resource
}

// User is a user fact. Deactivated users keep their grants but are denied
// everything until reactivated.
type User struct {
	ID     string
	Active bool
}

// Group is a group fact; groups belong to one organization.
type Group struct {
	ID  string
	Org string
}

// Membership puts a user in a group.
type Membership struct {
	Group string
	User  string
}

// Grant is a set of roles and permissions held by a principal on one node,
// stored exactly as granted (Perms.Strings() gives the API strings back).
type Grant struct {
	Principal Principal
	Resource  Resource
	Perms     Set
}

// SuperAdmin flags a user as super admin of an organization.
type SuperAdmin struct {
	Org  string
	User string
}

// Snapshot is the complete set of facts, as a store would load it at start.
// Order within slices does not matter (Build resolves parents first).
type Snapshot struct {
	Nodes       []Node
	Users       []User
	Groups      []Group
	Members     []Membership
	Grants      []Grant
	SuperAdmins []SuperAdmin
}

// Op is the kind of a Change.
type Op uint8

// Change operations. Each uses the Change fields listed.
const (
	// OpUpsertNode creates Node, or moves it when its Parent differs (a
	// move carries the whole subtree and its grants along).
	OpUpsertNode Op = iota + 1
	// OpDeleteNode deletes Node.Resource, its subtree and every grant on
	// them (and, for an organization, its groups and super admin flags).
	OpDeleteNode
	// OpSetUser creates User or updates its Active flag.
	OpSetUser
	// OpDeleteUser deletes User.ID with its memberships, grants and flags.
	OpDeleteUser
	// OpUpsertGroup creates Group or moves it to another organization.
	OpUpsertGroup
	// OpDeleteGroup deletes Group.ID with its memberships and grants.
	OpDeleteGroup
	// OpAddMember and OpRemoveMember edit Member.
	OpAddMember
	OpRemoveMember
	// OpSetGrant replaces Grant.Principal's set on Grant.Resource; an
	// empty Grant.Perms removes the grant.
	OpSetGrant
	// OpSetSuperAdmin sets (Flag true) or clears the SuperAdmin flag.
	OpSetSuperAdmin
)

var opNames = map[Op]string{
	OpUpsertNode: "upsert_node", OpDeleteNode: "delete_node", OpSetUser: "set_user",
	OpDeleteUser: "delete_user", OpUpsertGroup: "upsert_group", OpDeleteGroup: "delete_group",
	OpAddMember: "add_member", OpRemoveMember: "remove_member", OpSetGrant: "set_grant",
	OpSetSuperAdmin: "set_super_admin",
}

func (o Op) String() string {
	if s, ok := opNames[o]; ok {
		return s
	}
	return fmt.Sprintf("Op(%d)", uint8(o))
}

// ParseOp parses the snake_case name of an Op.
func ParseOp(s string) (Op, error) {
	for o, n := range opNames {
		if n == s {
			return o, nil
		}
	}
	return 0, fmt.Errorf("authz: unknown change op %q", s)
}

// Change is one incremental update, plain data so a store can produce it
// from its own change log. Only the fields named by Op are read.
type Change struct {
	Op         Op
	Node       Node
	User       User
	Group      Group
	Member     Membership
	Grant      Grant
	SuperAdmin SuperAdmin
	Flag       bool // OpSetSuperAdmin: set (true) or clear (false)
}

// Change constructors, for readable call sites and tests.

func UpsertNode(r, parent Resource) Change {
	return Change{Op: OpUpsertNode, Node: Node{Resource: r, Parent: parent}}
}
func DeleteNode(r Resource) Change { return Change{Op: OpDeleteNode, Node: Node{Resource: r}} }
func SetUser(id string, active bool) Change {
	return Change{Op: OpSetUser, User: User{ID: id, Active: active}}
}
func DeleteUser(id string) Change { return Change{Op: OpDeleteUser, User: User{ID: id}} }
func UpsertGroup(id, org string) Change {
	return Change{Op: OpUpsertGroup, Group: Group{ID: id, Org: org}}
}
func DeleteGroup(id string) Change { return Change{Op: OpDeleteGroup, Group: Group{ID: id}} }
func AddMember(group, user string) Change {
	return Change{Op: OpAddMember, Member: Membership{group, user}}
}
func RemoveMember(group, user string) Change {
	return Change{Op: OpRemoveMember, Member: Membership{group, user}}
}
func SetGrant(p Principal, r Resource, s Set) Change {
	return Change{Op: OpSetGrant, Grant: Grant{Principal: p, Resource: r, Perms: s}}
}
func SetSuperAdmin(org, user string, on bool) Change {
	return Change{Op: OpSetSuperAdmin, SuperAdmin: SuperAdmin{org, user}, Flag: on}
}
