package reference

import (
	"fmt"

	"github.com/verdictlabs/verdict/internal/calico"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// tier is a tier with its policies in evaluation order.
type tier struct {
	model    *model.Tier
	policies []*policy
}

// defaultHit is the action of the tier's default-action hit: pass for a
// Pass tier, deny for anything else (Felix treats every other value as
// Deny).
func (t *tier) defaultHit() model.HitAction {
	if t.model.DefaultAction == model.Pass {
		return model.HitPass
	}
	return model.HitDeny
}

// policy is a policy with the selector it really applies with and its
// rules prepared.
type policy struct {
	model   *model.Policy
	tier    string
	selects *selector.Selector
	ingress []*rule
	egress  []*rule
}

func (p *policy) rules(d model.Direction) []*rule {
	if d == model.Egress {
		return p.egress
	}
	return p.ingress
}

// appliesTo reports whether the policy takes part in the normal
// evaluation of an endpoint with these labels in direction d (SPEC 3).
// doNotTrack and preDNAT policies run in other hooks, never here.
func (p *policy) appliesTo(labels selector.Labels, d model.Direction) bool {
	m := p.model
	return !m.DoNotTrack && !m.PreDNAT && m.Governs(d) && p.selects.Matches(labels)
}

// hit is the trace entry for rule index i of the policy.
func (p *policy) hit(index int, action model.HitAction) model.Hit {
	return model.Hit{
		Kind:      p.model.Kind,
		Tier:      p.tier,
		Namespace: p.model.Namespace,
		Name:      p.model.Name,
		Index:     index,
		Action:    action,
	}
}

// profile is a profile with its rules prepared.
type profile struct {
	model   *model.Profile
	ingress []*rule
	egress  []*rule
}

func (p *profile) rules(d model.Direction) []*rule {
	if d == model.Egress {
		return p.egress
	}
	return p.ingress
}

func (p *profile) hit(index int, action model.HitAction) model.Hit {
	return model.Hit{Kind: model.KindProfile, Tier: model.TierProfile, Name: p.model.Name, Index: index, Action: action}
}

// rule is a rule with the effective selectors and services of both sides
// resolved. Everything else is read from the model rule as it is.
type rule struct {
	model       *model.Rule
	source      side
	destination side
}

// side is one side (source or destination) of a rule, prepared.
type side struct {
	criteria *model.EntityRule
	// positive is the effective peer selector, nil when the side has no
	// positive identity part; negative is the notSelector.
	positive *selector.Selector
	negative *selector.Selector
	// service is the service the side names; serviceMissing is set when it
	// names one that does not exist, which matches nothing (SPEC 7).
	service        *model.Service
	serviceMissing bool
	// ns is the namespace of the rule's policy, "" for global policies
	// and profiles; explanations name it.
	ns string
}

// ruleEnv is what preparing rules needs from the whole set: the services
// rules may name, and the namespace clauses already parsed (every rule
// side of a namespaced policy is scoped by one).
type ruleEnv struct {
	services map[model.Key]*model.Service
	clauses  calico.NamespaceClauses
}

// compileRules prepares a policy's or profile's rules. ns is the policy's
// namespace ("" for global policies and profiles): it scopes peer
// selectors and is the namespace of a service named without one.
func compileRules(rules []model.Rule, ns string, env *ruleEnv) ([]*rule, error) {
	out := make([]*rule, len(rules))
	for i := range rules {
		r := &rules[i]
		src, err := compileSide(&r.Source, ns, env)
		if err != nil {
			return nil, fmt.Errorf("rule %d: source: %w", i, err)
		}
		dst, err := compileSide(&r.Destination, ns, env)
		if err != nil {
			return nil, fmt.Errorf("rule %d: destination: %w", i, err)
		}
		out[i] = &rule{model: r, source: src, destination: dst}
	}
	return out, nil
}

func compileSide(er *model.EntityRule, ns string, env *ruleEnv) (side, error) {
	pos, neg, err := calico.PeerSelectors(er, ns, &env.clauses)
	if err != nil {
		return side{}, err
	}
	s := side{criteria: er, positive: pos, negative: neg, ns: ns}
	if sm := er.Services; sm != nil {
		// SPEC 7: Calico's documentation says an empty namespace is the
		// policy's, but Felix looks up "/<name>", as here, and no service
		// has an empty namespace, so the side matches nothing.
		s.service = env.services[model.Key{Kind: model.KindService, Namespace: sm.Namespace, Name: sm.Name}]
		s.serviceMissing = s.service == nil
	}
	return s, nil
}
