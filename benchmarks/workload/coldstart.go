package workload

import (
	"fmt"
	"net/netip"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// ColdStartEndpoints is the number of endpoints of Felix's cold start
// benchmark; ColdStart(ColdStartEndpoints) is that benchmark's shape.
const ColdStartEndpoints = 250_000

// Proportions of the cold start shape: 100 namespaces and 10k policies
// for 250k endpoints, and the label keys has() selectors choose from.
const (
	coldEndpointsPerNamespace = 2500
	coldEndpointsPerPolicy    = 25
	coldFeatures              = 200
	coldFeaturesPerEndpoint   = 3
)

// ColdStart returns the shape of Felix's cold start benchmark at the
// given number of endpoints (at least 1): a namespace per 2,500 endpoints
// and a policy per 25, each policy selecting its endpoints with has() and
// holding five rules, three of them with has() peer selectors. Every
// endpoint carries three of 200 feature labels, so each selector matches
// about one endpoint in seventy. The flows go between random endpoints,
// one per ten endpoints.
func ColdStart(endpoints int) Cluster {
	endpoints = max(endpoints, 1)
	r := newRNG(uint64(endpoints), streamResources)
	b := &builder{serviceAccounts: map[model.Key]bool{}}
	b.set.Tiers = model.BuiltinTiers()
	namespaces := max(1, endpoints/coldEndpointsPerNamespace)
	for i := range namespaces {
		name := fmt.Sprintf("cold-%d", i)
		team := fmt.Sprintf("team-%d", i%10)
		b.addNamespace(&namespaceInfo{name: name, team: team}, map[string]string{"team": team})
	}
	feature := func() string { return fmt.Sprintf("f-%d", r.IntN(coldFeatures)) }
	b.set.Endpoints = make([]model.Endpoint, 0, endpoints)
	for i := range endpoints {
		labels := map[string]string{"app": fmt.Sprintf("app-%d", i%500)}
		for range coldFeaturesPerEndpoint {
			labels[feature()] = "true"
		}
		// 10.0.0.1 onwards: 250k endpoints need 18 bits of a /8.
		n := i + 1
		ip := netip.AddrFrom4([4]byte{10, byte(n >> 16), byte(n >> 8), byte(n)})
		ns := fmt.Sprintf("cold-%d", i%namespaces)
		b.set.Endpoints = append(b.set.Endpoints, podEndpoint(fmt.Sprintf("pod-%d", i), ns, labels, nil,
			defaultServiceAcct, "", []netip.Addr{ip}))
	}
	blocked := []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}
	tcp, udp := model.ProtocolNamed(model.ProtoTCP), model.ProtocolNamed(model.ProtoUDP)
	port := func(p uint16) []model.Port { return []model.Port{{Min: p, Max: p}} }
	has := func(key string) *selector.Selector { return selector.MustParse(fmt.Sprintf("has(%s)", key)) }
	for i := range max(1, endpoints/coldEndpointsPerPolicy) {
		b.set.Policies = append(b.set.Policies, model.Policy{
			Kind: model.KindNetworkPolicy, Name: fmt.Sprintf("cold-%d", i), Namespace: fmt.Sprintf("cold-%d", i%namespaces),
			Tier: model.TierDefault, Order: orderOf(float64(i % 1000)), Selector: has(feature()),
			Types: []model.Direction{model.Ingress, model.Egress},
			Ingress: []model.Rule{
				{Action: model.Deny, Source: model.EntityRule{Nets: blocked}},
				{Action: model.Allow, Protocol: tcp, Source: model.EntityRule{Selector: has(feature())},
					Destination: model.EntityRule{Ports: port(8080)}},
				{Action: model.Allow, Protocol: tcp, Source: model.EntityRule{NamespaceSelector: selector.MustParse("has(team)"),
					Selector: has(feature())}, Destination: model.EntityRule{Ports: port(9090)}},
			},
			Egress: []model.Rule{
				{Action: model.Allow, Protocol: udp, Destination: model.EntityRule{Ports: port(53)}},
				{Action: model.Allow, Protocol: tcp, Destination: model.EntityRule{Selector: has(feature())}},
			},
		})
	}
	fr := newRNG(uint64(endpoints), streamFlows)
	flows := make([]model.Flow, max(1, endpoints/10))
	ports := []uint16{8080, 9090, 53, 443}
	for i := range flows {
		src := b.set.Endpoints[fr.IntN(endpoints)].Addresses[0]
		dst := b.set.Endpoints[fr.IntN(endpoints)].Addresses[0]
		flows[i] = model.Flow{Src: src, Dst: dst, Protocol: model.ProtoTCP, SrcPort: 41000, DstPort: pick(fr, ports)}
	}
	return Cluster{Set: b.set, Flows: flows}
}
