package authz_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	. "github.com/gatehouse-dev/gatehouse/internal/authz"
)

// apiStrings is the enum of Aiven's API (MemberTypeChoices), copied from
// the reference so that a catalogue edit cannot silently drop one.
var apiStrings = []string{
	"admin", "developer", "operator", "read_only",
	"role:organization:admin", "role:project:admin", "role:project:read", "role:services:maintenance", "role:services:recover",
	"organization:app_users:write", "organization:billing:read", "organization:billing:write", "organization:domains:write",
	"organization:event_logs:read", "organization:groups:write", "organization:networking:read", "organization:networking:write",
	"organization:projects:write", "organization:sustainability:read", "organization:users:write",
	"project:ai_gateway_keys:read", "project:ai_gateway_keys:write", "project:audit_logs:read", "project:event_logs:read",
	"project:integrations:read", "project:integrations:write", "project:networking:read", "project:networking:write",
	"project:permissions:read", "project:services:read", "project:services:write",
	"service:configuration:write", "service:data:write", "service:logs:read", "service:metrics:read", "service:secrets:read",
	"service:users:write",
}

func TestCatalogueAcceptsExactlyTheAPIStrings(t *testing.T) {
	if len(apiStrings) != 37 {
		t.Fatalf("test table has %d strings, want 37", len(apiStrings))
	}
	accepted := append(slices.Clone(apiStrings), "organization:audit_logs:read") // removed from the API, kept as alias
	var grantable []string
	for _, in := range Catalogue() {
		if in.Grantable() {
			grantable = append(grantable, in.Name)
		}
	}
	slices.Sort(grantable)
	slices.Sort(accepted)
	if !slices.Equal(grantable, accepted) {
		t.Fatalf("grantable strings differ from the API's:\n got %v\nwant %v", grantable, accepted)
	}
	for _, s := range accepted {
		p, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q): %v", s, err)
		}
		if p.String() != s {
			t.Errorf("Parse(%q).String() = %q", s, p)
		}
	}
}

func TestUnknownPermission(t *testing.T) {
	for _, s := range []string{"", "ADMIN", "admin ", " read_only", "organization:idps:write", "service:data:read",
		"role:services:all", "organization:projects:read", "internal:project:members:write", "internal:organization:super_admin",
		"project:*", "Permission(3)"} {
		t.Run(fmt.Sprintf("%q", s), func(t *testing.T) {
			_, err := Parse(s)
			if !errors.Is(err, ErrUnknownPermission) {
				t.Fatalf("Parse(%q) error = %v, want ErrUnknownPermission", s, err)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("%q", s)) {
				t.Errorf("error %q does not quote the offending string", err)
			}
			if _, err := ParseSet([]string{"admin", s}); !errors.Is(err, ErrUnknownPermission) {
				t.Errorf("ParseSet accepted %q", s)
			}
		})
	}
}

func TestGrantsRoundTripAsGranted(t *testing.T) {
	for _, in := range [][]string{
		{"project:audit_logs:read"},
		{"organization:audit_logs:read", "organization:event_logs:read"},
		{"role:project:admin"},
		{"admin", "role:project:admin"},
		{"service:logs:read", "read_only", "read_only"},
	} {
		s, err := ParseSet(in)
		if err != nil {
			t.Fatal(err)
		}
		want := slices.Compact(slices.SortedFunc(slices.Values(in), func(a, b string) int {
			return int(MustParse(a)) - int(MustParse(b))
		}))
		if got := s.Strings(); !slices.Equal(got, want) {
			t.Errorf("ParseSet(%v).Strings() = %v, want %v", in, got, want)
		}
	}
}

func TestRoleContents(t *testing.T) {
	contains := func(a, b Permission) bool { return a.Closure()&b.Closure() == b.Closure() }
	cases := []struct {
		name string
		a, b Permission
		want bool
	}{
		{"admin contains operator", Admin, Operator, true},
		{"operator contains developer", Operator, Developer, true},
		{"developer contains read_only", Developer, ReadOnly, true},
		{"admin contains read_only", Admin, ReadOnly, true},
		{"admin contains role:project:admin", Admin, RoleProjectAdmin, true},
		{"role:project:admin contains admin", RoleProjectAdmin, Admin, true},
		{"role:project:read contains read_only", RoleProjectRead, ReadOnly, true},
		{"admin contains role:project:read", Admin, RoleProjectRead, true},
		{"operator lacks role:project:read (AI gateway keys)", Operator, RoleProjectRead, false},
		{"read_only lacks role:project:read", ReadOnly, RoleProjectRead, false},
		{"operator contains maintenance", Operator, RoleServicesMaintenance, true},
		{"operator contains recover", Operator, RoleServicesRecover, true},
		{"developer lacks maintenance", Developer, RoleServicesMaintenance, false},
		{"org admin contains admin", RoleOrganizationAdmin, Admin, true},
		{"org admin contains every org permission", RoleOrganizationAdmin, OrganizationUsersWrite, true},
		{"org admin is not super admin", RoleOrganizationAdmin, OrganizationSuperAdmin, false},
		{"read_only never reads secrets", ReadOnly, ServiceSecretsRead, false},
		{"role:project:read never reads secrets", RoleProjectRead, ServiceSecretsRead, false},
		{"developer reads secrets", Developer, ServiceSecretsRead, true},
		{"event_logs ≡ audit_logs (project)", ProjectEventLogsRead, ProjectAuditLogsRead, true},
		{"audit_logs ≡ event_logs (project)", ProjectAuditLogsRead, ProjectEventLogsRead, true},
		{"event_logs ≡ audit_logs (organization)", OrganizationEventLogsRead, OrganizationAuditLogsRead, true},
		{"services:write does not imply read", ProjectServicesWrite, ProjectServicesRead, false},
		{"admin manages members", Admin, ProjectMembersWrite, true},
		{"operator does not manage members", Operator, ProjectMembersWrite, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := contains(c.a, c.b); got != c.want {
				t.Errorf("%v ⊇ %v = %v, want %v", c.a, c.b, got, c.want)
			}
		})
	}
	// Closures are closed: whatever a role contains, it contains entirely.
	for _, in := range Catalogue() {
		for _, q := range in.Perm.Closure().Perms() {
			if !contains(in.Perm, q) {
				t.Errorf("%v contains %v but not all of %v's closure", in.Perm, q, q)
			}
		}
		if !in.Perm.Closure().Has(in.Perm) {
			t.Errorf("%v's closure lacks itself", in.Perm)
		}
	}
	if SetOf(Admin).Grantable() != true || SetOf(ProjectMembersWrite).Grantable() {
		t.Error("internal abilities must not be grantable")
	}
}

var update = flag.Bool("update", false, "rewrite docs/permissions.md from the catalogue")

const docsPath = "../../docs/permissions.md"

// TestPermissionsDocUpToDate regenerates docs/permissions.md from the
// catalogue and fails if the committed file differs (run with -update).
func TestPermissionsDocUpToDate(t *testing.T) {
	want := PermissionsMarkdown()
	if *update {
		if err := os.WriteFile(docsPath, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatalf("%v (generate it with: go test ./internal/authz -run PermissionsDoc -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale; regenerate with: go test ./internal/authz -run PermissionsDoc -update", docsPath)
	}
	for _, s := range apiStrings {
		if !bytes.Contains(got, []byte("`"+s+"`")) {
			t.Errorf("%s does not mention %q", docsPath, s)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range apiStrings {
		f.Add(s)
	}
	f.Add("organization:audit_logs:read")
	f.Add("internal:project:members:write")
	f.Add("")
	f.Add("admin\x00")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrUnknownPermission) || p.Valid() {
				t.Fatalf("Parse(%q) = %v, %v", s, p, err)
			}
			return
		}
		if !p.Valid() || p.String() != s || !p.Info().Grantable() {
			t.Fatalf("Parse(%q) = %v (valid %v, grantable %v)", s, p, p.Valid(), p.Info().Grantable())
		}
		set, err := ParseSet([]string{s, s})
		if err != nil || set.Strings()[0] != s || set.Len() != 1 {
			t.Fatalf("ParseSet round trip of %q: %v %v", s, set, err)
		}
	})
}
