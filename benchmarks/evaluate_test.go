package benchmarks

import (
	"testing"

	"github.com/verdictlabs/verdict/benchmarks/workload"
	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/model"
)

// evaluateFlows measures one flow per operation, cycling over flows.
func evaluateFlows(b *testing.B, e eval.Evaluator, flows []model.Flow) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		e.Evaluate(flows[i%len(flows)])
	}
}

// sample returns the fixed prefix of flows a reference sub-benchmark
// cycles over.
func sample(flows []model.Flow) []model.Flow {
	return flows[:min(len(flows), referenceSample)]
}

// BenchmarkCheckerBaseline evaluates the flows of Calico's per-flow
// checker shape: one that walks every rule and one that the first policy
// decides.
func BenchmarkCheckerBaseline(b *testing.B) {
	c := workload.CheckerBaseline(pick(workload.CheckerPolicies, 30))
	evaluators := []struct {
		name string
		new  func() eval.Evaluator
	}{
		{"compiled", func() eval.Evaluator { return newEngine(b, c.Set) }},
		{"reference", func() eval.Evaluator { return newReference(b, c.Set) }},
	}
	for _, ev := range evaluators {
		b.Run(ev.name, func(b *testing.B) {
			e := ev.new()
			b.Run("fullwalk", func(b *testing.B) { evaluateFlows(b, e, []model.Flow{c.FullWalk}) })
			b.Run("early", func(b *testing.B) { evaluateFlows(b, e, []model.Flow{c.Early}) })
		})
	}
}

// clusterSizes are the endpoint counts of BenchmarkCluster, over
// workload.LargeClusterParams: a random Calico policy per ten endpoints
// (10k at 100k, a few hundred of them global) besides the Kubernetes
// NetworkPolicy each application has.
var clusterSizes = []int{1_000, 10_000, 100_000}

// BenchmarkCluster evaluates generated flows over default clusters of
// 1k, 10k and 100k endpoints.
func BenchmarkCluster(b *testing.B) {
	b.Run("compiled", func(b *testing.B) {
		for _, n := range clusterSizes {
			b.Run(sizeName(n), func(b *testing.B) {
				if n > 10_000 {
					fullSizeOnly(b)
				}
				evaluateFlows(b, clusterEngine(b, n), cluster(n).Flows)
			})
		}
	})
	b.Run("reference", func(b *testing.B) {
		for _, n := range clusterSizes {
			b.Run(sizeName(n), func(b *testing.B) {
				if n > 10_000 {
					fullSizeOnly(b)
				}
				c := cluster(n)
				evaluateFlows(b, newReference(b, c.Set), sample(c.Flows))
			})
		}
	})
}

// repeatSet is how many flows BenchmarkClusterRepeat cycles over.
const repeatSet = 4096

// BenchmarkClusterRepeat evaluates a working set of 4,096 flows of the
// same clusters as BenchmarkCluster over and over: traffic that repeats,
// as a flow log's does, each flow seen twice before the timer starts.
func BenchmarkClusterRepeat(b *testing.B) {
	b.Run("compiled", func(b *testing.B) {
		for _, n := range clusterSizes {
			b.Run(sizeName(n), func(b *testing.B) {
				if n > 10_000 {
					fullSizeOnly(b)
				}
				flows := cluster(n).Flows
				flows = flows[:min(len(flows), repeatSet)]
				e := clusterEngine(b, n)
				// Two sightings before the timer, so that the figure
				// is traffic that repeats, not the first two rounds'
				// walks, which at 100k outweigh a second of hits.
				for range 2 {
					for _, f := range flows {
						e.Evaluate(f)
					}
				}
				evaluateFlows(b, e, flows)
			})
		}
	})
}

// BenchmarkClusterParallel evaluates from every core at once over one
// engine, which readers share without locks.
func BenchmarkClusterParallel(b *testing.B) {
	n := pick(100_000, 1_000)
	// The last benchmark to use the largest cluster.
	defer forget(n)
	b.Run("compiled", func(b *testing.B) {
		e, flows := clusterEngine(b, n), cluster(n).Flows
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for i := 0; pb.Next(); i++ {
				e.Evaluate(flows[i%len(flows)])
			}
		})
	})
}
