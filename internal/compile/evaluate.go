package compile

import (
	"net/netip"
	"slices"

	"github.com/verdictlabs/verdict/internal/calico"
	"github.com/verdictlabs/verdict/model"
)

// Evaluate decides a flow: egress at the workload endpoint owning the
// source address, ingress at the one owning the destination address, each
// with its enforced and pending decision and deciding hit. A side no
// workload endpoint owns is not enforced. For registered endpoints it
// allocates nothing.
//
// A flow is answered from the snapshot's memo when Evaluate has answered
// it before (memo.go), and stored in it from its second sighting.
func (p *Program) Evaluate(f model.Flow) (v model.Verdict) {
	t := p.memoTable()
	if t == nil {
		return p.walk(&f)
	}
	// A hit needs the normalized flow and nothing else of the walk.
	nf := f.Normalized()
	k, fits := memoKeyOf(&nf, p.gen)
	if !fits {
		return p.walk(&f)
	}
	h := k.hash()
	if t.get(&k, h, &v) {
		return v
	}
	if !t.admit(h) {
		return p.walk(&f)
	}
	c := newFlowCtx(p, &f)
	eg := c.judgeSide(c.judgedAt(false), dirEgress)
	in := c.judgeSide(c.judgedAt(true), dirIngress)
	t.put(&k, h, &eg, &in)
	return model.Verdict{Egress: eg.dv, Ingress: in.dv}
}

// walk decides a flow without the memo.
func (p *Program) walk(f *model.Flow) model.Verdict {
	c := newFlowCtx(p, f)
	return model.Verdict{
		Egress:  c.judge(c.judgedAt(false), dirEgress, nil),
		Ingress: c.judge(c.judgedAt(true), dirIngress, nil),
	}
}

// Explain decides a flow as Evaluate does, with the full trace of each
// side: every hit in order and the Log rules that matched.
func (p *Program) Explain(f model.Flow) model.Explanation {
	return p.ExplainEndpoints(f, nil, nil)
}

// EvaluateEndpoints decides a flow with endpoints given inline, which need
// not be registered. A non-nil src is the judged endpoint of the egress
// side and dst of the ingress side; for this call each owns its own
// addresses and its side's flow address as a rule peer, hiding a
// registered endpoint with the same key. A nil side is resolved by
// address, as in Evaluate. An inline endpoint is judged whatever its kind.
func (p *Program) EvaluateEndpoints(f model.Flow, src, dst *model.Endpoint) model.Verdict {
	c := newFlowCtx(p, &f)
	s, d := c.addInline(src, dst)
	return model.Verdict{
		Egress:  c.judge(s, dirEgress, nil),
		Ingress: c.judge(d, dirIngress, nil),
	}
}

// ExplainEndpoints is EvaluateEndpoints with the full trace of each side.
func (p *Program) ExplainEndpoints(f model.Flow, src, dst *model.Endpoint) model.Explanation {
	c := newFlowCtx(p, &f)
	s, d := c.addInline(src, dst)
	var x model.Explanation
	x.Verdict.Egress = c.judge(s, dirEgress, &x.Egress)
	x.Verdict.Ingress = c.judge(d, dirIngress, &x.Ingress)
	return x
}

// EvaluateDirection decides one direction for one endpoint: egress with it
// at the flow's source, or ingress with it at the destination. A non-nil
// endpoint takes part inline, as in EvaluateEndpoints; a nil one is found
// by the address on that side.
func (p *Program) EvaluateDirection(ep *model.Endpoint, d model.Direction, f model.Flow) model.DirectionVerdict {
	dv, _ := p.direction(ep, d, f, false)
	return dv
}

// ExplainDirection is EvaluateDirection with the trace.
func (p *Program) ExplainDirection(ep *model.Endpoint, d model.Direction, f model.Flow) (model.DirectionVerdict, model.Trace) {
	return p.direction(ep, d, f, true)
}

func (p *Program) direction(ep *model.Endpoint, d model.Direction, f model.Flow, trace bool) (model.DirectionVerdict, model.Trace) {
	c := newFlowCtx(p, &f)
	egress := d == model.Egress
	var judged ownerRef
	if egress {
		judged, _ = c.addInline(ep, nil)
	} else {
		_, judged = c.addInline(nil, ep)
	}
	var tr model.Trace
	var trp *model.Trace
	if trace {
		trp = &tr
	}
	return c.judge(judged, dirOf(d), trp), tr
}

// addInline adds the inline endpoints to the call and returns the judged
// endpoint of each side: the inline one, or else the first workload
// endpoint owning the side's address.
func (c *flowCtx) addInline(src, dst *model.Endpoint) (ownerRef, ownerRef) {
	var s, d ownerRef
	if src != nil {
		s = c.p.inlineEntity(src, c.f.Src)
		c.inline = append(c.inline, s.e)
	}
	if dst != nil {
		d = c.p.inlineEntity(dst, c.f.Dst)
		c.inline = append(c.inline, d.e)
	}
	if s.e == nil {
		s = c.judgedAt(false)
	}
	if d.e == nil {
		d = c.judgedAt(true)
	}
	return s, d
}

// inlineEntity prepares an endpoint given for one call, owning addr
// besides its own addresses. Its labels are matched against the program's
// selectors; a label set some registered entity has reuses that entity's
// class.
func (p *Program) inlineEntity(ep *model.Endpoint, addr netip.Addr) ownerRef {
	in := &inlineOwner{owned: ep.Addresses}
	e := &entity{kind: kindWorkload, endpoint: ep, inline: in}
	if ep.Kind == model.KindHostEndpoint {
		e.kind = kindHost
	}
	if addr.IsValid() && !slices.Contains(in.owned, addr) {
		in.owned = append(slices.Clip(in.owned), addr)
	}
	for _, name := range ep.Profiles {
		if id, ok := p.profileIDs.get(name); ok {
			e.labelProfiles = append(e.labelProfiles, id)
		}
	}
	in.cls = p.classOf(calico.EndpointLabels(ep, p.profileLabels))
	return ownerRef{e, in.cls}
}

// classOf returns the class of a label set: a registered one when some
// entity has the same labels, or one made for the call. Keys no selector
// or entity names are left out, since no selector can see them; values
// never interned cannot equal any value a selector names.
func (p *Program) classOf(labels map[string]string) *class {
	ls := make(labelSet, 0, len(labels))
	known := true
	for k, v := range labels {
		kid, ok := p.in.lookup(k)
		if !ok {
			continue
		}
		if _, read := p.readKeys.get(kid); !read {
			continue // as entityLabels leaves it out of registered classes
		}
		vid, ok := p.in.lookup(v)
		if !ok {
			vid, known = unknownID, false
		}
		ls = append(ls, label{key: kid, val: vid, text: v})
	}
	sortLabels(ls)
	if known {
		if id, ok := findClass(p.classIDs, &p.classes, ls); ok {
			return p.classes.get(id)
		}
	}
	c := &class{labels: ls}
	c.matched = matchInto(nil, ls, p.selIndex.candidates, p.progs.get)
	c.res = resolve(c.matched, p.policySels, p.sels.get, p.ranks, func(name string) *tierRec {
		r, _ := p.tiers.get(name)
		return r
	}, nil)
	return c
}

// Owners returns the keys of every entity owning addr: the endpoints with
// it among their addresses, in set order, then the network sets with a
// CIDR containing it, longest prefix first. These are the peers rule
// selectors are matched against for that address.
func (p *Program) Owners(addr netip.Addr) []model.Key {
	var out []model.Key
	o := p.addrs.exactOwners(addr)
	for i := range o.len() {
		out = append(out, p.entities.get(o.at(i)).key())
	}
	seen := map[uint32]bool{}
	p.addrs.netOwners(addr, func(ids []uint32) bool {
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				out = append(out, p.entities.get(id).key())
			}
		}
		return true
	})
	return out
}

// Endpoint returns the endpoint with key k as the program holds it, for
// callers that name an endpoint rather than an address; the program owns
// it and it must not be modified.
func (p *Program) Endpoint(k model.Key) (*model.Endpoint, bool) {
	id, ok := p.entityIDs.get(k)
	if !ok {
		return nil, false
	}
	if e := p.entities.get(id); e != nil && e.endpoint != nil {
		return e.endpoint, true
	}
	return nil, false
}

// EndpointAt returns the endpoint Evaluate judges at addr: the first
// workload endpoint owning it, else the first host endpoint (judged as
// unjudged). The program owns it and it must not be modified. It
// allocates nothing.
func (p *Program) EndpointAt(addr netip.Addr) (*model.Endpoint, bool) {
	addr = model.PacketAddr(addr)
	var host *model.Endpoint
	o := p.addrs.exactOwners(addr)
	for i := range o.len() {
		e := p.entities.get(o.at(i))
		switch e.kind {
		case kindWorkload:
			return e.endpoint, true
		case kindHost:
			if host == nil {
				host = e.endpoint
			}
		}
	}
	return host, host != nil
}
