//go:build race

package kafkaacl

// raceEnabled shortens the randomized comparisons, which the race
// detector slows twentyfold; the race test targets concurrency, not
// coverage of random rule sets.
const raceEnabled = true
