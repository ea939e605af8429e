package server_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	aiven "github.com/aiven/go-client-codegen"
)

// aivenOp is one operation of Aiven's Go client, read from its source: the
// request it sends and the shape it decodes the answer into.
type aivenOp struct {
	ID      string
	Handler string // the handler package, e.g. "account"
	Method  string
	Path    string // with {} for each path argument
	// Wrapper is the key the answer's value sits under ("account",
	// "users"), or "" when the answer is the value itself.
	Wrapper string
	// Out is the type the client returns (a struct, pointer or slice), nil
	// for operations that return only an error.
	Out reflect.Type
	// In is the request body type, nil when the client sends none.
	In reflect.Type
	// Summary is the client's one-line description of the operation.
	Summary string
}

var (
	aivenOpsOnce sync.Once
	aivenOpsMap  map[string]aivenOp
	aivenOpsErr  error
)

// aivenOps parses go-client-codegen's handlers (the version go.mod pins)
// and returns its operations by ID. The types come from reflection on
// aiven.Client; only the wrapper keys, unexported in the client, are read
// from the source.
func aivenOps(t testing.TB) map[string]aivenOp {
	t.Helper()
	aivenOpsOnce.Do(func() { aivenOpsMap, aivenOpsErr = parseAivenOps() })
	if aivenOpsErr != nil {
		t.Fatalf("reading go-client-codegen: %v", aivenOpsErr)
	}
	return aivenOpsMap
}

var sprintfVerb = regexp.MustCompile(`%[sdv]`)

func parseAivenOps() (map[string]aivenOp, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aiven/go-client-codegen").Output()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "handler")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	client := reflect.TypeOf((*aiven.Client)(nil)).Elem()
	ops := map[string]aivenOp{}
	fset := token.NewFileSet()
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name(), e.Name()+".go"), nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		// Wrapper structs: type name → Go field name → JSON key.
		wrappers := map[string]map[string]string{}
		// The handler interface's method comments: method → summary.
		summaries := map[string]string{}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok {
				continue
			}
			for _, s := range gd.Specs {
				ts, ok := s.(*ast.TypeSpec)
				if !ok {
					continue
				}
				if it, ok := ts.Type.(*ast.InterfaceType); ok {
					for _, m := range it.Methods.List {
						if len(m.Names) == 1 && m.Doc != nil && len(m.Doc.List) > 0 {
							summaries[m.Names[0].Name] = summaryOf(m.Names[0].Name, m.Doc.List[0].Text)
						}
					}
					continue
				}
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					continue
				}
				fields := map[string]string{}
				for _, fl := range st.Fields.List {
					if fl.Tag == nil || len(fl.Names) == 0 {
						continue
					}
					tag, _ := strconv.Unquote(fl.Tag.Value)
					name, _, _ := strings.Cut(reflect.StructTag(tag).Get("json"), ",")
					fields[fl.Names[0].Name] = name
				}
				wrappers[ts.Name.Name] = fields
			}
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || fd.Body == nil {
				continue
			}
			op := aivenOp{Handler: e.Name()}
			var outType string
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.AssignStmt:
					if len(n.Lhs) != 1 || len(n.Rhs) != 1 {
						return true
					}
					id, _ := n.Lhs[0].(*ast.Ident)
					call, _ := n.Rhs[0].(*ast.CallExpr)
					if id == nil || call == nil {
						return true
					}
					switch {
					case id.Name == "path" && len(call.Args) > 0:
						if lit, ok := call.Args[0].(*ast.BasicLit); ok {
							p, _ := strconv.Unquote(lit.Value)
							op.Path = sprintfVerb.ReplaceAllString(p, "{}")
						}
					case id.Name == "out" && len(call.Args) == 1:
						if fn, ok := call.Fun.(*ast.Ident); ok && fn.Name == "new" {
							if tn, ok := call.Args[0].(*ast.Ident); ok {
								outType = tn.Name
							}
						}
					}
				case *ast.CallExpr:
					sel, ok := n.Fun.(*ast.SelectorExpr)
					if !ok || sel.Sel.Name != "Do" || len(n.Args) < 4 {
						return true
					}
					if lit, ok := n.Args[1].(*ast.BasicLit); ok {
						op.ID, _ = strconv.Unquote(lit.Value)
					}
					if lit, ok := n.Args[2].(*ast.BasicLit); ok {
						op.Method, _ = strconv.Unquote(lit.Value)
					}
				case *ast.ReturnStmt:
					if len(n.Results) != 2 {
						return true
					}
					x := n.Results[0]
					if u, ok := x.(*ast.UnaryExpr); ok {
						x = u.X
					}
					if sel, ok := x.(*ast.SelectorExpr); ok {
						if id, ok := sel.X.(*ast.Ident); ok && id.Name == "out" {
							op.Wrapper = wrappers[outType][sel.Sel.Name]
						}
					}
				}
				return true
			})
			if op.ID == "" || op.Method == "" {
				continue
			}
			if m, ok := client.MethodByName(fd.Name.Name); ok {
				if m.Type.NumOut() == 2 {
					op.Out = m.Type.Out(0)
				}
				if n := m.Type.NumIn(); n > 1 {
					if last := m.Type.In(n - 1); last.Kind() == reflect.Pointer && last.Elem().Kind() == reflect.Struct {
						op.In = last.Elem()
					}
				}
			}
			op.Summary = summaries[fd.Name.Name]
			ops[op.ID] = op
		}
	}
	return ops, nil
}

// summaryOf turns "// Deprecated: AccountCreate create a new account"
// into "Create a new account".
func summaryOf(method, comment string) string {
	c := strings.TrimSpace(strings.TrimPrefix(comment, "//"))
	c = strings.TrimPrefix(c, "Deprecated: ")
	c = strings.TrimSpace(strings.TrimPrefix(c, method))
	if c == "" {
		return ""
	}
	return strings.ToUpper(c[:1]) + c[1:]
}

// aivenPattern turns a client path ("/v1/project/{}/tags") into the
// shape of a route pattern with its wildcards blanked, for comparison.
func blankWildcards(pattern string) string {
	return regexp.MustCompile(`\{[^}]*\}`).ReplaceAllString(pattern, "{}")
}
