package compile

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verdictlabs/verdict/benchmarks/workload"
	"github.com/verdictlabs/verdict/eval/reference"
)

// TestParallelCompile compiles a cluster with enough entities to compute
// their labels and enough label sets to complete them in parallel, and
// holds the result to the reference. Run with -race, it also checks that
// the workers share nothing unlocked.
func TestParallelCompile(t *testing.T) {
	defer func(old int) { parallelLabels = old }(parallelLabels)
	parallelLabels = 256
	p := workload.DefaultClusterParams(1200)
	p.Flows = 400
	c := workload.NewCluster(p)
	prog := mustCompile(t, c.Set)
	if n := prog.Stats().Classes; n < 2*parallelClasses {
		t.Fatalf("only %d classes: the parallel path is not taken", n)
	}
	if n := prog.Stats().Entities; n < 2*parallelLabels {
		t.Fatalf("only %d entities: the parallel labelling is not taken", n)
	}
	ref, err := reference.New(c.Set)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range c.Flows {
		if diff := cmp.Diff(ref.Evaluate(f), prog.Evaluate(f)); diff != "" {
			t.Fatalf("%v -> %v (-reference +compiled):\n%s", f.Src, f.Dst, diff)
		}
	}
}
