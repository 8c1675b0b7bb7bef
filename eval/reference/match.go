package reference

import (
	"net/netip"

	"github.com/verdictlabs/verdict/internal/calico"
	"github.com/verdictlabs/verdict/model"
)

// packet is what rule matching knows about the flow being judged: the flow
// itself, its IP family, and the entities owning each of its addresses.
type packet struct {
	flow      *model.Flow
	family    int // 4 or 6
	srcOwners []*entity
	dstOwners []*entity
}

func newPacket(f *model.Flow, w *world) *packet {
	return &packet{
		flow:      f,
		family:    family(f),
		srcOwners: w.owners(f.Src),
		dstOwners: w.owners(f.Dst),
	}
}

// family returns the flow's IP family, from whichever address it has.
func family(f *model.Flow) int {
	a := f.Src
	if !a.IsValid() {
		a = f.Dst
	}
	if a.Is6() {
		return 6
	}
	return 4
}

// matches reports whether every criterion the rule gives holds for the
// packet (SPEC 5).
func (r *rule) matches(p *packet) bool {
	m := r.model
	f := p.flow
	if !calico.FamilyAllowed(m, p.family) {
		return false
	}
	if m.Protocol.IsSet() && m.Protocol.Number != f.Protocol {
		return false
	}
	if m.NotProtocol.IsSet() && m.NotProtocol.Number == f.Protocol {
		return false
	}
	if !icmpMatches(m.ICMP, m.NotICMP, f.ICMP) {
		return false
	}
	if !r.source.matches(f.Src, f.SrcPort, p.srcOwners, false, m.Protocol, f.Protocol) {
		return false
	}
	if !r.destination.matches(f.Dst, f.DstPort, p.dstOwners, true, m.Protocol, f.Protocol) {
		return false
	}
	// HTTP criteria count only when the flow carries a request (SPEC 5).
	return calico.NewHTTPMatch(m.HTTP).Matches(f.HTTP)
}

// icmpMatches checks icmp and notICMP. Both are enforced (SPEC 7), unlike
// in Calico's per-flow evaluator. A flow that carries no ICMP type (not an
// ICMP flow, or one whose type is unknown) cannot show the type a rule
// requires, so icmp does not match it, while notICMP, which excludes one
// type (and code), does. A criterion without a type constrains nothing, as
// Felix renders nothing for it.
func icmpMatches(want, exclude *model.ICMPMatch, got *model.ICMPTypeCode) bool {
	if want != nil && want.Type != nil {
		if got == nil || !icmpEqual(want, got) {
			return false
		}
	}
	if exclude != nil && exclude.Type != nil && got != nil && icmpEqual(exclude, got) {
		return false
	}
	return true
}

// icmpEqual reports whether the flow has the type, and the code when one is
// given, of m.
func icmpEqual(m *model.ICMPMatch, got *model.ICMPTypeCode) bool {
	if *m.Type != got.Type {
		return false
	}
	return m.Code == nil || *m.Code == got.Code
}

// matches checks one side of a rule against the packet's address and port
// on that side. owners are the entities owning the address; destination
// tells the destination side, whose services also match ports.
func (s *side) matches(addr netip.Addr, port uint16, owners []*entity, destination bool, ruleProto model.Protocol, flowProto uint8) bool {
	c := s.criteria
	if len(c.Nets) > 0 && !inAny(addr, c.Nets) {
		return false
	}
	if inAny(addr, c.NotNets) {
		return false
	}
	if !s.peerMatches(owners) {
		return false
	}
	if len(c.Ports) > 0 || len(c.NotPorts) > 0 {
		named := s.portOwners(owners)
		if len(c.Ports) > 0 && !portIn(c.Ports, port, named, ruleProto, flowProto) {
			return false
		}
		if portIn(c.NotPorts, port, named, ruleProto, flowProto) {
			return false
		}
	}
	if s.service != nil || s.serviceMissing {
		return serviceMatches(s.service, addr, port, flowProto, destination)
	}
	return true
}

func inAny(addr netip.Addr, nets []netip.Prefix) bool {
	for _, n := range nets {
		if n.Contains(addr) {
			return true
		}
	}
	return false
}

// peerMatches applies the side's effective selectors to the entities
// owning the address (calico-semantics 4.4). With a positive part, Calico
// folds the notSelector in, so the side matches when some owner matches
// positive && !negative: one owner matching the negation does not veto
// another. An address with no owner never matches a positive part. With
// only a notSelector, the side fails when some owner matches it.
func (s *side) peerMatches(owners []*entity) bool {
	if s.positive != nil {
		for _, o := range owners {
			if s.folded(o) {
				return true
			}
		}
		return false
	}
	if s.negative != nil {
		for _, o := range owners {
			if s.negative.Matches(o.labels) {
				return false
			}
		}
	}
	return true
}

// folded reports whether o matches the positive part with the notSelector
// folded in.
func (s *side) folded(o *entity) bool {
	return s.positive.Matches(o.labels) && (s.negative == nil || !s.negative.Matches(o.labels))
}

// portOwners returns the owners whose declared ports a named port of this
// side resolves against: Felix builds a named port's set from the entities
// matching the side's folded positive selector, or from every entity when
// the side has none.
func (s *side) portOwners(owners []*entity) []*entity {
	if s.positive == nil {
		return owners
	}
	var out []*entity
	for _, o := range owners {
		if s.folded(o) {
			out = append(out, o)
		}
	}
	return out
}

// portIn reports whether the packet's port is in the list: in a numeric
// range, or equal to a named port that one of owners declares with the
// packet's protocol and a protocol the rule allows (SPEC 7: named ports
// match as the dataplane matches them).
func portIn(ports []model.Port, port uint16, owners []*entity, ruleProto model.Protocol, flowProto uint8) bool {
	for _, p := range ports {
		if p.Name == "" {
			if p.Min <= port && port <= p.Max {
				return true
			}
			continue
		}
		if namedPortMatches(p.Name, port, owners, ruleProto, flowProto) {
			return true
		}
	}
	return false
}

func namedPortMatches(name string, port uint16, owners []*entity, ruleProto model.Protocol, flowProto uint8) bool {
	for _, o := range owners {
		for _, ep := range o.ports {
			if ep.Name == name && ep.Port == port && ep.Protocol == flowProto && namedPortProtocolAllowed(ruleProto, ep) {
				return true
			}
		}
	}
	return false
}

// namedPortProtocolAllowed reports whether a declared named port resolves
// under a rule with protocol ruleProto. Felix maps the rule's protocol to
// a port protocol (UDP to udp, SCTP to sctp, anything else to tcp); a rule
// without a protocol takes every port of that name whose protocol is
// written as a name (model.EndpointPort.ProtocolByNumber says why not the
// others).
func namedPortProtocolAllowed(ruleProto model.Protocol, ep model.EndpointPort) bool {
	if !ruleProto.IsSet() {
		return !ep.ProtocolByNumber
	}
	declared := ep.Protocol
	want := model.ProtoTCP
	switch ruleProto.Number {
	case model.ProtoUDP, model.ProtoSCTP:
		want = ruleProto.Number
	}
	return declared == want
}

// serviceMatches checks a services criterion: the address must be one of
// the service's endpoint addresses and, on the destination side, the
// protocol and port one of the ports of the same EndpointSlice. A missing
// service matches nothing (SPEC 7: the dataplane's set is then empty).
func serviceMatches(svc *model.Service, addr netip.Addr, port uint16, proto uint8, destination bool) bool {
	if svc == nil {
		return false
	}
	for _, sl := range svc.Slices {
		if !containsAddr(sl.Addresses, addr) {
			continue
		}
		if !destination {
			return true
		}
		for _, p := range sl.Ports {
			if p.Protocol == proto && p.Port == port {
				return true
			}
		}
	}
	return false
}

func containsAddr(addrs []netip.Addr, a netip.Addr) bool {
	for _, x := range addrs {
		if x == a {
			return true
		}
	}
	return false
}
