package benchmarks

import (
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/verdictlabs/verdict/benchmarks/workload"
	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/eval/reference"
	"github.com/verdictlabs/verdict/model"
)

// referenceSample is how many of a workload's flows a reference
// sub-benchmark cycles over: enough to mix the kinds of flow, few enough
// that the reference's cache behaviour is not what gets measured.
const referenceSample = 256

// pick returns full, or short when the run was asked to be short.
func pick(full, short int) int {
	if testing.Short() {
		return short
	}
	return full
}

// fullSizeOnly skips a sub-benchmark whose name states a size that a
// short run cannot afford: its name must not lie about what it measured.
func fullSizeOnly(b *testing.B) {
	b.Helper()
	if testing.Short() {
		b.Skip("full size only; run without -short")
	}
}

// clusters caches generated clusters by endpoint count: generating 100k
// endpoints takes longer than most of the benchmarks that share them.
var clusters = struct {
	sync.Mutex
	m map[int]workload.Cluster
}{m: map[int]workload.Cluster{}}

// cluster returns the default cluster with n endpoints.
func cluster(n int) workload.Cluster {
	clusters.Lock()
	defer clusters.Unlock()
	c, ok := clusters.m[n]
	if !ok {
		c = workload.NewCluster(workload.LargeClusterParams(n))
		clusters.m[n] = c
	}
	return c
}

// engines caches compiled engines that no benchmark changes.
var engines = struct {
	sync.Mutex
	m map[int]*eval.Engine
}{m: map[int]*eval.Engine{}}

// clusterEngine returns an engine over cluster(n), shared between the
// benchmarks that only read it.
func clusterEngine(b *testing.B, n int) *eval.Engine {
	engines.Lock()
	defer engines.Unlock()
	e, ok := engines.m[n]
	if !ok {
		e = newEngine(b, cluster(n).Set)
		engines.m[n] = e
	}
	return e
}

// forget drops the cluster of n endpoints and its engine from the caches
// once the last benchmark using them is done: the benchmarks after it
// would otherwise run beside gigabytes of live heap at 100k, which the
// collector makes every allocation pay for.
func forget(n int) {
	clusters.Lock()
	delete(clusters.m, n)
	clusters.Unlock()
	engines.Lock()
	delete(engines.m, n)
	engines.Unlock()
	runtime.GC()
}

// newEngine compiles set or fails the benchmark.
func newEngine(b *testing.B, set model.Set) *eval.Engine {
	b.Helper()
	e, err := eval.New(set)
	if err != nil {
		b.Fatalf("eval.New: %v", err)
	}
	return e
}

// newReference builds the reference evaluator over set or fails the
// benchmark.
func newReference(b *testing.B, set model.Set) *reference.Evaluator {
	b.Helper()
	r, err := reference.New(set)
	if err != nil {
		b.Fatalf("reference.New: %v", err)
	}
	return r
}

// sizeName names a size as the benchmark names do: 1k, 10k, 100k.
func sizeName(n int) string {
	if n >= 1000 && n%1000 == 0 {
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}
