package reference

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/verdictlabs/verdict/internal/calico"
	"github.com/verdictlabs/verdict/model"
)

// Evaluator decides flows by interpreting a model.Set. It is immutable
// after New and safe for concurrent use.
type Evaluator struct {
	tiers    []*tier                   // in evaluation order, each with its policies sorted
	profiles map[string]*profile       // by name
	entities []*entity                 // every endpoint and network set, in the set's order
	labels   map[string]*model.Profile // the profiles' models, for label inheritance
}

// New prepares an evaluator for the set. It adds the built-in tiers the set
// does not define, and rejects, with model.Set.Check's *model.CheckError,
// every set that fails that check: among others a policy whose tier does
// not exist (SPEC 7: Felix would enforce it silently after every other
// tier), two resources of one kind with one key (the answer would depend
// on which copy came first), and a rule without an action. A policy with
// an empty Tier is in "default"; a staged policy whose StagedAction is
// Delete takes part in neither walk, since Calico never hands it to Felix.
//
// The evaluator keeps references to the set's rules, labels and
// selectors: the caller must not modify them afterwards.
func New(set model.Set) (*Evaluator, error) {
	if err := set.Check(); err != nil {
		return nil, err
	}
	set = set.WithBuiltinTiers()
	e := &Evaluator{
		profiles: make(map[string]*profile, len(set.Profiles)),
		labels:   make(map[string]*model.Profile, len(set.Profiles)),
	}

	services := make(map[model.Key]*model.Service, len(set.Services))
	for _, s := range slices.Clone(set.Services) {
		services[s.Key()] = &s
	}

	env := &ruleEnv{services: services}
	tiers := make(map[string]*tier, len(set.Tiers))
	var all []*tier
	for _, t := range slices.Clone(set.Tiers) {
		tr := &tier{model: &t}
		tiers[t.Name] = tr
		all = append(all, tr)
	}
	e.tiers = sortedTiers(all)

	for _, p := range slices.Clone(set.Profiles) {
		ingress, err := compileRules(p.Ingress, "", env)
		if err != nil {
			return nil, fmt.Errorf("profile %q: ingress %w", p.Name, err)
		}
		egress, err := compileRules(p.Egress, "", env)
		if err != nil {
			return nil, fmt.Errorf("profile %q: egress %w", p.Name, err)
		}
		e.profiles[p.Name] = &profile{model: &p, ingress: ingress, egress: egress}
		e.labels[p.Name] = &p
	}

	for _, p := range slices.Clone(set.Policies) {
		if p.Kind.Staged() && p.StagedAction == model.StagedDelete {
			continue
		}
		compiled, err := compilePolicy(&p, tiers, env)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.Key(), err)
		}
		t := tiers[compiled.tier]
		t.policies = append(t.policies, compiled)
	}
	for _, t := range e.tiers {
		sortPolicies(t.policies)
	}

	for _, ep := range slices.Clone(set.Endpoints) {
		e.entities = append(e.entities, newEndpointEntity(&ep, e.labels))
	}
	for _, ns := range slices.Clone(set.NetworkSets) {
		e.entities = append(e.entities, newNetworkSetEntity(&ns, e.labels))
	}
	return e, nil
}

func compilePolicy(p *model.Policy, tiers map[string]*tier, env *ruleEnv) (*policy, error) {
	tierName := p.Tier
	if tierName == "" {
		tierName = model.TierDefault
	}
	if tiers[tierName] == nil {
		return nil, fmt.Errorf("names tier %q, which does not exist", tierName)
	}
	sel, err := calico.PolicySelector(p)
	if err != nil {
		return nil, fmt.Errorf("selector: %w", err)
	}
	ns := ""
	if p.Kind.Namespaced() {
		ns = p.Namespace
	}
	ingress, err := compileRules(p.Ingress, ns, env)
	if err != nil {
		return nil, fmt.Errorf("ingress %w", err)
	}
	egress, err := compileRules(p.Egress, ns, env)
	if err != nil {
		return nil, fmt.Errorf("egress %w", err)
	}
	return &policy{model: p, tier: tierName, selects: sel, ingress: ingress, egress: egress}, nil
}

// Evaluate decides the flow: egress at the workload endpoint owning the
// source address, ingress at the one owning the destination address, each
// with the enforced and the pending decision. A side no workload endpoint
// owns is not enforced. Like every method, it decides the flow as
// model.Flow.Normalized gives it, as the compiled engine does.
func (e *Evaluator) Evaluate(f model.Flow) model.Verdict {
	return e.EvaluateEndpoints(f, nil, nil)
}

// Explain decides the flow as Evaluate does and gives the full trace of
// each side.
func (e *Evaluator) Explain(f model.Flow) model.Explanation {
	return e.ExplainEndpoints(f, nil, nil)
}

// EvaluateEndpoints decides the flow with endpoints given inline, which
// need not be registered. A non-nil src is the judged endpoint of the
// egress side and dst of the ingress side; for this call each also owns
// its side's flow address and its own addresses as a rule peer, standing in
// for a registered endpoint of the same key. A nil side is resolved by
// address, as in Evaluate.
//
// An inline host endpoint is unjudged, as one found by address is: the
// hooks peculiar to host endpoints (SPEC 8) are not modelled yet.
func (e *Evaluator) EvaluateEndpoints(f model.Flow, src, dst *model.Endpoint) model.Verdict {
	return e.endpoints(f, src, dst, nil)
}

// ExplainEndpoints is EvaluateEndpoints with the full trace of each side.
func (e *Evaluator) ExplainEndpoints(f model.Flow, src, dst *model.Endpoint) model.Explanation {
	var x model.Explanation
	x.Verdict = e.endpoints(f, src, dst, &x)
	return x
}

// endpoints decides the flow, filling the traces of x when it is not nil.
func (e *Evaluator) endpoints(f model.Flow, src, dst *model.Endpoint, x *model.Explanation) model.Verdict {
	srcEntity, dstEntity, pkt := e.sides(f, src, dst)
	var egress, ingress *model.Trace
	if x != nil {
		egress, ingress = &x.Egress, &x.Ingress
	}
	return model.Verdict{
		Egress:  e.judge(srcEntity, model.Egress, pkt, egress),
		Ingress: e.judge(dstEntity, model.Ingress, pkt, ingress),
	}
}

// sides prepares a flow and finds the endpoints judged at each side, as
// Evaluate and Account both do: an inline endpoint as itself, a nil one
// by its address.
func (e *Evaluator) sides(f model.Flow, src, dst *model.Endpoint) (srcEntity, dstEntity *entity, pkt *packet) {
	f = f.Normalized() // zoned and mapped addresses must not skip rules
	w := &world{registered: e.entities}
	srcEntity = e.inline(w, src, f.Src)
	dstEntity = e.inline(w, dst, f.Dst)
	pkt = newPacket(&f, w)
	if srcEntity == nil {
		srcEntity = judged(pkt.srcOwners)
	}
	if dstEntity == nil {
		dstEntity = judged(pkt.dstOwners)
	}
	return srcEntity, dstEntity, pkt
}

// EvaluateDirection decides one direction for one endpoint: egress with
// the endpoint at the flow's source, or ingress with it at the
// destination. The endpoint takes part inline, as in EvaluateEndpoints; a
// nil endpoint is resolved by the address on that side.
func (e *Evaluator) EvaluateDirection(ep *model.Endpoint, d model.Direction, f model.Flow) model.DirectionVerdict {
	return e.direction(ep, d, f, nil)
}

// ExplainDirection is EvaluateDirection with the trace of that side.
func (e *Evaluator) ExplainDirection(ep *model.Endpoint, d model.Direction, f model.Flow) (model.DirectionVerdict, model.Trace) {
	var tr model.Trace
	dv := e.direction(ep, d, f, &tr)
	return dv, tr
}

// direction decides one side, filling tr when it is not nil.
func (e *Evaluator) direction(ep *model.Endpoint, d model.Direction, f model.Flow, tr *model.Trace) model.DirectionVerdict {
	f = f.Normalized() // zoned and mapped addresses must not skip rules
	w := &world{registered: e.entities}
	addr := f.Dst
	if d == model.Egress {
		addr = f.Src
	}
	judgedEntity := e.inline(w, ep, addr)
	pkt := newPacket(&f, w)
	if judgedEntity == nil {
		owners := pkt.dstOwners
		if d == model.Egress {
			owners = pkt.srcOwners
		}
		judgedEntity = judged(owners)
	}
	return e.judge(judgedEntity, d, pkt, tr)
}

// inline adds an endpoint given for one call to the world, owning addr
// besides its own addresses. It returns nil for a nil endpoint.
func (e *Evaluator) inline(w *world, ep *model.Endpoint, addr netip.Addr) *entity {
	if ep == nil {
		return nil
	}
	ent := newEndpointEntity(ep, e.labels)
	if addr.IsValid() && !slices.Contains(ent.addrs, addr) {
		ent.addrs = append(slices.Clip(ent.addrs), addr)
	}
	w.inline = append(w.inline, ent)
	return ent
}

// judge gives the verdict of one side, filling tr when it is not nil. A nil
// endpoint means nothing is enforced on that side; a host endpoint is
// unjudged (model.DirectionVerdict.Unjudged).
func (e *Evaluator) judge(ep *entity, d model.Direction, pkt *packet, tr *model.Trace) model.DirectionVerdict {
	if ep == nil || ep.isHost() {
		if tr != nil {
			*tr = model.Trace{Hits: []model.Hit{}, PendingHits: []model.Hit{}}
		}
		if ep != nil {
			return model.DirectionVerdict{Unjudged: true, Endpoint: ep.key}
		}
		return model.DirectionVerdict{}
	}
	var enforced, pending *recorder
	if tr != nil {
		enforced = &recorder{hits: []model.Hit{}}
		pending = &recorder{hits: []model.Hit{}}
	}
	dv := model.DirectionVerdict{
		Enforced: true,
		Endpoint: ep.key,
		Decision: e.decide(ep, d, pkt, false, enforced),
		Pending:  e.decide(ep, d, pkt, true, pending),
	}
	if tr != nil {
		*tr = model.Trace{Hits: enforced.hits, PendingHits: pending.hits, Logs: enforced.logs, PendingLogs: pending.logs}
	}
	return dv
}
