package reference_test

import (
	"fmt"
	"net/netip"

	"github.com/verdictlabs/verdict/eval/reference"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// exampleSet is a namespace "prod" with a web pod and a database pod, and
// one NetworkPolicy letting web reach the database on 5432.
func exampleSet() model.Set {
	pod := func(name, ip, app string) model.Endpoint {
		return model.Endpoint{
			Kind: model.KindWorkloadEndpoint, Name: name, Namespace: "prod",
			Labels:       map[string]string{"app": app},
			Addresses:    []netip.Addr{netip.MustParseAddr(ip)},
			Profiles:     []string{"kns.prod"},
			Orchestrator: "k8s",
		}
	}
	order := 1000.0
	return model.Set{
		Profiles: []model.Profile{{
			Name:    "kns.prod",
			Ingress: []model.Rule{{Action: model.Allow}},
			Egress:  []model.Rule{{Action: model.Allow}},
		}},
		Policies: []model.Policy{{
			Kind: model.KindNetworkPolicy, Name: "db", Namespace: "prod", Tier: "default", Order: &order,
			Selector: selector.MustParse("app == 'db'"),
			Types:    []model.Direction{model.Ingress},
			Ingress: []model.Rule{{
				Action:      model.Allow,
				Protocol:    model.ProtocolNamed(model.ProtoTCP),
				Source:      model.EntityRule{Selector: selector.MustParse("app == 'web'")},
				Destination: model.EntityRule{Ports: []model.Port{{Min: 5432, Max: 5432}}},
			}},
		}},
		Endpoints: []model.Endpoint{pod("web", "10.0.1.5", "web"), pod("db", "10.0.2.7", "db")},
	}
}

func Example() {
	e, err := reference.New(exampleSet())
	if err != nil {
		panic(err)
	}
	flow := model.Flow{
		Src: netip.MustParseAddr("10.0.1.5"), Dst: netip.MustParseAddr("10.0.2.7"),
		Protocol: model.ProtoTCP, SrcPort: 40000, DstPort: 5432,
	}
	v := e.Evaluate(flow)
	fmt.Println("allowed:", v.Allowed())
	fmt.Println("egress decided by:", v.Egress.Decision.Hit.Kind, v.Egress.Decision.Hit.Name)
	fmt.Println("ingress decided by:", v.Ingress.Decision.Hit.Kind, v.Ingress.Decision.Hit.Name, "rule", v.Ingress.Decision.Hit.Index)

	flow.DstPort = 22
	fmt.Println("port 22 allowed:", e.Evaluate(flow).Allowed())
	// Output:
	// allowed: true
	// egress decided by: Profile kns.prod
	// ingress decided by: NetworkPolicy db rule 0
	// port 22 allowed: false
}

func ExampleEvaluator_Explain() {
	e, err := reference.New(exampleSet())
	if err != nil {
		panic(err)
	}
	x := e.Explain(model.Flow{
		Src: netip.MustParseAddr("10.0.1.5"), Dst: netip.MustParseAddr("10.0.2.7"),
		Protocol: model.ProtoTCP, DstPort: 22,
	})
	for _, h := range x.Ingress.Hits {
		fmt.Printf("%s %s %s/%s index %d: %s\n", h.Tier, h.Kind, h.Namespace, h.Name, h.Index, h.Action)
	}
	// Output:
	// default NetworkPolicy prod/db index -1: deny
}

func ExampleEvaluator_ExplainEndpoints() {
	e, err := reference.New(exampleSet())
	if err != nil {
		panic(err)
	}
	// A pod the evaluator has not been told about, given inline.
	newWeb := model.Endpoint{
		Kind: model.KindWorkloadEndpoint, Name: "web-2", Namespace: "prod",
		Labels: map[string]string{"app": "web"}, Profiles: []string{"kns.prod"},
	}
	x := e.ExplainEndpoints(model.Flow{
		Src: netip.MustParseAddr("10.0.1.99"), Dst: netip.MustParseAddr("10.0.2.7"),
		Protocol: model.ProtoTCP, DstPort: 5432,
	}, &newWeb, nil)
	fmt.Println("judged at egress:", x.Verdict.Egress.Endpoint)
	fmt.Println("allowed:", x.Verdict.Allowed())
	// Output:
	// judged at egress: WorkloadEndpoint prod/web-2
	// allowed: true
}

func ExampleEvaluator_ExplainDirection() {
	e, err := reference.New(exampleSet())
	if err != nil {
		panic(err)
	}
	dv, trace := e.ExplainDirection(nil, model.Ingress, model.Flow{
		Src: netip.MustParseAddr("192.0.2.1"), Dst: netip.MustParseAddr("10.0.2.7"),
		Protocol: model.ProtoTCP, DstPort: 5432,
	})
	fmt.Println(dv.Endpoint, "allowed:", dv.Decision.Allowed, "hits:", len(trace.Hits))
	// Output:
	// WorkloadEndpoint prod/db allowed: false hits: 1
}
