package benchmarks

import (
	"bytes"
	"runtime"
	"testing"

	"github.com/verdictlabs/verdict/benchmarks/workload"
	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy"
)

// heapInUse returns the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// compile measures eval.New over set and reports as heap-MB the live
// heap the last engine holds beyond the set it was built from.
func compile(b *testing.B, set model.Set) {
	before := heapInUse()
	var e *eval.Engine
	b.ReportAllocs()
	for b.Loop() {
		// Dropping the previous engine first keeps two of them from being
		// alive at once, which would double the peak the run needs.
		e = nil
		e = newEngine(b, set)
	}
	b.StopTimer()
	after := heapInUse()
	runtime.KeepAlive(e)
	b.ReportMetric(float64(int64(after)-int64(before))/(1<<20), "heap-MB")
}

// BenchmarkCompile builds engines from scratch, reporting the live heap
// an engine holds as heap-MB.
func BenchmarkCompile(b *testing.B) {
	b.Run("coldstart", func(b *testing.B) {
		compile(b, workload.ColdStart(pick(workload.ColdStartEndpoints, 10_000)).Set)
	})
	b.Run("cluster100k", func(b *testing.B) {
		fullSizeOnly(b)
		compile(b, cluster(100_000).Set)
	})
}

// BenchmarkLoad decodes and validates a 100k cluster's resources as
// JSON, the step before compiling when an agent starts from files.
func BenchmarkLoad(b *testing.B) {
	b.Run("100k", func(b *testing.B) {
		fullSizeOnly(b)
		var doc bytes.Buffer
		if err := policy.Encode(&doc, cluster(100_000).Set, "json"); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(doc.Len()))
		b.ReportAllocs()
		for b.Loop() {
			// The whole cluster is one document, larger than a loader
			// reads from one input by default.
			l := policy.NewLoader(policy.MaxInputSize(int64(doc.Len())))
			if err := l.Add("cluster.json", bytes.NewReader(doc.Bytes())); err != nil {
				b.Fatal(err)
			}
			if _, err := l.Finish(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
