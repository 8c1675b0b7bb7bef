package reference

import (
	"cmp"
	"slices"

	"github.com/verdictlabs/verdict/internal/calico"
	"github.com/verdictlabs/verdict/model"
)

// compareTiers orders tiers as Felix does (SPEC 3): by order, a tier
// without one after every ordered tier, then by name.
func compareTiers(a, b *model.Tier) int {
	if c := calico.CompareOrders(a.Order, b.Order); c != 0 {
		return c
	}
	return cmp.Compare(a.Name, b.Name)
}

// comparePolicies orders the policies of one tier: by order, a policy
// without one last, then by "<name>/<namespace>/<kind>" byte by byte.
func comparePolicies(a, b *model.Policy) int {
	if c := calico.CompareOrders(a.Order, b.Order); c != 0 {
		return c
	}
	return cmp.Compare(a.SortName(), b.SortName())
}

// sortedTiers returns the tiers in evaluation order.
func sortedTiers(tiers []*tier) []*tier {
	out := slices.Clone(tiers)
	slices.SortStableFunc(out, func(a, b *tier) int { return compareTiers(a.model, b.model) })
	return out
}

// sortPolicies puts a tier's policies in evaluation order.
func sortPolicies(ps []*policy) {
	slices.SortStableFunc(ps, func(a, b *policy) int { return comparePolicies(a.model, b.model) })
}
