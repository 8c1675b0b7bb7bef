package eval_test

import (
	"net/netip"
	"testing"

	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/eval/reference"
	"github.com/verdictlabs/verdict/model"
)

// Issue 20, point 2: Calico enforces host endpoints, and Verdict does not
// judge them yet (SPEC 8). A host endpoint on the judged side is
// unjudged, in both evaluators and through every entry point, and counts
// as denied: never "not enforced", which would let a deny-all through.
func TestHostEndpointIsUnjudged(t *testing.T) {
	bastion := model.Endpoint{Kind: model.KindHostEndpoint, Name: "bastion", Labels: map[string]string{"role": "bastion"},
		Addresses: []netip.Addr{addr("10.0.9.1")}}
	web := pod("web", "prod", "10.0.1.5", map[string]string{"app": "web"})
	set := model.Set{
		Profiles: []model.Profile{nsProfile("prod", nil)},
		Policies: []model.Policy{{
			Kind: model.KindGlobalNetworkPolicy, Name: "deny-all", Tier: model.TierDefault,
			Selector: sel("all()"), Types: []model.Direction{model.Ingress, model.Egress},
		}},
		Endpoints: []model.Endpoint{bastion, web},
	}
	eng, err := eval.New(set)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := reference.New(set)
	if err != nil {
		t.Fatal(err)
	}
	toHost := tcp("10.0.1.5", "10.0.9.1", 22)
	fromHost := tcp("10.0.9.1", "10.0.1.5", 80)
	checks := map[string]model.DirectionVerdict{
		"Engine.Evaluate ingress":           eng.Evaluate(toHost).Ingress,
		"Engine.Evaluate egress":            eng.Evaluate(fromHost).Egress,
		"Engine.Explain ingress":            eng.Explain(toHost).Verdict.Ingress,
		"Engine.EvaluateDirection":          eng.EvaluateDirection(nil, model.Ingress, toHost),
		"Engine.EvaluateDirection inline":   eng.EvaluateDirection(&bastion, model.Ingress, toHost),
		"Engine.EvaluateEndpoints inline":   eng.EvaluateEndpoints(fromHost, &bastion, nil).Egress,
		"reference.Evaluate ingress":        ref.Evaluate(toHost).Ingress,
		"reference.Evaluate egress":         ref.Evaluate(fromHost).Egress,
		"reference.EvaluateDirection":       ref.EvaluateDirection(nil, model.Ingress, toHost),
		"reference.EvaluateDirection input": ref.EvaluateDirection(&bastion, model.Ingress, toHost),
		"reference.EvaluateEndpoints":       ref.EvaluateEndpoints(fromHost, &bastion, nil).Egress,
		"reference.ExplainEndpoints":        ref.ExplainEndpoints(fromHost, &bastion, nil).Verdict.Egress,
		"reference.Account":                 ref.Account(toHost).Verdict.Ingress,
	}
	for name, dv := range checks {
		if !dv.Unjudged || dv.Enforced || dv.Endpoint != bastion.Key() {
			t.Errorf("%s: %+v, want unjudged at %s", name, dv, bastion.Key())
		}
		if dv.Allowed() || dv.PendingAllowed() {
			t.Errorf("%s: an unjudged side counts as allowed", name)
		}
	}
	if v := eng.Evaluate(toHost); v.Allowed() || v.PendingAllowed() {
		t.Errorf("a flow to the host endpoint is allowed: %+v", v)
	}
	// The other side is still judged, and a peer host endpoint is a peer.
	if eg := eng.Evaluate(toHost).Egress; !eg.Enforced || eg.Unjudged || eg.Endpoint != web.Key() {
		t.Errorf("egress at web: %+v", eg)
	}
	// A workload owning the same address is judged instead.
	dup := pod("shadow", "prod", "10.0.9.1", nil)
	set.Endpoints = append(set.Endpoints, dup)
	eng2, err := eval.New(set)
	if err != nil {
		t.Fatal(err)
	}
	ref2, err := reference.New(set)
	if err != nil {
		t.Fatal(err)
	}
	for name, dv := range map[string]model.DirectionVerdict{"compiled": eng2.Evaluate(toHost).Ingress, "reference": ref2.Evaluate(toHost).Ingress} {
		if !dv.Enforced || dv.Unjudged || dv.Endpoint != dup.Key() {
			t.Errorf("%s with a workload at the address: %+v, want the workload judged", name, dv)
		}
	}
}
