//go:build !unix

package console_test

import "time"

// cpuTime is not measured here: the benchmark reports zero CPU time.
func cpuTime() time.Duration { return 0 }
