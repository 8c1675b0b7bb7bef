package eval_test

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/verdictlabs/verdict/benchmarks/workload"
	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/model"
)

// benchCluster is a cluster shaped like a typical Kubernetes one, small
// enough to build in a benchmark: namespaces of deployments, a
// NetworkPolicy per deployment admitting one other app on one port, a few
// global policies in a platform tier (a blocklist, a monitoring allow, a
// default pass), network sets, and flows between random pods.
func benchCluster(endpoints int) (model.Set, []model.Flow) {
	r := rand.New(rand.NewPCG(uint64(endpoints), 42))
	const perDeployment, perNamespace = 4, 6
	apps := []string{"web", "api", "db", "cache", "worker", "auth", "search", "queue"}
	var set model.Set
	set.Tiers = []model.Tier{{Name: "platform", Order: order(100), DefaultAction: model.Pass}}
	set.Policies = []model.Policy{
		{Kind: model.KindGlobalNetworkPolicy, Name: "blocklist", Tier: "platform", Order: order(1),
			Types:   []model.Direction{model.Ingress, model.Egress},
			Ingress: []model.Rule{{Action: model.Deny, Source: model.EntityRule{Selector: sel(`list == "block"`)}}},
			Egress:  []model.Rule{{Action: model.Deny, Destination: model.EntityRule{Selector: sel(`list == "block"`)}}}},
		{Kind: model.KindGlobalNetworkPolicy, Name: "monitoring", Tier: "platform", Order: order(2), Selector: sel("has(app)"),
			Types:   []model.Direction{model.Ingress},
			Ingress: []model.Rule{{Action: model.Allow, Protocol: model.ProtocolNamed(model.ProtoTCP), Source: model.EntityRule{NamespaceSelector: sel(`name == "monitoring"`)}, Destination: model.EntityRule{Ports: []model.Port{{Min: 9090, Max: 9090}}}}}},
		{Kind: model.KindGlobalNetworkPolicy, Name: "pass", Tier: "platform", Order: order(100),
			Types: []model.Direction{model.Ingress, model.Egress}, Ingress: []model.Rule{{Action: model.Pass}}, Egress: []model.Rule{{Action: model.Pass}}},
	}
	for i := range 40 {
		set.NetworkSets = append(set.NetworkSets, model.NetworkSet{
			Name: fmt.Sprintf("ext-%d", i), Labels: map[string]string{"list": []string{"block", "partner"}[i%2]},
			Nets: []netip.Prefix{netip.PrefixFrom(netip.AddrFrom4([4]byte{203, 0, byte(i), 0}), 24)},
		})
	}
	var pods []model.Endpoint
	for ns := 0; len(pods) < endpoints; ns++ {
		name := fmt.Sprintf("ns-%d", ns)
		set.Profiles = append(set.Profiles, nsProfile(name, map[string]string{"name": name, "team": fmt.Sprint("team-", ns%7)}))
		for d := 0; d < perNamespace && len(pods) < endpoints; d++ {
			app := apps[(ns+d)%len(apps)]
			peer := apps[(ns+d+1)%len(apps)]
			set.Policies = append(set.Policies, model.Policy{
				Kind: model.KindKubernetesNetworkPolicy, Name: app, Namespace: name, Tier: model.TierDefault, Order: order(1000),
				Selector: sel(fmt.Sprintf(`projectcalico.org/orchestrator == "k8s" && app == %q`, app)),
				Types:    []model.Direction{model.Ingress},
				Ingress: []model.Rule{{Action: model.Allow, Protocol: model.ProtocolNamed(model.ProtoTCP),
					Source:      model.EntityRule{Selector: sel(fmt.Sprintf(`projectcalico.org/orchestrator == "k8s" && app == %q`, peer))},
					Destination: model.EntityRule{Ports: []model.Port{{Min: 8080, Max: 8080}}}}},
			})
			for p := 0; p < perDeployment && len(pods) < endpoints; p++ {
				n := len(pods)
				ip := netip.AddrFrom4([4]byte{10, byte(n >> 16), byte(n >> 8), byte(n)})
				ep := pod(fmt.Sprintf("%s-%d", app, p), name, ip.String(), map[string]string{"app": app, "pod-template-hash": fmt.Sprint(ns, "-", d)})
				pods = append(pods, ep)
			}
		}
	}
	set.Endpoints = pods
	flows := make([]model.Flow, 4096)
	for i := range flows {
		src := pods[r.IntN(len(pods))].Addresses[0]
		dst := pods[r.IntN(len(pods))].Addresses[0]
		if i%10 == 0 {
			src = netip.AddrFrom4([4]byte{203, 0, byte(r.IntN(40)), 7})
		}
		flows[i] = model.Flow{Src: src, Dst: dst, Protocol: model.ProtoTCP, SrcPort: 40000, DstPort: []uint16{8080, 9090, 443}[r.IntN(3)]}
	}
	return set, flows
}

var benchSizes = []int{1000, 10000}

func BenchmarkEvaluate(b *testing.B) {
	for _, n := range benchSizes {
		set, flows := benchCluster(n)
		e := mustNew(b, set)
		b.Run(fmt.Sprintf("endpoints=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				e.Evaluate(flows[i%len(flows)])
			}
		})
	}
}

func BenchmarkExplain(b *testing.B) {
	set, flows := benchCluster(1000)
	e := mustNew(b, set)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		e.Explain(flows[i%len(flows)])
	}
}

func BenchmarkCompile(b *testing.B) {
	for _, n := range benchSizes {
		set, _ := benchCluster(n)
		b.Run(fmt.Sprintf("endpoints=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := eval.New(set); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkApply(b *testing.B) {
	for _, n := range benchSizes {
		set, _ := benchCluster(n)
		b.Run(fmt.Sprintf("relabel/endpoints=%d", n), func(b *testing.B) {
			e := mustNew(b, set)
			ep := set.Endpoints[len(set.Endpoints)/2]
			variants := [2]model.Endpoint{ep, ep}
			variants[1].Labels = map[string]string{"app": ep.Labels["app"], "pod-template-hash": "next"}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if err := e.Apply(model.Change{Upserts: model.Set{Endpoints: variants[i%2 : i%2+1]}}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("policy/endpoints=%d", n), func(b *testing.B) {
			e := mustNew(b, set)
			pol := set.Policies[len(set.Policies)/2]
			variants := [2]model.Policy{pol, pol}
			variants[1].Order = order(999)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if err := e.Apply(model.Change{Upserts: model.Set{Policies: variants[i%2 : i%2+1]}}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEvaluateCheckerShape(b *testing.B) {
	c := workload.CheckerBaseline(workload.CheckerPolicies)
	e, f := mustNew(b, c.Set), c.FullWalk
	if v := e.Evaluate(f); !v.Ingress.Enforced || !v.Ingress.Decision.EndOfProfiles {
		b.Fatalf("the flow should walk every rule and end after the profiles: %+v", v.Ingress)
	}
	b.ReportAllocs()
	for b.Loop() {
		e.Evaluate(f)
	}
}

// BenchmarkApplyRelabelSharedSelectors relabels one endpoint while 10,000
// peer selectors all require the label it carries (alpha == "beta"), the
// worst case of Felix's label index benchmark: every relabel must try
// every one of them.
func BenchmarkApplyRelabelSharedSelectors(b *testing.B) {
	set := model.Set{Profiles: []model.Profile{nsProfile("ns", nil)}}
	for i := range 10000 {
		set.Policies = append(set.Policies, model.Policy{
			Kind: model.KindGlobalNetworkPolicy, Name: fmt.Sprintf("p-%d", i), Tier: model.TierDefault,
			Selector: sel(`role == "server"`), Types: []model.Direction{model.Ingress},
			Ingress: []model.Rule{{Action: model.Allow, Source: model.EntityRule{Selector: sel(fmt.Sprintf(`alpha == "beta" && idx != "%d"`, i))}}},
		})
	}
	ep := pod("client", "ns", "10.0.0.1", map[string]string{"alpha": "beta", "color": "red"})
	set.Endpoints = []model.Endpoint{ep, pod("server", "ns", "10.0.0.2", map[string]string{"role": "server"})}
	e := mustNew(b, set)
	variants := [2]model.Endpoint{ep, ep}
	variants[1].Labels = map[string]string{"alpha": "beta", "color": "blue"}
	f := tcp("10.0.0.1", "10.0.0.2", 80)
	if !e.Evaluate(f).Allowed() {
		b.Fatal("the client should be allowed by the first policy")
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := e.Apply(model.Change{Upserts: model.Set{Endpoints: variants[i%2 : i%2+1]}}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMemo measures the memo against the walk alone, in one run so
// that the ratio holds on a loaded machine: cold flows (every flow of a
// workload.LargeClusterParams cluster in order, as
// benchmarks.BenchmarkCluster) and repeated ones (its first 4,096 over
// and over, as BenchmarkClusterRepeat). The 100k cluster is skipped with
// -short.
func BenchmarkMemo(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		if n > 10_000 && testing.Short() {
			continue
		}
		c := workload.NewCluster(workload.LargeClusterParams(n))
		e := mustNew(b, c.Set)
		for _, shape := range []struct {
			name  string
			flows []model.Flow
		}{{"cold", c.Flows}, {"repeat", c.Flows[:4096]}} {
			for _, v := range []struct {
				name string
				ev   eval.Evaluator
			}{{"memo", e}, {"walk", eval.WithoutMemo(e)}} {
				b.Run(fmt.Sprintf("%s/%dk/%s", shape.name, n/1000, v.name), func(b *testing.B) {
					b.ReportAllocs()
					for i := 0; b.Loop(); i++ {
						v.ev.Evaluate(shape.flows[i%len(shape.flows)])
					}
				})
			}
		}
	}
}
