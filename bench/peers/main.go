// Command peers compares Gatehouse's decision engine with Casbin, OPA and
// OpenFGA on the engine's generated datasets: it loads the same facts into
// each, fails when any answer differs, and prints a Markdown table of
// check latency, throughput, listings, updates, load time and memory, with
// each peer's ratio to Gatehouse. SpiceDB runs from the spicedb
// sub-module, whose command can merge its results with this one's.
package main

import (
	"os"

	"github.com/gatehouse-dev/gatehouse/bench/peers/casbinpeer"
	"github.com/gatehouse-dev/gatehouse/bench/peers/compare"
	"github.com/gatehouse-dev/gatehouse/bench/peers/fgapeer"
	"github.com/gatehouse-dev/gatehouse/bench/peers/opapeer"
)

func main() {
	os.Exit(compare.Main(os.Args[1:], os.Stdout, os.Stderr, func() []compare.System {
		return []compare.System{compare.NewGatehouse(), casbinpeer.New(), opapeer.New(), fgapeer.New()}
	}))
}
