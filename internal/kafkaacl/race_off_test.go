//go:build !race

package kafkaacl

const raceEnabled = false
