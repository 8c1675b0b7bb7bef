package compile

import (
	"net/netip"
	"slices"

	"github.com/verdictlabs/verdict/internal/calico"
	"github.com/verdictlabs/verdict/model"
)

// flowCtx is one evaluation: the flow, and the endpoints owning each of
// its addresses, looked up on first use and kept for the rest of the walk.
// It lives on the caller's stack: nothing in it is allocated.
type flowCtx struct {
	p   *Program
	f   model.Flow
	is6 bool
	// The flow's summary bits, tested against each policy's.
	sumProto, sumFam, sumPort summary
	src                       owners
	dst                       owners
	// inline are endpoints given for this call only; they own their
	// addresses and hide registered endpoints with the same key.
	inline []*entity
	// decidedBy is the policy or profile the hit of the last decision a
	// tier or the profiles made came from (nil for none), for the memo,
	// which keeps that instead of the hit's strings.
	decidedBy *hitOrigin
	// touched keeps the loads exactBoth makes early from being dropped.
	touched uint32
}

// ownerRef is an entity owning an address, with its class.
type ownerRef struct {
	e   *entity
	cls *class
}

// owners are the endpoints owning one address exactly. Network sets own
// addresses through CIDRs; rule matching asks each peer selector's CIDR
// set about those instead of listing them, since an address may lie in
// thousands of sets.
type owners struct {
	ready bool
	ids   ownerList // registered owners, from the address index
	n     int       // cached refs; -1 when there are too many to cache
	refs  [4]ownerRef
}

func newFlowCtx(p *Program, f *model.Flow) flowCtx {
	// Zoned and IPv4-mapped addresses would skip rules (model.PacketAddr).
	nf := f.Normalized()
	// The family is the source address's, or the destination's when the
	// source is missing.
	a := nf.Src
	if !a.IsValid() {
		a = nf.Dst
	}
	c := flowCtx{p: p, f: nf, is6: a.Is6()}
	c.sumProto, c.sumFam, c.sumPort = flowSummary(&nf, c.is6)
	return c
}

func (c *flowCtx) side(dst bool) (*owners, netip.Addr) {
	if dst {
		return &c.dst, c.f.Dst
	}
	return &c.src, c.f.Src
}

// exact returns the registered endpoints owning the address, caching
// their classes when there are few.
func (c *flowCtx) exact(dst bool) *owners {
	o, addr := c.side(dst)
	if o.ready {
		return o
	}
	if len(c.inline) == 0 {
		ent, cls, hit := c.p.addrs.flat.find(addr)
		if c.fromSlot(o, ent, cls, hit) {
			return o
		}
	}
	o.ready = true
	o.ids = c.p.addrs.exactOwners(addr)
	if o.ids.len() > len(o.refs) {
		o.n = -1
		return o
	}
	for i := range o.ids.len() {
		if e := c.p.entities.get(o.ids.at(i)); !c.shadowed(e) {
			o.refs[o.n] = ownerRef{e, c.p.classes.get(e.class)}
			o.n++
		}
	}
	return o
}

// exactBoth looks up both addresses of a flow without inline endpoints
// before the walk needs them: the two probes, and then the two owners'
// entities and classes, do not depend on one another, so their cache
// misses overlap instead of following each other.
func (c *flowCtx) exactBoth() {
	if len(c.inline) != 0 {
		return
	}
	t := &c.p.addrs.flat
	se, sc, sh := t.find(c.f.Src)
	de, dc, dh := t.find(c.f.Dst)
	c.fromSlot(&c.src, se, sc, sh)
	c.fromSlot(&c.dst, de, dc, dh)
	// Read what the walk reads first of each owner now, while the misses
	// can still overlap.
	var touch uint32
	for i, o := range [2]*owners{&c.src, &c.dst} {
		if o.ready && o.n == 1 {
			r := o.refs[0]
			touch += uint32(r.e.kind) + uint32(len(r.cls.matched))
			if r.e.kind == kindWorkload {
				// The judged side's endpoint (for its key) and the
				// first tier of its resolved list: egress at the
				// source, ingress at the destination.
				touch += uint32(len(r.e.endpoint.Name))
				if res := r.cls.res[[2]dirIndex{dirEgress, dirIngress}[i]]; res != nil && len(res.tiers) > 0 {
					touch += uint32(len(res.tiers[0].policies))
				}
			}
		}
	}
	c.touched = touch
}

// fromSlot fills o from the flat table's answer for an address when
// that is all there is to know: no owner, or one, ent of class cls. It
// reports false when the table cannot say, and exact must ask the index.
func (c *flowCtx) fromSlot(o *owners, ent, cls uint32, hit addrHit) bool {
	switch hit {
	case addrNone:
		o.ready = true
		return true
	case addrOne:
		o.refs[0] = ownerRef{c.p.entities.get(ent), c.p.classes.get(cls)}
		o.n = 1
		o.ready = true
		return true
	}
	return false
}

// owner returns the i-th registered owner of o, or a zero ref for one an
// inline endpoint hides.
func (c *flowCtx) owner(o *owners, i int) ownerRef {
	if o.n >= 0 {
		return o.refs[i]
	}
	e := c.p.entities.get(o.ids.at(i))
	if c.shadowed(e) {
		return ownerRef{}
	}
	return ownerRef{e, c.p.classes.get(e.class)}
}

func (o *owners) count() int {
	if o.n >= 0 {
		return o.n
	}
	return o.ids.len()
}

func (c *flowCtx) shadowed(e *entity) bool {
	for _, in := range c.inline {
		if in.endpoint.Key() == e.key() {
			return true
		}
	}
	return false
}

// judgedAt returns the workload endpoint judged at the source or
// destination: the first one owning the address, registered endpoints in
// set order before inline ones.
func (c *flowCtx) judgedAt(dst bool) ownerRef {
	if r := c.ownerOfKind(dst, kindWorkload); r.e != nil {
		return r
	}
	// No workload: a host endpoint owning the address is unjudged, never
	// "not enforced" (judge).
	return c.ownerOfKind(dst, kindHost)
}

// ownerOfKind returns the first endpoint of kind k owning the address on
// one side, registered ones first, then the inline ones.
func (c *flowCtx) ownerOfKind(dst bool, k entityKind) ownerRef {
	if !c.src.ready && !c.dst.ready {
		// The walk reads the owners of both addresses, whichever side
		// it judges first.
		c.exactBoth()
	}
	o := c.exact(dst)
	for i := range o.count() {
		if r := c.owner(o, i); r.e != nil && r.e.kind == k {
			return r
		}
	}
	_, addr := c.side(dst)
	for _, e := range c.inline {
		if e.kind == k && slices.Contains(e.inline.owned, addr) {
			return ownerRef{e, e.inline.cls}
		}
	}
	return ownerRef{}
}

// someOwnerMatches reports whether some entity owning the address on one
// side matches selector sel: an endpoint with the address, an inline
// endpoint owning it, or a network set with a CIDR containing it.
func (c *flowCtx) someOwnerMatches(dst bool, sel uint32) bool {
	o := c.exact(dst)
	for i := range o.count() {
		if r := c.owner(o, i); r.e != nil && r.cls.has(sel) {
			return true
		}
	}
	_, addr := c.side(dst)
	for _, e := range c.inline {
		if e.inline.cls.has(sel) && slices.Contains(e.inline.owned, addr) {
			return true
		}
	}
	if !hasBit(c.p.netSels, sel) {
		return false // no network set matches sel: nothing more to read
	}
	nets := c.p.sels.get(sel).nets
	return nets != nil && nets.contains(addr)
}

// recorder collects the trace of one walk; a nil recorder records nothing,
// which is how Evaluate skips the trace.
type recorder struct {
	hits []model.Hit
	logs []model.Hit
}

func (r *recorder) hit(h model.Hit) {
	if r != nil {
		r.hits = append(r.hits, h)
	}
}

func (r *recorder) log(h model.Hit) {
	if r != nil {
		r.logs = append(r.logs, h)
	}
}

// judge decides one side for the judged endpoint o, with the trace when tr
// is not nil. A zero o means no endpoint is judged there.
func (c *flowCtx) judge(o ownerRef, d dirIndex, tr *model.Trace) model.DirectionVerdict {
	if o.e == nil || o.e.kind == kindHost {
		if tr != nil {
			*tr = model.Trace{Hits: []model.Hit{}, PendingHits: []model.Hit{}}
		}
		if o.e != nil {
			// SPEC 8: host endpoints are enforced by Calico but not
			// judged here yet; never "not enforced".
			return model.DirectionVerdict{Unjudged: true, Endpoint: o.e.key()}
		}
		return model.DirectionVerdict{}
	}
	dv := model.DirectionVerdict{Enforced: true, Endpoint: o.e.key()}
	if tr == nil {
		dv.Decision, dv.Pending, _, _ = c.decideBoth(o, d)
		return dv
	}
	enforced := &recorder{hits: []model.Hit{}}
	pending := &recorder{hits: []model.Hit{}}
	dv.Decision = c.decide(o, d, false, enforced)
	dv.Pending = c.decide(o, d, true, pending)
	*tr = model.Trace{Hits: enforced.hits, PendingHits: pending.hits, Logs: enforced.logs, PendingLogs: pending.logs}
	return dv
}

// judgeSide is judge without a trace, also returning the judged entity
// and where the decisions' hits came from, for the memo.
func (c *flowCtx) judgeSide(o ownerRef, d dirIndex) memoSide {
	if o.e == nil || o.e.kind == kindHost {
		return memoSide{dv: c.judge(o, d, nil), e: o.e}
	}
	s := memoSide{dv: model.DirectionVerdict{Enforced: true, Endpoint: o.e.key()}, e: o.e}
	s.dv.Decision, s.dv.Pending, s.enfBy, s.penBy = c.decideBoth(o, d)
	return s
}

// tierResult is what one tier did with a walk.
type tierResult uint8

const (
	tierNext    tierResult = iota // on to the next tier: a Pass, or no policy of the walk applies
	tierDecided                   // an Allow or Deny rule, or the tier's Deny default
)

// decide is SPEC 4 for one endpoint and direction: the applicable tiers in
// order, then the endpoint's profiles. With pending set, staged policies
// take part in their sorted place; otherwise a tier whose applicable
// policies are all staged is skipped.
func (c *flowCtx) decide(o ownerRef, d dirIndex, pending bool, rec *recorder) model.Decision {
	c.decidedBy = nil
	if res := o.cls.res[d]; res != nil {
		for ti := range res.tiers {
			if r, dec := c.walkTier(&res.tiers[ti], d, pending, rec); r == tierDecided {
				return dec
			}
		}
	}
	return c.walkProfiles(o, d, rec)
}

// decideBoth returns the enforced and the pending decision of decide
// without a trace, walking both at once: a tier without staged policies
// treats the two walks alike, so it is evaluated once for both, and so are
// the profiles. Only tiers holding staged policies are walked twice. It
// also returns where each decision's hit came from.
func (c *flowCtx) decideBoth(o ownerRef, d dirIndex) (enforced, pending model.Decision, enfBy, penBy *hitOrigin) {
	res := o.cls.res[d]
	if res == nil || !res.staged {
		enforced = c.decide(o, d, false, nil)
		return enforced, enforced, c.decidedBy, c.decidedBy
	}
	enfDone, penDone := false, false
	for ti := range res.tiers {
		t := &res.tiers[ti]
		if !t.staged {
			if r, dec := c.walkTier(t, d, false, nil); r == tierDecided {
				if !enfDone {
					enforced, enfBy, enfDone = dec, c.decidedBy, true
				}
				if !penDone {
					pending, penBy, penDone = dec, c.decidedBy, true
				}
			}
		} else {
			if !enfDone {
				if r, dec := c.walkTier(t, d, false, nil); r == tierDecided {
					enforced, enfBy, enfDone = dec, c.decidedBy, true
				}
			}
			if !penDone {
				if r, dec := c.walkTier(t, d, true, nil); r == tierDecided {
					pending, penBy, penDone = dec, c.decidedBy, true
				}
			}
		}
		if enfDone && penDone {
			return enforced, pending, enfBy, penBy
		}
	}
	c.decidedBy = nil
	last := c.walkProfiles(o, d, nil)
	if !enfDone {
		enforced, enfBy = last, c.decidedBy
	}
	if !penDone {
		pending, penBy = last, c.decidedBy
	}
	return enforced, pending, enfBy, penBy
}

// walkTier walks one tier of a resolved list: its policies in order (the
// staged ones only when pending), each rule until one decides. A Pass rule,
// a Pass default or a tier with no policy for this walk sends the walk on;
// an Allow, a Deny or the Deny default decides it.
func (c *flowCtx) walkTier(t *resolvedTier, d dirIndex, pending bool, rec *recorder) (tierResult, model.Decision) {
	if rec == nil && t.classify != nil {
		// A large tier, without a trace to record: the classifier finds
		// the rule the loop below would.
		first := t.first(pending)
		if first == nil {
			return tierNext, model.Decision{}
		}
		switch out, h, by := c.classified(t, pending); out {
		case outAllow:
			c.decidedBy = &by.origin
			return tierDecided, model.Decision{Allowed: true, Hit: h}
		case outDeny:
			c.decidedBy = &by.origin
			return tierDecided, model.Decision{Hit: h}
		case outPass:
			return tierNext, model.Decision{}
		}
		if !t.pass {
			c.decidedBy = &first.origin
			return tierDecided, model.Decision{Hit: first.hit(-1, model.HitDeny)}
		}
		return tierNext, model.Decision{}
	}
	// The default action is attributed to the first applicable policy
	// evaluated, as Calico's flow logs attribute it.
	var first *policyRec
	for _, ref := range t.policies {
		p := ref.p
		if ref.staged && !pending {
			continue
		}
		if first == nil {
			first = p
		}
		if !ref.sum.admits(c.sumProto, c.sumFam, c.sumPort) {
			continue // no rule of p can match this flow
		}
		rules := ref.rules
		for i := range rules {
			r := &rules[i]
			if !c.matches(r) {
				continue
			}
			switch r.verb {
			case calico.VerbLog:
				rec.log(p.hit(int(r.index), model.HitLog))
			case calico.VerbAllow:
				h := p.hit(int(r.index), model.HitAllow)
				rec.hit(h)
				c.decidedBy = &p.origin
				return tierDecided, model.Decision{Allowed: true, Hit: h}
			case calico.VerbDeny:
				h := p.hit(int(r.index), model.HitDeny)
				rec.hit(h)
				c.decidedBy = &p.origin
				return tierDecided, model.Decision{Hit: h}
			case calico.VerbPass:
				rec.hit(p.hit(int(r.index), model.HitPass))
				return tierNext, model.Decision{}
			}
		}
	}
	if first == nil {
		return tierNext, model.Decision{} // only staged policies apply: the enforced walk skips the tier
	}
	if t.pass {
		rec.hit(first.hit(-1, model.HitPass))
		return tierNext, model.Decision{}
	}
	h := first.hit(-1, model.HitDeny)
	rec.hit(h)
	c.decidedBy = &first.origin
	return tierDecided, model.Decision{Hit: h}
}

// walkProfiles walks the endpoint's profiles in order, after every tier
// has passed it on; the end of them is the end of profiles.
func (c *flowCtx) walkProfiles(o ownerRef, d dirIndex, rec *recorder) model.Decision {
	if o.e.endpoint == nil {
		return model.Decision{EndOfProfiles: true}
	}
	for _, pid := range o.e.labelProfiles {
		prof := c.p.profiles.get(pid)
		if prof == nil {
			continue // a missing profile is skipped, as in Felix
		}
		rules := prof.rules[d]
		for i := range rules {
			r := &rules[i]
			if !c.matches(r) {
				continue
			}
			switch r.verb {
			case calico.VerbLog:
				rec.log(prof.hit(int(r.index), model.HitLog))
			case calico.VerbAllow:
				h := prof.hit(int(r.index), model.HitAllow)
				rec.hit(h)
				c.decidedBy = &prof.origin
				return model.Decision{Allowed: true, Hit: h}
			default:
				// SPEC 7: Pass in a profile has no next tier and denies.
				h := prof.hit(int(r.index), model.HitDeny)
				rec.hit(h)
				c.decidedBy = &prof.origin
				return model.Decision{Hit: h}
			}
		}
	}
	return model.Decision{EndOfProfiles: true}
}

// matches reports whether every criterion the rule gives holds (SPEC 5).
func (c *flowCtx) matches(r *rule) bool {
	if c.is6 && !r.fam6 || !c.is6 && !r.fam4 {
		return false
	}
	need := r.need
	if need == 0 {
		return true
	}
	f := &c.f
	if need&needProto != 0 && r.proto != f.Protocol {
		return false
	}
	if need&needNotProto != 0 && r.notProto == f.Protocol {
		return false
	}
	// A flow that carries no ICMP type cannot show the one a rule
	// requires, and is not the one a notICMP excludes.
	if need&needICMP != 0 && (f.ICMP == nil || !r.icmp.equal(f.ICMP)) {
		return false
	}
	if need&needNotICMP != 0 && f.ICMP != nil && r.notICMP.equal(f.ICMP) {
		return false
	}
	// Cheap criteria of both sides first (numbers and CIDRs), then those
	// that look at the entities owning the addresses.
	if need&needSrc != 0 && !c.sideCheap(&r.src, false) {
		return false
	}
	if need&needDst != 0 && !c.sideCheap(&r.dst, true) {
		return false
	}
	if need&needSrc != 0 && r.src.rich && !c.sideRich(r, &r.src, false) {
		return false
	}
	if need&needDst != 0 && r.dst.rich && !c.sideRich(r, &r.dst, true) {
		return false
	}
	if need&needHTTP != 0 && !r.http.Matches(f.HTTP) {
		return false
	}
	return true
}

// sideCheap checks what needs only the flow: CIDRs and port numbers. A
// port list with named ports is left to sideRich unless a number already
// matches.
func (c *flowCtx) sideCheap(s *side, dst bool) bool {
	addr, port := c.f.Src, c.f.SrcPort
	if dst {
		addr, port = c.f.Dst, c.f.DstPort
	}
	need := s.need
	if need&needPorts != 0 && !s.ports.hasNumber(port) && len(s.ports.named) == 0 {
		return false
	}
	if need&needNotPorts != 0 && s.notPorts.hasNumber(port) {
		return false
	}
	if need&needNets != 0 && !s.nets.contains(addr) {
		return false
	}
	if need&needNotNets != 0 && s.notNets.contains(addr) {
		return false
	}
	return true
}

// sideRich checks what needs the entities owning the address: peer
// selectors (calico-semantics 4.4: with a positive part the side matches
// when some owner matches it, the notSelector folded in; with only a
// notSelector it fails when some owner matches that), named ports and
// services.
func (c *flowCtx) sideRich(r *rule, s *side, dst bool) bool {
	addr, port := c.f.Src, c.f.SrcPort
	if dst {
		addr, port = c.f.Dst, c.f.DstPort
	}
	need := s.need
	if need&needPos != 0 {
		if !c.someOwnerMatches(dst, s.pos) {
			return false
		}
	} else if need&needNeg != 0 && c.someOwnerMatches(dst, s.neg) {
		return false
	}
	if need&needPorts != 0 && len(s.ports.named) > 0 && !s.ports.hasNumber(port) && !c.namedPortIn(r, s, s.ports, port, dst) {
		return false
	}
	if need&needNotPorts != 0 && len(s.notPorts.named) > 0 && c.namedPortIn(r, s, s.notPorts, port, dst) {
		return false
	}
	if need&needService != 0 && !c.serviceMatches(s.service, addr, port, dst) {
		return false
	}
	return true
}

// namedPortIn reports whether the port is a named port of ps that an
// owner of the address declares with the flow's protocol (and the protocol
// the rule's implies). The owners considered are those matching the side's
// positive selector, or all of them without one, as Felix builds a named
// port's set.
func (c *flowCtx) namedPortIn(r *rule, s *side, ps *portSet, port uint16, dst bool) bool {
	proto := c.f.Protocol
	if r.namedProto != 0 && r.namedProto != proto {
		return false
	}
	// Network sets declare no ports: only endpoints can hold the name.
	o := c.exact(dst)
	for i := range o.count() {
		if o := c.owner(o, i); o.e != nil && c.declares(o, s, ps, port, proto, r.namedProto == 0) {
			return true
		}
	}
	_, addr := c.side(dst)
	for _, e := range c.inline {
		if slices.Contains(e.inline.owned, addr) && c.declares(ownerRef{e, e.inline.cls}, s, ps, port, proto, r.namedProto == 0) {
			return true
		}
	}
	return false
}

// declares reports whether the owner counts for the side's named ports and
// declares one of them with this port and protocol. anyProto is set for a
// rule without a protocol, under which a port whose protocol was written
// as a number never resolves (model.EndpointPort.ProtocolByNumber).
func (c *flowCtx) declares(r ownerRef, s *side, ps *portSet, port uint16, proto uint8, anyProto bool) bool {
	if s.need&needPos != 0 && !r.cls.has(s.pos) {
		return false
	}
	for _, ep := range r.e.ports() {
		if ep.Port == port && ep.Protocol == proto && (!anyProto || !ep.ProtocolByNumber) && slices.Contains(ps.named, ep.Name) {
			return true
		}
	}
	return false
}

// serviceMatches: the address is one of the service's endpoint addresses,
// and at a destination the protocol and port are among the ports of the
// same EndpointSlice. A missing service matches nothing (SPEC 7).
func (c *flowCtx) serviceMatches(id uint32, addr netip.Addr, port uint16, dst bool) bool {
	svc := c.p.services.get(id)
	if svc == nil {
		return false
	}
	if !dst {
		_, ok := svc.addrs[addr]
		return ok
	}
	_, ok := svc.ports[svcPort{addr, c.f.Protocol, port}]
	return ok
}
