package workload

import (
	"fmt"
	"net/netip"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// CheckerPolicies is the number of policies of Calico's per-flow checker
// benchmark; CheckerBaseline(CheckerPolicies) is that benchmark's shape.
const CheckerPolicies = 294

// Sizes of the checker shape that do not scale with its size: rules per
// policy, address sets per policy (3,700 sets over 294 policies) and
// CIDRs per address set (about 256k members at full size).
const (
	checkerRules         = 68
	checkerSetsPerPolicy = 3700.0 / CheckerPolicies
	checkerSetMembers    = 70
)

// Checker is the shape of Calico's per-flow checker benchmark: one
// endpoint to which every policy applies, and two flows to it.
type Checker struct {
	Set model.Set
	// FullWalk matches no rule of any policy, so an evaluator walks every
	// rule and ends after the profiles (the endpoint has none).
	FullWalk model.Flow
	// Early is decided by the fourth rule of the first policy.
	Early model.Flow
}

// CheckerBaseline returns the checker shape with the given number of
// policies (at least 1) of 68 rules each, all applying to one endpoint in
// one tier. Most rules are Pass; a quarter name an address set through a
// selector over about 12.6 global network sets per policy of 70 CIDRs
// each, which at CheckerPolicies gives about 3,700 sets and 256k members.
// Smaller sizes keep the proportions, so short benchmarks run the same
// walk on fewer policies.
func CheckerBaseline(policies int) Checker {
	policies = max(policies, 1)
	r := newRNG(uint64(policies), streamResources)
	sets := max(1, int(float64(policies)*checkerSetsPerPolicy+0.5))
	var set model.Set
	set.NetworkSets = make([]model.NetworkSet, 0, sets)
	for i := range sets {
		ns := model.NetworkSet{Name: fmt.Sprintf("set-%d", i), Labels: map[string]string{"set": fmt.Sprint(i)}}
		for range checkerSetMembers {
			// 11.0.0.0 to 90.255.255.255 keeps every member away from the
			// flows' sources, so address-set rules never match them.
			a := netip.AddrFrom4([4]byte{byte(11 + r.IntN(80)), byte(r.IntN(256)), byte(r.IntN(256)), 0})
			ns.Nets = append(ns.Nets, netip.PrefixFrom(a, 24+r.IntN(9)).Masked())
		}
		set.NetworkSets = append(set.NetworkSets, ns)
	}
	set.Tiers = []model.Tier{{Name: "baseline", Order: orderOf(10), DefaultAction: model.Pass}}
	applies := selector.MustParse(`role == "checked"`)
	notLow := []netip.Prefix{netip.MustParsePrefix("0.0.0.0/1")}
	for i := range policies {
		p := model.Policy{Kind: model.KindGlobalNetworkPolicy, Name: fmt.Sprintf("p-%03d", i), Tier: "baseline",
			Order: orderOf(float64(i)), Selector: applies, Types: []model.Direction{model.Ingress}}
		for j := range checkerRules {
			rule := model.Rule{Action: model.Pass, Protocol: model.ProtocolNamed(model.ProtoTCP)}
			switch j % 4 {
			case 0:
				rule.Source.Selector = selector.MustParse(fmt.Sprintf(`set == "%d"`, r.IntN(sets)))
			case 1:
				rule.Destination.Ports = []model.Port{{Min: uint16(1000 + r.IntN(2000)), Max: uint16(3000 + r.IntN(2000))}}
				rule.Source.Nets = []netip.Prefix{netip.PrefixFrom(netip.AddrFrom4([4]byte{172, byte(16 + r.IntN(16)), 0, 0}), 16)}
			case 2:
				rule.Protocol = model.ProtocolNamed(model.ProtoUDP)
			default:
				// Every range holds port 1000, which is what Early uses.
				rule.Action = []model.Action{model.Allow, model.Deny}[r.IntN(2)]
				rule.Destination.Ports = []model.Port{{Min: uint16(r.IntN(1000) + 1), Max: uint16(r.IntN(1000) + 1000)}}
				rule.Source.NotNets = notLow
			}
			p.Ingress = append(p.Ingress, rule)
		}
		set.Policies = append(set.Policies, p)
	}
	dst := netip.MustParseAddr("10.0.0.1")
	set.Endpoints = []model.Endpoint{{
		Kind: model.KindWorkloadEndpoint, Name: "checked", Namespace: "app", Orchestrator: model.OrchestratorKubernetes,
		Labels: map[string]string{"role": "checked"}, Addresses: []netip.Addr{dst},
	}}
	src := netip.AddrFrom4([4]byte{200, 1, 2, 3})
	return Checker{
		Set:      set,
		FullWalk: model.Flow{Src: src, Dst: dst, Protocol: model.ProtoTCP, SrcPort: 40000, DstPort: 8443},
		Early:    model.Flow{Src: src, Dst: dst, Protocol: model.ProtoTCP, SrcPort: 40000, DstPort: 1000},
	}
}

// orderOf returns a pointer to f, for the optional orders of tiers and
// policies.
func orderOf(f float64) *float64 { return &f }
