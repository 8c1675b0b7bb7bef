package workload_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verdictlabs/verdict/benchmarks/workload"
	"github.com/verdictlabs/verdict/eval/reference"
	"github.com/verdictlabs/verdict/model"
)

// Every batch is valid against the set the batches before it leave: the
// set after it loads without problems, refers only to what exists, and is
// accepted by the reference evaluator.
func TestChangesValid(t *testing.T) {
	for _, p := range []workload.ClusterParams{
		workload.DefaultClusterParams(80),
		{Seed: 3, Namespaces: 2, Endpoints: 30, DualStack: 1, Policies: 10},
	} {
		set := workload.NewCluster(p).Set
		batches := workload.Changes(set, p.Seed+100, 40, 5)
		for i, c := range batches {
			set = mustApply(t, set, c)
			if bad := consistency(set); len(bad) > 0 {
				t.Fatalf("seed %d: after batch %d: %v", p.Seed, i, bad)
			}
			if _, err := reference.New(set); err != nil {
				t.Fatalf("seed %d: after batch %d: reference.New: %v", p.Seed, i, err)
			}
			if i%10 == 9 {
				checkValid(t, "after batch "+itoa(i), set)
			}
		}
	}
}

func TestChangesDeterministic(t *testing.T) {
	set := workload.NewCluster(workload.DefaultClusterParams(60)).Set
	a := workload.Changes(set, 5, 30, 4)
	b := workload.Changes(set, 5, 30, 4)
	if diff := cmp.Diff(a, b, cmpOpts...); diff != "" {
		t.Errorf("Changes differs between two calls (-first +second):\n%s", diff)
	}
	if c := workload.Changes(set, 6, 30, 4); cmp.Equal(a, c, cmpOpts...) {
		t.Error("seeds 5 and 6 gave the same changes")
	}
}

// A batch touches each resource once at most, deletes only what exists,
// and holds at most perBatch updates (an update touches one resource, or
// a few that belong together, such as a pod and its services).
func TestChangesBatchShape(t *testing.T) {
	set := workload.NewCluster(workload.DefaultClusterParams(60)).Set
	const perBatch = 3
	batches := workload.Changes(set, 8, 50, perBatch)
	if len(batches) != 50 {
		t.Fatalf("got %d batches, want 50", len(batches))
	}
	for i, c := range batches {
		exists := map[model.Key]bool{}
		for _, k := range set.Keys() {
			exists[k] = true
		}
		touched := map[model.Key]bool{}
		upserted := c.Upserts.Keys()
		for _, k := range append(upserted, c.Deletes...) {
			if touched[k] {
				t.Errorf("batch %d touches %s twice", i, k)
			}
			touched[k] = true
		}
		for _, k := range c.Deletes {
			if !exists[k] {
				t.Errorf("batch %d deletes %s, which does not exist", i, k)
			}
		}
		if len(upserted)+len(c.Deletes) == 0 {
			t.Errorf("batch %d is empty", i)
		}
		set = mustApply(t, set, c)
	}
}

// A long stream holds every kind of update the package documents.
func TestChangesKinds(t *testing.T) {
	set := workload.NewCluster(workload.DefaultClusterParams(100)).Set
	have := map[string]bool{}
	for _, c := range workload.Changes(set, 1, 150, 4) {
		for _, k := range c.Upserts.Keys() {
			have["upsert "+string(k.Kind)] = true
		}
		for _, k := range c.Deletes {
			have["delete "+string(k.Kind)] = true
		}
		for _, tr := range c.Upserts.Tiers {
			if tr.Order == nil {
				have["tier without order"] = true
			}
		}
	}
	for _, want := range []string{
		"upsert WorkloadEndpoint", "delete WorkloadEndpoint", "upsert HostEndpoint", "delete HostEndpoint",
		"upsert GlobalNetworkPolicy", "upsert NetworkPolicy", "delete KubernetesNetworkPolicy",
		"upsert Tier", "delete Tier", "tier without order",
		"upsert GlobalNetworkSet", "delete GlobalNetworkSet", "upsert NetworkSet",
		"upsert Namespace", "delete Namespace", "upsert Profile", "delete Profile",
		"upsert ServiceAccount", "delete ServiceAccount", "upsert Service", "delete Service",
	} {
		if !have[want] {
			t.Errorf("150 batches hold no %s", want)
		}
	}
}

func TestChangesNothingAsked(t *testing.T) {
	set := workload.NewCluster(workload.ClusterParams{Seed: 1, Endpoints: 10}).Set
	if got := workload.Changes(set, 1, 0, 5); len(got) != 0 {
		t.Errorf("0 batches: got %d", len(got))
	}
	for i, c := range workload.Changes(set, 1, 3, 0) {
		if len(c.Upserts.Keys())+len(c.Deletes) != 0 {
			t.Errorf("batch %d of size 0 holds updates", i)
		}
	}
	// An empty set still gets valid updates: new tiers, namespaces, nodes
	// and network sets.
	empty := model.Set{}
	for i, c := range workload.Changes(empty, 2, 20, 3) {
		empty = mustApply(t, empty, c)
		if bad := consistency(empty); len(bad) > 0 {
			t.Fatalf("empty set, after batch %d: %v", i, bad)
		}
	}
}
