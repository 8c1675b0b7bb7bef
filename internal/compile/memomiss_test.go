package compile

import (
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/verdictlabs/verdict/model"
)

// BenchmarkMemoMiss measures what the memo costs a flow it has not seen,
// apart from the walk: the probe, and then either a store on every miss
// ("store") or a note, with a store only on the second sighting
// ("admit", what Evaluate does). "floor" is one random probe of a Go map
// of 700k struct keys, as benchmarks.BenchmarkFloor, in the same run so
// that the ratios hold on a loaded machine.
func BenchmarkMemoMiss(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	octet := func() byte { return byte(r.IntN(256)) }
	flows := make([]model.Flow, 1<<20)
	for i := range flows {
		flows[i] = model.Flow{
			Src:      netip.AddrFrom4([4]byte{10, octet(), octet(), octet()}),
			Dst:      netip.AddrFrom4([4]byte{10, octet(), octet(), octet()}),
			Protocol: model.ProtoTCP, SrcPort: uint16(r.IntN(1 << 16)), DstPort: 80,
		}
	}
	t := newMemoTable(memoMaxSlots)
	for _, admit := range []bool{false, true} {
		b.Run(map[bool]string{false: "store", true: "admit"}[admit], func(b *testing.B) {
			var eg, in memoSide
			hits := 0
			for i := 0; b.Loop(); i++ {
				k, _ := memoKeyOf(&flows[i&(len(flows)-1)], 7)
				h := k.hash()
				if t.has(&k, h) {
					hits++
				} else if !admit || t.admit(h) {
					t.put(&k, h, &eg, &in)
				}
			}
			b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
		})
	}
	type floorKey struct {
		hi, lo uint64
		port   uint16
		proto  uint8
	}
	keys := make([]floorKey, 700_000)
	m := make(map[floorKey]uint32, len(keys))
	for i := range keys {
		keys[i] = floorKey{r.Uint64(), r.Uint64(), uint16(i), uint8(i)}
		m[keys[i]] = uint32(i)
	}
	probes := make([]floorKey, 1<<20)
	for i := range probes {
		probes[i] = keys[r.IntN(len(keys))]
	}
	b.Run("floor", func(b *testing.B) {
		var sum uint32
		for i := 0; b.Loop(); i++ {
			sum += m[probes[i&(len(probes)-1)]]
		}
		if sum == 1 {
			b.Log(sum)
		}
	})
}
