package analysis

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/verdictlabs/verdict/model"
)

// Port is one column of protocols and ports the matrix asks about: a
// protocol with a port (TCP, UDP and SCTP), a protocol's "other" port (one
// no rule names, standing for all of them), or a protocol without ports
// (ICMP, ICMPv6 and the rest).
type Port struct {
	Protocol uint8
	// Number is the port asked about; for Other, a port no rule names.
	Number uint16
	Other  bool
}

// String gives "tcp/5432", "udp/other" or "icmp".
func (p Port) String() string {
	proto := strings.ToLower(model.ProtocolName(p.Protocol))
	switch {
	case !model.ProtocolNumber(p.Protocol).SupportsPorts():
		return proto
	case p.Other:
		return proto + "/other"
	}
	return proto + "/" + strconv.Itoa(int(p.Number))
}

// PortLabel gives the port as the matrix's port column shows it: the
// number, "other", or "" for a protocol without ports.
func (p Port) PortLabel() string {
	switch {
	case !model.ProtocolNumber(p.Protocol).SupportsPorts():
		return ""
	case p.Other:
		return "other"
	}
	return strconv.Itoa(int(p.Number))
}

// ProtocolLabel gives the protocol in lower case: "tcp", "icmpv6", "47".
func (p Port) ProtocolLabel() string { return strings.ToLower(model.ProtocolName(p.Protocol)) }

// family returns the only IP family a flow of this protocol can have, or
// 0 when it can have either: ICMP is IPv4's, ICMPv6 IPv6's.
func (p Port) family() int {
	switch p.Protocol {
	case model.ProtoICMP:
		return 4
	case model.ProtoICMPv6:
		return 6
	}
	return 0
}

func comparePorts(a, b Port) int {
	rank := func(p uint8) int {
		switch p {
		case model.ProtoTCP:
			return 0
		case model.ProtoUDP:
			return 1
		case model.ProtoSCTP:
			return 2
		case model.ProtoICMP:
			return 3
		case model.ProtoICMPv6:
			return 4
		}
		return 5
	}
	other := func(p Port) int {
		if p.Other {
			return 1
		}
		return 0
	}
	return cmp.Or(cmp.Compare(rank(a.Protocol), rank(b.Protocol)), cmp.Compare(a.Protocol, b.Protocol),
		cmp.Compare(other(a), other(b)), cmp.Compare(a.Number, b.Number))
}

// ParsePorts reads a list such as "tcp/5432,udp/53,icmp,tcp/other". A
// protocol is a name in any case or a number; TCP, UDP and SCTP need a
// port or "other" (which ParsePorts leaves for Matrix to choose).
func ParsePorts(s string) ([]Port, error) {
	var out []Port
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		protoText, portText, hasPort := strings.Cut(item, "/")
		parsed, err := model.ParseProtocol(protoText)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", item, err)
		}
		proto := parsed.Number
		p := Port{Protocol: proto}
		switch {
		case !model.ProtocolNumber(proto).SupportsPorts():
			if hasPort {
				return nil, fmt.Errorf("%q: %s has no ports", item, model.ProtocolName(proto))
			}
		case !hasPort:
			return nil, fmt.Errorf("%q: %s needs a port, as in %s/443 or %s/other", item, model.ProtocolName(proto), protoText, protoText)
		case portText == "other":
			p.Other = true
		default:
			n, err := strconv.ParseUint(portText, 10, 16)
			if err != nil || n == 0 {
				return nil, fmt.Errorf("%q: port must be 1 to 65535 or other", item)
			}
			p.Number = uint16(n)
		}
		out = append(out, p)
	}
	slices.SortFunc(out, comparePorts)
	return slices.Compact(out), nil
}

// DefaultPorts lists the ports rules name in any of the sets: each
// destination port and the ends of each range, named ports as the sets'
// endpoints declare them, the ports of services rules name, each protocol
// rules name without ports, and per port protocol an "other" port no rule
// names. TCP is always there.
func DefaultPorts(sets ...model.Set) []Port {
	ps := newPortSet()
	for i := range sets {
		ps.addSet(&sets[i], declaredPorts(&sets[i]), servicesByKey(&sets[i]))
	}
	return ps.list()
}

// portSet is what DefaultPorts gathers of the rules of sets, each port
// counted by the rules naming it, so that a policy's ports can be taken
// out again (see MatrixBase.With). Sets, not lists: a large cluster has
// thousands of rules naming the same few ports and tens of thousands of
// endpoints declaring each named port, and lists of every (rule,
// endpoint) pair grow with their product.
type portSet struct {
	named  map[uint8]map[model.Port]int
	seen   map[Port]int
	protos map[uint8]int
	// sign is what an add counts: 1, or -1 while a policy is taken out.
	sign int
}

func newPortSet() *portSet {
	return &portSet{named: map[uint8]map[model.Port]int{}, seen: map[Port]int{}, protos: map[uint8]int{model.ProtoTCP: 1}, sign: 1}
}

// clone copies ps.
func (ps *portSet) clone() *portSet {
	o := &portSet{named: make(map[uint8]map[model.Port]int, len(ps.named)), seen: maps.Clone(ps.seen), protos: maps.Clone(ps.protos), sign: 1}
	for proto, m := range ps.named {
		o.named[proto] = maps.Clone(m)
	}
	return o
}

// union adds o's ports to ps.
func (ps *portSet) union(o *portSet) {
	for p, n := range o.seen {
		ps.seen[p] += n
	}
	for p, n := range o.protos {
		ps.protos[p] += n
	}
	for proto, m := range o.named {
		if ps.named[proto] == nil {
			ps.named[proto] = map[model.Port]int{}
		}
		for p, n := range m {
			ps.named[proto][p] += n
		}
	}
}

func (ps *portSet) add(proto uint8, n uint16) { ps.seen[Port{Protocol: proto, Number: n}] += ps.sign }

func (ps *portSet) addProto(proto uint8) { ps.protos[proto] += ps.sign }

func (ps *portSet) addNamed(proto uint8, p model.Port) {
	if ps.named[proto] == nil {
		ps.named[proto] = map[model.Port]int{}
	}
	ps.named[proto][p] += ps.sign
}

// declaredPorts gives each named port's distinct declarations by the
// set's endpoints.
func declaredPorts(set *model.Set) map[string][]model.EndpointPort {
	declared := map[string][]model.EndpointPort{}
	have := map[model.EndpointPort]bool{}
	for _, ep := range set.Endpoints {
		for _, p := range ep.Ports {
			p.ProtocolByNumber = false
			if !have[p] {
				have[p] = true
				declared[p.Name] = append(declared[p.Name], p)
			}
		}
	}
	return declared
}

func servicesByKey(set *model.Set) map[model.Key]*model.Service {
	services := map[model.Key]*model.Service{}
	for i := range set.Services {
		services[set.Services[i].Key()] = &set.Services[i]
	}
	return services
}

// addSet adds the ports the rules of set's policies and profiles name,
// named ports as declared and services as services give them (set's
// own, from declaredPorts and servicesByKey).
func (ps *portSet) addSet(set *model.Set, declared map[string][]model.EndpointPort, services map[model.Key]*model.Service) {
	visit := ps.visitor(declared, services)
	for i := range set.Policies {
		ps.addPolicy(&set.Policies[i], visit)
	}
	for i := range set.Profiles {
		p := &set.Profiles[i]
		for j := range p.Ingress {
			visit(&p.Ingress[j], "")
		}
		for j := range p.Egress {
			visit(&p.Egress[j], "")
		}
	}
}

// addPolicy adds the ports of a policy's rules, or with sign -1 takes
// them out.
func (ps *portSet) addPolicy(p *model.Policy, visit func(*model.Rule, string)) {
	ns := ""
	if p.Kind.Namespaced() {
		ns = p.Namespace
	}
	for j := range p.Ingress {
		visit(&p.Ingress[j], ns)
	}
	for j := range p.Egress {
		visit(&p.Egress[j], ns)
	}
}

// visitor returns what adds a rule's ports, named ports as declared and
// services as services give them.
func (ps *portSet) visitor(declared map[string][]model.EndpointPort, services map[model.Key]*model.Service) func(*model.Rule, string) {
	return func(r *model.Rule, ns string) {
		proto := r.Protocol
		if proto.IsSet() {
			ps.addProto(proto.Number)
		}
		d := &r.Destination
		for _, ports := range [][]model.Port{d.Ports, d.NotPorts} {
			for _, p := range ports {
				if proto.IsSet() {
					ps.addNamed(proto.Number, p)
				}
				if p.Name == "" {
					if proto.SupportsPorts() {
						ps.add(proto.Number, p.Min)
						ps.add(proto.Number, p.Max)
					}
					continue
				}
				for _, dp := range declared[p.Name] {
					if namedPortProtocolAllowed(proto, dp.Protocol) {
						ps.addProto(dp.Protocol)
						ps.add(dp.Protocol, dp.Port)
						ps.addNamed(dp.Protocol, model.Port{Min: dp.Port, Max: dp.Port})
					}
				}
			}
		}
		if sm := d.Services; sm != nil {
			svcNS := cmp.Or(sm.Namespace, ns)
			if svc := services[model.Key{Kind: model.KindService, Namespace: svcNS, Name: sm.Name}]; svc != nil {
				for _, sl := range svc.Slices {
					for _, p := range sl.Ports {
						ps.addProto(p.Protocol)
						ps.add(p.Protocol, p.Port)
						ps.addNamed(p.Protocol, model.Port{Min: p.Port, Max: p.Port})
					}
				}
			}
		}
	}
}

// list gives the ports, sorted.
func (ps *portSet) list() []Port {
	out := make([]Port, 0, len(ps.seen)+len(ps.protos))
	for p, n := range ps.seen {
		if n > 0 {
			out = append(out, p)
		}
	}
	for proto, n := range ps.protos {
		if n <= 0 {
			continue
		}
		if !model.ProtocolNumber(proto).SupportsPorts() {
			out = append(out, Port{Protocol: proto})
			continue
		}
		var ranges []model.Port
		for p, n := range ps.named[proto] {
			if n > 0 {
				ranges = append(ranges, p)
			}
		}
		if n, ok := otherPort(ranges); ok {
			out = append(out, Port{Protocol: proto, Number: n, Other: true})
		}
	}
	slices.SortFunc(out, comparePorts)
	return slices.Compact(out)
}

// otherPort finds the lowest port no range of ports holds. Named ports are
// left out of ports: they hold what endpoints declare, which the caller
// adds as numbers.
func otherPort(ports []model.Port) (uint16, bool) {
	var ranges []model.Port
	for _, p := range ports {
		if p.Name == "" && p.Min <= p.Max {
			ranges = append(ranges, p)
		}
	}
	slices.SortFunc(ranges, func(a, b model.Port) int { return cmp.Compare(a.Min, b.Min) })
	n := 1 // the lowest candidate left
	for _, p := range ranges {
		if int(p.Min) > n {
			break
		}
		n = max(n, int(p.Max)+1)
	}
	if n > 65535 {
		return 0, false
	}
	return uint16(n), true
}

// resolveOther gives each "other" port of ports a number no rule of the
// sets names.
func resolveOther(ports []Port, sets ...model.Set) []Port {
	return resolveOtherBy(ports, DefaultPorts(sets...))
}

// resolveOtherBy is resolveOther with the sets' DefaultPorts.
func resolveOtherBy(ports, defaults []Port) []Port {
	out := slices.Clone(ports)
	for i := range out {
		if !out[i].Other {
			continue
		}
		for _, d := range defaults {
			if d.Other && d.Protocol == out[i].Protocol {
				out[i].Number = d.Number
			}
		}
		if out[i].Number == 0 {
			// Nothing of this protocol is named anywhere: any port will do.
			out[i].Number = 1
		}
	}
	return out
}

// namedPortProtocolAllowed reports whether a named port declared with
// protocol declared resolves under a rule of protocol ruleProto, as Felix
// maps it (UDP and SCTP to themselves, anything else to TCP, none to any).
func namedPortProtocolAllowed(ruleProto model.Protocol, declared uint8) bool {
	if !ruleProto.IsSet() {
		return true
	}
	want := model.ProtoTCP
	switch ruleProto.Number {
	case model.ProtoUDP, model.ProtoSCTP:
		want = ruleProto.Number
	}
	return declared == want
}
