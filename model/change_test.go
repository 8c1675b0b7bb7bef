package model

import (
	"errors"
	"slices"
	"testing"
)

func TestApply(t *testing.T) {
	ns := func(name, env string) Namespace {
		return Namespace{Name: name, Labels: map[string]string{"env": env}}
	}
	tier := func(name string, action Action) Tier {
		return Tier{Name: name, DefaultAction: action}
	}
	pol := func(name, tier string) Policy {
		return Policy{Kind: KindGlobalNetworkPolicy, Name: name, Tier: tier}
	}
	base := Set{
		Tiers:      []Tier{tier("a", Deny), tier("b", Deny)},
		Policies:   []Policy{pol("in-b", "b")},
		Namespaces: []Namespace{ns("x", "prod"), ns("y", "dev")},
	}
	with := func(f func(s *Set)) Set {
		s := base
		f(&s)
		return s
	}
	many := []Namespace{ns("m1", "a"), ns("m2", "a"), ns("m3", "a"), ns("m4", "a"), ns("x", "test"), ns("m5", "a")}
	tests := []struct {
		name   string
		change Change
		want   Set
		codes  []Code // the problems, when Apply refuses the change
	}{
		{name: "empty change", want: base},
		{
			name:   "upsert replaces in place",
			change: Change{Upserts: Set{Namespaces: []Namespace{ns("x", "dev")}}},
			want:   with(func(s *Set) { s.Namespaces = []Namespace{ns("x", "dev"), ns("y", "dev")} }),
		},
		{
			name:   "upsert of a new key appends",
			change: Change{Upserts: Set{Tiers: []Tier{tier("c", Pass)}}},
			want:   with(func(s *Set) { s.Tiers = []Tier{tier("a", Deny), tier("b", Deny), tier("c", Pass)} }),
		},
		{
			name:   "many upserts are indexed, with the same result",
			change: Change{Upserts: Set{Namespaces: many}},
			want: with(func(s *Set) {
				s.Namespaces = []Namespace{ns("x", "test"), ns("y", "dev"), ns("m1", "a"), ns("m2", "a"), ns("m3", "a"), ns("m4", "a"), ns("m5", "a")}
			}),
		},
		{
			name:   "delete removes and keeps the order",
			change: Change{Deletes: []Key{{Kind: KindTier, Name: "a"}}},
			want:   with(func(s *Set) { s.Tiers = []Tier{tier("b", Deny)} }),
		},
		{
			name:   "delete of a missing key does nothing",
			change: Change{Deletes: []Key{{Kind: KindNamespace, Name: "z"}, {Kind: KindTier, Name: "x"}}},
			want:   base,
		},
		{
			name: "deletes come after upserts",
			change: Change{
				Upserts: Set{Namespaces: []Namespace{ns("z", "prod")}},
				Deletes: []Key{{Kind: KindNamespace, Name: "z"}, {Kind: KindNamespace, Name: "x"}},
			},
			want: with(func(s *Set) { s.Namespaces = []Namespace{ns("y", "dev")} }),
		},
		{
			name:   "a key names its kind",
			change: Change{Deletes: []Key{{Kind: KindNamespace, Name: "a"}, {Kind: KindProfile, Name: "x"}}},
			want:   base,
		},
		{
			name:   "a policy moves to a tier the change adds",
			change: Change{Upserts: Set{Tiers: []Tier{tier("c", Pass)}, Policies: []Policy{pol("in-b", "c")}}},
			want: with(func(s *Set) {
				s.Tiers = []Tier{tier("a", Deny), tier("b", Deny), tier("c", Pass)}
				s.Policies = []Policy{pol("in-b", "c")}
			}),
		},
		{
			name:   "a tier goes with its last policy",
			change: Change{Deletes: []Key{{Kind: KindTier, Name: "b"}, {Kind: KindGlobalNetworkPolicy, Name: "in-b"}}},
			want:   with(func(s *Set) { s.Tiers = []Tier{tier("a", Deny)}; s.Policies = nil }),
		},
		{
			name:   "a built-in tier always exists",
			change: Change{Upserts: Set{Policies: []Policy{pol("in-default", ""), pol("in-admin", TierKubeAdmin)}}},
			want: with(func(s *Set) {
				s.Policies = []Policy{pol("in-b", "b"), pol("in-default", ""), pol("in-admin", TierKubeAdmin)}
			}),
		},
		{
			name:   "refused: a tier deleted under its policy",
			change: Change{Deletes: []Key{{Kind: KindTier, Name: "b"}}},
			codes:  []Code{CodeTier},
		},
		{
			name:   "refused: a policy in a tier that does not exist",
			change: Change{Upserts: Set{Policies: []Policy{pol("new", "nosuch")}}},
			codes:  []Code{CodeTier},
		},
		{
			name:   "refused: two upserts of one key",
			change: Change{Upserts: Set{Tiers: []Tier{tier("c", Pass), tier("c", Deny)}}},
			codes:  []Code{CodeDuplicate},
		},
		{
			name:   "refused: a bad upsert and a bad delete, both reported",
			change: Change{Upserts: Set{Namespaces: []Namespace{{}}}, Deletes: []Key{{Kind: "Bogus", Name: "x"}}},
			codes:  []Code{CodeName, CodeKind},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := cloneSet(base)
			got, err := base.Apply(tt.change)
			if tt.codes != nil {
				var ce *CheckError
				mustBeTrue(t, errors.As(err, &ce), "Apply gave %v", err)
				mustEqual(t, tt.codes, codesOf(ce))
				mustEqual(t, base, got, "a refused change gives the set back")
			} else {
				mustSucceed(t, err)
				mustEqual(t, tt.want, got)
			}
			mustEqual(t, before, base, "Apply does not modify its input")
		})
	}
}

// The result of Apply has slices of its own: applying to it again leaves
// the earlier result as it was.
func TestApplyDoesNotAlias(t *testing.T) {
	set := Set{Namespaces: []Namespace{{Name: "a"}, {Name: "b"}, {Name: "c"}}}
	first, err := set.Apply(Change{})
	mustSucceed(t, err)
	snapshot := cloneSet(first)
	_, err = first.Apply(Change{Upserts: Set{Namespaces: []Namespace{{Name: "a", Labels: map[string]string{"x": "y"}}}},
		Deletes: []Key{{Kind: KindNamespace, Name: "b"}}})
	mustSucceed(t, err)
	mustEqual(t, snapshot, first)
}

func codesOf(e *CheckError) []Code {
	var codes []Code
	for _, p := range e.Problems {
		codes = append(codes, p.Code)
	}
	return codes
}

func cloneSet(s Set) Set {
	return Set{
		Tiers: slices.Clone(s.Tiers), Policies: slices.Clone(s.Policies), Profiles: slices.Clone(s.Profiles),
		NetworkSets: slices.Clone(s.NetworkSets), Namespaces: slices.Clone(s.Namespaces),
		ServiceAccounts: slices.Clone(s.ServiceAccounts), Endpoints: slices.Clone(s.Endpoints), Services: slices.Clone(s.Services),
	}
}
