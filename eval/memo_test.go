package eval_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verdictlabs/verdict/benchmarks/workload"
	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/model"
)

// TestMemoDifferential holds the engine's memo to the walk on generated
// clusters: every flow asked three times with the memo (a first sighting,
// a second that stores it, then a hit) and
// once without; then, after each batch of generated changes, the same
// flows again, which the memo must answer from the new snapshot only.
func TestMemoDifferential(t *testing.T) {
	endpoints, flows, batches := 300, 3000, 12
	if testing.Short() {
		endpoints, flows, batches = 100, 600, 4
	}
	for _, seed := range []uint64{4231, 4232} {
		p := workload.DefaultClusterParams(endpoints)
		p.Seed, p.Flows = seed, flows
		c := workload.NewCluster(p)
		eng, err := eval.New(c.Set)
		if err != nil {
			t.Fatal(err)
		}
		agreeWithWalk(t, eng, c.Flows, seed, -1)
		for b, change := range workload.Changes(c.Set, seed, batches, 3) {
			if err := eng.Apply(change); err != nil {
				t.Fatalf("cluster seed %d, batch %d: %v", seed, b, err)
			}
			agreeWithWalk(t, eng, c.Flows[:min(len(c.Flows), 500)], seed, b)
		}
	}
}

func agreeWithWalk(t *testing.T, eng *eval.Engine, flows []model.Flow, seed uint64, batch int) {
	t.Helper()
	walk := eval.WithoutMemo(eng)
	for i, f := range flows {
		want := walk.Evaluate(f)
		for pass := range 3 {
			if diff := cmp.Diff(want, eng.Evaluate(f)); diff != "" {
				t.Fatalf("cluster seed %d, after batch %d, flow %d %+v, pass %d: the memo differs from the walk (-walk +memo):\n%s", seed, batch, i, f, pass, diff)
			}
		}
	}
}
