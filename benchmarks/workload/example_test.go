package workload_test

import (
	"fmt"

	"github.com/verdictlabs/verdict/benchmarks/workload"
	"github.com/verdictlabs/verdict/model"
)

func ExampleNewCluster() {
	p := workload.DefaultClusterParams(100)
	p.Seed = 42
	c := workload.NewCluster(p)

	pods, hosts := 0, 0
	for _, ep := range c.Set.Endpoints {
		if ep.Kind == model.KindHostEndpoint {
			hosts++
		} else {
			pods++
		}
	}
	fmt.Println("pods:", pods)
	fmt.Println("nodes:", hosts)
	fmt.Println("namespaces:", len(c.Set.Namespaces))
	fmt.Println("tiers:", len(c.Set.Tiers))
	fmt.Println("flows:", len(c.Flows))

	// The same parameters give the same cluster.
	again := workload.NewCluster(p)
	fmt.Println("same first flow:", fmt.Sprint(again.Flows[0]) == fmt.Sprint(c.Flows[0]))
	// Output:
	// pods: 100
	// nodes: 5
	// namespaces: 7
	// tiers: 6
	// flows: 1000
	// same first flow: true
}

func ExampleChanges() {
	set := workload.NewCluster(workload.DefaultClusterParams(50)).Set
	batches := workload.Changes(set, 7, 10, 3)
	for _, c := range batches {
		// Each batch is valid against the set the previous ones leave;
		// an evaluator under test would Apply it here too.
		next, err := set.Apply(c)
		if err != nil {
			fmt.Println(err)
			return
		}
		set = next
	}
	fmt.Println("batches:", len(batches))
	// Output:
	// batches: 10
}
