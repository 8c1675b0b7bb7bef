package workload_test

import (
	"testing"

	"github.com/verdictlabs/verdict/benchmarks/workload"
	"github.com/verdictlabs/verdict/eval/reference"
	"github.com/verdictlabs/verdict/model"
)

// Generated flows are decided in every way the evaluator can decide: a
// healthy share allowed and denied, by rules and by tier defaults, by
// policies and by profiles, in several tiers, with staged policies
// changing some pending verdicts and some sides not enforced at all.
func TestFlowsMixVerdicts(t *testing.T) {
	p := workload.DefaultClusterParams(200)
	p.Flows = 3000
	c := workload.NewCluster(p)
	ev, err := reference.New(c.Set)
	if err != nil {
		t.Fatalf("reference.New: %v", err)
	}
	have := map[string]int{}
	allowed := 0
	for _, f := range c.Flows {
		v := ev.Evaluate(f)
		if v.Allowed() {
			allowed++
		}
		if v.Allowed() != v.PendingAllowed() {
			have["pending verdict differs"]++
		}
		for _, d := range []model.DirectionVerdict{v.Egress, v.Ingress} {
			if !d.Enforced {
				have["side not enforced"]++
				continue
			}
			h := d.Decision.Hit
			switch {
			case d.Decision.EndOfProfiles:
				have["denied at the end of the profiles"]++
			case h.Tier == model.TierProfile:
				have["decided by a profile"]++
			case h.Index == -1:
				have["decided by a tier default"]++
			case d.Decision.Allowed:
				have["allowed by a rule"]++
			default:
				have["denied by a rule"]++
			}
			if h.Tier != "" {
				have["tier "+h.Tier]++
			}
		}
	}
	share := float64(allowed) / float64(len(c.Flows))
	t.Logf("%.0f%% of %d flows allowed; %v", 100*share, len(c.Flows), have)
	if share < 0.2 || share > 0.8 {
		t.Errorf("%.0f%% of flows allowed, want a mix between 20%% and 80%%", 100*share)
	}
	for _, want := range []string{"pending verdict differs", "side not enforced", "decided by a profile",
		"decided by a tier default", "allowed by a rule", "denied by a rule",
		"tier security", "tier platform", "tier default", "tier kube-admin"} {
		if have[want] == 0 {
			t.Errorf("no flow was %s", want)
		}
	}
}
