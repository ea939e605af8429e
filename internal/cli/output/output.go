// Package output prints API results the way Aiven's CLI does: tables with
// upper-case, underlined headers and two-space column gaps, raw JSON with
// --json, or a Go template per row with --format.
package output

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"unicode"
	"unicode/utf8"
)

// Printer writes results to W. JSON and Format are the --json and --format
// flags; Format wins when both are set.
type Printer struct {
	W      io.Writer
	JSON   bool
	Format string
}

// ErrBadFormat reports a --format template that does not parse or run.
var ErrBadFormat = errors.New("bad --format template")

// Print writes v, a slice of rows or one object. Tables show columns, each
// a dotted JSON field path such as "user_info.user_email".
func (p Printer) Print(v any, columns ...string) error {
	generic, err := toGeneric(v)
	if err != nil {
		return err
	}
	switch {
	case p.Format != "":
		return p.template(rowsOf(generic))
	case p.JSON:
		return writeJSON(p.W, generic)
	default:
		return p.table(rowsOf(generic), columns)
	}
}

// toGeneric round-trips v through JSON so typed API structs and raw
// answers print alike; numbers stay exact.
func toGeneric(v any) (any, error) {
	var raw []byte
	switch x := v.(type) {
	case json.RawMessage:
		raw = x
	case []byte:
		raw = x
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("encoding output: %w", err)
		}
		raw = b
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("decoding output: %w", err)
	}
	return out, nil
}

func rowsOf(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	default:
		return []any{x}
	}
}

// writeJSON prints indented by four with sorted keys, as avn does.
func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "    ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

func (p Printer) template(rows []any) error {
	t, err := template.New("format").Option("missingkey=zero").Funcs(template.FuncMap{
		"join": func(sep string, v any) string { return Cell(v, sep) },
		"json": func(v any) (string, error) {
			b, err := json.Marshal(v)
			return string(b), err
		},
	}).Parse(p.Format)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadFormat, err)
	}
	var buf bytes.Buffer
	for _, r := range rows {
		if err := t.Execute(&buf, r); err != nil {
			return fmt.Errorf("%w: %w", ErrBadFormat, err)
		}
		if !bytes.HasSuffix(buf.Bytes(), []byte("\n")) {
			buf.WriteByte('\n')
		}
	}
	_, err = p.W.Write(buf.Bytes())
	return err
}

func (p Printer) table(rows []any, columns []string) error {
	if len(columns) == 0 {
		columns = keysOf(rows)
	}
	cells := make([][]string, 0, len(rows)+2)
	head := make([]string, len(columns))
	for i, c := range columns {
		head[i] = Printable(strings.ToUpper(c))
	}
	cells = append(cells, head, nil)
	for _, r := range rows {
		line := make([]string, len(columns))
		for i, c := range columns {
			line[i] = Printable(Cell(Lookup(r, c), ", "))
		}
		cells = append(cells, line)
	}
	widths := make([]int, len(columns))
	for _, line := range cells {
		for i, s := range line {
			widths[i] = max(widths[i], utf8.RuneCountInString(s))
		}
	}
	under := make([]string, len(columns))
	for i, w := range widths {
		under[i] = strings.Repeat("=", w)
	}
	cells[1] = under
	var buf bytes.Buffer
	for _, line := range cells {
		var b strings.Builder
		for i, s := range line {
			b.WriteString(s)
			if i < len(line)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(s)+2))
			}
		}
		buf.WriteString(strings.TrimRight(b.String(), " "))
		buf.WriteByte('\n')
	}
	_, err := p.W.Write(buf.Bytes())
	return err
}

// keysOf is every top-level key of the rows, sorted, for tables printed
// without chosen columns.
func keysOf(rows []any) []string {
	seen := map[string]bool{}
	for _, r := range rows {
		if m, ok := r.(map[string]any); ok {
			for k := range m {
				seen[k] = true
			}
		}
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Lookup follows a dotted path ("user_info.user_email") into decoded JSON.
func Lookup(v any, path string) any {
	for part := range strings.SplitSeq(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[part]
	}
	return v
}

// Cell renders one value: lists joined with sep, objects as compact JSON,
// null as empty.
func Cell(v any, sep string) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		if x {
			return "true"
		}
		return "false"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = Cell(e, sep)
		}
		return strings.Join(parts, sep)
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprint(x)
		}
		return string(b)
	}
}

// Printable escapes control characters so a value from the server can
// neither break the table's lines nor send escape sequences to a terminal.
func Printable(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
