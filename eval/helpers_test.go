package eval_test

import (
	"net/netip"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// Builders for hand-made models, so that a test states only what
// matters.

func sel(s string) *selector.Selector { return selector.MustParse(s) }

func order(f float64) *float64 { return &f }

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

func pod(name, ns, ip string, labels map[string]string) model.Endpoint {
	return model.Endpoint{
		Kind: model.KindWorkloadEndpoint, Name: name, Namespace: ns, Labels: labels,
		Addresses: []netip.Addr{addr(ip)}, Profiles: []string{"kns." + ns}, Orchestrator: "k8s",
	}
}

func nsProfile(ns string, labels map[string]string) model.Profile {
	apply := map[string]string{"pcns.projectcalico.org/name": ns}
	for k, v := range labels {
		apply["pcns."+k] = v
	}
	return model.Profile{
		Name: "kns." + ns, LabelsToApply: apply,
		Ingress: []model.Rule{{Action: model.Allow}}, Egress: []model.Rule{{Action: model.Allow}},
	}
}

func tcp(src, dst string, port uint16) model.Flow {
	return model.Flow{Src: addr(src), Dst: addr(dst), Protocol: model.ProtoTCP, SrcPort: 41000, DstPort: port}
}

var (
	ingressOnly = []model.Direction{model.Ingress}
	egressOnly  = []model.Direction{model.Egress}
)

// shop is a small cluster: a platform tier that passes or denies, a
// staged policy, a default-tier policy for the database, a network set
// and an IPv6 pod.
func shop() model.Set {
	return model.Set{
		Tiers: []model.Tier{{Name: "platform", Order: order(100), DefaultAction: model.Pass}},
		Profiles: []model.Profile{
			nsProfile("shop", map[string]string{"env": "prod"}),
			nsProfile("dev", map[string]string{"env": "dev"}),
		},
		NetworkSets: []model.NetworkSet{
			{Name: "blocklist", Labels: map[string]string{"list": "block"}, Nets: []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}},
			{Name: "partners", Namespace: "shop", Labels: map[string]string{"role": "partner"}, Nets: []netip.Prefix{netip.MustParsePrefix("198.51.100.0/28")}},
		},
		Policies: []model.Policy{
			{Kind: model.KindGlobalNetworkPolicy, Name: "block", Tier: "platform", Order: order(1), Selector: sel("all()"),
				Types:   []model.Direction{model.Ingress, model.Egress},
				Ingress: []model.Rule{{Action: model.Deny, Source: model.EntityRule{Selector: sel(`list == "block"`)}}, {Action: model.Pass}},
				Egress:  []model.Rule{{Action: model.Log}, {Action: model.Deny, Destination: model.EntityRule{Selector: sel(`list == "block"`)}}, {Action: model.Pass}}},
			{Kind: model.KindNetworkPolicy, Name: "db", Namespace: "shop", Tier: model.TierDefault, Order: order(10),
				Selector: sel(`app == "db"`), Types: ingressOnly,
				Ingress: []model.Rule{
					{Action: model.Allow, Protocol: model.ProtocolNamed(model.ProtoTCP),
						Source:      model.EntityRule{Selector: sel(`app == "web"`)},
						Destination: model.EntityRule{Ports: []model.Port{{Name: "sql"}}}},
					{Action: model.Allow, Source: model.EntityRule{NamespaceSelector: sel("all()"), Selector: sel(`role == "partner"`)}},
				}},
			{Kind: model.KindStagedNetworkPolicy, Name: "lockdown", Namespace: "shop", Tier: model.TierDefault, Order: order(5),
				Selector: sel(`app == "web"`), Types: egressOnly, StagedAction: model.StagedSet,
				Egress: []model.Rule{{Action: model.Deny, Protocol: model.ProtocolNamed(model.ProtoUDP)}}},
		},
		Endpoints: []model.Endpoint{
			pod("web-1", "shop", "10.0.0.1", map[string]string{"app": "web"}),
			func() model.Endpoint {
				db := pod("db-1", "shop", "10.0.0.2", map[string]string{"app": "db"})
				db.Ports = []model.EndpointPort{{Name: "sql", Protocol: model.ProtoTCP, Port: 5432}}
				return db
			}(),
			pod("tool", "dev", "fd00::7", map[string]string{"app": "web"}),
		},
	}
}

// shopFlows are flows over every path of shop.
func shopFlows() []model.Flow {
	udp := tcp("10.0.0.1", "10.0.0.2", 53)
	udp.Protocol = model.ProtoUDP
	icmp := model.Flow{Src: addr("10.0.0.1"), Dst: addr("10.0.0.2"), Protocol: model.ProtoICMP, ICMP: &model.ICMPTypeCode{Type: 8}}
	return []model.Flow{
		tcp("10.0.0.1", "10.0.0.2", 5432),      // allowed by the named port
		tcp("10.0.0.1", "10.0.0.2", 80),        // default-tier deny at the database
		tcp("203.0.113.9", "10.0.0.2", 5432),   // blocklist
		tcp("10.0.0.1", "203.0.113.9", 443),    // blocklist at egress
		tcp("198.51.100.3", "10.0.0.2", 80),    // partner network set
		tcp("192.0.2.1", "10.0.0.1", 80),       // outside, profile allows
		tcp("10.0.0.1", "192.0.2.1", 80),       // unknown destination: not enforced
		udp,                                    // staged lockdown denies in the pending walk
		icmp,                                   // no rule for ICMP at the database
		tcp("fd00::7", "fd00::1", 443),         // IPv6 source
		tcp("10.0.0.2", "10.0.0.1", 8080),      // database to web
		tcp("198.51.100.20", "10.0.0.2", 5432), // outside the partners' /28
	}
}
