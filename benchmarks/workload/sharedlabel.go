package workload

import (
	"fmt"
	"net/netip"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// Shared is the worst case of Felix's label index: many selectors that
// all require the same label, and an endpoint carrying it whose labels
// keep changing.
type Shared struct {
	Set model.Set
	// Relabel holds the toggled endpoint as it is in Set and as it is
	// after its labels change; applying them in turn toggles the label
	// one selector's has() looks for, while every selector stays a
	// candidate through alpha == "beta".
	Relabel [2]model.Endpoint
	// Flow goes from the toggled endpoint to the server every policy
	// applies to; the first policy allows it.
	Flow model.Flow
}

// SharedLabel returns n global policies (at least 1) applying to one
// server, each admitting the sources that match its own selector
// alpha == "beta" && has(k-<i>), with the client that carries alpha ==
// "beta" and toggles k-0.
func SharedLabel(n int) Shared {
	n = max(n, 1)
	b := &builder{serviceAccounts: map[model.Key]bool{}}
	b.addNamespace(&namespaceInfo{name: "shared"}, nil)
	set := b.set
	set.Tiers = model.BuiltinTiers()
	applies := selector.MustParse(`role == "server"`)
	for i := range n {
		set.Policies = append(set.Policies, model.Policy{
			Kind: model.KindGlobalNetworkPolicy, Name: fmt.Sprintf("shared-%d", i), Tier: model.TierDefault,
			Order: orderOf(float64(i)), Selector: applies, Types: []model.Direction{model.Ingress},
			Ingress: []model.Rule{{Action: model.Allow, Source: model.EntityRule{
				Selector: selector.MustParse(fmt.Sprintf(`alpha == "beta" && has(k-%d)`, i)),
			}}},
		})
	}
	client := sharedEndpoint("client", "10.0.0.1", map[string]string{"alpha": "beta", "k-0": "true"})
	server := sharedEndpoint("server", "10.0.0.2", map[string]string{"role": "server"})
	set.Endpoints = []model.Endpoint{client, server}
	toggled := client
	toggled.Labels = map[string]string{"alpha": "beta"}
	return Shared{
		Set:     set,
		Relabel: [2]model.Endpoint{client, toggled},
		Flow: model.Flow{Src: client.Addresses[0], Dst: server.Addresses[0], Protocol: model.ProtoTCP,
			SrcPort: 41000, DstPort: 80},
	}
}

// sharedEndpoint returns a pod of namespace shared, whose profile allows
// what no policy decides (the client's egress).
func sharedEndpoint(name, ip string, labels map[string]string) model.Endpoint {
	return podEndpoint(name, "shared", labels, nil, defaultServiceAcct, "", []netip.Addr{netip.MustParseAddr(ip)})
}
