package archtest

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/gatehouse-dev/gatehouse"

// pkg is one package directory of the module, from its non-test files.
type pkg struct {
	path    string // import path
	dir     string
	name    string
	hasDoc  bool
	imports map[string]bool
	lines   int
}

// loadPackages parses every non-test Go file under the module root.
func loadPackages(t *testing.T) map[string]*pkg {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found at %s: %v", root, err)
	}
	pkgs := map[string]*pkg{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "docs") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments|parser.ImportsOnly)
		if err != nil {
			return err
		}
		dir := filepath.Dir(path)
		rel, _ := filepath.Rel(root, dir)
		ip := module
		if rel != "." {
			ip += "/" + filepath.ToSlash(rel)
		}
		p := pkgs[ip]
		if p == nil {
			p = &pkg{path: ip, dir: dir, name: f.Name.Name, imports: map[string]bool{}}
			pkgs[ip] = p
		}
		if f.Doc != nil && strings.TrimSpace(f.Doc.Text()) != "" {
			p.hasDoc = true
		}
		for _, im := range f.Imports {
			v, _ := strconv.Unquote(im.Path.Value)
			p.imports[v] = true
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		p.lines += strings.Count(string(b), "\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) < 10 {
		t.Fatalf("found only %d packages; is the walk broken?", len(pkgs))
	}
	return pkgs
}

func TestEveryPackageHasADocComment(t *testing.T) {
	for _, p := range loadPackages(t) {
		if !p.hasDoc {
			t.Errorf("%s has no package doc comment (// Package %s ...)", p.path, p.name)
		}
	}
}

func TestNoGrabBagPackages(t *testing.T) {
	banned := []string{"util", "utils", "common", "helpers", "misc", "shared", "lib"}
	for _, p := range loadPackages(t) {
		if slices.Contains(banned, p.name) {
			t.Errorf("%s: package name %q says nothing about what it holds", p.path, p.name)
		}
	}
}

func TestMainStaysThin(t *testing.T) {
	p := loadPackages(t)[module+"/cmd/gatehouse"]
	if p == nil {
		t.Fatal("cmd/gatehouse not found")
	}
	if p.lines > 40 {
		t.Errorf("cmd/gatehouse has %d lines; move logic into internal/", p.lines)
	}
	for im := range p.imports {
		if strings.HasPrefix(im, module) && im != module+"/internal/cli" {
			t.Errorf("cmd/gatehouse imports %s; it should only hand over to internal/cli", im)
		}
	}
}

// TestDependenciesPointOneWay: HTTP API → use cases → store interfaces.
// Handlers never touch SQL, the use cases never see HTTP, and the decision
// engine and the domain types depend on nothing of ours above them.
func TestDependenciesPointOneWay(t *testing.T) {
	internal := module + "/internal/"
	rules := []struct {
		pkgPrefix string
		forbidden []string
		why       string
	}{
		{internal + "api", []string{"database/sql", internal + "store", "github.com/jackc/pgx", "modernc.org/sqlite"}, "handlers never touch SQL nor see store errors: control translates them"},
		{internal + "control", []string{"net/http", internal + "api", internal + "server", internal + "store/sqlstore", "database/sql"}, "use cases see neither HTTP nor SQL"},
		{internal + "authz", []string{"net/http", "database/sql", internal + "store", internal + "control", internal + "api"}, "the engine is pure"},
		{internal + "store", []string{"net/http", internal + "control", internal + "api", internal + "server"}, "storage knows nothing above it"},
		{internal + "kafkaacl", []string{"net/http", "database/sql", internal + "store", internal + "control", internal + "api"}, "the ACL model is pure"},
		{internal + "scim", []string{"database/sql", internal + "store", internal + "api", internal + "server", "github.com/jackc/pgx", "modernc.org/sqlite"}, "SCIM calls the use cases as the API does, never the store"},
		{internal + "console", []string{"database/sql", internal + "store", internal + "api", internal + "server", "github.com/jackc/pgx", "modernc.org/sqlite"}, "pages call the use cases as the API does, never the store"},
	}
	domain := []string{"org", "identity", "token", "grant", "audit"}
	for _, d := range domain {
		rules = append(rules, struct {
			pkgPrefix string
			forbidden []string
			why       string
		}{internal + d, []string{"net/http", "database/sql", internal + "store", internal + "control", internal + "api", internal + "server"}, "domain types depend on nothing above them"})
	}
	pkgs := loadPackages(t)
	for _, r := range rules {
		for _, p := range pkgs {
			if p.path != r.pkgPrefix && !strings.HasPrefix(p.path, r.pkgPrefix+"/") {
				continue
			}
			if strings.HasSuffix(p.path, "test") { // test helper packages may wire things
				continue
			}
			for im := range p.imports {
				for _, f := range r.forbidden {
					if im == f || strings.HasPrefix(im, f+"/") {
						// The store's backends are the one place SQL lives.
						if strings.HasPrefix(p.path, internal+"store/sqlstore") {
							continue
						}
						t.Errorf("%s imports %s: %s", p.path, im, r.why)
					}
				}
			}
		}
	}
}
