package reference

import (
	"net/netip"
	"testing"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// Small builders for hand-made models. They keep the tables readable: a
// test states the policies, endpoints and flow that matter and nothing
// else.

func sel(s string) *selector.Selector { return selector.MustParse(s) }

func order(f float64) *float64 { return &f }

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

func prefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

func u8(v uint8) *uint8 { return &v }

// pod is a Kubernetes workload endpoint with the namespace profile as
// Calico gives it.
func pod(name, ns, ip string, labels map[string]string) model.Endpoint {
	return model.Endpoint{
		Kind:         model.KindWorkloadEndpoint,
		Name:         name,
		Namespace:    ns,
		Labels:       labels,
		Addresses:    []netip.Addr{addr(ip)},
		Profiles:     []string{"kns." + ns},
		Orchestrator: "k8s",
	}
}

// nsProfile is the profile a namespace gives: allow everything, and apply
// the namespace's labels with the pcns. prefix.
func nsProfile(ns string, labels map[string]string) model.Profile {
	apply := map[string]string{"pcns.projectcalico.org/name": ns}
	for k, v := range labels {
		apply["pcns."+k] = v
	}
	return model.Profile{
		Name:          "kns." + ns,
		Ingress:       []model.Rule{{Action: model.Allow}},
		Egress:        []model.Rule{{Action: model.Allow}},
		LabelsToApply: apply,
	}
}

func gnp(name string, o float64, selector string, types []model.Direction, ingress, egress []model.Rule) model.Policy {
	return model.Policy{
		Kind: model.KindGlobalNetworkPolicy, Name: name, Tier: model.TierDefault, Order: order(o),
		Selector: sel(selector), Types: types, Ingress: ingress, Egress: egress,
	}
}

func np(name, ns string, o float64, selector string, types []model.Direction, ingress, egress []model.Rule) model.Policy {
	return model.Policy{
		Kind: model.KindNetworkPolicy, Name: name, Namespace: ns, Tier: model.TierDefault, Order: order(o),
		Selector: sel(selector), Types: types, Ingress: ingress, Egress: egress,
	}
}

var (
	ingressOnly = []model.Direction{model.Ingress}
	egressOnly  = []model.Direction{model.Egress}
)

func mustNew(t testing.TB, set model.Set) *Evaluator {
	t.Helper()
	e, err := New(set)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return e
}

func tcp(src, dst string, dport uint16) model.Flow {
	return model.Flow{Src: addr(src), Dst: addr(dst), Protocol: model.ProtoTCP, SrcPort: 40000, DstPort: dport}
}

// hit builders for expected traces.
func gnpHit(name string, index int, action model.HitAction) model.Hit {
	return model.Hit{Kind: model.KindGlobalNetworkPolicy, Tier: model.TierDefault, Name: name, Index: index, Action: action}
}

func npHit(name, ns string, index int, action model.HitAction) model.Hit {
	return model.Hit{Kind: model.KindNetworkPolicy, Tier: model.TierDefault, Namespace: ns, Name: name, Index: index, Action: action}
}

func profileHit(name string, index int, action model.HitAction) model.Hit {
	return model.Hit{Kind: model.KindProfile, Tier: model.TierProfile, Name: name, Index: index, Action: action}
}

// ingressAt decides ingress at the registered pod owning the flow's
// destination and returns the enforced decision and trace.
func ingressAt(t testing.TB, e *Evaluator, f model.Flow) (model.Decision, []model.Hit) {
	t.Helper()
	x := e.Explain(f)
	if !x.Verdict.Ingress.Enforced {
		t.Fatalf("ingress side of %v is not enforced", f)
	}
	return x.Verdict.Ingress.Decision, x.Ingress.Hits
}
