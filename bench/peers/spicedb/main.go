// Command spicedb is the SpiceDB part of the peer comparison (see
// ../main.go): SpiceDB's dependencies are many, so it lives in a module of
// its own. It measures Gatehouse and SpiceDB side by side in one process
// with the same harness, and writes JSON that the main comparison merges
// into its table (-json here, -merge there).
package main

import (
	"os"

	"github.com/gatehouse-dev/gatehouse/bench/peers/compare"
)

func main() {
	os.Exit(compare.Main(os.Args[1:], os.Stdout, os.Stderr, func() []compare.System {
		return []compare.System{compare.NewGatehouse(), newPeer()}
	}))
}
