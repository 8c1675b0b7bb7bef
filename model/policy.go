package model

import "github.com/verdictlabs/verdict/selector"

// Tier groups policies; tiers are walked in order, and a tier's default
// action applies when its applicable policies decide nothing.
type Tier struct {
	Name string
	// Order sorts tiers, lower first; ties go by name. A nil order sorts
	// after every ordered tier (the loader defaults it to 1,000,000, as
	// Calico's API does, so only hand-built models hold one).
	Order *float64
	// DefaultAction is Deny or Pass; anything else is treated as Deny.
	DefaultAction Action
}

// Key identifies the tier among all resources.
func (t *Tier) Key() Key { return Key{Kind: KindTier, Name: t.Name} }

// Well-known tier names and orders.
const (
	TierDefault      = "default"
	TierKubeAdmin    = "kube-admin"
	TierKubeBaseline = "kube-baseline"

	DefaultTierOrder      = 1_000_000
	KubeAdminTierOrder    = 1_000
	KubeBaselineTierOrder = 10_000_000
)

// BuiltinTiers returns the tiers that always exist in Calico: kube-admin
// (1,000, Pass), default (1,000,000, Deny) and kube-baseline (10,000,000,
// Pass).
func BuiltinTiers() []Tier {
	order := func(f float64) *float64 { return &f }
	return []Tier{
		{Name: TierKubeAdmin, Order: order(KubeAdminTierOrder), DefaultAction: Pass},
		{Name: TierDefault, Order: order(DefaultTierOrder), DefaultAction: Deny},
		{Name: TierKubeBaseline, Order: order(KubeBaselineTierOrder), DefaultAction: Pass},
	}
}

// Policy is any kind of policy: Calico's global and namespaced policies,
// their staged forms, and converted Kubernetes policies.
type Policy struct {
	Kind      Kind
	Name      string
	Namespace string // empty for global kinds
	Tier      string
	// Order sorts policies inside a tier, lower first; nil sorts after every
	// numbered policy. Ties go by the string "<name>/<namespace>/<kind>".
	Order *float64

	// Selector picks the endpoints the policy applies to; nil means all().
	Selector *selector.Selector
	// NamespaceSelector (global kinds only) is matched against the labels
	// of the endpoint's namespace; nil when not given.
	NamespaceSelector *selector.Selector
	// ServiceAccountSelector is matched against the labels of the
	// endpoint's service account; nil when not given.
	ServiceAccountSelector *selector.Selector

	// Types lists the directions the policy governs. Empty means both, as
	// in Felix; the loader always fills it in.
	Types   []Direction
	Ingress []Rule
	Egress  []Rule

	DoNotTrack       bool
	PreDNAT          bool
	ApplyOnForward   bool
	PerformanceHints []string

	// StagedAction is set for staged kinds only.
	StagedAction StagedAction
}

// Governs reports whether the policy governs direction d.
func (p *Policy) Governs(d Direction) bool {
	if len(p.Types) == 0 {
		return true
	}
	for _, t := range p.Types {
		if t == d {
			return true
		}
	}
	return false
}

// Rules returns the policy's rules for direction d.
func (p *Policy) Rules(d Direction) []Rule {
	if d == Egress {
		return p.Egress
	}
	return p.Ingress
}

// Key identifies the policy among all resources.
func (p *Policy) Key() Key {
	return Key{Kind: p.Kind, Namespace: p.Namespace, Name: p.Name}
}

// SortName is the tie-break string Felix uses inside a tier:
// "<name>/<namespace>/<kind>", compared byte by byte.
func (p *Policy) SortName() string {
	return p.Name + "/" + p.Namespace + "/" + string(p.Kind)
}

// Profile holds rules that apply after every tier, and labels its
// endpoints inherit.
type Profile struct {
	Name          string
	Ingress       []Rule
	Egress        []Rule
	LabelsToApply map[string]string
}

// Rules returns the profile's rules for direction d.
func (p *Profile) Rules(d Direction) []Rule {
	if d == Egress {
		return p.Egress
	}
	return p.Ingress
}

// Key identifies the profile among all resources.
func (p *Profile) Key() Key { return Key{Kind: KindProfile, Name: p.Name} }
