package analysis

import (
	"cmp"
	"slices"

	"github.com/verdictlabs/verdict/internal/calico"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// tierWalk is a tier with its policies in evaluation order.
type tierWalk struct {
	tier     *model.Tier
	policies []*policyInfo
}

// policyInfo is a policy with what the analyses ask of it again and again.
type policyInfo struct {
	p *model.Policy
	// index is the policy's place in the set.
	index int
	// selects is the selector it applies with (calico.PolicySelector).
	selects *selector.Selector
	// ns is the namespace that scopes its rules: its own for namespaced
	// kinds, "" for global ones.
	ns    string
	rules [2][]*ruleInfo // by direction: 0 ingress, 1 egress
	err   error          // a selector Calico could not build
	// sortName is p.SortName(), written once for sorting.
	sortName string
}

// ruleInfo is one rule with its effective peer selectors.
type ruleInfo struct {
	pol   *policyInfo
	dir   model.Direction
	index int
	r     *model.Rule
	src   sideInfo
	dst   sideInfo
	id    int // unique among the rules of the set
}

// sideInfo is one side of a rule with its effective selectors.
type sideInfo struct {
	er       *model.EntityRule
	pos, neg *selector.Selector
}

func dirIndex(d model.Direction) int {
	if d == model.Egress {
		return 1
	}
	return 0
}

func dirField(d model.Direction) string {
	if d == model.Egress {
		return "egress"
	}
	return "ingress"
}

// applies reports whether the policy takes part in the normal walk of an
// endpoint with these labels in direction d (SPEC 3); doNotTrack and
// preDNAT policies run in other hooks.
func (pi *policyInfo) applies(labels selector.Labels, d model.Direction) bool {
	p := pi.p
	return pi.err == nil && !p.DoNotTrack && !p.PreDNAT && p.Governs(d) && pi.selects.Matches(labels)
}

// walk prepares every policy of the set and orders the tiers and the
// policies in them as Felix does. Staged Deletes take part in nothing.
func walk(set *model.Set) (tiers []*tierWalk, policies []*policyInfo) {
	tiers, policies = orderTiers(set)
	var clauses calico.NamespaceClauses
	id := 0
	for _, pi := range policies {
		p := pi.p
		pi.selects, pi.err = calico.PolicySelector(p)
		for _, d := range []model.Direction{model.Ingress, model.Egress} {
			rules := p.Rules(d)
			for j := range rules {
				ri := &ruleInfo{pol: pi, dir: d, index: j, r: &rules[j], id: id}
				id++
				var err error
				ri.src.er, ri.dst.er = &rules[j].Source, &rules[j].Destination
				if ri.src.pos, ri.src.neg, err = calico.PeerSelectors(ri.src.er, pi.ns, &clauses); err != nil && pi.err == nil {
					pi.err = err
				}
				if ri.dst.pos, ri.dst.neg, err = calico.PeerSelectors(ri.dst.er, pi.ns, &clauses); err != nil && pi.err == nil {
					pi.err = err
				}
				pi.rules[dirIndex(d)] = append(pi.rules[dirIndex(d)], ri)
			}
		}
	}
	return tiers, policies
}

// orderTiers orders the tiers and the policies in them as Felix does,
// without preparing the policies' selectors and rules: policies are in
// the set's order, Staged Deletes left out.
func orderTiers(set *model.Set) (tiers []*tierWalk, policies []*policyInfo) {
	byName := map[string]*tierWalk{}
	withBuiltin := set.WithBuiltinTiers()
	for i := range withBuiltin.Tiers {
		t := &withBuiltin.Tiers[i]
		if byName[t.Name] != nil {
			continue
		}
		tw := &tierWalk{tier: t}
		byName[t.Name] = tw
		tiers = append(tiers, tw)
	}
	slices.SortStableFunc(tiers, func(a, b *tierWalk) int {
		return cmp.Or(calico.CompareOrders(a.tier.Order, b.tier.Order), cmp.Compare(a.tier.Name, b.tier.Name))
	})
	for i := range set.Policies {
		p := &set.Policies[i]
		if p.Kind.Staged() && p.StagedAction == model.StagedDelete {
			continue
		}
		pi := &policyInfo{p: p, index: i, sortName: p.SortName()}
		if p.Kind.Namespaced() {
			pi.ns = p.Namespace
		}
		policies = append(policies, pi)
		tierName := cmp.Or(p.Tier, model.TierDefault)
		if tw := byName[tierName]; tw != nil {
			tw.policies = append(tw.policies, pi)
		}
	}
	for _, tw := range tiers {
		slices.SortStableFunc(tw.policies, func(a, b *policyInfo) int {
			return cmp.Or(calico.CompareOrders(a.p.Order, b.p.Order), cmp.Compare(a.sortName, b.sortName))
		})
	}
	return tiers, policies
}
