package model

// Resource kinds that are not policy kinds, as used in Key.Kind. Policies
// use their Kind and endpoints their EndpointKind.
const (
	ResourceTier             = "Tier"
	ResourceProfile          = "Profile"
	ResourceNetworkSet       = "NetworkSet"
	ResourceGlobalNetworkSet = "GlobalNetworkSet"
	ResourceNamespace        = "Namespace"
	ResourceServiceAccount   = "ServiceAccount"
	ResourceService          = "Service"
)

// Key identifies one resource: its kind, namespace (empty when it has
// none) and name.
type Key struct {
	Kind      string
	Namespace string
	Name      string
}

// String gives "Kind namespace/name", or "Kind name" without a namespace.
func (k Key) String() string {
	if k.Namespace == "" {
		return k.Kind + " " + k.Name
	}
	return k.Kind + " " + k.Namespace + "/" + k.Name
}

// Set is a whole model: every resource the evaluators know about.
type Set struct {
	Tiers           []Tier
	Policies        []Policy
	Profiles        []Profile
	NetworkSets     []NetworkSet
	Namespaces      []Namespace
	ServiceAccounts []ServiceAccount
	Endpoints       []Endpoint
	Services        []Service
}

// WithBuiltinTiers returns a copy of the set that also holds every
// built-in tier it does not define itself.
func (s Set) WithBuiltinTiers() Set {
	have := make(map[string]bool, len(s.Tiers))
	for _, t := range s.Tiers {
		have[t.Name] = true
	}
	tiers := append([]Tier(nil), s.Tiers...)
	for _, t := range BuiltinTiers() {
		if !have[t.Name] {
			tiers = append(tiers, t)
		}
	}
	s.Tiers = tiers
	return s
}

// Change is one atomic batch of updates: every upsert adds a resource or
// replaces the one with the same Key, then every delete removes one. An
// evaluator applies all of it or, on any error, none of it.
type Change struct {
	Upserts Set
	Deletes []Key
}
