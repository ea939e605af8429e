//go:build unix

package console_test

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time (user and system) the process has used so far:
// on a shared machine, a steadier measure of a page's cost than the time
// it took.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
