package benchmarks

import (
	"fmt"
	"testing"

	"github.com/verdictlabs/verdict/benchmarks/workload"
	"github.com/verdictlabs/verdict/model"
)

// BenchmarkRelabel relabels an endpoint that n selectors sharing a
// required label are candidates for, Felix's label index worst case.
func BenchmarkRelabel(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			s := workload.SharedLabel(n)
			e := newEngine(b, s.Set)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				// Starting from Relabel[1] makes every operation a change.
				next := (i + 1) % 2
				if err := e.Apply(model.Change{Upserts: model.Set{Endpoints: s.Relabel[next : next+1]}}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkApply applies single changes to a default cluster: an
// endpoint gaining or losing a label, and a policy changing order. The
// endpoint and policy rows keep the 10k cluster they were first measured
// on (1k with -short); endpoint100k and policy100k make the same changes
// on the 100k cluster the policy-change target is stated at.
func BenchmarkApply(b *testing.B) {
	n := pick(10_000, 1_000)
	b.Run("endpoint", func(b *testing.B) { applyEndpoint(b, cluster(n).Set) })
	b.Run("policy", func(b *testing.B) { applyPolicy(b, cluster(n).Set) })
	b.Run("endpoint100k", func(b *testing.B) {
		fullSizeOnly(b)
		applyEndpoint(b, cluster(100_000).Set)
	})
	b.Run("policy100k", func(b *testing.B) {
		fullSizeOnly(b)
		defer forget(100_000)
		applyPolicy(b, cluster(100_000).Set)
	})
}

// applyEndpoint toggles a label of an endpoint in the middle of set.
func applyEndpoint(b *testing.B, set model.Set) {
	e := newEngine(b, set)
	ep := set.Endpoints[len(set.Endpoints)/2]
	variants := [2]model.Endpoint{ep, ep}
	variants[1].Labels = map[string]string{}
	for k, v := range ep.Labels {
		variants[1].Labels[k] = v
	}
	variants[1].Labels["benchmark-toggle"] = "on"
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		next := (i + 1) % 2
		if err := e.Apply(model.Change{Upserts: model.Set{Endpoints: variants[next : next+1]}}); err != nil {
			b.Fatal(err)
		}
	}
}

// applyPolicy moves a policy in the middle of set to another order and
// back.
func applyPolicy(b *testing.B, set model.Set) {
	e := newEngine(b, set)
	pol := set.Policies[len(set.Policies)/2]
	variants := [2]model.Policy{pol, pol}
	order := 999.5
	variants[1].Order = &order
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		next := (i + 1) % 2
		if err := e.Apply(model.Change{Upserts: model.Set{Policies: variants[next : next+1]}}); err != nil {
			b.Fatal(err)
		}
	}
}
