package benchmarks

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/verdictlabs/verdict/analysis"
	"github.com/verdictlabs/verdict/analysis/flowlog"
	"github.com/verdictlabs/verdict/benchmarks/workload"
	"github.com/verdictlabs/verdict/model"
)

// flowsPool is how many distinct records the replay benchmarks render; a
// reader cycles over them, so the input costs no memory per record.
const flowsPool = 10_000

// renderFlows writes the first flowsPool flows of the cluster as Verdict
// JSON lines, addresses on both sides, as a flow log exporter would.
func renderFlows(c workload.Cluster) []byte {
	var b bytes.Buffer
	for _, f := range c.Flows[:min(len(c.Flows), flowsPool)] {
		fmt.Fprintf(&b, `{"src":"%s","dst":"%s","proto":%d,"sport":%d,"dport":%d`, f.Src, f.Dst, f.Protocol, f.SrcPort, f.DstPort)
		if f.ICMP != nil {
			fmt.Fprintf(&b, `,"icmp_type":%d,"icmp_code":%d`, f.ICMP.Type, f.ICMP.Code)
		}
		b.WriteString(`,"count":1}` + "\n")
	}
	return b.Bytes()
}

// cycleReader yields pool over and over, passes times.
type cycleReader struct {
	pool   []byte
	passes int
	off    int
}

func (r *cycleReader) Read(p []byte) (int, error) {
	if r.off == len(r.pool) {
		if r.passes <= 1 {
			return 0, io.EOF
		}
		r.passes--
		r.off = 0
	}
	n := copy(p, r.pool[r.off:])
	r.off += n
	return n, nil
}

// records returns a reader of n records (a multiple of the pool's lines).
func records(b *testing.B, pool []byte, lines, n int) *flowlog.Reader {
	b.Helper()
	r, err := flowlog.NewReader(&cycleReader{pool: pool, passes: n / lines}, "flows.jsonl", flowlog.Verdict)
	if err != nil {
		b.Fatal(err)
	}
	return r
}

// heapPeaks samples the heap while run runs and returns two peaks: of the
// heap's objects, garbage included, and of the live heap the collector
// found at the end of each cycle. Only the second says whether memory
// grows with the records: garbage swells the first up to wherever the
// collector's pacing lets it, and a longer run reaches further.
func heapPeaks(run func()) (objects, live uint64) {
	runtime.GC()
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
	var peakObjects, peakLive atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(samples)
			if v := samples[0].Value.Uint64(); v > peakObjects.Load() {
				peakObjects.Store(v)
			}
			if v := samples[1].Value.Uint64(); v > peakLive.Load() {
				peakLive.Store(v)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	run()
	close(done)
	wg.Wait()
	runtime.GC()
	metrics.Read(samples)
	return peakObjects.Load(), max(peakLive.Load(), samples[1].Value.Uint64())
}

// replayBenchmark measures one replay of n records per operation, end to
// end from JSON lines on every core, with the heap's peak and how much
// the live heap's peak at n exceeds that at a tenth of n. The cluster and
// its engine are built outside the timer.
func replayBenchmark(b *testing.B, endpoints int, replay func(r *flowlog.Reader) error) {
	n := pick(1_000_000, 20_000)
	c := cluster(endpoints)
	pool := renderFlows(c)
	lines := bytes.Count(pool, []byte("\n"))
	n -= n % lines
	small := max(lines, n/10-(n/10)%lines)
	_, smallLive := heapPeaks(func() {
		if err := replay(records(b, pool, lines, small)); err != nil {
			b.Fatal(err)
		}
	})
	var peak, live uint64
	b.ResetTimer()
	cpu0 := cpuTime()
	start := time.Now()
	ops := 0
	for b.Loop() {
		objects, l := heapPeaks(func() {
			if err := replay(records(b, pool, lines, n)); err != nil {
				b.Fatal(err)
			}
		})
		peak, live = max(peak, objects), max(live, l)
		ops++
	}
	elapsed := time.Since(start)
	b.ReportMetric(float64(n*ops)/elapsed.Seconds(), "records/s")
	// On a shared machine the wall clock measures the neighbours too;
	// records per second of this process's CPU time do not.
	b.ReportMetric(float64(n*ops)/(cpuTime()-cpu0).Seconds(), "records/cpu-s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric((float64(live)-float64(smallLive))/(1<<20), "heap-growth-MB")
}

// BenchmarkImpact replays a million records (twenty thousand with -short)
// against the enforced and pending verdicts of the 100k cluster (1k with
// -short), as "verdict impact" does.
func BenchmarkImpact(b *testing.B) {
	endpoints := pick(100_000, 1_000)
	c := cluster(endpoints)
	r, err := analysis.NewReplayer(c.Set, analysis.ModePending, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	replayBenchmark(b, endpoints, func(rd *flowlog.Reader) error {
		_, err := r.Run([]*flowlog.Reader{rd}, analysis.Options{})
		return err
	})
}

// BenchmarkRecommend learns policies for the busiest namespace of the
// same cluster from the same records, as "verdict recommend" does.
func BenchmarkRecommend(b *testing.B) {
	endpoints := pick(100_000, 1_000)
	c := cluster(endpoints)
	count := map[string]int{}
	var busiest string
	for i := range c.Set.Endpoints {
		ep := &c.Set.Endpoints[i]
		if ep.Kind == model.KindWorkloadEndpoint && ep.Namespace != "" {
			count[ep.Namespace]++
			if count[ep.Namespace] > count[busiest] {
				busiest = ep.Namespace
			}
		}
	}
	rec, err := analysis.NewRecommender(c.Set, analysis.RecommendOptions{Namespace: busiest})
	if err != nil {
		b.Fatal(err)
	}
	replayBenchmark(b, endpoints, func(rd *flowlog.Reader) error {
		obs, err := analysis.Stream([]*flowlog.Reader{rd}, analysis.Options{}, analysis.NewObserved, rec.Add, func(a, o *analysis.Observed) { a.Merge(o) })
		if err == nil {
			rec.Policies(obs)
		}
		return err
	})
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
