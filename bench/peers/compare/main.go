package compare

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"time"
)

// Main is the command line of a comparison binary: it parses args, runs
// the sizes asked for with the systems newSystems returns (a fresh set per
// size, the baseline first), prints the Markdown tables on stdout and
// returns the exit code: 1 when any answer differed, 2 on bad usage.
func Main(args []string, stdout, stderr io.Writer, newSystems func() []System) int {
	fs := flag.NewFlagSet("peers", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sizes := fs.String("sizes", "small", "comma-separated sizes to run: small, medium, large")
	checks := fs.Int("checks", 10_000, "questions asked every system per size, timed and compared")
	checkBudget := fs.Duration("check-budget", 2*time.Minute, "time a system may spend per size on each of: checks, listings, updates")
	listTimeout := fs.Duration("list-timeout", 30*time.Second, "per listing call")
	listUsers := fs.Int("list-users", 20, "typical users whose projects are listed")
	updates := fs.Int("updates", 200, "grant and membership changes of each kind (each applied and undone)")
	tput := fs.Duration("throughput", 2*time.Second, "duration of the two-goroutine throughput run per system")
	loadTimeout := fs.Duration("load-timeout", 10*time.Minute, "a system still loading after this is reported as not loading the size")
	maxRSS := fs.Uint64("max-rss-gib", 10, "a load that grows the process past this many GiB is stopped")
	skip := fs.String("skip", "", "comma-separated system/size pairs not to load, e.g. Casbin/large")
	jsonOut := fs.String("json", "", "also write the results as JSON to this file")
	merge := fs.String("merge", "", "add the peers of a JSON file written by another run (its ratios are to its own Gatehouse run)")
	only := fs.String("systems", "", "comma-separated system names to run besides Gatehouse (default all)")
	from := fs.String("from", "", "measure nothing: print the tables of a JSON file written by -json (then -merge applies)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	known := map[string]Size{}
	for _, s := range Sizes() {
		known[s.Name] = s
	}
	var run []Size
	for _, n := range strings.Split(*sizes, ",") {
		s, ok := known[strings.TrimSpace(n)]
		if !ok {
			fmt.Fprintf(stderr, "unknown size %q (want small, medium or large)\n", n)
			return 2
		}
		run = append(run, s)
	}
	o := Options{Checks: *checks, CheckBudget: *checkBudget, ListTimeout: *listTimeout, ListUsers: *listUsers,
		Updates: *updates, Throughput: *tput, LoadTimeout: *loadTimeout, MaxRSS: *maxRSS << 30,
		Skip: map[string]string{}, Log: stderr}
	for _, p := range strings.Split(*skip, ",") {
		if p = strings.TrimSpace(p); p != "" {
			o.Skip[p] = "skipped on the command line (-skip " + p + ")"
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	fmt.Fprintf(stderr, "%s, %d CPUs, %s/%s, load average %s\n", runtime.Version(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, loadAvg())
	var results []*Result
	failed := false
	if *from != "" {
		run = nil
		var err error
		if results, err = Merge(nil, *from); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	}
	for _, size := range run {
		systems := newSystems()
		if *only != "" {
			keep := systems[:1]
			for _, s := range systems[1:] {
				for _, n := range strings.Split(*only, ",") {
					if strings.EqualFold(strings.TrimSpace(n), s.Name()) {
						keep = append(keep, s)
					}
				}
			}
			systems = keep
		}
		r, err := Run(ctx, size, systems, o)
		if err != nil {
			fmt.Fprintln(stderr, "FAIL:", err)
			failed = true
		}
		if r == nil {
			break
		}
		results = append(results, r)
		for _, m := range r.Mismatches {
			fmt.Fprintln(stderr, "  mismatch:", m)
		}
		// Each size's table goes to the log as soon as it is measured, and
		// the JSON is rewritten, so a later size that fails loses nothing.
		Markdown(stderr, []*Result{r})
		if *jsonOut != "" {
			if err := WriteJSON(*jsonOut, results); err != nil {
				fmt.Fprintln(stderr, err)
				return 1
			}
		}
	}
	if *merge != "" {
		var err error
		if results, err = Merge(results, *merge); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		for _, r := range results {
			if len(r.Mismatches) > 0 {
				failed = true
			}
		}
	}
	Markdown(stdout, results)
	if failed {
		fmt.Fprintln(stderr, "FAIL: answers differ from Gatehouse's (see above)")
		return 1
	}
	return 0
}
