package model

import "iter"

// Key identifies one resource: its kind, namespace (empty when it has
// none) and name.
type Key struct {
	Kind      Kind   `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
}

// String gives "Kind namespace/name", or "Kind name" without a namespace.
func (k Key) String() string {
	if k.Namespace == "" {
		return string(k.Kind) + " " + k.Name
	}
	return string(k.Kind) + " " + k.Namespace + "/" + k.Name
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

// Resources yields every resource of the set with its key: a pointer to
// the resource in the set (*Tier, *Policy, *Profile, *NetworkSet,
// *Namespace, *ServiceAccount, *Endpoint or *Service), kind by kind in
// the order of Set's fields, and in each kind in the set's order. The
// pointers are into the set's slices: read through them, never write.
func (s *Set) Resources() iter.Seq2[Key, any] {
	return func(yield func(Key, any) bool) {
		_ = visit(s.Tiers, (*Tier).Key, yield) &&
			visit(s.Policies, (*Policy).Key, yield) &&
			visit(s.Profiles, (*Profile).Key, yield) &&
			visit(s.NetworkSets, (*NetworkSet).Key, yield) &&
			visit(s.Namespaces, (*Namespace).Key, yield) &&
			visit(s.ServiceAccounts, (*ServiceAccount).Key, yield) &&
			visit(s.Endpoints, (*Endpoint).Key, yield) &&
			visit(s.Services, (*Service).Key, yield)
	}
}

// visit yields the resources of one kind; false when yield asked to stop.
func visit[T any](list []T, key func(*T) Key, yield func(Key, any) bool) bool {
	for i := range list {
		if !yield(key(&list[i]), &list[i]) {
			return false
		}
	}
	return true
}

// Keys lists the keys of every resource of the set, in the order
// Resources yields them.
func (s *Set) Keys() []Key {
	keys := make([]Key, 0, s.Len())
	for k := range s.Resources() {
		keys = append(keys, k)
	}
	return keys
}

// Append adds every resource of o to the end of s, kind by kind.
func (s *Set) Append(o *Set) {
	s.Tiers = append(s.Tiers, o.Tiers...)
	s.Policies = append(s.Policies, o.Policies...)
	s.Profiles = append(s.Profiles, o.Profiles...)
	s.NetworkSets = append(s.NetworkSets, o.NetworkSets...)
	s.Namespaces = append(s.Namespaces, o.Namespaces...)
	s.ServiceAccounts = append(s.ServiceAccounts, o.ServiceAccounts...)
	s.Endpoints = append(s.Endpoints, o.Endpoints...)
	s.Services = append(s.Services, o.Services...)
}

// Len returns how many resources the set holds.
func (s *Set) Len() int {
	return len(s.Tiers) + len(s.Policies) + len(s.Profiles) + len(s.NetworkSets) +
		len(s.Namespaces) + len(s.ServiceAccounts) + len(s.Endpoints) + len(s.Services)
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
