package workload_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verdictlabs/verdict/benchmarks/workload"
	"github.com/verdictlabs/verdict/model"
)

func TestApply(t *testing.T) {
	ns := func(name, env string) model.Namespace {
		return model.Namespace{Name: name, Labels: map[string]string{"env": env}}
	}
	tier := func(name string, action model.Action) model.Tier {
		return model.Tier{Name: name, DefaultAction: action}
	}
	base := model.Set{
		Tiers:      []model.Tier{tier("a", model.Deny), tier("b", model.Deny)},
		Namespaces: []model.Namespace{ns("x", "prod"), ns("y", "dev")},
	}
	tests := []struct {
		name   string
		change model.Change
		want   model.Set
	}{
		{
			name:   "empty change",
			change: model.Change{},
			want:   base,
		},
		{
			name:   "upsert replaces in place",
			change: model.Change{Upserts: model.Set{Namespaces: []model.Namespace{ns("x", "dev")}}},
			want:   model.Set{Tiers: base.Tiers, Namespaces: []model.Namespace{ns("x", "dev"), ns("y", "dev")}},
		},
		{
			name:   "upsert of a new key appends",
			change: model.Change{Upserts: model.Set{Tiers: []model.Tier{tier("c", model.Pass)}}},
			want:   model.Set{Tiers: []model.Tier{tier("a", model.Deny), tier("b", model.Deny), tier("c", model.Pass)}, Namespaces: base.Namespaces},
		},
		{
			name:   "delete removes and keeps the order",
			change: model.Change{Deletes: []model.Key{{Kind: model.KindTier, Name: "a"}}},
			want:   model.Set{Tiers: []model.Tier{tier("b", model.Deny)}, Namespaces: base.Namespaces},
		},
		{
			name:   "delete of a missing key does nothing",
			change: model.Change{Deletes: []model.Key{{Kind: model.KindNamespace, Name: "z"}, {Kind: model.KindTier, Name: "x"}}},
			want:   base,
		},
		{
			name: "deletes come after upserts",
			change: model.Change{
				Upserts: model.Set{Namespaces: []model.Namespace{ns("z", "prod")}},
				Deletes: []model.Key{{Kind: model.KindNamespace, Name: "z"}, {Kind: model.KindNamespace, Name: "x"}},
			},
			want: model.Set{Tiers: base.Tiers, Namespaces: []model.Namespace{ns("y", "dev")}},
		},
		{
			name:   "the later of two upserts of one key wins",
			change: model.Change{Upserts: model.Set{Tiers: []model.Tier{tier("b", model.Pass), tier("b", model.Deny), tier("d", model.Deny), tier("d", model.Pass)}}},
			want:   model.Set{Tiers: []model.Tier{tier("a", model.Deny), tier("b", model.Deny), tier("d", model.Pass)}, Namespaces: base.Namespaces},
		},
		{
			name: "keys include kind and namespace",
			change: model.Change{
				Deletes: []model.Key{{Kind: model.KindNamespace, Name: "a"}, {Kind: model.KindTier, Namespace: "x", Name: "b"}},
			},
			want: base,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := cloneSet(base)
			got := workload.Apply(base, tt.change)
			if diff := cmp.Diff(tt.want, got, cmpOpts...); diff != "" {
				t.Errorf("Apply (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(before, base, cmpOpts...); diff != "" {
				t.Errorf("Apply modified its input:\n%s", diff)
			}
		})
	}
}

// The result of Apply has slices of its own: applying to it again leaves
// the earlier result as it was.
func TestApplyDoesNotAlias(t *testing.T) {
	set := workload.NewCluster(workload.ClusterParams{Seed: 1, Endpoints: 20}).Set
	first := workload.Apply(set, model.Change{})
	snapshot := cloneSet(first)
	ep := first.Endpoints[0]
	ep.Labels = map[string]string{"changed": "yes"}
	workload.Apply(first, model.Change{Upserts: model.Set{Endpoints: []model.Endpoint{ep}}, Deletes: []model.Key{first.Endpoints[1].Key()}})
	if diff := cmp.Diff(snapshot, first, cmpOpts...); diff != "" {
		t.Errorf("a second Apply changed the first result:\n%s", diff)
	}
}

// cloneSet copies the slices of a set (not the resources, which are never
// modified in place).
func cloneSet(s model.Set) model.Set {
	return model.Set{
		Tiers:           append([]model.Tier(nil), s.Tiers...),
		Policies:        append([]model.Policy(nil), s.Policies...),
		Profiles:        append([]model.Profile(nil), s.Profiles...),
		NetworkSets:     append([]model.NetworkSet(nil), s.NetworkSets...),
		Namespaces:      append([]model.Namespace(nil), s.Namespaces...),
		ServiceAccounts: append([]model.ServiceAccount(nil), s.ServiceAccounts...),
		Endpoints:       append([]model.Endpoint(nil), s.Endpoints...),
		Services:        append([]model.Service(nil), s.Services...),
	}
}
