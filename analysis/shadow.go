package analysis

import (
	"cmp"
	"encoding/binary"
	"net/netip"
	"reflect"
	"slices"

	"github.com/verdictlabs/verdict/internal/calico"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// shadowCheck decides whether one rule takes every packet another would
// match, caching the answers.
type shadowCheck struct {
	ls       *labelSets
	declared map[string][]model.EndpointPort // named ports by name, every endpoint's
	cache    map[[2]int]bool
}

// covers reports whether outer matches every packet inner matches, on the
// input's entities: protocol, ports, nets, ICMP and IP version contain
// inner's; peer selectors match a superset of the entities; negations,
// services, HTTP and service accounts only when equal.
func (s *shadowCheck) covers(outer, inner *ruleInfo) bool {
	k := [2]int{outer.id, inner.id}
	if v, ok := s.cache[k]; ok {
		return v
	}
	v := s.coversRule(outer, inner)
	s.cache[k] = v
	return v
}

func (s *shadowCheck) coversRule(outer, inner *ruleInfo) bool {
	o, i := outer.r, inner.r
	for _, fam := range []int{4, 6} {
		if calico.FamilyAllowed(i, fam) && !calico.FamilyAllowed(o, fam) {
			return false
		}
	}
	if o.Protocol.IsSet() && (!i.Protocol.IsSet() || i.Protocol.Number != o.Protocol.Number) {
		return false
	}
	if o.NotProtocol.IsSet() {
		sameNot := i.NotProtocol.IsSet() && i.NotProtocol.Number == o.NotProtocol.Number
		otherProto := i.Protocol.IsSet() && i.Protocol.Number != o.NotProtocol.Number
		if !sameNot && !otherProto {
			return false
		}
	}
	if !icmpCovers(o.ICMP, o.NotICMP, i.ICMP, i.NotICMP) {
		return false
	}
	if o.HTTP != nil && !reflect.DeepEqual(o.HTTP, i.HTTP) {
		return false
	}
	return s.sideCovers(&outer.src, &inner.src, outer, inner, false) &&
		s.sideCovers(&outer.dst, &inner.dst, outer, inner, true)
}

func hasType(m *model.ICMPMatch) bool { return m != nil && m.Type != nil }

func icmpCovers(oWant, oNot, iWant, iNot *model.ICMPMatch) bool {
	if hasType(oWant) {
		if !hasType(iWant) || *iWant.Type != *oWant.Type {
			return false
		}
		if oWant.Code != nil && (iWant.Code == nil || *iWant.Code != *oWant.Code) {
			return false
		}
	}
	if hasType(oNot) {
		same := hasType(iNot) && reflect.DeepEqual(oNot, iNot)
		otherType := hasType(iWant) && *iWant.Type != *oNot.Type
		otherCode := hasType(iWant) && *iWant.Type == *oNot.Type && oNot.Code != nil && iWant.Code != nil && *iWant.Code != *oNot.Code
		if !same && !otherType && !otherCode {
			return false
		}
	}
	return true
}

func (s *shadowCheck) sideCovers(o, i *sideInfo, outer, inner *ruleInfo, destination bool) bool {
	oe, ie := o.er, i.er
	if len(oe.Nets) > 0 {
		if len(ie.Nets) == 0 {
			return false
		}
		for _, n := range ie.Nets {
			if !slices.ContainsFunc(oe.Nets, func(p netip.Prefix) bool { return prefixContains(p, n) }) {
				return false
			}
		}
	}
	for _, excl := range oe.NotNets {
		excluded := slices.ContainsFunc(ie.NotNets, func(p netip.Prefix) bool { return prefixContains(p, excl) })
		disjoint := len(ie.Nets) > 0 && !slices.ContainsFunc(ie.Nets, func(p netip.Prefix) bool { return p.Overlaps(excl) })
		if !excluded && !disjoint {
			return false
		}
	}
	if oe.ServiceAccounts != nil && !equalServiceAccounts(oe.ServiceAccounts, ie.ServiceAccounts) {
		return false
	}
	if o.neg != nil && (i.neg == nil || i.neg.String() != o.neg.String()) {
		return false
	}
	switch {
	case o.pos == nil && o.neg != nil:
		// Outer fails when any owner matches the negation; inner with a
		// positive part can match an address another owner of which does.
		if i.pos != nil {
			return false
		}
	case o.pos != nil:
		if i.pos == nil || !s.ls.folded(i.pos, i.neg).subset(s.ls.folded(o.pos, o.neg)) {
			return false
		}
	}
	if len(oe.Ports) > 0 {
		if len(ie.Ports) == 0 {
			return false
		}
		for _, p := range ie.Ports {
			if !s.portCovered(p, oe.Ports, inner.r.Protocol) {
				return false
			}
		}
	}
	for _, excl := range oe.NotPorts {
		if excl.Name != "" {
			sameSides := selectorString(o.pos) == selectorString(i.pos)
			if !sameSides || !slices.ContainsFunc(ie.NotPorts, func(p model.Port) bool { return p.Name == excl.Name }) {
				return false
			}
			continue
		}
		excluded := slices.ContainsFunc(ie.NotPorts, func(p model.Port) bool {
			return p.Name == "" && p.Min <= excl.Min && excl.Max <= p.Max
		})
		disjoint := len(ie.Ports) > 0 && !slices.ContainsFunc(ie.Ports, func(p model.Port) bool {
			return s.portOverlaps(p, excl, inner.r.Protocol)
		})
		if !excluded && !disjoint {
			return false
		}
	}
	if oe.Services != nil {
		if ie.Services == nil || ie.Services.Name != oe.Services.Name ||
			cmp.Or(ie.Services.Namespace, inner.pol.ns) != cmp.Or(oe.Services.Namespace, outer.pol.ns) {
			return false
		}
	}
	return true
}

func selectorString(s *selector.Selector) string {
	if s == nil {
		return ""
	}
	return s.String()
}

// prefixContains reports whether outer holds every address of inner.
func prefixContains(outer, inner netip.Prefix) bool {
	return outer.Addr().Is4() == inner.Addr().Is4() && outer.Bits() <= inner.Bits() && outer.Contains(inner.Addr())
}

func equalServiceAccounts(a, b *model.ServiceAccountMatch) bool {
	if b == nil {
		return false
	}
	an, bn := slices.Clone(a.Names), slices.Clone(b.Names)
	slices.Sort(an)
	slices.Sort(bn)
	return slices.Equal(an, bn) && selectorString(a.Selector) == selectorString(b.Selector)
}

// portCovered reports whether every port p can stand for is in one of
// ports: a named port by the same name, or every number endpoints declare
// for it inside a range.
func (s *shadowCheck) portCovered(p model.Port, ports []model.Port, proto model.Protocol) bool {
	if p.Name != "" {
		if slices.ContainsFunc(ports, func(q model.Port) bool { return q.Name == p.Name }) {
			return true
		}
		for _, d := range s.declared[p.Name] {
			if !namedPortProtocolAllowed(proto, d.Protocol) {
				continue
			}
			if !slices.ContainsFunc(ports, func(q model.Port) bool { return q.Name == "" && q.Min <= d.Port && d.Port <= q.Max }) {
				return false
			}
		}
		return true
	}
	return slices.ContainsFunc(ports, func(q model.Port) bool { return q.Name == "" && q.Min <= p.Min && p.Max <= q.Max })
}

// portOverlaps reports whether a port of inner's list may fall in the
// numeric range excl.
func (s *shadowCheck) portOverlaps(p, excl model.Port, proto model.Protocol) bool {
	if p.Name == "" {
		return p.Min <= excl.Max && excl.Min <= p.Max
	}
	for _, d := range s.declared[p.Name] {
		if namedPortProtocolAllowed(proto, d.Protocol) && excl.Min <= d.Port && d.Port <= excl.Max {
			return true
		}
	}
	return false
}

// shadowing is, per rule checked, the earlier rule that takes its packets
// for the label sets the policy applies to, ascending by label set; a nil
// by means none does.
type shadowing map[*ruleInfo][]shadowedIn

// shadowedIn is the first earlier rule covering a rule on the walks of a
// label set, and of every set selected by the same policies after it:
// their walks are the same.
type shadowedIn struct {
	set int
	by  *ruleInfo
}

// findShadows walks every workload label set's tiers in both directions,
// the enforced walk for enforced rules and the pending walk for staged
// ones (SPEC 4), and records for each rule the first earlier rule that
// covers it, if any: in the same tier any earlier Allow, Deny or Pass; in
// an earlier tier an Allow or Deny that no Pass of its tier comes before
// (a Pass could skip it, and the walk would go on). Label sets that the
// same policies select have the same walks, which are walked once: on a
// large cluster most workloads' sets differ only in labels no policy
// reads.
func findShadows(tiers []*tierWalk, ls *labelSets, check *shadowCheck) shadowing {
	// The policies that select each workload label set, in walk order:
	// each policy's selector is matched once (through the label sets'
	// index), not once per set. A namespaced policy selects only its
	// namespace's endpoints.
	type selected struct {
		tier int
		pi   *policyInfo
	}
	selecting := make([][]selected, len(ls.sets))
	for t, tw := range tiers {
		for _, pi := range tw.policies {
			p := pi.p
			if pi.err != nil || p.DoNotTrack || p.PreDNAT || !(p.Governs(model.Ingress) || p.Governs(model.Egress)) {
				continue
			}
			for _, set := range ls.match(pi.selects) {
				if !ls.workload[set] {
					continue
				}
				if pi.ns != "" && pi.ns != ls.sets[set][model.LabelNamespace] {
					continue
				}
				selecting[set] = append(selecting[set], selected{t, pi})
			}
		}
	}
	type walkGroup struct {
		first int
		tiers [][]*policyInfo
	}
	var groups []*walkGroup
	bySelecting := map[string]*walkGroup{}
	var sig []byte
	for set, sel := range selecting {
		if !ls.workload[set] {
			continue
		}
		sig = sig[:0]
		if ls.plain {
			sig = binary.AppendUvarint(sig, uint64(set))
		}
		for _, s := range sel {
			sig = binary.AppendUvarint(sig, uint64(s.pi.index))
		}
		if bySelecting[string(sig)] != nil {
			continue
		}
		g := &walkGroup{first: set}
		for i, s := range sel {
			if i == 0 || sel[i-1].tier != s.tier {
				g.tiers = append(g.tiers, nil)
			}
			g.tiers[len(g.tiers)-1] = append(g.tiers[len(g.tiers)-1], s.pi)
		}
		bySelecting[string(sig)] = g
		groups = append(groups, g)
	}
	out := shadowing{}
	reached := map[*ruleInfo]bool{}
	for _, g := range groups {
		for _, d := range []model.Direction{model.Ingress, model.Egress} {
			for _, pending := range []bool{false, true} {
				var earlierTiers []*ruleInfo
				for _, selecting := range g.tiers {
					var inTier, crossing []*ruleInfo
					passed := false
					for _, pi := range selecting {
						if pi.p.Kind.Staged() && !pending {
							continue
						}
						if !pi.p.Governs(d) {
							continue
						}
						checked := pi.p.Kind.Staged() == pending
						for _, ri := range pi.rules[dirIndex(d)] {
							// A rule that some label set's walk reaches
							// is not shadowed: its other walks need no
							// look (checkShadows stops at the first nil).
							if checked && !reached[ri] {
								by := firstCovering(check, ri, earlierTiers, inTier)
								out[ri] = append(out[ri], shadowedIn{g.first, by})
								reached[ri] = by == nil && !ls.plain
							}
							switch calico.VerbOf(ri.r.Action) {
							case calico.VerbAllow, calico.VerbDeny:
								inTier = append(inTier, ri)
								if !passed {
									crossing = append(crossing, ri)
								}
							case calico.VerbPass:
								inTier = append(inTier, ri)
								passed = true
							}
						}
					}
					earlierTiers = append(earlierTiers, crossing...)
				}
			}
		}
	}
	return out
}

func firstCovering(check *shadowCheck, ri *ruleInfo, lists ...[]*ruleInfo) *ruleInfo {
	for _, l := range lists {
		for _, e := range l {
			if check.covers(e, ri) {
				return e
			}
		}
	}
	return nil
}
