package analysis_test

import (
	"fmt"
	"net/netip"

	"github.com/verdictlabs/verdict/analysis"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// shop is a namespace with two web pods and a database that admits the
// web pods on TCP 5432.
func shop() model.Set {
	pod := func(name, app, addr string) model.Endpoint {
		return model.Endpoint{
			Kind: model.KindWorkloadEndpoint, Name: name, Namespace: "shop",
			Labels:    map[string]string{"app": app},
			Addresses: []netip.Addr{netip.MustParseAddr(addr)},
			Profiles:  []string{"kns.shop"},
		}
	}
	return model.Set{
		Namespaces: []model.Namespace{{Name: "shop"}},
		// The namespace's profile allows all, as Calico's for Kubernetes
		// namespaces does.
		Profiles:  []model.Profile{{Name: "kns.shop", Ingress: []model.Rule{{Action: model.Allow}}, Egress: []model.Rule{{Action: model.Allow}}}},
		Endpoints: []model.Endpoint{pod("web-1", "web", "10.0.0.1"), pod("web-2", "web", "10.0.0.2"), pod("db", "db", "10.0.0.3")},
		Policies: []model.Policy{{
			Kind: model.KindNetworkPolicy, Name: "db", Namespace: "shop", Tier: "default",
			Selector: selector.MustParse("app == 'db'"),
			Types:    []model.Direction{model.Ingress},
			Ingress: []model.Rule{
				{Action: model.Allow, Protocol: model.ProtocolNamed(model.ProtoTCP),
					Source:      model.EntityRule{Selector: selector.MustParse("app == 'web'")},
					Destination: model.EntityRule{Ports: []model.Port{{Min: 5432, Max: 5432}}}},
				{Action: model.Allow, Protocol: model.ProtocolNamed(model.ProtoTCP),
					Source:      model.EntityRule{Selector: selector.MustParse("app == 'web'")},
					Destination: model.EntityRule{Ports: []model.Port{{Min: 5432, Max: 5432}}}},
			},
		}},
	}
}

func ExampleClasses() {
	for _, c := range analysis.Classes(shop()) {
		fmt.Println(analysis.GroupName(&c, nil), len(c.Members))
	}
	// Output:
	// shop/app=web 2
	// shop/app=db 1
}

func ExampleNewMatrix() {
	m, err := analysis.NewMatrix(shop(), analysis.MatrixOptions{
		To:    selector.MustParse("app == 'db'"),
		Ports: []analysis.Port{{Protocol: model.ProtoTCP, Number: 5432}, {Protocol: model.ProtoTCP, Other: true}},
	})
	if err != nil {
		panic(err)
	}
	for _, c := range m.Cells {
		fmt.Println(m.Sources[c.Source].Name, "->", m.Destinations[c.Destination].Name, m.Ports[c.Port], c.Verdict)
	}
	// Output:
	// shop/app=web -> shop/app=db tcp/5432 allow
	// shop/app=web -> shop/app=db tcp/other deny
	// shop/app=db -> shop/app=db tcp/5432 deny
	// shop/app=db -> shop/app=db tcp/other deny
}

func ExampleLint() {
	findings, err := analysis.Lint(shop(), analysis.LintOptions{})
	if err != nil {
		panic(err)
	}
	for _, f := range findings {
		fmt.Println(f.Severity, f.Code, f.Name, f.Path)
	}
	// Output:
	// warning rule-shadowed db spec.ingress[1]
}

func ExampleDiffMatrices() {
	before := shop()
	after := shop()
	after.Policies = nil // the namespace is open again
	ports := []analysis.Port{{Protocol: model.ProtoTCP, Number: 5432}}
	bm, _ := analysis.NewMatrix(before, analysis.MatrixOptions{Ports: ports})
	am, _ := analysis.NewMatrix(after, analysis.MatrixOptions{Ports: ports})
	d := analysis.DiffMatrices(bm, am)
	for _, c := range d.Added {
		fmt.Println(c.Source, "->", c.Destination, c.Port, c.Before, "->", c.After)
	}
	fmt.Println(len(d.Removed), "removed")
	// Output:
	// shop/app=db -> shop/app=db tcp/5432 deny -> allow
	// 0 removed
}

func ExampleQuerySelector() {
	ans, err := analysis.QuerySelector(shop(), selector.MustParse("app == 'web'"), "shop")
	if err != nil {
		panic(err)
	}
	fmt.Println(ans.Selector)
	for _, e := range ans.Entities {
		fmt.Println(e.Ref)
	}
	// Output:
	// (projectcalico.org/namespace == "shop" && app == "web")
	// WorkloadEndpoint shop/web-1
	// WorkloadEndpoint shop/web-2
}

func ExampleQueryPolicy() {
	ans, err := analysis.QueryPolicy(shop(), "shop/db", "")
	if err != nil {
		panic(err)
	}
	fmt.Println(ans.Tier, ans.Ingress)
	fmt.Println(ans.Rules[0].Action, ans.Rules[0].Source.Entities)
	// Output:
	// default [WorkloadEndpoint shop/db]
	// Allow [WorkloadEndpoint shop/web-1 WorkloadEndpoint shop/web-2]
}

func ExampleQueryEndpoint() {
	ans, err := analysis.QueryEndpoint(shop(), "10.0.0.1")
	if err != nil {
		panic(err)
	}
	fmt.Println(ans.Endpoint, ans.Labels["app"])
	for _, r := range ans.PeerOf {
		fmt.Println(r.Policy, r.Path, r.Action)
	}
	// Output:
	// WorkloadEndpoint shop/web-1 web
	// NetworkPolicy shop/db spec.ingress[0].source Allow
	// NetworkPolicy shop/db spec.ingress[1].source Allow
}

func ExampleParsePorts() {
	ports, err := analysis.ParsePorts("udp/53,tcp/5432,icmp,tcp/other")
	if err != nil {
		panic(err)
	}
	fmt.Println(ports)
	// Output: [tcp/5432 tcp/other udp/53 icmp]
}
