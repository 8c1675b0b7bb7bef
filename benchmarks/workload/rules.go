package workload

import (
	"fmt"
	"net/netip"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// feature is one rule criterion, or one form of one. Every feature is used
// by some rule of every generated cluster.
type feature int

// Rule features.
const (
	featNets feature = iota
	featNotNets
	featSelector
	featNotSelector
	featNamespaceSelector
	featAllNamespaces
	featGlobalNamespace
	featServiceAccountNames
	featServiceAccountSelector
	featPorts
	featNotPorts
	featNamedPorts
	featPortRange
	featProtocolName
	featProtocolNumber
	featNotProtocol
	featICMPType
	featICMPTypeCode
	featNotICMP
	featIPVersion
	featHTTP
	featServices
	featSourcePorts
	featLocalSelector
	featEmpty
	numFeatures
)

// ruleCtx is where a rule goes: the policy's namespace ("" for global
// kinds), the direction and the action.
type ruleCtx struct {
	namespace string
	dir       model.Direction
	action    model.Action
}

// ruleGen draws rules from a world.
type ruleGen struct {
	r *rng
	w *world
	// complete asks for every part of a criterion that has several
	// (HTTP methods, exact and prefix paths), for the coverage policies.
	complete bool
}

// randomFeature draws a feature, the common ones (peers by selector,
// ports) more often.
func (g *ruleGen) randomFeature() feature {
	if g.r.chance(0.45) {
		return pick(g.r, []feature{featSelector, featSelector, featNamespaceSelector, featPorts, featNamedPorts, featNets})
	}
	return feature(g.r.IntN(int(numFeatures)))
}

// rule builds a valid rule exercising f. Criteria that cannot go with the
// context (HTTP outside Allow ingress rules) fall back to plain ports.
func (g *ruleGen) rule(c ruleCtx, f feature) model.Rule {
	r := g.r
	rule := model.Rule{Action: c.action}
	peer, local := &rule.Source, &rule.Destination
	if c.dir == model.Egress {
		peer, local = &rule.Destination, &rule.Source
	}
	family := 4
	if g.w.ipv6 && r.chance(0.3) {
		family = 6
	}
	if f == featHTTP && (c.dir != model.Ingress || c.action != model.Allow) {
		f = featPorts
	}

	switch f {
	case featNets:
		peer.Nets = g.nets(family, r.between(1, 3))
		g.maybePorts(&rule)
	case featNotNets:
		if r.chance(0.6) {
			broad := pick(r, g.prefixes(family))
			peer.Nets = []netip.Prefix{broad}
			peer.NotNets = []netip.Prefix{narrower(r, broad)}
		} else {
			peer.NotNets = []netip.Prefix{clusterV4}
			if family == 6 {
				peer.NotNets = []netip.Prefix{clusterV6}
			}
		}
		g.maybePorts(&rule)
	case featSelector:
		peer.Selector = g.podSelector(c.namespace, randomForm(r))
		g.maybePorts(&rule)
	case featNotSelector:
		peer.NotSelector = g.podSelector(c.namespace, randomAtom(r))
		if r.chance(0.5) {
			peer.Selector = g.podSelector(c.namespace, randomAtom(r))
		}
		g.maybePorts(&rule)
	case featNamespaceSelector:
		peer.NamespaceSelector = mustParse(selectorText(r, g.w.nsVocab, randomForm(r)))
		if r.chance(0.6) {
			peer.Selector = g.podSelector("", randomAtom(r))
		}
		g.maybePorts(&rule)
	case featAllNamespaces:
		peer.NamespaceSelector = mustParse("all()")
		if r.chance(0.7) {
			peer.Selector = g.podSelector("", randomAtom(r))
		}
		g.maybePorts(&rule)
	case featGlobalNamespace:
		peer.NamespaceSelector = mustParse("global()")
		switch r.IntN(3) {
		case 0:
			peer.Selector = mustParse(selectorText(r, g.w.netVocab, randomAtom(r)))
		case 1:
			peer.Selector = mustParse(selectorText(r, g.w.hostVocab, randomAtom(r)))
		}
		g.maybePorts(&rule)
	case featServiceAccountNames, featServiceAccountSelector:
		sa := &model.ServiceAccountMatch{}
		if f == featServiceAccountNames || r.chance(0.3) {
			sa.Names = g.accountNames(c.namespace)
		}
		if f == featServiceAccountSelector || r.chance(0.3) {
			sa.Selector = mustParse(selectorText(r, g.w.saVocab, randomForm(r)))
		}
		peer.ServiceAccounts = sa
		g.maybePorts(&rule)
	case featPorts:
		rule.Protocol = g.portProtocol()
		rule.Destination.Ports = g.ports(r.between(1, 3))
	case featNotPorts:
		rule.Protocol = g.portProtocol()
		rule.Destination.NotPorts = g.ports(r.between(1, 2))
		if r.chance(0.3) {
			rule.Destination.Ports = []model.Port{{Min: 1, Max: 32767}}
		}
	case featNamedPorts:
		if r.chance(0.7) {
			rule.Protocol = g.portProtocol()
		}
		n := r.between(1, 2)
		for _, name := range sample(r, namedPorts, n) {
			rule.Destination.Ports = append(rule.Destination.Ports, model.Port{Name: name})
		}
		if r.chance(0.2) {
			rule.Destination.NotPorts = []model.Port{{Name: pick(r, namedPorts)}}
		}
	case featPortRange:
		rule.Protocol = g.portProtocol()
		lo := r.between(1, 40000)
		rule.Destination.Ports = []model.Port{{Min: uint16(lo), Max: uint16(min(65535, lo+r.IntN(20000)))}}
		if r.chance(0.3) {
			rule.Destination.Ports = append(rule.Destination.Ports, model.Port{Min: 65535, Max: 65535})
		}
	case featProtocolName:
		n := pick(r, []uint8{model.ProtoTCP, model.ProtoUDP, model.ProtoSCTP, model.ProtoUDPLite, model.ProtoICMP, model.ProtoICMPv6})
		rule.Protocol = model.ProtocolNamed(n)
		if rule.Protocol.SupportsPorts() && r.chance(0.5) {
			rule.Destination.Ports = g.ports(1)
		}
	case featProtocolNumber:
		rule.Protocol = model.ProtocolNumber(pick(r, append([]uint8{model.ProtoTCP, model.ProtoUDP, model.ProtoICMP, model.ProtoICMPv6}, oddProtocols...)))
		if rule.Protocol.SupportsPorts() && r.chance(0.5) {
			rule.Destination.Ports = g.ports(1)
		}
	case featNotProtocol:
		n := pick(r, []uint8{model.ProtoTCP, model.ProtoUDP, model.ProtoICMP, 47})
		rule.NotProtocol = model.ProtocolNumber(n)
		if r.chance(0.5) && n != 47 {
			rule.NotProtocol = model.ProtocolNamed(n)
		}
	case featICMPType, featICMPTypeCode, featNotICMP:
		g.icmp(&rule, family, f)
	case featIPVersion:
		rule.IPVersion = family
		if r.chance(0.5) {
			peer.Nets = g.nets(family, 1)
		}
		g.maybePorts(&rule)
	case featHTTP:
		if r.chance(0.7) {
			rule.Protocol = model.ProtocolNamed(model.ProtoTCP)
		}
		rule.HTTP = g.http()
		if r.chance(0.3) {
			rule.Destination.Ports = []model.Port{{Name: "http"}}
		}
	case featServices:
		peer.Services = g.service(c.namespace)
		if c.dir == model.Ingress {
			g.maybePorts(&rule)
		} else if r.chance(0.5) {
			rule.Protocol = model.ProtocolNamed(model.ProtoTCP)
		}
	case featSourcePorts:
		rule.Protocol = pick(r, []model.Protocol{model.ProtocolNamed(model.ProtoTCP), model.ProtocolNamed(model.ProtoUDP)})
		rule.Source.Ports = []model.Port{{Min: 1024, Max: 65535}}
		if r.chance(0.3) {
			rule.Source.NotPorts = []model.Port{{Min: 1, Max: 1023}}
		}
	case featLocalSelector:
		local.Selector = g.podSelector(c.namespace, randomAtom(r))
		g.maybePorts(&rule)
	case featEmpty:
	}
	if r.chance(0.05) {
		rule.Annotations = map[string]string{"owner": pick(r, teams), "ticket": fmt.Sprintf("NET-%d", r.between(100, 9999))}
	}
	return rule
}

// maybePorts adds a protocol and destination ports now and then to a rule
// that has neither.
func (g *ruleGen) maybePorts(rule *model.Rule) {
	if rule.Protocol.IsSet() || !g.r.chance(0.5) {
		return
	}
	rule.Protocol = g.portProtocol()
	if rule.Destination.Services == nil {
		rule.Destination.Ports = g.ports(g.r.between(1, 2))
	}
}

// portProtocol draws a protocol that allows ports, by name or number.
func (g *ruleGen) portProtocol() model.Protocol {
	n := model.ProtoTCP
	switch g.r.weighted(7, 2, 1) {
	case 1:
		n = model.ProtoUDP
	case 2:
		n = model.ProtoSCTP
	}
	if g.r.chance(0.8) {
		return model.ProtocolNamed(n)
	}
	return model.ProtocolNumber(n)
}

// commonPorts are the port numbers rules name most.
var commonPorts = []uint16{53, 80, 443, 3306, 3868, 5060, 5432, 6379, 8080, 9090, 9092, 9102, 11211}

// ports draws n ports: numbers, ranges and names.
func (g *ruleGen) ports(n int) []model.Port {
	var out []model.Port
	for range n {
		switch g.r.weighted(5, 2, 2) {
		case 0:
			p := pick(g.r, commonPorts)
			out = append(out, model.Port{Min: p, Max: p})
		case 1:
			lo := pick(g.r, commonPorts)
			out = append(out, model.Port{Min: lo, Max: lo + uint16(g.r.IntN(2000))})
		default:
			out = append(out, model.Port{Name: pick(g.r, namedPorts)})
		}
	}
	return out
}

// prefixes returns the CIDRs rules of a family draw from: outside ranges
// the network sets hold, and the cluster's own.
func (g *ruleGen) prefixes(family int) []netip.Prefix {
	if family == 6 {
		return append(append([]netip.Prefix(nil), g.w.outsideV6...), podCIDRv6, clusterV6)
	}
	return append(append([]netip.Prefix(nil), g.w.outsideV4...), podCIDRv4, clusterV4, prefixOf(nthAddr(podCIDRv4, 1), 16))
}

// nets draws n CIDRs of one family, sometimes a little wider or narrower
// than a network set's, so that rule nets and sets overlap without being
// equal.
func (g *ruleGen) nets(family, n int) []netip.Prefix {
	var out []netip.Prefix
	for range n {
		p := pick(g.r, g.prefixes(family))
		switch g.r.IntN(3) {
		case 0:
			p = narrower(g.r, p)
		case 1:
			if p.Bits() > 8 {
				p = prefixOf(p.Addr(), p.Bits()-g.r.between(1, min(4, p.Bits()-8)))
			}
		}
		out = append(out, p)
	}
	return dedupPrefixes(out)
}

// narrower returns a prefix inside p, a few bits longer.
func narrower(r *rng, p netip.Prefix) netip.Prefix {
	limit := 32
	if p.Addr().Is6() {
		limit = 128
	}
	if p.Bits() >= limit {
		return p
	}
	return prefixOf(randomIn(r, p), min(limit, p.Bits()+r.between(1, 8)))
}

// podSelector draws a selector over the pod labels of a namespace (of the
// cluster for global policies).
func (g *ruleGen) podSelector(namespace string, form selForm) *selector.Selector {
	return mustParse(selectorText(g.r, g.w.pods(namespace), form))
}

// accountNames draws service-account names of the namespace, or of the
// cluster for global policies, and now and then one that does not exist.
func (g *ruleGen) accountNames(namespace string) []string {
	var pool []string
	if namespace != "" {
		pool = g.w.accounts[namespace]
	} else {
		for _, ns := range g.w.namespaces {
			pool = append(pool, g.w.accounts[ns]...)
		}
	}
	names := sample(g.r, dedupStrings(pool), g.r.between(1, 3))
	if g.r.chance(0.15) || len(names) == 0 {
		names = append(names, "ghost")
	}
	return dedupStrings(names)
}

// service draws a service to match: usually one that exists, one of the
// policy's own namespace half the time in a namespaced policy, and now and
// then one that does not exist. The namespace is always written: without
// one the rule never matches (SPEC 7) and validation warns.
func (g *ruleGen) service(namespace string) *model.ServiceMatch {
	var local []model.Key
	for _, k := range g.w.services {
		if k.Namespace == namespace {
			local = append(local, k)
		}
	}
	switch {
	case namespace != "" && len(local) > 0 && g.r.chance(0.5):
		return &model.ServiceMatch{Name: pick(g.r, local).Name, Namespace: namespace}
	case len(g.w.services) > 0 && g.r.chance(0.9):
		k := pick(g.r, g.w.services)
		return &model.ServiceMatch{Name: k.Name, Namespace: k.Namespace}
	}
	ns := namespace
	if ns == "" {
		ns = pick(g.r, g.w.namespaces)
	}
	return &model.ServiceMatch{Name: "legacy-backend", Namespace: ns}
}

// icmp fills in an ICMP protocol with a type, a type and code, or a
// negated pair. ICMP by name implies IPv4 and ICMPv6 implies IPv6; by
// number neither does, so ipVersion is sometimes added to match.
func (g *ruleGen) icmp(rule *model.Rule, family int, f feature) {
	r := g.r
	pairs, number := icmpV4, model.ProtoICMP
	if family == 6 {
		pairs, number = icmpV6, model.ProtoICMPv6
	}
	rule.Protocol = model.ProtocolNumber(number)
	if r.chance(0.6) {
		rule.Protocol = model.ProtocolNamed(number)
	}
	if r.chance(0.3) {
		rule.IPVersion = family
	}
	tc := pick(r, pairs)
	t, c := tc[0], tc[1]
	m := &model.ICMPMatch{Type: &t}
	if f != featICMPType && (f == featICMPTypeCode || r.chance(0.5)) {
		m.Code = &c
	}
	if f == featNotICMP {
		rule.NotICMP = m
	} else {
		rule.ICMP = m
	}
}

// http draws methods, paths (exact and prefix) or both.
func (g *ruleGen) http() *model.HTTPMatch {
	r := g.r
	m := &model.HTTPMatch{}
	shape := r.weighted(1, 1, 2) // methods, paths, both
	if g.complete {
		shape = 2
	}
	if shape != 1 {
		m.Methods = sample(r, httpMethods, r.between(1, 3))
	}
	if shape != 0 {
		for i, p := range sample(r, httpPaths, r.between(2, 3)) {
			if i == 0 || (i == 2 && r.chance(0.5)) {
				m.Paths = append(m.Paths, model.HTTPPath{Exact: p})
			} else {
				m.Paths = append(m.Paths, model.HTTPPath{Prefix: p})
			}
		}
	}
	return m
}

// dedupStrings drops repeated strings, keeping the first of each.
func dedupStrings(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
