package model

import (
	"testing"

	"github.com/stretchr/testify/require"
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
			require.Equal(t, tt.staged, tt.kind.Staged())
			require.Equal(t, tt.namespaced, tt.kind.Namespaced())
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
			require.Equal(t, tt.ingress, p.Governs(Ingress))
			require.Equal(t, tt.egress, p.Governs(Egress))
		})
	}
}

func TestRulesByDirection(t *testing.T) {
	in, out := []Rule{{Action: Allow}}, []Rule{{Action: Deny}, {Action: Log}}
	p := Policy{Ingress: in, Egress: out}
	require.Equal(t, in, p.Rules(Ingress))
	require.Equal(t, out, p.Rules(Egress))
	prof := Profile{Ingress: in, Egress: out}
	require.Equal(t, in, prof.Rules(Ingress))
	require.Equal(t, out, prof.Rules(Egress))
}

func TestSortNameOrdersDashBeforeEnd(t *testing.T) {
	a := Policy{Kind: KindGlobalNetworkPolicy, Name: "a"}
	ab := Policy{Kind: KindGlobalNetworkPolicy, Name: "a-b"}
	require.Equal(t, "a//GlobalNetworkPolicy", a.SortName())
	// '-' sorts before '/', so "a-b" comes before "a" inside a tier.
	require.Less(t, ab.SortName(), a.SortName())
	staged := Policy{Kind: KindStagedGlobalNetworkPolicy, Name: "a"}
	require.Less(t, a.SortName(), staged.SortName())
}

func TestKeys(t *testing.T) {
	require.Equal(t, "NetworkPolicy prod/db", (&Policy{Kind: KindNetworkPolicy, Namespace: "prod", Name: "db"}).Key().String())
	require.Equal(t, "GlobalNetworkSet outside", (&NetworkSet{Name: "outside"}).Key().String())
	require.Equal(t, "NetworkSet prod/partners", (&NetworkSet{Name: "partners", Namespace: "prod"}).Key().String())
	require.Equal(t, "Profile kns.prod", (&Profile{Name: "kns.prod"}).Key().String())
	require.Equal(t, "Namespace prod", (&Namespace{Name: "prod"}).Key().String())
	require.Equal(t, "ServiceAccount prod/api", (&ServiceAccount{Namespace: "prod", Name: "api"}).Key().String())
	require.Equal(t, "WorkloadEndpoint prod/db-0", (&Endpoint{Kind: WorkloadEndpoint, Namespace: "prod", Name: "db-0"}).Key().String())
	require.Equal(t, "Service prod/db", (&Service{Namespace: "prod", Name: "db"}).Key().String())
}

func TestWithBuiltinTiers(t *testing.T) {
	order := 5.0
	s := Set{Tiers: []Tier{{Name: "security", Order: &order, DefaultAction: Deny}, {Name: TierDefault, Order: &order, DefaultAction: Deny}}}
	got := s.WithBuiltinTiers()
	var names []string
	for _, tier := range got.Tiers {
		names = append(names, tier.Name)
	}
	require.Equal(t, []string{"security", TierDefault, TierKubeAdmin, TierKubeBaseline}, names)
	require.Equal(t, 5.0, *got.Tiers[1].Order, "a tier the set defines is kept as it is")
	require.Len(t, s.Tiers, 2, "the original set is not changed")

	for _, tier := range BuiltinTiers() {
		switch tier.Name {
		case TierKubeAdmin:
			require.Equal(t, 1000.0, *tier.Order)
			require.Equal(t, Pass, tier.DefaultAction)
		case TierDefault:
			require.Equal(t, 1e6, *tier.Order)
			require.Equal(t, Deny, tier.DefaultAction)
		case TierKubeBaseline:
			require.Equal(t, 1e7, *tier.Order)
			require.Equal(t, Pass, tier.DefaultAction)
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
			require.Equal(t, tt.str, tt.proto.String())
			require.Equal(t, tt.set, tt.proto.IsSet())
			require.Equal(t, tt.ports, tt.proto.SupportsPorts())
		})
	}
	p, ok := ProtocolByName("ICMPv6")
	require.True(t, ok)
	require.Equal(t, ProtocolNamed(ProtoICMPv6), p)
	_, ok = ProtocolByName("tcp")
	require.False(t, ok, "names are case-sensitive in Calico v3")
	require.Equal(t, "UDP", ProtocolName(ProtoUDP))
	require.Equal(t, "200", ProtocolName(200))
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
			require.Equal(t, tt.allowed, v.Allowed())
			require.Equal(t, tt.pending, v.PendingAllowed())
		})
	}
}

func TestEntityRuleIsZero(t *testing.T) {
	require.True(t, (&EntityRule{}).IsZero())
	require.False(t, (&EntityRule{Ports: []Port{{Min: 80, Max: 80}}}).IsZero())
	require.False(t, (&EntityRule{Services: &ServiceMatch{Name: "db"}}).IsZero())
}
