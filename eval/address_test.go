package eval_test

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/eval/reference"
	"github.com/verdictlabs/verdict/model"
)

// Issue 20, point 1: zoned and IPv4-mapped flow addresses are decided as
// the address a packet carries (model.PacketAddr), in both evaluators and
// through every entry point: a zone must not evade nets nor satisfy
// notNets, and a mapped address must find its endpoint.
func TestZonedAndMappedFlowAddresses(t *testing.T) {
	db := pod("db", "prod", "10.0.2.7", map[string]string{"app": "db"})
	db.Addresses = append(db.Addresses, addr("fd00::2:7"))
	set := model.Set{
		Profiles: []model.Profile{nsProfile("prod", nil)},
		Policies: []model.Policy{{
			Kind: model.KindGlobalNetworkPolicy, Name: "link-local", Tier: model.TierDefault, Order: order(1),
			Selector: sel(`app == "db"`), Types: ingressOnly,
			Ingress: []model.Rule{
				{Action: model.Deny, Source: model.EntityRule{Nets: []netip.Prefix{netip.MustParsePrefix("fe80::/10")}}},
				{Action: model.Allow, Source: model.EntityRule{NotNets: []netip.Prefix{netip.MustParsePrefix("fe80::/10")}}},
			},
		}},
		Endpoints: []model.Endpoint{db},
	}
	eng, err := eval.New(set)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := reference.New(set)
	if err != nil {
		t.Fatal(err)
	}
	deny0 := model.Hit{Kind: model.KindGlobalNetworkPolicy, Tier: model.TierDefault, Name: "link-local", Index: 0, Action: model.HitDeny}
	tierDeny := deny0
	tierDeny.Index = -1
	tests := []struct {
		name, src, dst string
		want           model.Hit
	}{
		{"zoned source in nets", "fe80::1%eth0", "fd00::2:7", deny0},
		{"zoned destination", "fe80::1", "fd00::2:7%eth0", deny0},
		{"mapped destination", "10.0.1.1", "::ffff:10.0.2.7", tierDeny},
		{"mapped source and destination", "::ffff:10.0.1.1", "::ffff:10.0.2.7", tierDeny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tcp(tt.src, tt.dst, 5432)
			plain := f.Normalized()
			if plain.Src.Zone() != "" || plain.Dst.Zone() != "" || plain.Src.Is4In6() || plain.Dst.Is4In6() {
				t.Fatalf("Normalized() = %v -> %v", plain.Src, plain.Dst)
			}
			checks := map[string]model.DirectionVerdict{
				"Engine.Evaluate":               eng.Evaluate(f).Ingress,
				"Engine.Explain":                eng.Explain(f).Verdict.Ingress,
				"Engine.EvaluateDirection":      eng.EvaluateDirection(nil, model.Ingress, f),
				"Engine.EvaluateEndpoints":      eng.EvaluateEndpoints(f, nil, &db).Ingress,
				"reference.Evaluate":            ref.Evaluate(f).Ingress,
				"reference.EvaluateEndpoints":   ref.EvaluateEndpoints(f, nil, &db).Ingress,
				"reference.ExplainEndpoints":    ref.ExplainEndpoints(f, nil, &db).Verdict.Ingress,
				"reference.EvaluateDirection":   ref.EvaluateDirection(nil, model.Ingress, f),
				"reference.Account":             ref.Account(f).Verdict.Ingress,
				"Engine.Evaluate, plain flow":   eng.Evaluate(plain).Ingress,
				"reference.Evaluate plain flow": ref.Evaluate(plain).Ingress,
			}
			dv, _ := ref.ExplainDirection(nil, model.Ingress, f)
			checks["reference.ExplainDirection"] = dv
			for name, got := range checks {
				if !got.Enforced || got.Decision.Allowed || got.Decision.Hit != tt.want {
					t.Errorf("%s: %+v, want enforced and denied by %+v", name, got, tt.want)
				}
			}
			if diff := cmp.Diff(eng.Explain(plain), eng.Explain(f)); diff != "" {
				t.Errorf("Explain differs from the plain flow's (-plain +given):\n%s", diff)
			}
		})
	}
}

func ExampleEngine_Evaluate_zonedAddress() {
	// fe80::1%eth0 is decided as fe80::1, the address the packet carries,
	// so the deny on fe80::/10 applies (model.PacketAddr).
	set := model.Set{
		Policies: []model.Policy{{
			Kind: model.KindGlobalNetworkPolicy, Name: "no-link-local", Tier: model.TierDefault,
			Selector: sel("all()"), Types: ingressOnly,
			Ingress: []model.Rule{
				{Action: model.Deny, Source: model.EntityRule{Nets: []netip.Prefix{netip.MustParsePrefix("fe80::/10")}}},
				{Action: model.Allow},
			},
		}},
		Endpoints: []model.Endpoint{pod("db", "prod", "fd00::7", nil)},
	}
	e, err := eval.New(set)
	if err != nil {
		panic(err)
	}
	v := e.Evaluate(tcp("fe80::1%eth0", "fd00::7", 443))
	fmt.Println(v.Ingress.Decision.Allowed, v.Ingress.Decision.Hit.Name, v.Ingress.Decision.Hit.Index)
	// Output: false no-link-local 0
}
