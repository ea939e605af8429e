package main

import (
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite schema.zed from Schema")

// TestSchemaFile keeps the committed schema (what readers judge) equal to
// the one the peer loads.
func TestSchemaFile(t *testing.T) {
	if *update {
		if err := os.WriteFile("schema.zed", []byte(Schema()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile("schema.zed")
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != Schema() {
		t.Fatal("schema.zed differs from Schema(); run go test . -update")
	}
}
