package reference

import (
	"github.com/verdictlabs/verdict/internal/calico"
	"github.com/verdictlabs/verdict/model"
)

// Account decides the flow as Evaluate does and gives the whole walk of
// each side: every tier with an applicable policy, every applicable policy
// and every rule looked at, with the first criterion each unmatched rule
// fails. Its hits are those of Explain.
func (e *Evaluator) Account(f model.Flow) model.Account {
	return e.AccountEndpoints(f, nil, nil)
}

// AccountEndpoints is Account with endpoints given inline, judged as
// themselves, as in EvaluateEndpoints; a nil endpoint is found by address.
func (e *Evaluator) AccountEndpoints(f model.Flow, src, dst *model.Endpoint) model.Account {
	srcEntity, dstEntity, pkt := e.sides(f, src, dst)
	var a model.Account
	a.Verdict.Egress, a.Egress = e.accountSide(srcEntity, model.Egress, pkt)
	a.Verdict.Ingress, a.Ingress = e.accountSide(dstEntity, model.Ingress, pkt)
	return a
}

func (e *Evaluator) accountSide(ep *entity, d model.Direction, pkt *packet) (model.DirectionVerdict, model.SideAccount) {
	if ep == nil || ep.isHost() {
		empty := model.WalkAccount{Tiers: []model.TierAccount{}}
		if ep != nil {
			return model.DirectionVerdict{Unjudged: true, Endpoint: ep.key}, model.SideAccount{Endpoint: ep.key, Walk: empty, Pending: empty}
		}
		return model.DirectionVerdict{}, model.SideAccount{Walk: empty, Pending: empty}
	}
	sa := model.SideAccount{
		Enforced: true,
		Endpoint: ep.key,
		Walk:     e.accountWalk(ep, d, pkt, false),
		Pending:  e.accountWalk(ep, d, pkt, true),
	}
	dv := model.DirectionVerdict{Enforced: true, Endpoint: ep.key, Decision: sa.Walk.Decision, Pending: sa.Pending.Decision}
	return dv, sa
}

// accountWalk is decide, keeping every step. It must walk exactly as
// decide does; the tests compare its hits with Explain's on every
// conformance case and on generated clusters.
func (e *Evaluator) accountWalk(ep *entity, d model.Direction, pkt *packet, pending bool) model.WalkAccount {
	walk := model.WalkAccount{Tiers: []model.TierAccount{}}
	// passed is the tier that passed last, whose PassTo names the next
	// tier the walk enters.
	passed := -1
	for _, t := range e.tiers {
		var first *policy
		ta := model.TierAccount{Name: t.model.Name, Policies: []model.PolicyAccount{}}
		decided, passing := false, false
	policies:
		for _, p := range t.policies {
			if p.model.Kind.Staged() && !pending {
				continue
			}
			if !p.appliesTo(ep.labels, d) {
				continue
			}
			if first == nil {
				first = p
			}
			pa := model.PolicyAccount{Kind: p.model.Kind, Namespace: p.model.Namespace, Name: p.model.Name, Rules: []model.RuleAccount{}}
			for i, r := range p.rules(d) {
				ra := ruleAccount(i, r, pkt)
				pa.Rules = append(pa.Rules, ra)
				if !ra.Matched {
					continue
				}
				switch calico.VerbOf(r.model.Action) {
				case calico.VerbAllow:
					walk.Decision = model.Decision{Allowed: true, Hit: p.hit(i, model.HitAllow)}
					decided = true
				case calico.VerbDeny:
					walk.Decision = model.Decision{Hit: p.hit(i, model.HitDeny)}
					decided = true
				case calico.VerbPass:
					passing = true
				}
				if decided || passing {
					ta.Policies = append(ta.Policies, pa)
					break policies
				}
			}
			ta.Policies = append(ta.Policies, pa)
		}
		if first == nil {
			continue // no policy of this tier applies: the tier is skipped
		}
		if passed >= 0 {
			walk.Tiers[passed].PassTo = ta.Name
			passed = -1
		}
		if !decided && !passing {
			h := first.hit(-1, t.defaultHit())
			ta.End = &h
			if h.Action == model.HitDeny {
				walk.Decision = model.Decision{Hit: h}
				decided = true
			} else {
				passing = true
			}
		}
		walk.Tiers = append(walk.Tiers, ta)
		if decided {
			return walk
		}
		passed = len(walk.Tiers) - 1
	}
	if passed >= 0 {
		walk.Tiers[passed].PassTo = model.TierProfile
	}

	for _, name := range ep.endpoint.Profiles {
		prof := e.profiles[name]
		if prof == nil {
			continue // a missing profile is skipped, as in Felix
		}
		pa := model.ProfileAccount{Name: name, Rules: []model.RuleAccount{}}
		for i, r := range prof.rules(d) {
			ra := ruleAccount(i, r, pkt)
			pa.Rules = append(pa.Rules, ra)
			if !ra.Matched || ra.Action == model.Log {
				continue
			}
			walk.Profiles = append(walk.Profiles, pa)
			if ra.Action == model.Allow {
				walk.Decision = model.Decision{Allowed: true, Hit: prof.hit(i, model.HitAllow)}
			} else {
				walk.Decision = model.Decision{Hit: prof.hit(i, model.HitDeny)}
			}
			return walk
		}
		walk.Profiles = append(walk.Profiles, pa)
	}
	walk.Decision = model.Decision{EndOfProfiles: true}
	return walk
}

// ruleAccount looks at one rule: whether it matches and, if not, the
// first criterion it fails.
func ruleAccount(i int, r *rule, pkt *packet) model.RuleAccount {
	ra := model.RuleAccount{Index: i, Action: verbAction(calico.VerbOf(r.model.Action))}
	if r.matches(pkt) {
		ra.Matched = true
		return ra
	}
	ra.Failed = r.failed(pkt)
	return ra
}

// verbAction spells a verb as the action Felix reads it as.
func verbAction(v calico.Verb) model.Action {
	switch v {
	case calico.VerbLog:
		return model.Log
	case calico.VerbAllow:
		return model.Allow
	case calico.VerbPass:
		return model.Pass
	}
	return model.Deny
}
