package workload_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verdictlabs/verdict/benchmarks/workload"
	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/eval/reference"
	"github.com/verdictlabs/verdict/model"
)

// agree builds both evaluators over the set and fails unless they give
// the same verdict for every flow; it returns the compiled engine.
func agree(t *testing.T, set model.Set, flows ...model.Flow) *eval.Engine {
	t.Helper()
	e, err := eval.New(set)
	if err != nil {
		t.Fatalf("eval.New: %v", err)
	}
	ref, err := reference.New(set)
	if err != nil {
		t.Fatalf("reference.New: %v", err)
	}
	for _, f := range flows {
		if d := cmp.Diff(ref.Evaluate(f), e.Evaluate(f), cmpOpts...); d != "" {
			t.Fatalf("compiled and reference disagree on %v (-reference +compiled):\n%s", f, d)
		}
	}
	return e
}

func TestCheckerBaseline(t *testing.T) {
	c := workload.CheckerBaseline(10)
	if got := len(c.Set.Policies); got != 10 {
		t.Fatalf("%d policies, want 10", got)
	}
	named := 0
	for _, p := range c.Set.Policies {
		for _, r := range p.Ingress {
			if r.Source.Selector != nil {
				named++
			}
		}
	}
	if share := float64(named) / float64(10*68); share < 0.2 || share > 0.3 {
		t.Errorf("%.2f of rules name an address set, want about 0.24", share)
	}
	e := agree(t, c.Set, c.FullWalk, c.Early)
	if v := e.Evaluate(c.FullWalk); !v.Ingress.Enforced || !v.Ingress.Decision.EndOfProfiles {
		t.Errorf("the full walk should end after the profiles: %+v", v.Ingress)
	}
	if v := e.Evaluate(c.Early); v.Ingress.Decision.EndOfProfiles {
		t.Errorf("the early flow should be decided by a rule: %+v", v.Ingress)
	}
	if d := cmp.Diff(c, workload.CheckerBaseline(10), cmpOpts...); d != "" {
		t.Errorf("CheckerBaseline is not deterministic:\n%s", d)
	}
}

func TestSharedLabel(t *testing.T) {
	s := workload.SharedLabel(50)
	if got := len(s.Set.Policies); got != 50 {
		t.Fatalf("%d policies, want 50", got)
	}
	checkValid(t, "shared label", s.Set)
	e := agree(t, s.Set, s.Flow)
	if !e.Evaluate(s.Flow).Allowed() {
		t.Fatalf("the client should be allowed by the first policy: %+v", e.Evaluate(s.Flow))
	}
	for i := range 4 {
		if err := e.Apply(model.Change{Upserts: model.Set{Endpoints: s.Relabel[(i+1)%2 : (i+1)%2+1]}}); err != nil {
			t.Fatalf("relabel %d: %v", i, err)
		}
	}
	// The toggled label is the one the first policy's has() needs: without
	// it no policy admits the client.
	s.Set.Endpoints[0] = s.Relabel[1]
	e = agree(t, s.Set, s.Flow)
	if e.Evaluate(s.Flow).Allowed() {
		t.Error("without k-0 the client should be denied")
	}
}

func TestColdStart(t *testing.T) {
	c := workload.ColdStart(5000)
	if got := len(c.Set.Endpoints); got != 5000 {
		t.Errorf("%d endpoints, want 5000", got)
	}
	if got := len(c.Set.Policies); got != 200 {
		t.Errorf("%d policies, want 200", got)
	}
	if got := len(c.Set.Namespaces); got != 2 {
		t.Errorf("%d namespaces, want 2", got)
	}
	agree(t, c.Set, c.Flows[:100]...)
	checkValid(t, "cold start", workload.ColdStart(300).Set)
}
