package fgapeer

import (
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite model.fga from Model")

// TestModelFile keeps the committed model (what readers judge) equal to
// the one the peer loads.
func TestModelFile(t *testing.T) {
	if *update {
		if err := os.WriteFile("model.fga", []byte(Model()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile("model.fga")
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != Model() {
		t.Fatal("model.fga differs from Model(); run go test ./fgapeer -update")
	}
}
