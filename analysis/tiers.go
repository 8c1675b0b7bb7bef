package analysis

import (
	"cmp"

	"github.com/verdictlabs/verdict/model"
)

// TierOrder gives the set's tiers (the built-in ones included) in the
// order Felix walks them, each with every policy filed in it in walk
// order, staged ones marked: the policies board of a console. Staged
// Deletes take part in nothing and are not listed.
func TierOrder(set model.Set) []TierAnswer {
	// Ordering needs no selector: a board of ten thousand policies is
	// not worth parsing them all.
	tiers, _ := orderTiers(&set)
	out := make([]TierAnswer, 0, len(tiers))
	for _, tw := range tiers {
		ta := TierAnswer{Tier: tw.tier.Name, DefaultAction: cmp.Or(tw.tier.DefaultAction, model.Deny), Policies: []PolicyInTier{}}
		for _, pi := range tw.policies {
			ta.Policies = append(ta.Policies, PolicyInTier{Ref: refOf(pi.p.Key()), Staged: pi.p.Kind.Staged()})
		}
		out = append(out, ta)
	}
	return out
}
