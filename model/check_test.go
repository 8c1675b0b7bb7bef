package model

import (
	"errors"
	"math"
	"net/netip"
	"strings"
	"testing"

	"github.com/verdictlabs/verdict/selector"
)

// TestCheck has, for every rule of Set.Check, a set that breaks it and one
// close to it that must pass.
func TestCheck(t *testing.T) {
	u8 := func(v uint8) *uint8 { return &v }
	f64 := func(v float64) *float64 { return &v }
	tcp, udp, icmp := ProtocolNamed(ProtoTCP), ProtocolNamed(ProtoUDP), ProtocolNamed(ProtoICMP)
	gnp := func(rules ...Rule) Policy {
		return Policy{Kind: KindGlobalNetworkPolicy, Name: "p", Ingress: rules}
	}
	egress := func(rules ...Rule) Policy {
		return Policy{Kind: KindGlobalNetworkPolicy, Name: "p", Egress: rules}
	}
	pols := func(ps ...Policy) Set { return Set{Policies: ps} }
	rule := func(f func(r *Rule)) Set {
		r := Rule{Action: Allow}
		f(&r)
		return pols(gnp(r))
	}
	ports := func(ps ...Port) EntityRule { return EntityRule{Ports: ps} }
	wep := func(f func(e *Endpoint)) Set {
		e := Endpoint{Kind: KindWorkloadEndpoint, Namespace: "n", Name: "w"}
		f(&e)
		return Set{Endpoints: []Endpoint{e}}
	}
	svc := func(f func(s *ServiceSlice)) Set {
		sl := ServiceSlice{Addresses: []netip.Addr{netip.MustParseAddr("10.0.0.1")}, Ports: []EndpointPort{{Protocol: ProtoTCP, Port: 80}}}
		f(&sl)
		return Set{Services: []Service{{Namespace: "n", Name: "s", Slices: []ServiceSlice{sl}}}}
	}
	all := selector.MustParse("all()")

	tests := []struct {
		name  string
		set   Set
		code  Code   // "" when the set is valid
		field string // of the first problem
	}{
		// Kinds, names and namespaces.
		{"a policy of an unknown kind", pols(Policy{Kind: "Bogus", Name: "p"}), CodeKind, ""},
		{"a policy of a known policy kind", pols(Policy{Kind: KindKubernetesClusterNetworkPolicy, Name: "p"}), "", ""},
		{"a profile kind among policies", pols(Policy{Kind: KindProfile, Name: "p"}), CodeKind, ""},
		{"an endpoint of an unknown kind", wep(func(e *Endpoint) { e.Kind = "Pod" }), CodeKind, ""},
		{"an endpoint of a non-endpoint kind", wep(func(e *Endpoint) { e.Kind = KindNamespace; e.Namespace = "" }), CodeKind, ""},
		{"a policy without a name", pols(Policy{Kind: KindGlobalNetworkPolicy}), CodeName, ""},
		{"a namespace without a name", Set{Namespaces: []Namespace{{}}}, CodeName, ""},
		{"a namespace with a name", Set{Namespaces: []Namespace{{Name: "n"}}}, "", ""},
		{"a global policy with a namespace", pols(Policy{Kind: KindGlobalNetworkPolicy, Namespace: "n", Name: "p"}), CodeNamespace, ""},
		{"a namespaced policy without one", pols(Policy{Kind: KindNetworkPolicy, Name: "p"}), CodeNamespace, ""},
		{"a namespaced policy with one", pols(Policy{Kind: KindStagedKubernetesNetworkPolicy, Namespace: "n", Name: "p", StagedAction: StagedSet}), "", ""},
		{"a host endpoint with a namespace", Set{Endpoints: []Endpoint{{Kind: KindHostEndpoint, Namespace: "n", Name: "h"}}}, CodeNamespace, ""},
		{"a workload endpoint without one (Docker)", wep(func(e *Endpoint) { e.Namespace = "" }), "", ""},
		{"a service account without a namespace", Set{ServiceAccounts: []ServiceAccount{{Name: "sa"}}}, CodeNamespace, ""},
		{"a service without a namespace", Set{Services: []Service{{Name: "s"}}}, CodeNamespace, ""},

		// Duplicates of every kind.
		{"two tiers of one name", Set{Tiers: []Tier{{Name: "t"}, {Name: "t"}}}, CodeDuplicate, ""},
		{"two policies of one key", pols(gnp(), gnp()), CodeDuplicate, ""},
		{"a policy and its staged form", pols(gnp(), Policy{Kind: KindStagedGlobalNetworkPolicy, Name: "p", StagedAction: StagedSet}), "", ""},
		{"a staged Delete beside its staged policy", pols(
			Policy{Kind: KindStagedGlobalNetworkPolicy, Name: "p", StagedAction: StagedSet},
			Policy{Kind: KindStagedGlobalNetworkPolicy, Name: "p", StagedAction: StagedDelete}), "", ""},
		{"two profiles of one name", Set{Profiles: []Profile{{Name: "x"}, {Name: "x"}}}, CodeDuplicate, ""},
		{"two network sets of one key", Set{NetworkSets: []NetworkSet{{Namespace: "n", Name: "x"}, {Namespace: "n", Name: "x"}}}, CodeDuplicate, ""},
		{"network sets of one name in two scopes", Set{NetworkSets: []NetworkSet{{Namespace: "n", Name: "x"}, {Name: "x"}}}, "", ""},
		{"two namespaces of one name", Set{Namespaces: []Namespace{{Name: "n"}, {Name: "n"}}}, CodeDuplicate, ""},
		{"two service accounts of one key", Set{ServiceAccounts: []ServiceAccount{{Namespace: "n", Name: "a"}, {Namespace: "n", Name: "a"}}}, CodeDuplicate, ""},
		{"two endpoints of one key", Set{Endpoints: []Endpoint{{Kind: KindWorkloadEndpoint, Namespace: "n", Name: "w"}, {Kind: KindWorkloadEndpoint, Namespace: "n", Name: "w"}}}, CodeDuplicate, ""},
		{"a workload and a host endpoint of one name", Set{Endpoints: []Endpoint{{Kind: KindWorkloadEndpoint, Name: "w"}, {Kind: KindHostEndpoint, Name: "w"}}}, "", ""},
		{"two services of one key", Set{Services: []Service{{Namespace: "n", Name: "s"}, {Namespace: "n", Name: "s"}}}, CodeDuplicate, ""},

		// Tiers.
		{"a policy in a tier that does not exist", pols(Policy{Kind: KindGlobalNetworkPolicy, Name: "p", Tier: "security"}), CodeTier, "tier"},
		{"a policy in a tier the set defines", Set{Tiers: []Tier{{Name: "security"}}, Policies: []Policy{{Kind: KindGlobalNetworkPolicy, Name: "p", Tier: "security"}}}, "", ""},
		{"a policy in a built-in tier", pols(Policy{Kind: KindKubernetesClusterNetworkPolicy, Name: "p", Tier: TierKubeBaseline}), "", ""},
		{"a staged Delete in a missing tier", pols(Policy{Kind: KindStagedGlobalNetworkPolicy, Name: "p", Tier: "gone", StagedAction: StagedDelete}), "", ""},
		{"a tier that allows by default", Set{Tiers: []Tier{{Name: "t", DefaultAction: Allow}}}, CodeAction, "defaultAction"},
		{"a tier that passes by default", Set{Tiers: []Tier{{Name: "t", DefaultAction: Pass}}}, "", ""},
		{"a tier ordered NaN", Set{Tiers: []Tier{{Name: "t", Order: f64(math.NaN())}}}, CodeValue, "order"},
		{"a policy ordered at infinity", pols(Policy{Kind: KindGlobalNetworkPolicy, Name: "p", Order: f64(math.Inf(1))}), CodeValue, "order"},
		{"a policy ordered 1e300", pols(Policy{Kind: KindGlobalNetworkPolicy, Name: "p", Order: f64(1e300)}), "", ""},

		// Policies.
		{"an unknown policy type", pols(Policy{Kind: KindGlobalNetworkPolicy, Name: "p", Types: []Direction{"Sideways"}}), CodeValue, "types[0]"},
		{"a type listed twice", pols(Policy{Kind: KindGlobalNetworkPolicy, Name: "p", Types: []Direction{Ingress, Ingress}}), CodeValue, "types[1]"},
		{"both types", pols(Policy{Kind: KindGlobalNetworkPolicy, Name: "p", Types: []Direction{Egress, Ingress}}), "", ""},
		{"a staged action on an enforced policy", pols(Policy{Kind: KindGlobalNetworkPolicy, Name: "p", StagedAction: StagedSet}), CodeValue, "stagedAction"},
		{"an unknown staged action", pols(Policy{Kind: KindStagedGlobalNetworkPolicy, Name: "p", StagedAction: "Maybe"}), CodeValue, "stagedAction"},
		{"a namespaceSelector on a namespaced policy", pols(Policy{Kind: KindNetworkPolicy, Namespace: "n", Name: "p", NamespaceSelector: all}), CodeValue, "namespaceSelector"},
		{"a namespaceSelector on a global policy", pols(Policy{Kind: KindGlobalNetworkPolicy, Name: "p", NamespaceSelector: all}), "", ""},
		{"doNotTrack on a namespaced policy", pols(Policy{Kind: KindNetworkPolicy, Namespace: "n", Name: "p", DoNotTrack: true, ApplyOnForward: true}), CodeValue, "doNotTrack"},
		{"doNotTrack with preDNAT", pols(Policy{Kind: KindGlobalNetworkPolicy, Name: "p", DoNotTrack: true, PreDNAT: true, ApplyOnForward: true}), CodeValue, "preDNAT"},
		{"preDNAT with egress", pols(Policy{Kind: KindGlobalNetworkPolicy, Name: "p", PreDNAT: true, ApplyOnForward: true, Types: []Direction{Egress}}), CodeValue, "egress"},
		{"doNotTrack without applyOnForward", pols(Policy{Kind: KindGlobalNetworkPolicy, Name: "p", DoNotTrack: true}), CodeValue, "applyOnForward"},
		{"preDNAT as Calico allows it", pols(Policy{Kind: KindGlobalNetworkPolicy, Name: "p", PreDNAT: true, ApplyOnForward: true, Types: []Direction{Ingress}}), "", ""},

		// Rules.
		{"a rule without an action", rule(func(r *Rule) { r.Action = "" }), CodeAction, "ingress[0].action"},
		{"a rule with an unknown action", rule(func(r *Rule) { r.Action = "Reject" }), CodeAction, "ingress[0].action"},
		{"a rule with a lower-case action", rule(func(r *Rule) { r.Action = "allow" }), CodeAction, "ingress[0].action"},
		{"a profile rule without an action", Set{Profiles: []Profile{{Name: "x", Egress: []Rule{{Action: Log}, {}}}}}, CodeAction, "egress[1].action"},
		{"rules with every action", pols(gnp(Rule{Action: Allow}, Rule{Action: Deny}, Rule{Action: Pass}, Rule{Action: Log})), "", ""},
		{"ipVersion 5", rule(func(r *Rule) { r.IPVersion = 5 }), CodeValue, "ingress[0].ipVersion"},
		{"ipVersion 6", rule(func(r *Rule) { r.IPVersion = 6 }), "", ""},
		{"a protocol named but without a name", rule(func(r *Rule) { r.Protocol = Protocol{Number: 99, ByName: true} }), CodeValue, "ingress[0].protocol"},
		{"a protocol by number", rule(func(r *Rule) { r.Protocol = ProtocolNumber(99) }), "", ""},
		{"ICMP named in an IPv6 rule", rule(func(r *Rule) { r.Protocol = icmp; r.IPVersion = 6 }), CodeValue, "ingress[0].protocol"},
		{"notProtocol ICMPv6 in an IPv4 rule", rule(func(r *Rule) { r.NotProtocol = ProtocolNamed(ProtoICMPv6); r.IPVersion = 4 }), CodeValue, "ingress[0].notProtocol"},
		{"protocol 1 in an IPv6 rule", rule(func(r *Rule) { r.Protocol = ProtocolNumber(ProtoICMP); r.IPVersion = 6 }), "", ""},
		{"icmp without an ICMP protocol", rule(func(r *Rule) { r.Protocol = tcp; r.ICMP = &ICMPMatch{Type: u8(8)} }), CodeValue, "ingress[0].icmp"},
		{"icmp type 255", rule(func(r *Rule) { r.Protocol = icmp; r.ICMP = &ICMPMatch{Type: u8(255)} }), CodeValue, "ingress[0].icmp.type"},
		{"icmp code without a type", rule(func(r *Rule) { r.Protocol = icmp; r.ICMP = &ICMPMatch{Code: u8(0)} }), CodeValue, "ingress[0].icmp.code"},
		{"notICMP code without a type", rule(func(r *Rule) { r.NotICMP = &ICMPMatch{Code: u8(0)} }), CodeValue, "ingress[0].notICMP.code"},
		{"icmp type and code", rule(func(r *Rule) { r.Protocol = icmp; r.ICMP = &ICMPMatch{Type: u8(8), Code: u8(0)} }), "", ""},
		{"an invalid net", rule(func(r *Rule) { r.Source.Nets = []netip.Prefix{{}} }), CodeValue, "ingress[0].source.nets[0]"},
		{"nets of both families, as Kubernetes conversions write them", rule(func(r *Rule) {
			r.Destination.Nets = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
		}), "", ""},
		{"a port number without a protocol", rule(func(r *Rule) { r.Destination = ports(Port{Min: 80, Max: 80}) }), CodeValue, "ingress[0].destination.ports[0]"},
		{"a named port without a protocol", rule(func(r *Rule) { r.Destination = ports(Port{Name: "http"}) }), "", ""},
		{"a port with ICMP", rule(func(r *Rule) { r.Protocol = icmp; r.Source = ports(Port{Name: "http"}) }), CodeValue, "ingress[0].source.ports[0]"},
		{"a notPort with UDP", rule(func(r *Rule) { r.Protocol = udp; r.Destination.NotPorts = []Port{{Min: 53, Max: 53}} }), "", ""},
		{"port 0", rule(func(r *Rule) { r.Protocol = tcp; r.Destination = ports(Port{}) }), CodeValue, "ingress[0].destination.ports[0]"},
		{"a range that runs backwards", rule(func(r *Rule) { r.Protocol = tcp; r.Destination = ports(Port{Min: 90, Max: 80}) }), CodeValue, "ingress[0].destination.ports[0]"},
		{"a named port with numbers", rule(func(r *Rule) { r.Protocol = tcp; r.Destination = ports(Port{Name: "x", Min: 1, Max: 1}) }), CodeValue, "ingress[0].destination.ports[0]"},
		{"a range", rule(func(r *Rule) { r.Protocol = tcp; r.Destination = ports(Port{Min: 1, Max: 65535}) }), "", ""},
		{"a service account without a name", rule(func(r *Rule) { r.Source.ServiceAccounts = &ServiceAccountMatch{Names: []string{""}} }), CodeName, "ingress[0].source.serviceAccounts.names[0]"},
		{"a service without a name", rule(func(r *Rule) { r.Source.Services = &ServiceMatch{Namespace: "n"} }), CodeName, "ingress[0].source.services.name"},
		{"a service", rule(func(r *Rule) { r.Source.Services = &ServiceMatch{Namespace: "n", Name: "s"} }), "", ""},
		{"http on a Deny rule", rule(func(r *Rule) { r.Action = Deny; r.HTTP = &HTTPMatch{Methods: []string{"GET"}} }), CodeValue, "ingress[0].http"},
		{"http with UDP", rule(func(r *Rule) { r.Protocol = udp; r.HTTP = &HTTPMatch{} }), CodeValue, "ingress[0].http"},
		{"http in an egress rule", pols(egress(Rule{Action: Allow, HTTP: &HTTPMatch{}})), CodeValue, "egress[0].http"},
		{"an http path with neither form", rule(func(r *Rule) { r.HTTP = &HTTPMatch{Paths: []HTTPPath{{}}} }), CodeValue, "ingress[0].http.paths[0]"},
		{"an http path with both forms", rule(func(r *Rule) { r.HTTP = &HTTPMatch{Paths: []HTTPPath{{Exact: "/a", Prefix: "/a"}}} }), CodeValue, "ingress[0].http.paths[0]"},
		{"an http match on TCP", rule(func(r *Rule) { r.Protocol = tcp; r.HTTP = &HTTPMatch{Paths: []HTTPPath{{Prefix: "/api"}}} }), "", ""},

		// Endpoints, network sets and services.
		{"an invalid endpoint address", wep(func(e *Endpoint) { e.Addresses = []netip.Addr{{}} }), CodeValue, "addresses[0]"},
		{"a zoned endpoint address", wep(func(e *Endpoint) { e.Addresses = []netip.Addr{netip.MustParseAddr("fe80::1%eth0")} }), CodeValue, "addresses[0]"},
		{"an endpoint address", wep(func(e *Endpoint) { e.Addresses = []netip.Addr{netip.MustParseAddr("fe80::1")} }), "", ""},
		{"a named port without a name", wep(func(e *Endpoint) { e.Ports = []EndpointPort{{Protocol: ProtoTCP, Port: 80}} }), CodeName, "ports[0].name"},
		{"a named port over ICMP", wep(func(e *Endpoint) { e.Ports = []EndpointPort{{Name: "x", Protocol: ProtoICMP, Port: 80}} }), CodeValue, "ports[0].protocol"},
		{"a named port 0", wep(func(e *Endpoint) { e.Ports = []EndpointPort{{Name: "x", Protocol: ProtoSCTP}} }), CodeValue, "ports[0].port"},
		{"a named port", wep(func(e *Endpoint) { e.Ports = []EndpointPort{{Name: "x", Protocol: ProtoSCTP, Port: 9}} }), "", ""},
		{"a profile without a name", wep(func(e *Endpoint) { e.Profiles = []string{"kns.n", ""} }), CodeName, "profiles[1]"},
		{"an invalid network", Set{NetworkSets: []NetworkSet{{Name: "x", Nets: []netip.Prefix{{}}}}}, CodeValue, "nets[0]"},
		{"a network", Set{NetworkSets: []NetworkSet{{Name: "x", Nets: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}}}, "", ""},
		{"a zoned service address", svc(func(s *ServiceSlice) { s.Addresses[0] = netip.MustParseAddr("fe80::1%eth0") }), CodeValue, "slices[0].addresses[0]"},
		{"a service port over ICMP", svc(func(s *ServiceSlice) { s.Ports[0].Protocol = ProtoICMP }), CodeValue, "slices[0].ports[0].protocol"},
		{"a service port 0", svc(func(s *ServiceSlice) { s.Ports[0].Port = 0 }), CodeValue, "slices[0].ports[0].port"},
		{"a service", svc(func(*ServiceSlice) {}), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.set.Check()
			if tt.code == "" {
				mustSucceed(t, err)
				return
			}
			var ce *CheckError
			mustBeTrue(t, errors.As(err, &ce), "Check gave %v", err)
			mustEqual(t, tt.code, ce.Problems[0].Code, "%v", err)
			mustEqual(t, tt.field, ce.Problems[0].Field, "%v", err)
		})
	}
}

func TestCheckListsEveryProblem(t *testing.T) {
	set := Set{
		Policies: []Policy{
			{Kind: KindGlobalNetworkPolicy, Namespace: "n", Name: "a", Ingress: []Rule{{}, {Action: "Bogus"}}},
			{Kind: KindGlobalNetworkPolicy, Namespace: "n", Name: "a"},
		},
		Endpoints: []Endpoint{{Kind: KindWorkloadEndpoint}},
	}
	err := set.Check()
	var ce *CheckError
	mustBeTrue(t, errors.As(err, &ce))
	mustEqual(t, []Code{CodeNamespace, CodeAction, CodeAction, CodeNamespace, CodeDuplicate, CodeName}, codesOf(ce))
	mustEqual(t, strings.Join([]string{
		`GlobalNetworkPolicy n/a: a GlobalNetworkPolicy has no namespace, but "n" is given`,
		`GlobalNetworkPolicy n/a: ingress[0].action: is required: Allow, Deny, Log or Pass`,
		`GlobalNetworkPolicy n/a: ingress[1].action: unknown action "Bogus": want Allow, Deny, Log or Pass`,
		`GlobalNetworkPolicy n/a: a GlobalNetworkPolicy has no namespace, but "n" is given`,
		`GlobalNetworkPolicy n/a: is defined twice`,
		`WorkloadEndpoint "": the name is empty`,
	}, "\n"), err.Error())
}

func TestChangeCheck(t *testing.T) {
	tests := []struct {
		name  string
		c     Change
		codes []Code
	}{
		{"an empty change", Change{}, nil},
		{"a delete of every kind of key", Change{Deletes: []Key{
			{Kind: KindTier, Name: "t"}, {Kind: KindNetworkPolicy, Namespace: "n", Name: "p"},
			{Kind: KindWorkloadEndpoint, Name: "docker"}, {Kind: KindService, Namespace: "n", Name: "s"},
		}}, nil},
		{"a delete of an unknown kind", Change{Deletes: []Key{{Kind: "Pod", Namespace: "n", Name: "p"}}}, []Code{CodeKind}},
		{"a delete without a kind", Change{Deletes: []Key{{Name: "p"}}}, []Code{CodeKind}},
		{"a delete without a name", Change{Deletes: []Key{{Kind: KindProfile}}}, []Code{CodeName}},
		{"a delete of a global policy in a namespace", Change{Deletes: []Key{{Kind: KindGlobalNetworkPolicy, Namespace: "n", Name: "p"}}}, []Code{CodeNamespace}},
		{"an upsert checked as in a set", Change{Upserts: Set{Policies: []Policy{{Kind: KindGlobalNetworkPolicy, Name: "p", Ingress: []Rule{{}}}}}}, []Code{CodeAction}},
		{"a policy in a tier the change does not know", Change{Upserts: Set{Policies: []Policy{{Kind: KindGlobalNetworkPolicy, Name: "p", Tier: "t"}}}}, nil},
		{"a key upserted twice", Change{Upserts: Set{Endpoints: []Endpoint{{Kind: KindHostEndpoint, Name: "h"}, {Kind: KindHostEndpoint, Name: "h"}}}}, []Code{CodeDuplicate}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Check()
			if tt.codes == nil {
				mustSucceed(t, err)
				return
			}
			var ce *CheckError
			mustBeTrue(t, errors.As(err, &ce), "Check gave %v", err)
			mustEqual(t, tt.codes, codesOf(ce))
		})
	}
}
