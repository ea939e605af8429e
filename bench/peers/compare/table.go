package compare

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
)

// Markdown writes one table per size: a row per measure, a column per
// system, each value followed by its ratio to Gatehouse's.
func Markdown(w io.Writer, results []*Result) {
	for _, r := range results {
		fmt.Fprintf(w, "### %s: %s\n\n", r.Size, r.Dataset)
		fmt.Fprintf(w, "Load average at the end of this size: %s.\n\n", r.LoadAvg)
		fmt.Fprint(w, "| |")
		for _, s := range r.Systems {
			fmt.Fprintf(w, " %s |", s.Name)
		}
		fmt.Fprint(w, "\n|---|")
		for range r.Systems {
			fmt.Fprint(w, "---|")
		}
		fmt.Fprint(w, "\n| version |")
		for _, s := range r.Systems {
			fmt.Fprintf(w, " %s |", s.Version)
		}
		fmt.Fprintln(w)
		for _, m := range metrics {
			fmt.Fprintf(w, "| %s |", m.label)
			for _, s := range r.Systems {
				fmt.Fprintf(w, " %s |", cell(s, m.key, m.unit))
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w)
		var notes []string
		for _, s := range r.Systems {
			if s.Note != "" {
				notes = append(notes, fmt.Sprintf("%s: %s.", s.Name, s.Note))
			}
		}
		if len(notes) > 0 {
			fmt.Fprintf(w, "%s\n\n", strings.Join(notes, " "))
		}
		if len(r.Mismatches) > 0 {
			fmt.Fprintf(w, "**Answers that differ from Gatehouse's** (first %d):\n\n", len(r.Mismatches))
			for _, m := range r.Mismatches {
				fmt.Fprintf(w, "- %s\n", m)
			}
			fmt.Fprintln(w)
		}
	}
}

func cell(s SystemResult, key, unit string) string {
	v, ok := s.Values[key]
	if !ok {
		if s.Note != "" {
			return "not loaded"
		}
		return "—"
	}
	if v.V == 0 && v.Note != "" {
		return v.Note
	}
	var out string
	switch unit {
	case "ns":
		out = durStr(v.V)
	case "B":
		out = bytesStr(v.V)
	case "/s":
		out = thousands(int(math.Round(v.V)))
	case "n":
		if v.Note != "" {
			return v.Note
		}
		out = thousands(int(v.V))
	}
	if v.Note != "" {
		out += " (" + v.Note + ")"
	}
	if v.Ratio != 0 && !strings.HasPrefix(s.Name, "Gatehouse") {
		out += " (" + ratioStr(v.Ratio) + ")"
	}
	return out
}

func ratioStr(r float64) string {
	switch {
	case r >= 100:
		return thousands(int(math.Round(r))) + "×"
	case r >= 10:
		return strconv.FormatFloat(r, 'f', 0, 64) + "×"
	case r >= 1:
		return strconv.FormatFloat(r, 'f', 1, 64) + "×"
	default:
		return strconv.FormatFloat(r, 'f', 2, 64) + "×"
	}
}

func durStr(ns float64) string {
	d := time.Duration(ns)
	switch {
	case d < time.Microsecond:
		return fmt.Sprintf("%d ns", d.Nanoseconds())
	case d < time.Millisecond:
		return trim(ns/1e3) + " µs"
	case d < time.Second:
		return trim(ns/1e6) + " ms"
	default:
		return trim(ns/1e9) + " s"
	}
}

func trim(x float64) string {
	switch {
	case x >= 100:
		return strconv.FormatFloat(x, 'f', 0, 64)
	case x >= 10:
		return strconv.FormatFloat(x, 'f', 1, 64)
	default:
		return strconv.FormatFloat(x, 'f', 2, 64)
	}
}

func bytesStr(b float64) string {
	switch {
	case b >= 1<<30:
		return trim(b/(1<<30)) + " GiB"
	case b >= 1<<20:
		return trim(b/(1<<20)) + " MiB"
	case b >= 1<<10:
		return trim(b/(1<<10)) + " KiB"
	default:
		return strconv.FormatFloat(b, 'f', 0, 64) + " B"
	}
}

func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// WriteJSON saves results for Merge.
func WriteJSON(path string, results []*Result) error {
	b, err := json.MarshalIndent(results, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// Merge adds the columns of another run's results (saved by WriteJSON)
// to the matching sizes of results, keeping their ratios, which that run
// computed against its own Gatehouse measurement (shown as a column of
// its own). Sizes only the other
// run has are appended.
func Merge(results []*Result, path string) ([]*Result, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var other []*Result
	if err := json.Unmarshal(b, &other); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, o := range other {
		found := false
		for _, r := range results {
			if r.Size != o.Size {
				continue
			}
			found = true
			// The other run's Gatehouse column stays, renamed: its peers'
			// ratios are to it, measured under the same machine state.
			for _, s := range o.Systems {
				if s.Name == "Gatehouse" && len(o.Systems) > 1 {
					s.Name = "Gatehouse (" + o.Systems[1].Name + " run)"
				}
				r.Systems = append(r.Systems, s)
			}
			r.Mismatches = append(r.Mismatches, o.Mismatches...)
			r.LoadAvg += "; " + o.Systems[len(o.Systems)-1].Name + " run: " + o.LoadAvg
		}
		if !found {
			results = append(results, o)
		}
	}
	return results, nil
}
