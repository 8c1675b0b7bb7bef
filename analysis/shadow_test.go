package analysis

import (
	"fmt"
	"testing"

	"github.com/verdictlabs/verdict/benchmarks/workload"
	"github.com/verdictlabs/verdict/eval/reference"
	"github.com/verdictlabs/verdict/model"
)

// No rule reported shadowed is ever hit: enforced rules on the enforced
// walk, staged ones on the pending walk, over the reference evaluator's
// traces of every generated flow.
func TestShadowingIsSound(t *testing.T) {
	total := 0
	for _, seed := range []uint64{1, 2, 3} {
		p := workload.DefaultClusterParams(40 + 20*int(seed))
		p.Seed = seed
		c := workload.NewCluster(p)
		findings, err := Lint(c.Set, LintOptions{})
		if err != nil {
			t.Fatal(err)
		}
		shadowed := map[string]Finding{}
		for _, f := range findings {
			if f.Code == CodeRuleShadowed {
				shadowed[fmt.Sprintf("%s/%s/%s %s", f.Kind, f.Namespace, f.Name, f.Path)] = f
			}
		}
		total += len(shadowed)
		ref, err := reference.New(c.Set)
		if err != nil {
			t.Fatal(err)
		}
		hit := func(h model.Hit, d model.Direction, pendingWalk bool) {
			if h.Index < 0 || h.Kind == model.KindProfile || h.Kind.Staged() != pendingWalk {
				return
			}
			key := fmt.Sprintf("%s/%s/%s spec.%s[%d]", h.Kind, h.Namespace, h.Name, dirField(d), h.Index)
			if f, ok := shadowed[key]; ok {
				t.Errorf("seed %d: %s is hit, but lint says: %s", seed, key, f.Message)
				delete(shadowed, key)
			}
		}
		for _, fl := range c.Flows {
			x := ref.Explain(fl)
			for _, side := range []struct {
				d  model.Direction
				tr model.Trace
			}{{model.Egress, x.Egress}, {model.Ingress, x.Ingress}} {
				for _, h := range append(side.tr.Hits, side.tr.Logs...) {
					hit(h, side.d, false)
				}
				for _, h := range append(side.tr.PendingHits, side.tr.PendingLogs...) {
					hit(h, side.d, true)
				}
			}
		}
	}
	if total == 0 {
		t.Error("no rule reported shadowed in any generated cluster: the test checks nothing")
	}
	t.Logf("%d rules reported shadowed", total)
}
