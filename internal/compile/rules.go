package compile

import (
	"fmt"

	"github.com/verdictlabs/verdict/internal/calico"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// rule is a rule compiled for matching. Every criterion the rule leaves
// empty is absent here and costs nothing: need lists the checks to make.
type rule struct {
	verb  calico.Verb
	index int32
	need  ruleChecks

	fam4, fam6 bool // the families the rule can match at all

	proto, notProto uint8
	icmp, notICMP   icmpCheck
	namedProto      uint8 // declared protocol a named port must have; 0 any

	src, dst side
	http     *calico.HTTPMatch
}

type ruleChecks uint16

const (
	needProto ruleChecks = 1 << iota
	needNotProto
	needICMP
	needNotICMP
	needSrc
	needDst
	needHTTP
)

type icmpCheck struct {
	typ, code uint8
	hasCode   bool
}

func newICMPCheck(m *model.ICMPMatch) (icmpCheck, bool) {
	if m == nil || m.Type == nil {
		return icmpCheck{}, false // constrains nothing, as Felix renders nothing
	}
	c := icmpCheck{typ: *m.Type}
	if m.Code != nil {
		c.code, c.hasCode = *m.Code, true
	}
	return c, true
}

func (c icmpCheck) equal(got *model.ICMPTypeCode) bool {
	return got.Type == c.typ && (!c.hasCode || got.Code == c.code)
}

// side is one side (source or destination) of a rule, compiled.
type side struct {
	need    sideChecks
	rich    bool // some check looks at the entities owning the address
	nets    *prefixSet
	notNets *prefixSet
	// pos is the effective positive selector with the notSelector folded
	// in; neg is the notSelector of a side without a positive part.
	pos, neg uint32
	ports    *portSet
	notPorts *portSet
	service  uint32 // service id
}

type sideChecks uint8

const (
	needNets sideChecks = 1 << iota
	needNotNets
	needPos
	needNeg
	needPorts
	needNotPorts
	needService
)

// registrar gives compiled rules the ids of the shared things they name.
type registrar interface {
	// peer registers one use of s as a peer selector and returns its id.
	peer(s *selector.Selector) uint32
	// service returns the id of the service with key k, existing or not.
	service(k model.Key) uint32
	// clauses caches namespace clauses.
	clauses() *calico.NamespaceClauses
}

// compileRules compiles one direction's rules of a policy or profile in
// namespace ns ("" for global kinds and profiles).
func compileRules(rules []model.Rule, ns string, reg registrar) ([]rule, error) {
	out := make([]rule, len(rules))
	for i := range rules {
		r, err := compileRule(&rules[i], ns, reg)
		if err != nil {
			return nil, fmt.Errorf("rule %d: %w", i, err)
		}
		r.index = int32(i)
		out[i] = r
	}
	return out, nil
}

func compileRule(m *model.Rule, ns string, reg registrar) (rule, error) {
	r := rule{verb: calico.VerbOf(m.Action)}
	r.fam4, r.fam6 = calico.FamilyAllowed(m, 4), calico.FamilyAllowed(m, 6)
	if m.Protocol.IsSet() {
		r.need |= needProto
		r.proto = m.Protocol.Number
	}
	if m.NotProtocol.IsSet() {
		r.need |= needNotProto
		r.notProto = m.NotProtocol.Number
	}
	var ok bool
	if r.icmp, ok = newICMPCheck(m.ICMP); ok {
		r.need |= needICMP
	}
	if r.notICMP, ok = newICMPCheck(m.NotICMP); ok {
		r.need |= needNotICMP
	}
	r.namedProto = namedPortProtocol(m.Protocol)
	var err error
	if r.src, err = compileSide(&m.Source, ns, reg); err != nil {
		return rule{}, fmt.Errorf("source: %w", err)
	}
	if r.dst, err = compileSide(&m.Destination, ns, reg); err != nil {
		return rule{}, fmt.Errorf("destination: %w", err)
	}
	if r.src.need != 0 {
		r.need |= needSrc
	}
	if r.dst.need != 0 {
		r.need |= needDst
	}
	if m.HTTP != nil {
		r.need |= needHTTP
		r.http = calico.NewHTTPMatch(m.HTTP)
	}
	return r, nil
}

func compileSide(er *model.EntityRule, ns string, reg registrar) (side, error) {
	pos, neg, err := calico.PeerSelectors(er, ns, reg.clauses())
	if err != nil {
		return side{}, err
	}
	var s side
	if len(er.Nets) > 0 {
		s.need |= needNets
		s.nets = newPrefixSet(er.Nets)
	}
	if len(er.NotNets) > 0 {
		s.need |= needNotNets
		s.notNets = newPrefixSet(er.NotNets)
	}
	switch {
	case pos != nil:
		if neg != nil {
			pos = selector.And(pos, selector.Not(neg))
		}
		s.need |= needPos
		s.pos = reg.peer(pos)
	case neg != nil:
		s.need |= needNeg
		s.neg = reg.peer(neg)
	}
	if len(er.Ports) > 0 {
		s.need |= needPorts
		s.ports = newPortSet(er.Ports)
	}
	if len(er.NotPorts) > 0 {
		s.need |= needNotPorts
		s.notPorts = newPortSet(er.NotPorts)
	}
	if sm := er.Services; sm != nil {
		// SPEC 7: an empty namespace is looked up as it is, as Felix
		// looks up "/<name>": no service has one, so the side matches
		// nothing.
		s.need |= needService
		s.service = reg.service(model.Key{Kind: model.KindService, Namespace: sm.Namespace, Name: sm.Name})
	}
	s.rich = s.need&(needPos|needNeg|needService) != 0 ||
		s.ports != nil && len(s.ports.named) > 0 || s.notPorts != nil && len(s.notPorts.named) > 0
	return s, nil
}

// selectorsOf lists the selector ids a compiled rule list holds, one per
// use, so that releasing them balances registering them.
func selectorsOf(rules []rule) []uint32 {
	var out []uint32
	for i := range rules {
		for _, s := range [2]*side{&rules[i].src, &rules[i].dst} {
			if s.need&needPos != 0 {
				out = append(out, s.pos)
			}
			if s.need&needNeg != 0 {
				out = append(out, s.neg)
			}
		}
	}
	return out
}
