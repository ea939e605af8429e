package server

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// heapFloor is the smallest heap goal the garbage collector is held to.
//
// With the collector's default pace (a new cycle once the heap has grown by
// as much as survived the last), a server whose live heap is a few
// megabytes collects dozens of times a second under load: 10-20% of its
// CPU, and every cycle's mark phase takes a core from requests for a few
// milliseconds, which was most of the single-check p99 at 8 connections
// (2.6-3.1 ms with the default pace, 1.0-1.5 ms with collections ten times
// rarer, on the same loaded machine). Holding the goal at this floor costs
// at most this much memory of garbage; a server whose live heap is larger
// (the engine at a million grants is hundreds of megabytes) paces as
// before.
const heapFloor = 64 << 20

// maxGCPercent bounds the pace set for a tiny live heap.
const maxGCPercent = 5000

var floorOnce sync.Once

// holdHeapFloor keeps the collector's heap goal at least heapFloor for the
// rest of the process, unless the operator paced it with GOGC. It adjusts
// the pace after every collection; a memory limit (GOMEMLIMIT) still
// applies over it.
func holdHeapFloor() {
	if os.Getenv("GOGC") != "" {
		return
	}
	floorOnce.Do(func() { newHeapTuner(heapFloor).arm() })
}

// heapTuner sets the collector's pace after each collection so that the
// next one starts at the larger of the usual goal and the floor.
type heapTuner struct {
	floor   uint64 // bytes
	sample  []metrics.Sample
	stopped atomic.Bool  // no more adjustments (tests)
	runs    atomic.Int64 // adjustments made (tests)
}

// basePercent is the collector's pace without a floor (GOGC's default).
const basePercent = 100

func newHeapTuner(floor uint64) *heapTuner {
	return &heapTuner{floor: floor, sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
}

// gcPercent is the pace that puts the goal at floor for a live heap of
// live bytes, or base when that already does.
func gcPercent(base int, live, floor uint64) int {
	live = max(live, 1<<20)
	if live*uint64(100+base)/100 >= floor {
		return base
	}
	return min(int((floor-live)*100/live), maxGCPercent)
}

func (t *heapTuner) adjust() {
	metrics.Read(t.sample)
	live := uint64(0)
	if t.sample[0].Value.Kind() == metrics.KindUint64 {
		live = t.sample[0].Value.Uint64()
	}
	debug.SetGCPercent(gcPercent(basePercent, live, t.floor))
}

// sentinel is garbage from the moment it is made: its cleanup runs after
// the next collection, which is how the tuner hears of each one.
type sentinel struct{ _ *heapTuner }

// arm sets the pace for the heap as it is now and again after each
// collection, until stopped.
func (t *heapTuner) arm() {
	if t.stopped.Load() {
		return
	}
	t.adjust()
	t.runs.Add(1)
	runtime.AddCleanup(&sentinel{t}, (*heapTuner).arm, t)
}
