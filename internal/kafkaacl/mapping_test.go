package kafkaacl

import (
	"os"
	"strings"
	"testing"
)

// TestDocMatchesTable keeps docs/kafka-acl.md in step with the code: the
// doc must contain the table PermissionTableMarkdown renders, verbatim.
// When the table changes, the failure message prints the new one to paste.
func TestDocMatchesTable(t *testing.T) {
	doc, err := os.ReadFile("../../docs/kafka-acl.md")
	if err != nil {
		t.Fatalf("read doc: %v", err)
	}
	want := PermissionTableMarkdown()
	if !strings.Contains(string(doc), want) {
		t.Fatalf("docs/kafka-acl.md does not contain the permission table; expected:\n%s", want)
	}
	for _, g := range SchemaRegistryTable() {
		if !strings.Contains(string(doc), string(g.Permission)) {
			t.Errorf("docs/kafka-acl.md does not mention %s", g.Permission)
		}
	}
}

func TestPermissionTableCopies(t *testing.T) {
	tab := PermissionTable()
	tab[0].Operations[0] = OpAll
	tab[0].Permissions[0] = PermRead
	if permissionTable[0].Operations[0] == OpAll || permissionTable[0].Permissions[0] == PermRead {
		t.Fatal("PermissionTable exposed the package table")
	}
	for _, g := range tab {
		for _, o := range g.Operations {
			if !o.Valid() {
				t.Errorf("row %+v has invalid operation %v", g, o)
			}
		}
		for _, p := range g.Permissions {
			if !p.Valid() {
				t.Errorf("row %+v has invalid permission %q", g, p)
			}
		}
	}
}
