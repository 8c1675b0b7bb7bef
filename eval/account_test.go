package eval_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/verdictlabs/verdict/benchmarks/workload"
	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/eval/reference"
	"github.com/verdictlabs/verdict/internal/conformance"
	"github.com/verdictlabs/verdict/model"
)

// accountAgrees compares the reference's Account with the compiled
// engine's Explain on one flow: the verdicts, and the hits of every walk.
// It also checks that each rule looked at either matched or names the
// criterion it failed.
func accountAgrees(ref *reference.Evaluator, eng *eval.Engine, f model.Flow) string {
	a := ref.Account(f)
	x := eng.Explain(f)
	if diff := cmp.Diff(x.Verdict, a.Verdict); diff != "" {
		return "verdict (-Explain +Account):\n" + diff
	}
	for _, side := range []struct {
		name string
		acc  model.SideAccount
		tr   model.Trace
	}{{"egress", a.Egress, x.Egress}, {"ingress", a.Ingress, x.Ingress}} {
		for _, w := range []struct {
			name string
			walk model.WalkAccount
			hits []model.Hit
		}{{"enforced", side.acc.Walk, side.tr.Hits}, {"pending", side.acc.Pending, side.tr.PendingHits}} {
			if diff := cmp.Diff(w.hits, w.walk.Hits(), cmpopts.EquateEmpty()); diff != "" {
				return fmt.Sprintf("%s %s hits (-Explain +Account):\n%s", side.name, w.name, diff)
			}
			for _, t := range w.walk.Tiers {
				for _, p := range t.Policies {
					for _, r := range p.Rules {
						if r.Matched == (r.Failed != nil) {
							return fmt.Sprintf("%s %s: %s %s rule %d: matched %v with failed criterion %v", side.name, w.name, p.Kind, p.Name, r.Index, r.Matched, r.Failed)
						}
					}
				}
			}
		}
	}
	return ""
}

// TestAccountConformance: on every Calico case, the reference's account
// walks to the hits the compiled engine explains.
func TestAccountConformance(t *testing.T) {
	var cases []conformance.Case
	for _, name := range []string{"verdicts.jsonl", "verdicts-extended.jsonl", "verdicts-cnp-http.jsonl"} {
		cs, err := conformance.ReadFile(filepath.Join("..", "internal", "conformance", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, cs...)
	}
	checked := 0
	for _, c := range cases {
		s, err := c.Build()
		if err != nil {
			continue // a case Calico rejects; the conformance tests cover it
		}
		ref, rerr := reference.New(s.Set)
		eng, eerr := eval.New(s.Set)
		if rerr != nil || eerr != nil {
			continue
		}
		if diff := accountAgrees(ref, eng, s.Flow); diff != "" {
			t.Errorf("case %s: %s", c.ID, diff)
		}
		checked++
	}
	if checked < 2000 {
		t.Errorf("checked %d cases, want most of the %d", checked, len(cases))
	}
}

// TestAccountDifferential does the same on generated clusters.
func TestAccountDifferential(t *testing.T) {
	clusters, endpoints, flows, _ := diffSizes()
	for i := range clusters {
		seed := *diffSeed + uint64(i)
		p := workload.DefaultClusterParams(endpoints)
		p.Seed = seed
		p.Flows = flows
		c := workload.NewCluster(p)
		ref, err := reference.New(c.Set)
		if err != nil {
			t.Fatal(err)
		}
		eng, err := eval.New(c.Set)
		if err != nil {
			t.Fatal(err)
		}
		for j, f := range c.Flows {
			if diff := accountAgrees(ref, eng, f); diff != "" {
				t.Fatalf("cluster seed %d, flow %d: %s", seed, j, diff)
			}
		}
	}
}
