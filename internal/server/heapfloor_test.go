package server

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestGCPercent(t *testing.T) {
	for _, tc := range []struct {
		name              string
		base              int
		live, floor, want uint64
	}{
		{"tiny heap: goal at the floor", 100, 4 << 20, 64 << 20, 1500},
		{"empty heap counts as a megabyte", 100, 0, 64 << 20, 5000},
		{"goal just below the floor", 100, 31 << 20, 64 << 20, 106},
		{"goal at the floor: usual pace", 100, 32 << 20, 64 << 20, 100},
		{"large heap: usual pace", 100, 500 << 20, 64 << 20, 100},
		{"other base", 50, 100 << 20, 64 << 20, 50},
		{"bounded", 100, 1 << 20, 1 << 40, maxGCPercent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := gcPercent(tc.base, tc.live, tc.floor); uint64(got) != tc.want {
				t.Fatalf("gcPercent(%d, %d, %d) = %d, want %d", tc.base, tc.live, tc.floor, got, tc.want)
			}
		})
	}
}

// TestHeapTunerFollowsCollections: the tuner sets the pace when armed and
// again after every collection, and stops when told. (The pace it sets is
// gcPercent's; it is not read back here, since servers started by other
// tests of the package run the process's own tuner.)
func TestHeapTunerFollowsCollections(t *testing.T) {
	old := debug.SetGCPercent(basePercent)
	defer debug.SetGCPercent(old)
	tu := newHeapTuner(heapFloor)
	tu.arm()
	if got := tu.runs.Load(); got != 1 {
		t.Fatalf("%d adjustments once armed, want 1", got)
	}
	collect := func() {
		t.Helper()
		before := tu.runs.Load()
		for deadline := time.Now().Add(10 * time.Second); tu.runs.Load() == before; {
			if time.Now().After(deadline) {
				t.Fatal("no adjustment after a collection")
			}
			runtime.GC()
			time.Sleep(time.Millisecond)
		}
	}
	for range 3 {
		collect()
	}
	tu.stopped.Store(true)
	runtime.GC()
	time.Sleep(20 * time.Millisecond) // one already queued may still run
	stopped := tu.runs.Load()
	for range 3 {
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
	}
	if got := tu.runs.Load(); got != stopped {
		t.Fatalf("%d adjustments after the tuner stopped", got-stopped)
	}
}
