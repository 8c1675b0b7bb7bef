package benchmarks

import (
	"math/rand/v2"
	"testing"
)

// floorKeys is how many keys the floor's map holds: about as many as the
// addresses, entities and classes a 100k cluster's flows reach, so that a
// probe misses the caches as an engine's first probe does.
const floorKeys = 700_000

// floorKey is shaped like the keys an evaluation probes with: an address
// and a little more.
type floorKey struct {
	hi, lo uint64
	port   uint16
	proto  uint8
}

// BenchmarkFloor looks up one random key of a Go map of 700k struct keys
// per operation: the cost of one cache-missing probe on this machine, the
// unit the report divides every Cluster figure by. The probes are drawn
// before the timer starts and read in order, so the operation is the
// lookup alone.
func BenchmarkFloor(b *testing.B) {
	r := rand.New(rand.NewPCG(23, 700))
	keys := make([]floorKey, floorKeys)
	m := make(map[floorKey]uint32, floorKeys)
	for i := range keys {
		keys[i] = floorKey{hi: r.Uint64(), lo: r.Uint64(), port: uint16(r.Uint32()), proto: uint8(r.Uint32())}
		m[keys[i]] = uint32(i)
	}
	probes := make([]floorKey, 1<<20)
	for i := range probes {
		probes[i] = keys[r.IntN(len(keys))]
	}
	var sum uint32
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		sum += m[probes[i&(len(probes)-1)]]
	}
	if sum == 1 {
		b.Log(sum) // keeps the lookups from being optimised away
	}
}
