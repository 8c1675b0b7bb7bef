package reference

import (
	"slices"
	"testing"

	"github.com/verdictlabs/verdict/model"
)

func TestTierOrder(t *testing.T) {
	tiers := []model.Tier{
		{Name: "no-order-b"},
		{Name: "z", Order: order(10)},
		{Name: "a", Order: order(10)},
		{Name: "no-order-a"},
		{Name: "early", Order: order(-5.5)},
		{Name: "late", Order: order(1e9)},
	}
	set := model.Set{Tiers: tiers}
	e := mustNew(t, set)
	var got []string
	for _, tr := range e.tiers {
		got = append(got, tr.model.Name)
	}
	// Built-in tiers join in by their orders; a tier without an order
	// follows every ordered one, kube-baseline and "late" included.
	want := []string{"early", "a", "z", model.TierKubeAdmin, model.TierDefault, model.TierKubeBaseline, "late", "no-order-a", "no-order-b"}
	if !slices.Equal(got, want) {
		t.Errorf("tier order %v, want %v", got, want)
	}
}

func TestPolicyOrder(t *testing.T) {
	mk := func(kind model.Kind, name, ns string, o *float64) model.Policy {
		return model.Policy{Kind: kind, Name: name, Namespace: ns, Order: o}
	}
	set := model.Set{Policies: []model.Policy{
		mk(model.KindGlobalNetworkPolicy, "no-order", "", nil),
		mk(model.KindGlobalNetworkPolicy, "a", "", order(5)),
		mk(model.KindGlobalNetworkPolicy, "a-b", "", order(5)),
		mk(model.KindStagedGlobalNetworkPolicy, "a", "", order(5)),
		mk(model.KindNetworkPolicy, "a", "ns1", order(5)),
		mk(model.KindGlobalNetworkPolicy, "z", "", order(1)),
		mk(model.KindGlobalNetworkPolicy, "b", "", order(5.5)),
	}}
	e := mustNew(t, set)
	var got []string
	for _, tr := range e.tiers {
		if tr.model.Name != model.TierDefault {
			continue
		}
		for _, p := range tr.policies {
			got = append(got, p.model.SortName())
		}
	}
	// Ties go by "<name>/<namespace>/<kind>" byte by byte: '-' sorts
	// before '/', so "a-b" comes before "a", and "a//Global..." before
	// "a//Staged..." before "a/ns1/...".
	want := []string{
		"z//GlobalNetworkPolicy",
		"a-b//GlobalNetworkPolicy",
		"a//GlobalNetworkPolicy",
		"a//StagedGlobalNetworkPolicy",
		"a/ns1/NetworkPolicy",
		"b//GlobalNetworkPolicy",
		"no-order//GlobalNetworkPolicy",
	}
	if !slices.Equal(got, want) {
		t.Errorf("policy order\n got %v\nwant %v", got, want)
	}
}
