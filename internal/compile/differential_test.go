package compile

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verdictlabs/verdict/eval/reference"
	"github.com/verdictlabs/verdict/model"
)

// agree checks a program against the reference evaluator on random flows,
// for every entry point, hit for hit.
func agree(t *testing.T, g *gen, p *Program, ref *reference.Evaluator, set *model.Set, flows int) {
	t.Helper()
	for range flows {
		f := g.flow()
		wantV := ref.Evaluate(f)
		if diff := cmp.Diff(wantV, p.Evaluate(f)); diff != "" {
			t.Fatalf("Evaluate(%+v) differs (-reference +compiled):\n%s", f, diff)
		}
		// Asked again, the flow is normally answered by the memo.
		if diff := cmp.Diff(wantV, p.Evaluate(f)); diff != "" {
			t.Fatalf("Evaluate(%+v) asked again differs (-reference +compiled):\n%s", f, diff)
		}
		if diff := cmp.Diff(ref.Explain(f), p.Explain(f)); diff != "" {
			t.Fatalf("Explain(%+v) differs (-reference +compiled):\n%s", f, diff)
		}
		src, dst := g.inlineEndpoint(set), g.inlineEndpoint(set)
		want := ref.ExplainEndpoints(f, src, dst)
		if diff := cmp.Diff(want, p.ExplainEndpoints(f, src, dst)); diff != "" {
			t.Fatalf("ExplainEndpoints(%+v, %+v, %+v) differs (-reference +compiled):\n%s", f, src, dst, diff)
		}
		if diff := cmp.Diff(want.Verdict, p.EvaluateEndpoints(f, src, dst)); diff != "" {
			t.Fatalf("EvaluateEndpoints(%+v) differs (-reference +compiled):\n%s", f, diff)
		}
		d := model.Ingress
		if g.chance(50) {
			d = model.Egress
		}
		wantDV, wantTr := ref.ExplainDirection(src, d, f)
		gotDV, gotTr := p.ExplainDirection(src, d, f)
		if diff := cmp.Diff(wantDV, gotDV); diff != "" {
			t.Fatalf("ExplainDirection verdict differs (-reference +compiled):\n%s", diff)
		}
		if diff := cmp.Diff(wantTr, gotTr); diff != "" {
			t.Fatalf("ExplainDirection trace differs (-reference +compiled):\n%s", diff)
		}
		if diff := cmp.Diff(wantDV, p.EvaluateDirection(src, d, f)); diff != "" {
			t.Fatalf("EvaluateDirection differs (-reference +compiled):\n%s", diff)
		}
	}
}

// mustHold stops the test when the program breaks one of its invariants.
func mustHold(t *testing.T, p *Program, format string, args ...any) {
	t.Helper()
	if err := p.CheckInvariants(); err != nil {
		t.Fatalf("%s: broken invariants:\n%v", fmt.Sprintf(format, args...), err)
	}
}

// inlineEndpoint returns nil, a registered endpoint as it is, one with
// changed labels, or a new one.
func (g *gen) inlineEndpoint(set *model.Set) *model.Endpoint {
	switch g.r.IntN(4) {
	case 0:
		return nil
	case 1:
		if len(set.Endpoints) > 0 {
			ep := set.Endpoints[g.r.IntN(len(set.Endpoints))]
			return &ep
		}
	case 2:
		if len(set.Endpoints) > 0 {
			ep := set.Endpoints[g.r.IntN(len(set.Endpoints))]
			ep.Labels = g.labels()
			if g.chance(30) {
				ep.Labels["fresh"] = "never-seen"
			}
			return &ep
		}
	}
	ep := g.endpoint(100 + g.r.IntN(3))
	if g.chance(30) {
		ep.Addresses = nil
	}
	return &ep
}

func TestDifferentialCompile(t *testing.T) {
	cases := 1500
	if testing.Short() || raceEnabled {
		cases = 300
	}
	for seed := range uint64(cases) {
		g := newGen(seed)
		set := g.set()
		ref, refErr := reference.New(set)
		p, err := Compile(set)
		if (refErr == nil) != (err == nil) {
			t.Fatalf("seed %d: reference error %v, compiled error %v", seed, refErr, err)
		}
		if err != nil {
			continue
		}
		mustHold(t, p, "seed %d: Compile", seed)
		agree(t, g, p, ref, &set, 30)
		// Compiling the program's own set again answers the same.
		again, err := Compile(p.Set())
		if err != nil {
			t.Fatalf("seed %d: recompiling Set(): %v", seed, err)
		}
		mustHold(t, again, "seed %d: Compile(Set())", seed)
		agree(t, g, again, ref, &set, 10)
	}
}

// TestDifferentialClassified repeats the comparison with every tier of
// three rules or more classified, so that the classifier's answers are
// held to the reference's as well as the linear walk's.
func TestDifferentialClassified(t *testing.T) {
	defer func(old int) { classifyMin = old }(classifyMin)
	classifyMin = 3
	cases := 1500
	if testing.Short() || raceEnabled {
		cases = 300
	}
	classified := 0
	for seed := range uint64(cases) {
		g := newGen(seed + 1<<30)
		set := g.set()
		ref, refErr := reference.New(set)
		p, err := Compile(set)
		if (refErr == nil) != (err == nil) {
			t.Fatalf("seed %d: reference error %v, compiled error %v", seed, refErr, err)
		}
		if err != nil {
			continue
		}
		mustHold(t, p, "seed %d: Compile", seed)
		for i := 0; i < p.classes.len(); i++ {
			if c := p.classes.get(uint32(i)); c != nil {
				for _, r := range c.res {
					if r != nil {
						for _, tr := range r.tiers {
							if tr.classify != nil {
								classified++
							}
						}
					}
				}
			}
		}
		agree(t, g, p, ref, &set, 30)
	}
	if classified < cases/4 {
		t.Errorf("only %d classified tiers in %d sets", classified, cases)
	}
}
