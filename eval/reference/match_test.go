package reference

import (
	"net/netip"
	"testing"

	"github.com/verdictlabs/verdict/model"
)

// The rule-matching tests judge ingress at one pod, "dst" in ns1 at
// 10.0.2.1 (fd00::2:1 over IPv6), under one policy whose only ingress rule
// is the rule under test: the rule matches exactly when the verdict is its
// Allow, and otherwise the default tier's end-of-tier deny decides.

// cluster is the model every rule-matching case shares.
func cluster() model.Set {
	dst := pod("dst", "ns1", "10.0.2.1", map[string]string{"app": "db"})
	dst.Addresses = append(dst.Addresses, addr("fd00::2:1"))
	dst.Ports = []model.EndpointPort{
		{Name: "http", Protocol: model.ProtoTCP, Port: 8080},
		{Name: "dns", Protocol: model.ProtoUDP, Port: 5353},
		{Name: "metrics", Protocol: model.ProtoTCP, Port: 9100, ProtocolByNumber: true},
	}
	web := pod("web", "ns1", "10.0.1.1", map[string]string{"app": "web"})
	web.ServiceAccount = "sa1"
	web.Profiles = append(web.Profiles, "ksa.ns1.sa1")
	web.Ports = []model.EndpointPort{{Name: "http", Protocol: model.ProtoTCP, Port: 9090}}
	web2 := pod("web2", "ns2", "10.0.1.2", map[string]string{"app": "web"})
	web2.ServiceAccount = "sa1" // the same name as web's, in another namespace
	other := pod("other", "ns1", "10.0.1.3", map[string]string{"app": "other"})
	return model.Set{
		Profiles: []model.Profile{
			nsProfile("ns1", map[string]string{"team": "a"}),
			nsProfile("ns2", map[string]string{"team": "b"}),
			{Name: "ksa.ns1.sa1", LabelsToApply: map[string]string{"pcsa.projectcalico.org/name": "sa1", "pcsa.role": "frontend"}},
		},
		Endpoints: []model.Endpoint{
			dst, web, web2, other,
			{Kind: model.KindHostEndpoint, Name: "host1", Labels: map[string]string{"kind": "host"}, Addresses: []netip.Addr{addr("172.16.0.1")}},
		},
		NetworkSets: []model.NetworkSet{
			{Name: "ext", Labels: map[string]string{"kind": "ext"}, Nets: prefixes("192.168.0.0/16")},
			{Name: "ext-narrow", Labels: map[string]string{"kind": "narrow"}, Nets: prefixes("192.168.1.0/24")},
			{Name: "internal", Namespace: "ns1", Labels: map[string]string{"kind": "internal"}, Nets: prefixes("10.9.0.0/16")},
			// Overlaps the pod "web": one address, two owners.
			{Name: "quarantine", Labels: map[string]string{"app": "web", "quarantine": "true"}, Nets: prefixes("10.0.1.1/32")},
		},
		Services: []model.Service{
			{Name: "db", Namespace: "ns1", Slices: []model.ServiceSlice{{
				Addresses: []netip.Addr{addr("10.0.2.1")},
				Ports:     []model.EndpointPort{{Name: "pg", Protocol: model.ProtoTCP, Port: 5432}},
			}}},
			{Name: "web", Namespace: "ns1", Slices: []model.ServiceSlice{{Addresses: []netip.Addr{addr("10.0.1.1")}}}},
		},
	}
}

// ruleCase is one rule and one flow; ns is the namespace of the policy
// holding the rule ("" for a GlobalNetworkPolicy).
type ruleCase struct {
	name string
	ns   string
	rule model.Rule
	flow model.Flow
	want bool
}

func runRuleCases(t *testing.T, cases []ruleCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			set := cluster()
			c.rule.Action = model.Allow
			p := gnp("under-test", 1, "app == 'db'", ingressOnly, []model.Rule{c.rule}, nil)
			if c.ns != "" {
				p = np("under-test", c.ns, 1, "app == 'db'", ingressOnly, []model.Rule{c.rule}, nil)
			}
			set.Policies = []model.Policy{p}
			e := mustNew(t, set)
			dv, tr := e.ExplainDirection(nil, model.Ingress, c.flow)
			if !dv.Enforced || dv.Endpoint.Name != "dst" {
				t.Fatalf("judged %+v, want the pod dst", dv)
			}
			if got := dv.Decision.Allowed; got != c.want {
				t.Errorf("rule matched = %v, want %v (trace %+v)", got, c.want, tr.Hits)
			}
		})
	}
}

func from(src string) model.Flow { return tcp(src, "10.0.2.1", 80) }

func TestPeerSelectors(t *testing.T) {
	web := model.EntityRule{Selector: sel("app == 'web'")}
	runRuleCases(t, []ruleCase{
		{name: "global selector matches a pod in any namespace", rule: model.Rule{Source: web}, flow: from("10.0.1.2"), want: true},
		{name: "global selector never matches an outside address", rule: model.Rule{Source: web}, flow: from("8.8.8.8"), want: false},
		{name: "namespaced selector matches its own namespace", ns: "ns1", rule: model.Rule{Source: web}, flow: from("10.0.1.1"), want: true},
		{name: "namespaced selector ignores other namespaces", ns: "ns1", rule: model.Rule{Source: web}, flow: from("10.0.1.2"), want: false},
		{name: "global notSelector alone lets outside addresses in", rule: model.Rule{Source: model.EntityRule{NotSelector: sel("app == 'web'")}}, flow: from("8.8.8.8"), want: true},
		{name: "global notSelector alone rejects an owner matching it", rule: model.Rule{Source: model.EntityRule{NotSelector: sel("app == 'web'")}}, flow: from("10.0.1.2"), want: false},
		{name: "global notSelector alone accepts an owner not matching it", rule: model.Rule{Source: model.EntityRule{NotSelector: sel("app == 'web'")}}, flow: from("10.0.1.3"), want: true},
		{name: "namespaced notSelector is scoped to the namespace", ns: "ns1", rule: model.Rule{Source: model.EntityRule{NotSelector: sel("app == 'web'")}}, flow: from("10.0.1.3"), want: true},
		{name: "namespaced notSelector rejects other namespaces", ns: "ns1", rule: model.Rule{Source: model.EntityRule{NotSelector: sel("app == 'other'")}}, flow: from("10.0.1.2"), want: false},
		{name: "namespaced notSelector rejects outside addresses", ns: "ns1", rule: model.Rule{Source: model.EntityRule{NotSelector: sel("app == 'web'")}}, flow: from("8.8.8.8"), want: false},
		{name: "negated selector needs an owner", rule: model.Rule{Source: model.EntityRule{Selector: sel("!has(app)")}}, flow: from("8.8.8.8"), want: false},
		{name: "negated selector matches an owner without the label", rule: model.Rule{Source: model.EntityRule{Selector: sel("!has(app)")}}, flow: from("172.16.0.1"), want: true},
		{name: "namespaceSelector over namespace labels", rule: model.Rule{Source: model.EntityRule{NamespaceSelector: sel("team == 'b'")}}, flow: from("10.0.1.2"), want: true},
		{name: "namespaceSelector excludes other namespaces", rule: model.Rule{Source: model.EntityRule{NamespaceSelector: sel("team == 'b'")}}, flow: from("10.0.1.1"), want: false},
		{name: "namespaceSelector by namespace name", rule: model.Rule{Source: model.EntityRule{NamespaceSelector: sel("projectcalico.org/name == 'ns2'")}}, flow: from("10.0.1.2"), want: true},
		{name: "namespaceSelector all() takes namespaced network sets", rule: model.Rule{Source: model.EntityRule{NamespaceSelector: sel("all()")}}, flow: from("10.9.1.1"), want: true},
		{name: "namespaceSelector all() leaves out global network sets", rule: model.Rule{Source: model.EntityRule{NamespaceSelector: sel("all()")}}, flow: from("192.168.5.5"), want: false},
		{name: "namespaceSelector all() leaves out host endpoints", rule: model.Rule{Source: model.EntityRule{NamespaceSelector: sel("all()")}}, flow: from("172.16.0.1"), want: false},
		{name: "namespaceSelector global() takes global network sets", rule: model.Rule{Source: model.EntityRule{NamespaceSelector: sel("global()")}}, flow: from("192.168.5.5"), want: true},
		{name: "namespaceSelector global() takes host endpoints", rule: model.Rule{Source: model.EntityRule{NamespaceSelector: sel("global()")}}, flow: from("172.16.0.1"), want: true},
		{name: "namespaceSelector global() leaves out pods", rule: model.Rule{Source: model.EntityRule{NamespaceSelector: sel("global()")}}, flow: from("10.0.1.3"), want: false},
		{name: "namespaced policy reaches global sets through global()", ns: "ns1", rule: model.Rule{Source: model.EntityRule{NamespaceSelector: sel("global()"), Selector: sel("kind == 'ext'")}}, flow: from("192.168.5.5"), want: true},
		{name: "namespaced policy does not reach global sets otherwise", ns: "ns1", rule: model.Rule{Source: model.EntityRule{Selector: sel("kind == 'ext'")}}, flow: from("192.168.5.5"), want: false},
		{name: "namespaced network set inherits namespace labels", rule: model.Rule{Source: model.EntityRule{Selector: sel("pcns.team == 'a' && kind == 'internal'")}}, flow: from("10.9.0.9"), want: true},
		{name: "service account names", rule: model.Rule{Source: model.EntityRule{ServiceAccounts: &model.ServiceAccountMatch{Names: []string{"sa9", "sa1"}}}}, flow: from("10.0.1.1"), want: true},
		{name: "service account names exclude others", rule: model.Rule{Source: model.EntityRule{ServiceAccounts: &model.ServiceAccountMatch{Names: []string{"sa1"}}}}, flow: from("10.0.1.3"), want: false},
		{name: "service account selector over account labels", rule: model.Rule{Source: model.EntityRule{ServiceAccounts: &model.ServiceAccountMatch{Selector: sel("role == 'frontend'")}}}, flow: from("10.0.1.1"), want: true},
		{name: "service account names and selector both hold", rule: model.Rule{Source: model.EntityRule{ServiceAccounts: &model.ServiceAccountMatch{Names: []string{"sa1"}, Selector: sel("role == 'backend'")}}}, flow: from("10.0.1.1"), want: false},
		{name: "service account names in any namespace for a global policy", rule: model.Rule{Source: model.EntityRule{ServiceAccounts: &model.ServiceAccountMatch{Names: []string{"sa1"}}}}, flow: from("10.0.1.2"), want: true},
		{name: "service accounts are namespace-scoped in a NetworkPolicy", ns: "ns1", rule: model.Rule{Source: model.EntityRule{ServiceAccounts: &model.ServiceAccountMatch{Names: []string{"sa1"}}}}, flow: from("10.0.1.2"), want: false},
		{name: "any of several owners may match", rule: model.Rule{Source: model.EntityRule{Selector: sel("kind == 'narrow'")}}, flow: from("192.168.1.7"), want: true},
		{name: "a wider set alone does not make the narrow one match", rule: model.Rule{Source: model.EntityRule{Selector: sel("kind == 'narrow'")}}, flow: from("192.168.2.7"), want: false},
		{name: "notSelector is folded per owner", rule: model.Rule{Source: model.EntityRule{Selector: sel("app == 'web'"), NotSelector: sel("has(quarantine)")}}, flow: from("10.0.1.1"), want: true},
		{name: "notSelector alone is vetoed by any owner", rule: model.Rule{Source: model.EntityRule{NotSelector: sel("has(quarantine)")}}, flow: from("10.0.1.1"), want: false},
		{name: "destination selector tests the judged pod's own address", rule: model.Rule{Destination: model.EntityRule{Selector: sel("app == 'db'")}}, flow: from("8.8.8.8"), want: true},
		{name: "a side with only ports is not namespace-scoped", ns: "ns1", rule: model.Rule{Protocol: model.ProtocolNamed(model.ProtoTCP), Source: model.EntityRule{Ports: []model.Port{{Min: 40000, Max: 40000}}}}, flow: from("8.8.8.8"), want: true},
	})
}

func TestNetsAndFamilies(t *testing.T) {
	v6 := model.Flow{Src: addr("fd00::1:1"), Dst: addr("fd00::2:1"), Protocol: model.ProtoTCP, DstPort: 80}
	icmp := func(proto uint8, src, dst string) model.Flow {
		return model.Flow{Src: addr(src), Dst: addr(dst), Protocol: proto}
	}
	runRuleCases(t, []ruleCase{
		{name: "nets contains the source", rule: model.Rule{Source: model.EntityRule{Nets: prefixes("8.0.0.0/8")}}, flow: from("8.8.8.8"), want: true},
		{name: "nets does not contain the source", rule: model.Rule{Source: model.EntityRule{Nets: prefixes("9.0.0.0/8")}}, flow: from("8.8.8.8"), want: false},
		{name: "any of several nets", rule: model.Rule{Source: model.EntityRule{Nets: prefixes("9.0.0.0/8", "8.8.8.8/32")}}, flow: from("8.8.8.8"), want: true},
		{name: "notNets excludes", rule: model.Rule{Source: model.EntityRule{NotNets: prefixes("8.8.0.0/16")}}, flow: from("8.8.8.8"), want: false},
		{name: "notNets lets others through", rule: model.Rule{Source: model.EntityRule{NotNets: prefixes("9.0.0.0/8")}}, flow: from("8.8.8.8"), want: true},
		{name: "destination nets test the destination", rule: model.Rule{Destination: model.EntityRule{Nets: prefixes("10.0.2.0/24")}}, flow: from("8.8.8.8"), want: true},
		{name: "IPv4-only notNets never matches IPv6", rule: model.Rule{Source: model.EntityRule{NotNets: prefixes("10.0.0.0/8")}}, flow: v6, want: false},
		{name: "IPv4-only nets never matches IPv6", rule: model.Rule{Destination: model.EntityRule{Nets: prefixes("0.0.0.0/0")}}, flow: v6, want: false},
		{name: "mixed-family nets keep the IPv6 entries", rule: model.Rule{Source: model.EntityRule{Nets: prefixes("10.0.0.0/8", "fd00::/16")}}, flow: v6, want: true},
		{name: "IPv6 nets match IPv6", rule: model.Rule{Source: model.EntityRule{Nets: prefixes("fd00::1:0/112")}}, flow: v6, want: true},
		{name: "ipVersion 6 matches IPv6", rule: model.Rule{IPVersion: 6}, flow: v6, want: true},
		{name: "ipVersion 4 does not match IPv6", rule: model.Rule{IPVersion: 4}, flow: v6, want: false},
		{name: "protocol ICMP by name implies IPv4", rule: model.Rule{Protocol: model.ProtocolNamed(model.ProtoICMP)}, flow: icmp(model.ProtoICMP, "fd00::1:1", "fd00::2:1"), want: false},
		{name: "protocol 1 by number implies no family", rule: model.Rule{Protocol: model.ProtocolNumber(model.ProtoICMP)}, flow: icmp(model.ProtoICMP, "fd00::1:1", "fd00::2:1"), want: true},
		{name: "protocol ICMPv6 by name implies IPv6", rule: model.Rule{Protocol: model.ProtocolNamed(model.ProtoICMPv6)}, flow: icmp(model.ProtoICMPv6, "10.0.1.1", "10.0.2.1"), want: false},
		{name: "protocol ICMPv6 by name matches IPv6", rule: model.Rule{Protocol: model.ProtocolNamed(model.ProtoICMPv6)}, flow: icmp(model.ProtoICMPv6, "fd00::1:1", "fd00::2:1"), want: true},
		{name: "notProtocol by name implies no family", rule: model.Rule{NotProtocol: model.ProtocolNamed(model.ProtoICMP)}, flow: v6, want: true},
		{name: "selectors match owners of the flow's family", rule: model.Rule{Destination: model.EntityRule{Selector: sel("app == 'db'")}}, flow: v6, want: true},
	})
}

func TestProtocols(t *testing.T) {
	udp := model.Flow{Src: addr("8.8.8.8"), Dst: addr("10.0.2.1"), Protocol: model.ProtoUDP, DstPort: 53}
	runRuleCases(t, []ruleCase{
		{name: "protocol by name", rule: model.Rule{Protocol: model.ProtocolNamed(model.ProtoTCP)}, flow: from("8.8.8.8"), want: true},
		{name: "protocol by number", rule: model.Rule{Protocol: model.ProtocolNumber(model.ProtoTCP)}, flow: from("8.8.8.8"), want: true},
		{name: "other protocol", rule: model.Rule{Protocol: model.ProtocolNamed(model.ProtoUDP)}, flow: from("8.8.8.8"), want: false},
		{name: "notProtocol excludes", rule: model.Rule{NotProtocol: model.ProtocolNamed(model.ProtoTCP)}, flow: from("8.8.8.8"), want: false},
		{name: "notProtocol lets others through", rule: model.Rule{NotProtocol: model.ProtocolNumber(model.ProtoTCP)}, flow: udp, want: true},
		{name: "UDPLite by name", rule: model.Rule{Protocol: model.ProtocolNamed(model.ProtoUDPLite)}, flow: model.Flow{Src: addr("8.8.8.8"), Dst: addr("10.0.2.1"), Protocol: model.ProtoUDPLite}, want: true},
	})
}

func TestPorts(t *testing.T) {
	tcpRule := func(er model.EntityRule, src bool) model.Rule {
		r := model.Rule{Protocol: model.ProtocolNamed(model.ProtoTCP)}
		if src {
			r.Source = er
		} else {
			r.Destination = er
		}
		return r
	}
	dports := func(ps ...model.Port) model.EntityRule { return model.EntityRule{Ports: ps} }
	single := func(p uint16) model.Port { return model.Port{Min: p, Max: p} }
	span := func(lo, hi uint16) model.Port { return model.Port{Min: lo, Max: hi} }
	named := func(n string) model.Port { return model.Port{Name: n} }
	to := func(port uint16) model.Flow { return tcp("10.0.1.1", "10.0.2.1", port) }
	udpTo := func(port uint16) model.Flow {
		return model.Flow{Src: addr("10.0.1.1"), Dst: addr("10.0.2.1"), Protocol: model.ProtoUDP, DstPort: port}
	}
	runRuleCases(t, []ruleCase{
		{name: "single port", rule: tcpRule(dports(single(80)), false), flow: to(80), want: true},
		{name: "other port", rule: tcpRule(dports(single(81)), false), flow: to(80), want: false},
		{name: "range low end", rule: tcpRule(dports(span(80, 90)), false), flow: to(80), want: true},
		{name: "range high end", rule: tcpRule(dports(span(70, 80)), false), flow: to(80), want: true},
		{name: "outside the range", rule: tcpRule(dports(span(81, 90)), false), flow: to(80), want: false},
		{name: "any of several", rule: tcpRule(dports(single(1), span(79, 81)), false), flow: to(80), want: true},
		{name: "notPorts excludes", rule: tcpRule(model.EntityRule{NotPorts: []model.Port{span(1, 100)}}, false), flow: to(80), want: false},
		{name: "notPorts lets others through", rule: tcpRule(model.EntityRule{NotPorts: []model.Port{span(81, 100)}}, false), flow: to(80), want: true},
		{name: "ports and notPorts together", rule: tcpRule(model.EntityRule{Ports: []model.Port{span(1, 100)}, NotPorts: []model.Port{single(80)}}, false), flow: to(80), want: false},
		{name: "source ports test the source port", rule: tcpRule(dports(single(40000)), true), flow: to(80), want: true},
		{name: "source ports do not test the destination port", rule: tcpRule(dports(single(80)), true), flow: to(80), want: false},
		{name: "named port resolves on the destination pod", rule: tcpRule(dports(named("http")), false), flow: to(8080), want: true},
		{name: "named port is the destination pod's number, not another pod's", rule: tcpRule(dports(named("http")), false), flow: to(9090), want: false},
		{name: "named source port resolves on the source pod", rule: tcpRule(dports(named("http")), true), flow: model.Flow{Src: addr("10.0.1.1"), Dst: addr("10.0.2.1"), Protocol: model.ProtoTCP, SrcPort: 9090, DstPort: 1}, want: true},
		{name: "named port with the wrong protocol", rule: model.Rule{Protocol: model.ProtocolNamed(model.ProtoUDP), Destination: dports(named("http"))}, flow: udpTo(8080), want: false},
		{name: "named port without a rule protocol takes any", rule: model.Rule{Destination: dports(named("dns"))}, flow: udpTo(5353), want: true},
		{name: "named port needs the flow's protocol to be the port's", rule: model.Rule{Destination: dports(named("dns"))}, flow: to(5353), want: false},
		{name: "unknown named port", rule: tcpRule(dports(named("nosuch")), false), flow: to(8080), want: false},
		{name: "a port declared by protocol number resolves under a rule protocol", rule: tcpRule(dports(named("metrics")), false), flow: to(9100), want: true},
		{name: "a port declared by protocol number never resolves without a rule protocol", rule: model.Rule{Destination: dports(named("metrics"))}, flow: to(9100), want: false},
		{name: "named notPorts excludes", rule: tcpRule(model.EntityRule{NotPorts: []model.Port{named("http")}}, false), flow: to(8080), want: false},
		{name: "named port owners are narrowed by the side's selector", rule: tcpRule(model.EntityRule{Selector: sel("app == 'nosuch'"), Ports: []model.Port{named("http")}}, false), flow: to(8080), want: false},
		{name: "named port with a matching selector", rule: tcpRule(model.EntityRule{Selector: sel("app == 'db'"), Ports: []model.Port{named("http"), single(1)}}, false), flow: to(8080), want: true},
	})
}

func TestICMP(t *testing.T) {
	ping := func(typ, code uint8) model.Flow {
		return model.Flow{Src: addr("10.0.1.1"), Dst: addr("10.0.2.1"), Protocol: model.ProtoICMP, ICMP: &model.ICMPTypeCode{Type: typ, Code: code}}
	}
	unknown := model.Flow{Src: addr("10.0.1.1"), Dst: addr("10.0.2.1"), Protocol: model.ProtoICMP}
	icmp := model.ProtocolNamed(model.ProtoICMP)
	runRuleCases(t, []ruleCase{
		{name: "type matches", rule: model.Rule{Protocol: icmp, ICMP: &model.ICMPMatch{Type: u8(8)}}, flow: ping(8, 3), want: true},
		{name: "other type", rule: model.Rule{Protocol: icmp, ICMP: &model.ICMPMatch{Type: u8(0)}}, flow: ping(8, 0), want: false},
		{name: "type and code match", rule: model.Rule{Protocol: icmp, ICMP: &model.ICMPMatch{Type: u8(8), Code: u8(0)}}, flow: ping(8, 0), want: true},
		{name: "other code", rule: model.Rule{Protocol: icmp, ICMP: &model.ICMPMatch{Type: u8(8), Code: u8(0)}}, flow: ping(8, 1), want: false},
		{name: "notICMP excludes the type", rule: model.Rule{Protocol: icmp, NotICMP: &model.ICMPMatch{Type: u8(8)}}, flow: ping(8, 1), want: false},
		{name: "notICMP excludes only that code", rule: model.Rule{Protocol: icmp, NotICMP: &model.ICMPMatch{Type: u8(8), Code: u8(0)}}, flow: ping(8, 1), want: true},
		{name: "notICMP excludes the pair", rule: model.Rule{Protocol: icmp, NotICMP: &model.ICMPMatch{Type: u8(8), Code: u8(0)}}, flow: ping(8, 0), want: false},
		{name: "unknown type cannot show a required type", rule: model.Rule{Protocol: icmp, ICMP: &model.ICMPMatch{Type: u8(8)}}, flow: unknown, want: false},
		{name: "unknown type is not the excluded one", rule: model.Rule{Protocol: icmp, NotICMP: &model.ICMPMatch{Type: u8(8)}}, flow: unknown, want: true},
	})
}

func TestServices(t *testing.T) {
	svc := func(name, ns string) *model.ServiceMatch { return &model.ServiceMatch{Name: name, Namespace: ns} }
	runRuleCases(t, []ruleCase{
		{name: "source service by address", rule: model.Rule{Source: model.EntityRule{Services: svc("web", "ns1")}}, flow: from("10.0.1.1"), want: true},
		{name: "source service, other address", rule: model.Rule{Source: model.EntityRule{Services: svc("web", "ns1")}}, flow: from("10.0.1.3"), want: false},
		{name: "destination service by address and port", rule: model.Rule{Destination: model.EntityRule{Services: svc("db", "ns1")}}, flow: tcp("10.0.1.1", "10.0.2.1", 5432), want: true},
		{name: "destination service, other port", rule: model.Rule{Destination: model.EntityRule{Services: svc("db", "ns1")}}, flow: tcp("10.0.1.1", "10.0.2.1", 5433), want: false},
		{name: "destination service, other protocol", rule: model.Rule{Destination: model.EntityRule{Services: svc("db", "ns1")}}, flow: model.Flow{Src: addr("10.0.1.1"), Dst: addr("10.0.2.1"), Protocol: model.ProtoUDP, DstPort: 5432}, want: false},
		{name: "service in another namespace", rule: model.Rule{Source: model.EntityRule{Services: svc("web", "ns2")}}, flow: from("10.0.1.1"), want: false},
		{name: "service of a global policy needs its namespace", rule: model.Rule{Source: model.EntityRule{Services: svc("web", "")}}, flow: from("10.0.1.1"), want: false},
	})
}
