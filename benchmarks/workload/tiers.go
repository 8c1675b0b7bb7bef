package workload

import "github.com/verdictlabs/verdict/model"

// Tiers of a generated cluster besides the built-in ones.
const (
	tierSecurity = "security"
	tierPlatform = "platform"
	// tierAppTeams has no order: it sorts after every ordered tier,
	// kube-baseline included, as Felix sorts a tier that reached it
	// without one.
	tierAppTeams = "app-teams"
)

// clusterTiers returns the tiers of a new cluster: security (order 100,
// Deny), platform (order 500, Pass), app-teams (no order, Pass) and the
// built-in kube-admin, default and kube-baseline.
func clusterTiers() []model.Tier {
	order := func(f float64) *float64 { return &f }
	tiers := []model.Tier{
		{Name: tierSecurity, Order: order(100), DefaultAction: model.Deny},
		{Name: tierPlatform, Order: order(500), DefaultAction: model.Pass},
		{Name: tierAppTeams, DefaultAction: model.Pass},
	}
	return append(tiers, model.BuiltinTiers()...)
}

// isBuiltinTier reports whether Calico protects the tier from deletion.
func isBuiltinTier(name string) bool {
	return name == model.TierDefault || name == model.TierKubeAdmin || name == model.TierKubeBaseline
}
