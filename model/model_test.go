package model

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestKindClasses(t *testing.T) {
	tests := []struct {
		kind       Kind
		staged     bool
		namespaced bool
	}{
		{KindGlobalNetworkPolicy, false, false},
		{KindNetworkPolicy, false, true},
		{KindStagedGlobalNetworkPolicy, true, false},
		{KindStagedNetworkPolicy, true, true},
		{KindStagedKubernetesNetworkPolicy, true, true},
		{KindKubernetesNetworkPolicy, false, true},
		{KindKubernetesClusterNetworkPolicy, false, false},
		{KindProfile, false, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			mustEqual(t, tt.staged, tt.kind.Staged())
			mustEqual(t, tt.namespaced, tt.kind.Namespaced())
		})
	}
}

func TestPolicyGoverns(t *testing.T) {
	tests := []struct {
		name            string
		types           []Direction
		ingress, egress bool
	}{
		{"no types governs both, as in Felix", nil, true, true},
		{"ingress only", []Direction{Ingress}, true, false},
		{"egress only", []Direction{Egress}, false, true},
		{"both", []Direction{Egress, Ingress}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Policy{Types: tt.types}
			mustEqual(t, tt.ingress, p.Governs(Ingress))
			mustEqual(t, tt.egress, p.Governs(Egress))
		})
	}
}

func TestRulesByDirection(t *testing.T) {
	in, out := []Rule{{Action: Allow}}, []Rule{{Action: Deny}, {Action: Log}}
	p := Policy{Ingress: in, Egress: out}
	mustEqual(t, in, p.Rules(Ingress))
	mustEqual(t, out, p.Rules(Egress))
	prof := Profile{Ingress: in, Egress: out}
	mustEqual(t, in, prof.Rules(Ingress))
	mustEqual(t, out, prof.Rules(Egress))
}

func TestSortNameOrdersDashBeforeEnd(t *testing.T) {
	a := Policy{Kind: KindGlobalNetworkPolicy, Name: "a"}
	ab := Policy{Kind: KindGlobalNetworkPolicy, Name: "a-b"}
	mustEqual(t, "a//GlobalNetworkPolicy", a.SortName())
	// '-' sorts before '/', so "a-b" comes before "a" inside a tier.
	mustBeLess(t, ab.SortName(), a.SortName())
	staged := Policy{Kind: KindStagedGlobalNetworkPolicy, Name: "a"}
	mustBeLess(t, a.SortName(), staged.SortName())
}

func TestKeys(t *testing.T) {
	mustEqual(t, "NetworkPolicy prod/db", (&Policy{Kind: KindNetworkPolicy, Namespace: "prod", Name: "db"}).Key().String())
	mustEqual(t, "GlobalNetworkSet outside", (&NetworkSet{Name: "outside"}).Key().String())
	mustEqual(t, "NetworkSet prod/partners", (&NetworkSet{Name: "partners", Namespace: "prod"}).Key().String())
	mustEqual(t, "Profile kns.prod", (&Profile{Name: "kns.prod"}).Key().String())
	mustEqual(t, "Namespace prod", (&Namespace{Name: "prod"}).Key().String())
	mustEqual(t, "Tier security", (&Tier{Name: "security"}).Key().String())
	mustEqual(t, "ServiceAccount prod/api", (&ServiceAccount{Namespace: "prod", Name: "api"}).Key().String())
	mustEqual(t, "WorkloadEndpoint prod/db-0", (&Endpoint{Kind: KindWorkloadEndpoint, Namespace: "prod", Name: "db-0"}).Key().String())
	mustEqual(t, "Service prod/db", (&Service{Namespace: "prod", Name: "db"}).Key().String())
}

func TestWithBuiltinTiers(t *testing.T) {
	order := 5.0
	s := Set{Tiers: []Tier{{Name: "security", Order: &order, DefaultAction: Deny}, {Name: TierDefault, Order: &order, DefaultAction: Deny}}}
	got := s.WithBuiltinTiers()
	var names []string
	for _, tier := range got.Tiers {
		names = append(names, tier.Name)
	}
	mustEqual(t, []string{"security", TierDefault, TierKubeAdmin, TierKubeBaseline}, names)
	mustEqual(t, 5.0, *got.Tiers[1].Order, "a tier the set defines is kept as it is")
	mustHaveLen(t, s.Tiers, 2, "the original set is not changed")

	for _, tier := range BuiltinTiers() {
		switch tier.Name {
		case TierKubeAdmin:
			mustEqual(t, 1000.0, *tier.Order)
			mustEqual(t, Pass, tier.DefaultAction)
		case TierDefault:
			mustEqual(t, 1e6, *tier.Order)
			mustEqual(t, Deny, tier.DefaultAction)
		case TierKubeBaseline:
			mustEqual(t, 1e7, *tier.Order)
			mustEqual(t, Pass, tier.DefaultAction)
		default:
			t.Fatalf("unexpected built-in tier %q", tier.Name)
		}
	}
}

func TestProtocol(t *testing.T) {
	tests := []struct {
		proto      Protocol
		str        string
		set, ports bool
	}{
		{Protocol{}, "0", false, false},
		{ProtocolNamed(ProtoTCP), "TCP", true, true},
		{ProtocolNumber(ProtoTCP), "6", true, true},
		{ProtocolNamed(ProtoUDPLite), "UDPLite", true, false},
		{ProtocolNamed(ProtoSCTP), "SCTP", true, true},
		{ProtocolNamed(ProtoICMPv6), "ICMPv6", true, false},
		{ProtocolNumber(99), "99", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.str, func(t *testing.T) {
			mustEqual(t, tt.str, tt.proto.String())
			mustEqual(t, tt.set, tt.proto.IsSet())
			mustEqual(t, tt.ports, tt.proto.SupportsPorts())
		})
	}
	mustEqual(t, "UDP", ProtocolName(ProtoUDP))
	mustEqual(t, "200", ProtocolName(200))
}

func TestParseProtocol(t *testing.T) {
	tests := []struct {
		in   string
		want Protocol
		err  string // a part of the error; "" when none
	}{
		{in: "TCP", want: ProtocolNamed(ProtoTCP)},
		{in: "tcp", want: ProtocolNamed(ProtoTCP)},
		{in: "Udp", want: ProtocolNamed(ProtoUDP)},
		{in: "ICMP", want: ProtocolNamed(ProtoICMP)},
		{in: "icmpv6", want: ProtocolNamed(ProtoICMPv6)},
		{in: "SCTP", want: ProtocolNamed(ProtoSCTP)},
		{in: "UDPLite", want: ProtocolNamed(ProtoUDPLite)},
		{in: "6", want: ProtocolNumber(ProtoTCP)},
		{in: "1", want: ProtocolNumber(1)},
		{in: "255", want: ProtocolNumber(255)},
		{in: "+17", want: ProtocolNumber(17)},
		{in: "0", err: "protocol number 0 is out of range 1 to 255"},
		{in: "256", err: "protocol number 256 is out of range"},
		{in: "-1", err: "protocol number -1 is out of range"},
		{in: "99999999999999999999", err: "out of range"},
		{in: "", err: `unknown protocol ""`},
		{in: "tpc", err: `unknown protocol "tpc": want TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite or a number from 1 to 255`},
		{in: " 6", err: `unknown protocol " 6"`},
		{in: "6x", err: `unknown protocol "6x"`},
		{in: "GRE", err: `unknown protocol "GRE"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseProtocol(tt.in)
			if tt.err != "" {
				mustFailWith(t, err, tt.err)
				mustEqual(t, Protocol{}, got)
				return
			}
			mustSucceed(t, err)
			mustEqual(t, tt.want, got)
		})
	}
	_, err := ParseProtocol(strings.Repeat("x", 1000))
	mustBeLess(t, len(err.Error()), 200, "a long bad value is clipped")
}

func TestKinds(t *testing.T) {
	tests := []struct {
		kind                      Kind
		known, policy, namespaced bool
	}{
		{KindGlobalNetworkPolicy, true, true, false},
		{KindNetworkPolicy, true, true, true},
		{KindTier, true, false, false},
		{KindProfile, true, false, false},
		{KindNetworkSet, true, false, true},
		{KindGlobalNetworkSet, true, false, false},
		{KindNamespace, true, false, false},
		{KindServiceAccount, true, false, true},
		{KindService, true, false, true},
		{KindWorkloadEndpoint, true, false, false},
		{KindHostEndpoint, true, false, false},
		{"Pod", false, false, false},
		{"", false, false, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			mustEqual(t, tt.known, tt.kind.Known())
			mustEqual(t, tt.policy, tt.kind.IsPolicy())
			mustEqual(t, tt.namespaced, tt.kind.Namespaced())
		})
	}
	for k, sc := range kindScopes {
		mustEqual(t, sc == namespaced, k.Namespaced(), "Namespaced agrees with kindScopes for %s", k)
	}
}

func TestResources(t *testing.T) {
	s := Set{
		Tiers:           []Tier{{Name: "t"}},
		Policies:        []Policy{{Kind: KindNetworkPolicy, Namespace: "n", Name: "p"}, {Kind: KindGlobalNetworkPolicy, Name: "g"}},
		Profiles:        []Profile{{Name: "kns.n"}},
		NetworkSets:     []NetworkSet{{Name: "ns", Namespace: "n"}, {Name: "gns"}},
		Namespaces:      []Namespace{{Name: "n"}},
		ServiceAccounts: []ServiceAccount{{Namespace: "n", Name: "sa"}},
		Endpoints:       []Endpoint{{Kind: KindWorkloadEndpoint, Namespace: "n", Name: "w"}, {Kind: KindHostEndpoint, Name: "h"}},
		Services:        []Service{{Namespace: "n", Name: "svc"}},
	}
	var keys []string
	for k, r := range s.Resources() {
		keys = append(keys, k.String())
		switch r := r.(type) {
		case *Tier:
			mustBeSame(t, &s.Tiers[0], r)
		case *Policy:
			mustEqual(t, r.Key(), k)
		case *Endpoint:
			mustEqual(t, r.Key(), k)
		}
	}
	mustEqual(t, []string{
		"Tier t", "NetworkPolicy n/p", "GlobalNetworkPolicy g", "Profile kns.n", "NetworkSet n/ns",
		"GlobalNetworkSet gns", "Namespace n", "ServiceAccount n/sa", "WorkloadEndpoint n/w",
		"HostEndpoint h", "Service n/svc",
	}, keys)
	mustEqual(t, len(keys), s.Len())
	var strs []string
	for _, k := range s.Keys() {
		strs = append(strs, k.String())
	}
	mustEqual(t, keys, strs, "Keys lists what Resources yields")
	n := 0
	for range s.Resources() {
		n++
		if n == 3 {
			break
		}
	}
	mustEqual(t, 3, n, "stops when asked")
}

func TestAppend(t *testing.T) {
	one := Set{
		Tiers:           []Tier{{Name: "t"}},
		Policies:        []Policy{{Kind: KindGlobalNetworkPolicy, Name: "g"}},
		Profiles:        []Profile{{Name: "kns.n"}},
		NetworkSets:     []NetworkSet{{Name: "gns"}},
		Namespaces:      []Namespace{{Name: "n"}},
		ServiceAccounts: []ServiceAccount{{Namespace: "n", Name: "sa"}},
		Endpoints:       []Endpoint{{Kind: KindHostEndpoint, Name: "h"}},
		Services:        []Service{{Namespace: "n", Name: "svc"}},
	}
	two := Set{
		Tiers:           []Tier{{Name: "t2"}},
		Policies:        []Policy{{Kind: KindGlobalNetworkPolicy, Name: "g2"}},
		Profiles:        []Profile{{Name: "kns.n2"}},
		NetworkSets:     []NetworkSet{{Name: "gns2"}},
		Namespaces:      []Namespace{{Name: "n2"}},
		ServiceAccounts: []ServiceAccount{{Namespace: "n", Name: "sa2"}},
		Endpoints:       []Endpoint{{Kind: KindHostEndpoint, Name: "h2"}},
		Services:        []Service{{Namespace: "n", Name: "svc2"}},
	}
	var got Set
	got.Append(&one)
	got.Append(&two)
	// Kind by kind, one's resource then two's.
	var want []Key
	a, b := one.Keys(), two.Keys()
	for i := range a {
		want = append(want, a[i], b[i])
	}
	mustEqual(t, want, got.Keys())
}

func TestReservedNames(t *testing.T) {
	mustEqual(t, "kns.prod", NamespaceProfile("prod"))
	mustEqual(t, "ksa.prod.api", ServiceAccountProfile("prod", "api"))
	mustEqual(t, "pcns.projectcalico.org/name", PrefixNamespaceLabel+LabelName)
}

func TestVerdictAllowed(t *testing.T) {
	allow := Decision{Allowed: true}
	deny := Decision{}
	tests := []struct {
		name             string
		egress, ingress  DirectionVerdict
		allowed, pending bool
	}{
		{"both sides allow", DirectionVerdict{Enforced: true, Decision: allow, Pending: allow}, DirectionVerdict{Enforced: true, Decision: allow, Pending: allow}, true, true},
		{"ingress denies", DirectionVerdict{Enforced: true, Decision: allow, Pending: allow}, DirectionVerdict{Enforced: true, Decision: deny, Pending: deny}, false, false},
		{"an unenforced side counts as allowed", DirectionVerdict{}, DirectionVerdict{Enforced: true, Decision: allow, Pending: deny}, true, false},
		{"nothing enforced", DirectionVerdict{}, DirectionVerdict{}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Verdict{Egress: tt.egress, Ingress: tt.ingress}
			mustEqual(t, tt.allowed, v.Allowed())
			mustEqual(t, tt.pending, v.PendingAllowed())
		})
	}
}

func TestEntityRuleIsZero(t *testing.T) {
	mustBeTrue(t, (&EntityRule{}).IsZero())
	mustBeFalse(t, (&EntityRule{Ports: []Port{{Min: 80, Max: 80}}}).IsZero())
	mustBeFalse(t, (&EntityRule{Services: &ServiceMatch{Name: "db"}}).IsZero())
}

// A decision's JSON has camelCase names and no hit when the end of the
// profiles decided; it decodes back to the same decision.
func TestDecisionJSON(t *testing.T) {
	tests := []struct {
		d    Decision
		want string
	}{
		{Decision{Allowed: true, Hit: Hit{Kind: KindNetworkPolicy, Tier: "default", Namespace: "prod", Name: "db", Index: 0, Action: HitAllow}},
			`{"allowed":true,"hit":{"kind":"NetworkPolicy","tier":"default","namespace":"prod","name":"db","index":0,"action":"allow"}}`},
		{Decision{EndOfProfiles: true}, `{"allowed":false,"endOfProfiles":true}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.d)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tt.want {
			t.Errorf("json.Marshal(%+v) = %s, want %s", tt.d, b, tt.want)
		}
		var back Decision
		if err := json.Unmarshal(b, &back); err != nil || back != tt.d {
			t.Errorf("%s decodes to %+v, %v", b, back, err)
		}
	}
}
