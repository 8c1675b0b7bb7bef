package workload_test

import (
	"fmt"
	"testing"

	"github.com/verdictlabs/verdict/benchmarks/workload"
)

// Generated sets load through package policy without a problem or a
// warning, and their resources refer only to what exists.
func TestNewClusterValid(t *testing.T) {
	params := []workload.ClusterParams{
		{},
		{Seed: 2, Endpoints: 12},
		workload.DefaultClusterParams(200),
		{Seed: 7, Namespaces: 9, Endpoints: 500, MaxReplicas: 5, Policies: 150, NetworkSets: 30, HostEndpoints: 6, DualStack: 1},
	}
	for seed := uint64(20); seed < 26; seed++ {
		p := workload.DefaultClusterParams(60)
		p.Seed = seed
		params = append(params, p)
	}
	for _, p := range params {
		t.Run(fmt.Sprintf("seed%d-%dpods", p.Seed, p.Endpoints), func(t *testing.T) {
			checkValid(t, "generated set", workload.NewCluster(p).Set)
		})
	}
}
