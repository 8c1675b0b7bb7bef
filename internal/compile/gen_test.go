package compile

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// gen builds small random models whose parts collide often: few label
// keys and values, few addresses shared between endpoints, overlapping
// CIDRs of many lengths, so that every branch of the semantics is reached
// in a few thousand cases.
type gen struct {
	r *rand.Rand
}

func newGen(seed uint64) *gen { return &gen{r: rand.New(rand.NewPCG(seed, seed^0x5eed))} }

var (
	genKeys   = []string{"app", "env", "role", "tier"}
	genValues = []string{"a", "b", "c", ""}
	genNS     = []string{"ns0", "ns1", "ns2"}
	genAddrs4 = []string{"10.0.0.1", "10.0.0.2", "10.0.1.5", "10.1.2.3", "192.168.0.9", "172.16.5.4"}
	genAddrs6 = []string{"fd00::1", "fd00::2", "fd00:0:0:1::5", "2001:db8::7"}
	genNets   = []string{"10.0.0.0/8", "10.0.0.0/16", "10.0.0.0/24", "10.0.0.0/30", "10.0.0.1/32", "10.0.1.0/25",
		"10.1.0.0/16", "192.168.0.0/24", "0.0.0.0/1", "172.16.0.0/12",
		"fd00::/8", "fd00::/64", "fd00::/127", "fd00:0:0:1::/64", "2001:db8::/32", "fd00::2/128"}
	genPortNames = []string{"http", "dns", "metrics"}
)

func (g *gen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

func (g *gen) chance(pct int) bool { return g.r.IntN(100) < pct }

func (g *gen) quoted() string { return `"` + g.pick(genValues) + `"` }

// term is one selector term over the small vocabulary.
func (g *gen) term() string {
	k := g.pick(genKeys)
	switch g.r.IntN(12) {
	case 0:
		return k + " == " + g.quoted()
	case 1:
		return k + " != " + g.quoted()
	case 2:
		return "has(" + k + ")"
	case 3:
		return "!has(" + k + ")"
	case 4:
		return k + " in {" + g.quoted() + ", " + g.quoted() + "}"
	case 5:
		return k + " not in {" + g.quoted() + "}"
	case 6:
		return k + " starts with " + g.quoted()
	case 7:
		return "all()"
	case 8:
		return "pcns.team == " + g.quoted()
	case 9:
		return "projectcalico.org/namespace == \"" + g.pick(genNS) + "\""
	case 10:
		return k + " contains " + g.quoted()
	}
	return k + " == " + g.quoted()
}

func (g *gen) selectorText() string {
	switch g.r.IntN(6) {
	case 0:
		return ""
	case 1, 2:
		return g.term()
	case 3:
		return g.term() + " && " + g.term()
	case 4:
		return "(" + g.term() + " || " + g.term() + ") && " + g.term()
	}
	return "!(" + g.term() + " && " + g.term() + ")"
}

func (g *gen) selector() *selector.Selector {
	return selector.MustParse(g.selectorText())
}

func (g *gen) maybeSelector(pct int) *selector.Selector {
	if g.chance(pct) {
		return g.selector()
	}
	return nil
}

func (g *gen) addr() netip.Addr {
	if g.chance(20) {
		return netip.MustParseAddr(g.pick(genAddrs6))
	}
	return netip.MustParseAddr(g.pick(genAddrs4))
}

func (g *gen) prefixes(n int) []netip.Prefix {
	var out []netip.Prefix
	for range n {
		out = append(out, netip.MustParsePrefix(g.pick(genNets)))
	}
	return out
}

func (g *gen) ports() []model.Port {
	var out []model.Port
	for range 1 + g.r.IntN(2) {
		switch g.r.IntN(4) {
		case 0:
			out = append(out, model.Port{Name: g.pick(genPortNames)})
		case 1:
			lo := uint16(g.r.IntN(100) + 1)
			out = append(out, model.Port{Min: lo, Max: lo + uint16(g.r.IntN(50))})
		default:
			p := []uint16{53, 80, 443, 8080}[g.r.IntN(4)]
			out = append(out, model.Port{Min: p, Max: p})
		}
	}
	return out
}

func (g *gen) entityRule() model.EntityRule {
	var er model.EntityRule
	if g.chance(25) {
		er.Nets = g.prefixes(1 + g.r.IntN(2))
	}
	if g.chance(15) {
		er.NotNets = g.prefixes(1)
	}
	er.Selector = g.maybeSelector(35)
	er.NotSelector = g.maybeSelector(15)
	if g.chance(15) {
		switch g.r.IntN(3) {
		case 0:
			er.NamespaceSelector = selector.MustParse("all()")
		case 1:
			er.NamespaceSelector = selector.MustParse("global()")
		default:
			er.NamespaceSelector = selector.MustParse("team == " + g.quoted())
		}
	}
	if g.chance(20) {
		er.Ports = g.ports()
	}
	if g.chance(8) {
		er.NotPorts = g.ports()
	}
	if g.chance(8) {
		er.ServiceAccounts = &model.ServiceAccountMatch{Names: []string{"sa0"}}
		if g.chance(50) {
			er.ServiceAccounts.Selector = selector.MustParse("level == " + g.quoted())
		}
	}
	if g.chance(5) {
		er.Services = &model.ServiceMatch{Name: "svc" + fmt.Sprint(g.r.IntN(2))}
		if g.chance(50) {
			er.Services.Namespace = g.pick(genNS)
		}
	}
	return er
}

func u8(v uint8) *uint8 { return &v }

func (g *gen) rule() model.Rule {
	actions := []model.Action{model.Allow, model.Deny, model.Pass, model.Log, model.Allow, model.Deny}
	r := model.Rule{Action: actions[g.r.IntN(len(actions))]}
	switch g.r.IntN(8) {
	case 0:
		r.Protocol = model.ProtocolNamed(model.ProtoTCP)
	case 1:
		r.Protocol = model.ProtocolNamed(model.ProtoUDP)
	case 2:
		r.Protocol = model.ProtocolNamed(model.ProtoICMP)
		if g.chance(50) {
			r.ICMP = &model.ICMPMatch{Type: u8(8)}
			if g.chance(50) {
				r.ICMP.Code = u8(uint8(g.r.IntN(2)))
			}
		}
	case 3:
		r.Protocol = model.ProtocolNumber(58)
	case 4:
		r.NotProtocol = model.ProtocolNamed(model.ProtoUDP)
	}
	if g.chance(10) {
		r.NotICMP = &model.ICMPMatch{Type: u8(8), Code: u8(0)}
	}
	if g.chance(10) {
		r.IPVersion = []int{4, 6}[g.r.IntN(2)]
	}
	if g.chance(60) {
		r.Source = g.entityRule()
	}
	if g.chance(60) {
		r.Destination = g.entityRule()
	}
	if g.chance(8) {
		r.HTTP = &model.HTTPMatch{Methods: []string{"GET"}, Paths: []model.HTTPPath{{Prefix: "/api"}}}
	}
	return validRule(r)
}

// validRule drops what model.Set.Check would refuse in a random rule, so
// that most random sets reach both evaluators: ports where the protocol
// has none (numbers need one that has), HTTP matches but on Allow rules
// over TCP, and an IP version that an ICMP name contradicts.
func validRule(r model.Rule) model.Rule {
	for _, side := range []*model.EntityRule{&r.Source, &r.Destination} {
		for _, ports := range []*[]model.Port{&side.Ports, &side.NotPorts} {
			*ports = slices.DeleteFunc(*ports, func(p model.Port) bool {
				if r.Protocol.IsSet() {
					return !r.Protocol.SupportsPorts()
				}
				return p.Name == ""
			})
			if len(*ports) == 0 {
				*ports = nil
			}
		}
	}
	if r.HTTP != nil && (r.Action != model.Allow || r.Protocol.IsSet() && r.Protocol.Number != model.ProtoTCP) {
		r.HTTP = nil
	}
	if r.Protocol == model.ProtocolNamed(model.ProtoICMP) && r.IPVersion == 6 {
		r.IPVersion = 4
	}
	return r
}

func (g *gen) rules(max int) []model.Rule {
	var out []model.Rule
	for range g.r.IntN(max + 1) {
		out = append(out, g.rule())
	}
	return out
}

// egressRules are random rules for egress, where HTTP matches are not
// allowed.
func (g *gen) egressRules(max int) []model.Rule {
	out := g.rules(max)
	for i := range out {
		out[i].HTTP = nil
	}
	return out
}

func order(f float64) *float64 { return &f }

func (g *gen) order() *float64 {
	if g.chance(20) {
		return nil
	}
	return order(float64(g.r.IntN(5) * 10))
}

var genKinds = []model.Kind{
	model.KindGlobalNetworkPolicy, model.KindNetworkPolicy, model.KindStagedGlobalNetworkPolicy,
	model.KindStagedNetworkPolicy, model.KindKubernetesNetworkPolicy, model.KindStagedKubernetesNetworkPolicy,
	model.KindKubernetesClusterNetworkPolicy,
}

func (g *gen) policy(i int, tiers []string) model.Policy {
	kind := genKinds[g.r.IntN(len(genKinds))]
	p := model.Policy{
		Kind:     kind,
		Name:     fmt.Sprintf("p%d", i),
		Tier:     g.pick(tiers),
		Order:    g.order(),
		Selector: g.maybeSelector(80),
		Ingress:  g.rules(3),
		Egress:   g.egressRules(3),
	}
	if kind.Namespaced() {
		p.Namespace = g.pick(genNS)
	} else if g.chance(20) {
		p.NamespaceSelector = selector.MustParse(g.pick([]string{"all()", "team == \"x\"", "has(team)"}))
	}
	if g.chance(10) {
		p.ServiceAccountSelector = selector.MustParse(g.pick([]string{"all()", "level == \"a\""}))
	}
	switch g.r.IntN(6) {
	case 0:
		p.Types = []model.Direction{model.Ingress}
	case 1:
		p.Types = []model.Direction{model.Egress}
	case 2, 3:
		p.Types = []model.Direction{model.Ingress, model.Egress}
	}
	if g.chance(4) && !kind.Namespaced() {
		p.DoNotTrack, p.ApplyOnForward = true, true
	}
	if kind.Staged() && g.chance(10) {
		p.StagedAction = model.StagedDelete
	}
	return p
}

func (g *gen) labels() map[string]string {
	m := map[string]string{}
	for range g.r.IntN(4) {
		m[g.pick(genKeys)] = g.pick(genValues)
	}
	if g.chance(10) {
		m["pcns.team"] = "spoof"
	}
	return m
}

func (g *gen) endpoint(i int) model.Endpoint {
	ns := g.pick(genNS)
	ep := model.Endpoint{
		Kind:      model.KindWorkloadEndpoint,
		Name:      fmt.Sprintf("ep%d", i),
		Namespace: ns,
		Labels:    g.labels(),
		Addresses: []netip.Addr{g.addr()},
	}
	if g.chance(20) {
		ep.Addresses = append(ep.Addresses, g.addr())
	}
	if g.chance(80) {
		ep.Orchestrator = "k8s"
		ep.Profiles = []string{"kns." + ns}
	}
	if g.chance(40) {
		ep.ServiceAccount = "sa" + fmt.Sprint(g.r.IntN(2))
		ep.Profiles = append(ep.Profiles, "ksa."+ns+"."+ep.ServiceAccount)
	}
	if g.chance(15) {
		ep.Profiles = append(ep.Profiles, "custom")
	}
	if g.chance(10) {
		ep.Profiles = append(ep.Profiles, "missing")
	}
	if g.chance(40) {
		for range 1 + g.r.IntN(2) {
			ep.Ports = append(ep.Ports, model.EndpointPort{
				Name:     g.pick(genPortNames),
				Protocol: []uint8{model.ProtoTCP, model.ProtoUDP}[g.r.IntN(2)],
				Port:     []uint16{53, 80, 443, 8080, 9090}[g.r.IntN(5)],
				// Calico resolves a port whose protocol was written as a
				// number only under a rule protocol.
				ProtocolByNumber: g.chance(20),
			})
		}
	}
	if g.chance(10) {
		ep.Kind = model.KindHostEndpoint
		ep.Namespace = ""
		ep.Profiles = nil
	}
	return ep
}

func (g *gen) networkSet(i int) model.NetworkSet {
	ns := model.NetworkSet{Name: fmt.Sprintf("net%d", i), Labels: g.labels(), Nets: g.prefixes(1 + g.r.IntN(3))}
	if g.chance(50) {
		ns.Namespace = g.pick(genNS)
	}
	return ns
}

func nsProfile(ns string, team string) model.Profile {
	return model.Profile{
		Name:          "kns." + ns,
		Ingress:       []model.Rule{{Action: model.Allow}},
		Egress:        []model.Rule{{Action: model.Allow}},
		LabelsToApply: map[string]string{"pcns.projectcalico.org/name": ns, "pcns.team": team},
	}
}

func (g *gen) profiles() []model.Profile {
	var out []model.Profile
	for _, ns := range genNS {
		if g.chance(90) {
			out = append(out, nsProfile(ns, g.pick([]string{"x", "y", "a"})))
		}
		for _, sa := range []string{"sa0", "sa1"} {
			if g.chance(70) {
				out = append(out, model.Profile{
					Name:          "ksa." + ns + "." + sa,
					LabelsToApply: map[string]string{"pcsa.projectcalico.org/name": sa, "pcsa.level": g.pick(genValues)},
				})
			}
		}
	}
	if g.chance(60) {
		out = append(out, model.Profile{Name: "custom", Ingress: g.rules(2), Egress: g.egressRules(2), LabelsToApply: g.labels()})
	}
	return out
}

func (g *gen) tiers() []model.Tier {
	var out []model.Tier
	for i := range g.r.IntN(3) {
		t := model.Tier{Name: fmt.Sprintf("t%d", i), Order: g.order(), DefaultAction: model.Deny}
		if g.chance(40) {
			t.DefaultAction = model.Pass
		}
		out = append(out, t)
	}
	return out
}

func (g *gen) services() []model.Service {
	var out []model.Service
	for i := range g.r.IntN(3) {
		out = append(out, model.Service{
			Name: fmt.Sprintf("svc%d", i), Namespace: g.pick(genNS),
			Slices: []model.ServiceSlice{{
				Addresses: []netip.Addr{g.addr(), g.addr()},
				Ports:     []model.EndpointPort{{Name: "http", Protocol: model.ProtoTCP, Port: 80}},
			}},
		})
	}
	return out
}

func tierNames(tiers []model.Tier) []string {
	names := []string{model.TierDefault, model.TierKubeAdmin, model.TierKubeBaseline}
	for _, t := range tiers {
		names = append(names, t.Name)
	}
	return names
}

func (g *gen) set() model.Set {
	s := model.Set{Tiers: g.tiers(), Profiles: g.profiles(), Services: g.services()}
	names := tierNames(s.Tiers)
	for i := range g.r.IntN(9) {
		s.Policies = append(s.Policies, g.policy(i, names))
	}
	for i := range 2 + g.r.IntN(7) {
		s.Endpoints = append(s.Endpoints, g.endpoint(i))
	}
	for i := range g.r.IntN(4) {
		s.NetworkSets = append(s.NetworkSets, g.networkSet(i))
	}
	return s
}

func (g *gen) flow() model.Flow {
	f := model.Flow{Src: g.addr(), Dst: g.addr()}
	if g.chance(10) {
		f.Src = netip.MustParseAddr("10.9.9.9") // nobody's
	}
	switch g.r.IntN(5) {
	case 0:
		f.Protocol = model.ProtoUDP
	case 1:
		f.Protocol = model.ProtoICMP
		if g.chance(70) {
			f.ICMP = &model.ICMPTypeCode{Type: uint8(7 + g.r.IntN(2)), Code: uint8(g.r.IntN(2))}
		}
	case 2:
		f.Protocol = 58
	default:
		f.Protocol = model.ProtoTCP
	}
	f.SrcPort = []uint16{1234, 53, 80}[g.r.IntN(3)]
	f.DstPort = []uint16{53, 80, 443, 8080, 9090, 30}[g.r.IntN(6)]
	if g.chance(10) {
		f.HTTP = &model.HTTPRequest{Method: g.pick([]string{"GET", "POST"}), Path: g.pick([]string{"/api", "/api/x", "/apix", "/"})}
	}
	return f
}

// compiledGen starts one seeded run of a change-stream test: the generator,
// its set without staged Deletes (a change stream carries those as changes,
// never as resources), and that set compiled. ok is false when the set does
// not compile, and the run is skipped.
func compiledGen(seed uint64) (g *gen, set model.Set, p *Program, ok bool) {
	g = newGen(seed)
	set = g.set()
	set.Policies = slices.DeleteFunc(set.Policies, func(p model.Policy) bool {
		return p.Kind.Staged() && p.StagedAction == model.StagedDelete
	})
	p, err := Compile(set)
	return g, set, p, err == nil
}
