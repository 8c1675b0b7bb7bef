package eval_test

import (
	"fmt"
	"net/netip"

	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/eval/reference"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// exampleSet is a namespace "shop" whose profile allows everything, two
// pods, and a policy that lets only the web pod reach the database on
// port 5432.
func exampleSet() model.Set {
	pod := func(name, ip, app string) model.Endpoint {
		return model.Endpoint{
			Kind: model.KindWorkloadEndpoint, Name: name, Namespace: "shop",
			Labels:    map[string]string{"app": app},
			Addresses: []netip.Addr{netip.MustParseAddr(ip)},
			Profiles:  []string{"kns.shop"}, Orchestrator: "k8s",
		}
	}
	allowAll := []model.Rule{{Action: model.Allow}}
	return model.Set{
		Profiles: []model.Profile{{Name: "kns.shop", Ingress: allowAll, Egress: allowAll,
			LabelsToApply: map[string]string{"pcns.projectcalico.org/name": "shop"}}},
		Policies: []model.Policy{{
			Kind: model.KindNetworkPolicy, Namespace: "shop", Name: "db", Tier: model.TierDefault,
			Selector: selector.MustParse(`app == "db"`), Types: []model.Direction{model.Ingress},
			Ingress: []model.Rule{{
				Action:      model.Allow,
				Protocol:    model.ProtocolNamed(model.ProtoTCP),
				Source:      model.EntityRule{Selector: selector.MustParse(`app == "web"`)},
				Destination: model.EntityRule{Ports: []model.Port{{Min: 5432, Max: 5432}}},
			}},
		}},
		Endpoints: []model.Endpoint{pod("web-1", "10.0.0.1", "web"), pod("db-1", "10.0.0.2", "db"), pod("batch-1", "10.0.0.3", "batch")},
	}
}

func flowTo(src, dst string, port uint16) model.Flow {
	return model.Flow{Src: netip.MustParseAddr(src), Dst: netip.MustParseAddr(dst), Protocol: model.ProtoTCP, SrcPort: 40000, DstPort: port}
}

func ExampleNew() {
	e, err := eval.New(exampleSet())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(e.Evaluate(flowTo("10.0.0.1", "10.0.0.2", 5432)).Allowed())

	// A policy in a tier that does not exist is refused, naming both.
	bad := exampleSet()
	bad.Policies[0].Tier = "security"
	_, err = eval.New(bad)
	fmt.Println(err)
	// Output:
	// true
	// NetworkPolicy shop/db: tier: tier "security" does not exist
}

func ExampleEngine_Evaluate() {
	e, _ := eval.New(exampleSet())
	for _, f := range []model.Flow{flowTo("10.0.0.1", "10.0.0.2", 5432), flowTo("10.0.0.3", "10.0.0.2", 5432)} {
		v := e.Evaluate(f)
		h := v.Ingress.Decision.Hit
		fmt.Printf("%v -> %v: allowed %v by %s %s/%s rule %d (%s)\n", f.Src, f.Dst, v.Allowed(), h.Tier, h.Namespace, h.Name, h.Index, h.Action)
	}
	// Output:
	// 10.0.0.1 -> 10.0.0.2: allowed true by default shop/db rule 0 (allow)
	// 10.0.0.3 -> 10.0.0.2: allowed false by default shop/db rule -1 (deny)
}

func ExampleEngine_Explain() {
	e, _ := eval.New(exampleSet())
	x := e.Explain(flowTo("10.0.0.1", "10.0.0.3", 8080))
	for _, side := range []struct {
		name  string
		trace model.Trace
	}{{"egress", x.Egress}, {"ingress", x.Ingress}} {
		for _, h := range side.trace.Hits {
			fmt.Printf("%s: %s %s %s rule %d: %s\n", side.name, h.Tier, h.Kind, h.Name, h.Index, h.Action)
		}
	}
	fmt.Println("allowed:", x.Verdict.Allowed())
	// Output:
	// egress: __PROFILE__ Profile kns.shop rule 0: allow
	// ingress: __PROFILE__ Profile kns.shop rule 0: allow
	// allowed: true
}

func ExampleEngine_Apply() {
	e, _ := eval.New(exampleSet())
	f := flowTo("10.0.0.3", "10.0.0.2", 5432)
	fmt.Println("before:", e.Evaluate(f).Allowed())

	// batch-1 is relabelled as a web pod: one endpoint, one change.
	relabelled := exampleSet().Endpoints[2]
	relabelled.Labels = map[string]string{"app": "web"}
	if err := e.Apply(model.Change{Upserts: model.Set{Endpoints: []model.Endpoint{relabelled}}}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("after:", e.Evaluate(f).Allowed())

	// A change that fails changes nothing.
	err := e.Apply(model.Change{Upserts: model.Set{Policies: []model.Policy{{
		Kind: model.KindGlobalNetworkPolicy, Name: "lost", Tier: "nowhere"}}}})
	fmt.Println(err)
	fmt.Println("still:", e.Evaluate(f).Allowed())
	// Output:
	// before: false
	// after: true
	// GlobalNetworkPolicy lost: tier: tier "nowhere" does not exist
	// still: true
}

// A snapshot answers a what-if: the change is made on a copy that shares
// everything else, and the engine goes on answering as before.
func ExampleSnapshot_Apply() {
	e, _ := eval.New(exampleSet())
	f := flowTo("10.0.0.3", "10.0.0.2", 5432)
	relabelled := exampleSet().Endpoints[2]
	relabelled.Labels = map[string]string{"app": "web"}
	whatIf, err := e.Snapshot().Apply(model.Change{Upserts: model.Set{Endpoints: []model.Endpoint{relabelled}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("what if:", whatIf.Evaluate(f).Allowed())
	fmt.Println("engine:", e.Evaluate(f).Allowed())
	// Output:
	// what if: true
	// engine: false
}

// Code written against Evaluator runs on the engine, a snapshot and the
// reference evaluator alike.
func ExampleEvaluator() {
	set := exampleSet()
	e, _ := eval.New(set)
	r, _ := reference.New(set)
	f := flowTo("10.0.0.3", "10.0.0.2", 5432)
	for _, ev := range []eval.Evaluator{e, e.Snapshot(), r} {
		dv, tr := ev.ExplainDirection(nil, model.Ingress, f)
		fmt.Printf("%T: allowed %v, %d hit\n", ev, dv.Decision.Allowed, len(tr.Hits))
	}
	// Output:
	// *eval.Engine: allowed false, 1 hit
	// *eval.Snapshot: allowed false, 1 hit
	// *reference.Evaluator: allowed false, 1 hit
}
