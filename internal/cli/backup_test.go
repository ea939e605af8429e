package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

func TestBackupRestoresToAWorkingServer(t *testing.T) {
	db := servertest.SQLite(t)
	h := newHarness(t, db)
	h.login()
	h.ok("project", "create", "--project", "kept-in-backup")
	out := filepath.Join(t.TempDir(), "copy.db")

	// Taken while the server runs.
	if got := h.ok("backup", "--database", db, "--output", out); !strings.Contains(got, out) {
		t.Fatalf("backup printed %q", got)
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("copy: %v, mode %v; want 0600", err, fi)
	}
	h.srv.Stop()

	restored := newHarness(t, out)
	restored.login()
	if got := restored.ok("project", "list"); !strings.Contains(got, "kept-in-backup") {
		t.Fatalf("the restored server lacks the project:\n%s", got)
	}

	tests := []struct {
		name, database, output, want string
	}{
		{"existing output", db, out, "already exists"},
		{"postgres", "postgres://u@127.0.0.1/gatehouse", filepath.Join(t.TempDir(), "x"), "pg_dump"},
		{"no output", db, "", "--output is required"},
		{"missing database", filepath.Join(t.TempDir(), "none.db"), filepath.Join(t.TempDir(), "y"), "no such file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"backup", "--database", tc.database}
			if tc.output != "" {
				args = append(args, "--output", tc.output)
			}
			if got := restored.fails(args...); !strings.Contains(got, tc.want) {
				t.Fatalf("stderr %q lacks %q", got, tc.want)
			}
		})
	}
}
